import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, goDuration } from './crash-backoff.js';

test('back-off: first retry at once, then 10 s doubling to 5 min, reset after 10 min quiet', () => {
  let now = 0;
  const b = new Backoff(10_000, 300_000, () => now);
  assert.equal(b.remaining('k', now), 0);
  const delays = [];
  for (let i = 0; i < 7; i++) {
    b.next('k');
    delays.push(b.delay('k'));
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.equal(b.remaining('k', now), 300_000);
  now += 100_000;
  assert.equal(b.remaining('k', 0), 200_000);
  now += 600_001;
  assert.equal(b.delay('k'), 0, 'expired after twice the maximum');
  assert.equal(goDuration(10_000), '10s');
  assert.equal(goDuration(300_000), '5m0s');
});
