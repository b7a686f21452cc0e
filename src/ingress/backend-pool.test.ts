/**
 * Endpoint choice: round-robin, skipping endpoints already tried and, for a while, endpoints that refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendPool } from './backend-pool.js';
import type { Backend, Endpoint } from './route-table.js';

const ep = (n: number): Endpoint => ({ address: `10.0.0.${n}`, port: 80, key: `10.0.0.${n}:80` });
const backend = (...ns: number[]): Backend => ({ id: 'ns/svc:80', namespace: 'ns', service: 'svc', port: 80, endpoints: ns.map(ep) });

test('round-robin visits every endpoint equally', () => {
  const pool = new BackendPool();
  const b = backend(1, 2, 3);
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const k = pool.pick(b)!.key;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()], [100, 100, 100]);
});

test('endpoints already tried for a request are skipped; none left → undefined', () => {
  const pool = new BackendPool();
  const b = backend(1, 2);
  assert.equal(pool.pick(b, new Set(['10.0.0.1:80']))?.key, '10.0.0.2:80');
  assert.equal(pool.pick(b, new Set(['10.0.0.1:80', '10.0.0.2:80'])), undefined);
  assert.equal(pool.pick(backend()), undefined);
});

test('a refused endpoint is skipped until its fail timeout passes, unless nothing else is left', () => {
  let now = 1_000;
  const pool = new BackendPool({ failTimeoutMs: 10_000, now: () => now });
  const b = backend(1, 2);
  pool.markFailed(ep(1));
  for (let i = 0; i < 10; i++) assert.equal(pool.pick(b)?.key, '10.0.0.2:80');
  assert.equal(pool.pick(b, new Set(['10.0.0.2:80']))?.key, '10.0.0.1:80', 'a failed endpoint beats no endpoint');
  now += 10_001;
  const seen = new Set(Array.from({ length: 4 }, () => pool.pick(b)!.key));
  assert.deepEqual([...seen].sort(), ['10.0.0.1:80', '10.0.0.2:80']);
});

test('agents are kept per endpoint and retired when the endpoint leaves every backend', () => {
  const pool = new BackendPool();
  const a1 = pool.agent(ep(1));
  assert.equal(pool.agent(ep(1)), a1);
  pool.agent(ep(2));
  assert.equal(pool.size(), 2);
  pool.retain([backend(2)]);
  assert.equal(pool.size(), 1);
  assert.notEqual(pool.agent(ep(1)), a1, 'a retired agent is never handed out again');
  pool.close();
});
