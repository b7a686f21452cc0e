import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseLabels, parseResource, parseTaints, nodeNames } from './simulation-spec.js';
import { PodIpPool, nodeIp, podCidr } from './address-plan.js';

test('parseDuration reads Go durations', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0], ['1s', 1000], ['0.5s', 500], ['500ms', 500], ['1m30s', 90_000], ['2h', 7_200_000], ['1.5m', 90_000],
    ['', undefined], ['5', undefined], ['5 s', undefined], ['-1s', undefined], ['1d', undefined], ['s', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseDuration(text), want, text);
});

test('parseTaints accepts kubectl taint syntax and rejects bad effects and keys', () => {
  assert.deepEqual(parseTaints(['gpu=true:NoSchedule', 'dedicated:NoExecute']), [
    { key: 'gpu', value: 'true', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute' },
  ]);
  assert.throws(() => parseTaints(['gpu=true:Sometimes']), /effect must be NoSchedule, PreferNoSchedule or NoExecute/);
  assert.throws(() => parseTaints(['gpu=true']), /expected key=value:Effect/);
  assert.throws(() => parseTaints(['bad key=x:NoSchedule']), /invalid taint "bad key=x:NoSchedule"/);
});

test('parseLabels validates keys and values', () => {
  assert.deepEqual(parseLabels(['zone=a', 'example.com/tier=web']), { zone: 'a', 'example.com/tier': 'web' });
  assert.throws(() => parseLabels(['novalue']), /expected key=value/);
  assert.throws(() => parseLabels(['zone=a b']), /invalid label/);
});

test('parseResource canonicalises quantities and rejects junk', () => {
  assert.equal(parseResource('--memory', '256Gi'), '256Gi');
  assert.equal(parseResource('--cpu', '32'), '32');
  assert.throws(() => parseResource('--cpu', 'lots'), /invalid --cpu "lots"/);
  assert.throws(() => parseResource('--cpu', '0'), /must be positive/);
});

test('node names, node IPs and pod CIDRs are distinct per index', () => {
  assert.deepEqual(nodeNames({ namePrefix: 'sim-', startIndex: 3, count: 2 }), ['sim-3', 'sim-4']);
  assert.equal(nodeIp(0), '172.16.0.1');
  assert.equal(nodeIp(255), '172.16.1.0');
  assert.equal(podCidr(0), '10.192.0.0/24');
  assert.equal(podCidr(4999), '10.211.135.0/24');
  assert.throws(() => podCidr(16_384), /only 0–16383 fit/);
});

test('PodIpPool hands out .2–.254, keeps a pod its IP, re-claims after restart and reports a full /24', () => {
  const pool = new PodIpPool(1);
  assert.equal(pool.allocate('a'), '10.192.1.2');
  assert.equal(pool.allocate('b'), '10.192.1.3');
  assert.equal(pool.allocate('a'), '10.192.1.2');
  pool.release('a');
  assert.equal(pool.allocate('c'), '10.192.1.2');
  assert.equal(pool.claim('d', '10.192.1.3'), false, 'taken by b');
  assert.equal(pool.claim('d', '10.192.2.9'), false, 'another node');
  assert.equal(pool.claim('d', '10.192.1.77'), true);
  for (let i = 0; i < 250; i++) pool.allocate(`x${i}`);
  assert.equal(pool.size, 253);
  assert.equal(pool.allocate('one-too-many'), undefined);
});
