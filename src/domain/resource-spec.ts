// Resource attribute maps, the shape of Neutron's RESOURCE_ATTRIBUTE_MAP:
// which attributes a POST or PUT may carry, which are required, how each is
// converted. parseCreateBody/parseUpdateBody validate a whole request body
// before anything is written, so bad input changes nothing.
import { AttributeError, type Converter, show, toStr } from './attributes.js';
import { HTTPBadRequest } from './errors.js';

export interface AttributeSpec {
  readonly post?: boolean;
  readonly put?: boolean;
  /** Required on POST. */
  readonly required?: boolean;
  readonly convert?: Converter;
}

export interface ResourceSpec {
  readonly singular: string;
  readonly plural: string;
  /** Attributes a client may send; read-only ones are listed so the error says so. */
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
}

/** Validated attributes of one resource in a request; absent keys were not sent. */
export type Attrs = Readonly<Record<string, unknown>>;

export const PROJECT_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  tenant_id: { post: true, convert: toStr(255) },
  project_id: { post: true, convert: toStr(255) },
};

export const STANDARD_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  id: {},
  description: { post: true, put: true, convert: toStr(255) },
  tags: {},
  created_at: {},
  updated_at: {},
  revision_number: {},
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convertAll(spec: ResourceSpec, item: Record<string, unknown>, op: 'POST' | 'PUT'): Record<string, unknown> {
  const unknown = Object.keys(item).filter((k) => !(k in spec.attributes));
  if (unknown.length > 0) throw new HTTPBadRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    const attr = spec.attributes[name]!;
    if (op === 'POST' && !attr.post) throw new HTTPBadRequest(`Attribute '${name}' not allowed in POST`);
    if (op === 'PUT' && !attr.put) throw new HTTPBadRequest(`Cannot update read-only attribute ${name}`);
    try {
      out[name] = attr.convert ? attr.convert(value) : value;
    } catch (err) {
      if (err instanceof AttributeError) {
        throw new HTTPBadRequest(`Invalid input for ${name}. Reason: ${err.message}.`);
      }
      throw err;
    }
  }
  return out;
}

/** project_id and tenant_id are one attribute under two names. */
function unifyProject(attrs: Record<string, unknown>): Record<string, unknown> {
  const { tenant_id, project_id, ...rest } = attrs;
  if (tenant_id !== undefined && project_id !== undefined && tenant_id !== project_id) {
    throw new HTTPBadRequest(`'project_id' and 'tenant_id' do not match`);
  }
  const project = project_id ?? tenant_id;
  return project === undefined ? rest : { ...rest, project_id: project };
}

/** A POST body: `{"network": {...}}` or the bulk form `{"networks": [...]}`. */
export function parseCreateBody(spec: ResourceSpec, body: unknown): { items: Attrs[]; bulk: boolean } {
  if (!isObject(body)) throw new HTTPBadRequest('Body contains invalid data');
  let raw: unknown[];
  let bulk: boolean;
  if (spec.plural in body) {
    const list = body[spec.plural];
    if (!Array.isArray(list) || list.length === 0) {
      throw new HTTPBadRequest(`Resources required: '${spec.plural}' must be a non-empty list`);
    }
    raw = list.map((entry) => (isObject(entry) && spec.singular in entry ? entry[spec.singular] : entry));
    bulk = true;
  } else if (spec.singular in body) {
    raw = [body[spec.singular]];
    bulk = false;
  } else {
    throw new HTTPBadRequest(`Unable to find '${spec.singular}' in request body`);
  }
  const items = raw.map((item) => {
    if (!isObject(item)) throw new HTTPBadRequest(`Invalid input for ${spec.singular}. Reason: '${show(item)}' is not a dictionary.`);
    const attrs = unifyProject(convertAll(spec, item, 'POST'));
    for (const [name, attr] of Object.entries(spec.attributes)) {
      if (attr.required && attrs[name] === undefined) {
        throw new HTTPBadRequest(`Failed to parse request. Required attribute '${name}' not specified`);
      }
    }
    return attrs;
  });
  return { items, bulk };
}

/** A PUT body: `{"network": {...}}`. */
export function parseUpdateBody(spec: ResourceSpec, body: unknown): Attrs {
  if (!isObject(body) || !(spec.singular in body)) {
    throw new HTTPBadRequest(`Unable to find '${spec.singular}' in request body`);
  }
  const item = body[spec.singular];
  if (!isObject(item)) throw new HTTPBadRequest(`Invalid input for ${spec.singular}. Reason: '${show(item)}' is not a dictionary.`);
  return convertAll(spec, item, 'PUT');
}
