import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequest, HTTPBadRequest, NetworkNotFound } from '../domain/errors.js';
import { applyListQuery, parseListQuery } from './list-query.js';

const views = [
  { id: 'a', name: 'x', admin_state_up: true, mtu: 1450, tags: ['red'], fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.2' }] },
  { id: 'b', name: 'y', admin_state_up: false, mtu: 1500, tags: ['red', 'blue'], fixed_ips: [{ subnet_id: 's2', ip_address: '10.0.1.2' }] },
  { id: 'c', name: 'x', admin_state_up: true, mtu: 1400, tags: [], fixed_ips: [] },
];
const url = new URL('http://h/v2.0/ports');
const run = (qs: string) => applyListQuery(views, parseListQuery(new URLSearchParams(qs)), new URL(`${url}?${qs}`), (id) => new NetworkNotFound(id));
const ids = (qs: string) => run(qs).items.map((v) => v.id);

describe('filters', () => {
  it('match attribute values, repeated keys as alternatives, booleans as strings', () => {
    assert.deepEqual(ids('name=x'), ['a', 'c']);
    assert.deepEqual(ids('id=a&id=b'), ['a', 'b']);
    assert.deepEqual(ids('admin_state_up=False'), ['b']);
    assert.deepEqual(ids('mtu=1500'), ['b']);
    assert.deepEqual(ids('unknown_filter=1'), ['a', 'b', 'c']);
  });
  it('understand fixed_ips=ip_address=X and subnet_id=Y', () => {
    assert.deepEqual(ids('fixed_ips=ip_address%3D10.0.1.2'), ['b']);
    assert.deepEqual(ids('fixed_ips=subnet_id%3Ds1'), ['a']);
    assert.deepEqual(ids('fixed_ips=subnet_id%3Ds1&fixed_ips=ip_address%3D10.0.1.2'), []);
  });
  it('understand the tag filters', () => {
    assert.deepEqual(ids('tags=red,blue'), ['b']);
    assert.deepEqual(ids('tags-any=blue,red'), ['a', 'b']);
    assert.deepEqual(ids('not-tags=red'), ['c']);
    assert.deepEqual(ids('not-tags-any=blue'), ['a', 'c']);
  });
});

describe('sorting, paging and fields', () => {
  it('sorts by several keys with id as the tie-breaker', () => {
    assert.deepEqual(ids('sort_key=name&sort_dir=desc'), ['b', 'a', 'c']);
    assert.deepEqual(ids('sort_key=mtu'), ['c', 'a', 'b']);
    assert.throws(() => run('sort_key=nope'), HTTPBadRequest);
    assert.throws(() => run('sort_key=name&sort_dir=sideways'), HTTPBadRequest);
  });
  it('pages with limit and marker and links to the next and previous page', () => {
    const first = run('limit=2');
    assert.deepEqual(first.items.map((v) => v.id), ['a', 'b']);
    assert.equal(first.links.length, 1);
    assert.equal(new URL(first.links[0]!.href).searchParams.get('marker'), 'b');
    const second = run('limit=2&marker=b');
    assert.deepEqual(second.items.map((v) => v.id), ['c']);
    assert.deepEqual(second.links.map((l) => l.rel), ['previous']);
    assert.deepEqual(ids('limit=1&marker=c&page_reverse=True'), ['b']);
    assert.throws(() => run('marker=zzz'), NetworkNotFound);
    assert.throws(() => run('limit=-1'), BadRequest);
  });
  it('projects fields, repeated or comma-separated', () => {
    assert.deepEqual(run('fields=id&fields=name').items[0], { id: 'a', name: 'x' });
    assert.deepEqual(run('fields=id,mtu').items[1], { id: 'b', mtu: 1500 });
  });
});
