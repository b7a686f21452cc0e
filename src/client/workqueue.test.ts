import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { defaultControllerRateLimiter, ItemExponentialFailureRateLimiter } from './rate-limiter.js';
import { DelayingQueue, RateLimitingQueue, runWorkers, WorkQueue } from './workqueue.js';

/** Lets resolved promises run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('WorkQueue guarantees', () => {
  test('FIFO, and an item added again while queued is queued once', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    assert.equal(q.len(), 3);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
  });

  test('an item being processed is not handed out again; re-added, it comes back after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while in flight');
    let second: string | undefined;
    q.get().then((k) => (second = k));
    await settle();
    assert.equal(second, undefined, 'a second worker does not get the in-flight item');
    q.done(first!);
    await settle();
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  test('waiting workers are served in the order they asked', async () => {
    const q = new WorkQueue();
    const got: string[] = [];
    q.get().then((k) => got.push(`w1:${k}`));
    q.get().then((k) => got.push(`w2:${k}`));
    q.add('x');
    q.add('y');
    await settle();
    assert.deepEqual(got, ['w1:x', 'w2:y']);
  });

  test('shutdown ignores new items, hands out queued ones, then ends; drain waits for in-flight items', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    const a = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    q.add('c');
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), undefined);
    q.done('b');
    await settle();
    assert.equal(drained, false, 'a is still in flight');
    q.done(a!);
    await drain;
    assert.equal(drained, true);
  });

  test('an idle get resolves undefined on shutdown', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    assert.equal(await pending, undefined);
  });
});

describe('DelayingQueue', () => {
  test('addAfter waits on the clock; the earlier of two delays wins', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('b', 0);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'b');
    clock.step(49);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
    clock.step(100);
    assert.equal(q.len(), 1, 'the later timer was cancelled, not run twice');
    q.addAfter('c', 10);
    q.shutDown();
    clock.step(10);
    assert.equal(q.len(), 1);
    assert.equal(clock.pendingTimers(), 0);
  });
});

describe('rate limiting', () => {
  test('per-item exponential backoff from 5 ms to a 1000 s cap, reset by forget', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>();
    assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a'), rl.when('b')], [5, 10, 20, 5]);
    assert.equal(rl.numRequeues('a'), 3);
    for (let i = 0; i < 30; i++) rl.when('a');
    assert.equal(rl.when('a'), 1_000_000);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
  });

  test('the default controller limiter also throttles all items together: burst 100, then 10 qps', () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter<string>(clock);
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`item-${i}`), 5);
    assert.equal(rl.when('item-100'), 100);
    assert.equal(rl.when('item-101'), 200);
    clock.step(1000);
    assert.equal(rl.when('item-102'), 5, 'ten tokens came back in a second');
  });

  test('addRateLimited delays by the backoff; numRequeues counts; forget resets', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock });
    q.addRateLimited('k');
    q.addRateLimited('k'); // 10 ms, later than the waiting 5 ms: the earlier stays
    assert.equal(q.numRequeues('k'), 2);
    clock.step(4);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });

  test('runWorkers retries failures with backoff, forgets successes, and stops on shutdown', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
    const calls: string[] = [];
    let failuresLeft = 2;
    const done = runWorkers(q, 2, async (key) => {
      calls.push(key);
      if (key === 'flaky' && failuresLeft-- > 0) throw new Error('boom');
    }, { onError: () => undefined });
    q.add('ok');
    q.add('flaky');
    await settle();
    assert.deepEqual(calls, ['ok', 'flaky']);
    assert.equal(q.numRequeues('flaky'), 1);
    clock.step(5);
    await settle();
    clock.step(10);
    await settle();
    assert.deepEqual(calls, ['ok', 'flaky', 'flaky', 'flaky']);
    assert.equal(q.numRequeues('flaky'), 0, 'forgotten after success');
    await q.shutDownWithDrain();
    await done;
  });
});
