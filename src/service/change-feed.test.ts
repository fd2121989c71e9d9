import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import { ChangeFeed } from './change-feed.js';

it('fires at once, folds a burst into one trailing event, and stays quiet after', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const feed = new ChangeFeed(20);
    let calls = 0;
    feed.subscribe(() => calls++);
    feed.notify();
    assert.equal(calls, 1, 'the first change is told at once');
    feed.notify();
    feed.notify();
    assert.equal(calls, 1);
    mock.timers.tick(20);
    assert.equal(calls, 2, 'the burst becomes one event at the end of the window');
    mock.timers.tick(20);
    assert.equal(calls, 2);
    feed.notify();
    assert.equal(calls, 3);
    feed.close();
  } finally {
    mock.timers.reset();
  }
});
