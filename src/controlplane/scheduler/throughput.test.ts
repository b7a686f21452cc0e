/**
 * Throughput of pure scheduling decisions (no HTTP): the default profile choosing nodes for pods on 5,000 nodes,
 * each decision assumed into the cache as the real loop does. It reports pods/s for the adaptive node sampling and
 * for a full scan, which is the measurement behind numFeasibleNodesToFind. It asserts only sanity (every pod placed,
 * the cache counting them), not a speed, so it cannot flake on a busy machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../client/index.js';
import { CycleState } from './framework/cycle-state.js';
import { PodInfo } from './framework/pod-info.js';
import { defaultFramework } from './plugins/registry.js';
import { Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/fixtures.js';

const NODES = 5000;
const PODS = 5000;

function measure(percentage: number, pods: number): { rate: number; scheduled: number; assumed: number } {
  const client = new Client({ server: 'https://127.0.0.1:1' });
  const s = new Scheduler(client, defaultFramework({ client }), { percentageOfNodesToScore: percentage });
  for (let i = 0; i < NODES; i++) s.cache.addNode(makeNode(`node-${i}`, { cpu: '32', memory: '256Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } }));
  // Pods in the style of scheduler_perf SchedulingBasic: small requests, no affinity.
  const infos = Array.from({ length: pods }, (_, i) => new PodInfo(makePod(`p-${i}`, { cpu: '100m', memory: '500Mi' })));
  let scheduled = 0;
  const t0 = performance.now();
  for (const p of infos) {
    const r = s.schedulePod(new CycleState(), p);
    if ('node' in r && r.node) {
      s.cache.assumePod(p, r.node);
      scheduled++;
    }
  }
  const ms = performance.now() - t0;
  client.close();
  return { rate: Math.round((pods / ms) * 1000), scheduled, assumed: s.cache.stats().assumed };
}

test('scheduling decisions on 5,000 nodes: adaptive sampling vs full scan', () => {
  const adaptive = measure(0, PODS);
  const full = measure(100, 1000);
  console.log(`# 5000 nodes, default profile, pure decisions: adaptive ${adaptive.rate} pods/s, full scan ${full.rate} pods/s`);
  assert.equal(adaptive.scheduled, PODS);
  assert.equal(adaptive.assumed, PODS);
  assert.equal(full.scheduled, 1000);
});
