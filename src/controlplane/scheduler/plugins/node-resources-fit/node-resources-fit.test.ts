import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { nodeInfoOf } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { podRequests } from '../../framework/resources.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { fits, leastAllocated, NodeResourcesFit } from './node-resources-fit.js';

const GI = 1024 ** 3;

function podWith(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return makePod('p', { spec });
}
const c = (name: string, cpu: string, memory?: string, restartPolicy?: string): Container =>
  ({ name, image: 'x', restartPolicy, resources: { requests: memory ? { cpu, memory } : { cpu } } });

describe('podRequests (the Kubernetes way)', () => {
  const cases: { name: string; pod: Pod; cpu: number; memory: number }[] = [
    { name: 'sum of app containers', pod: podWith({ containers: [c('a', '100m', '1Gi'), c('b', '200m', '1Gi')] }), cpu: 300, memory: 2 * GI },
    { name: 'larger init container wins', pod: podWith({ initContainers: [c('i', '1', '3Gi')], containers: [c('a', '100m', '1Gi'), c('b', '200m', '1Gi')] }), cpu: 1000, memory: 3 * GI },
    { name: 'per resource max', pod: podWith({ initContainers: [c('i', '1', '1Gi')], containers: [c('a', '100m', '2Gi')] }), cpu: 1000, memory: 2 * GI },
    { name: 'init containers take the max, not the sum', pod: podWith({ initContainers: [c('i1', '500m'), c('i2', '600m')], containers: [c('a', '100m')] }), cpu: 600, memory: 0 },
    { name: 'overhead is added', pod: podWith({ containers: [c('a', '100m', '1Gi')], overhead: { cpu: '250m', memory: '120Mi' } }), cpu: 350, memory: GI + 120 * 1024 * 1024 },
    { name: 'sidecar runs beside later init containers and the app', pod: podWith({ initContainers: [c('side', '200m', undefined, 'Always'), c('i', '500m')], containers: [c('a', '100m')] }), cpu: 700, memory: 0 },
    { name: 'sidecar adds to the app sum', pod: podWith({ initContainers: [c('side', '200m', undefined, 'Always')], containers: [c('a', '1')] }), cpu: 1200, memory: 0 },
  ];
  for (const t of cases) {
    test(t.name, () => {
      const r = podRequests(t.pod);
      assert.equal(r.milliCPU, t.cpu);
      assert.equal(r.memory, t.memory);
    });
  }
  test('non-zero defaults for scoring: 100m and 200Mi per container without requests', () => {
    const r = podRequests(podWith({ containers: [{ name: 'a', image: 'x' }, c('b', '1')] }), { nonZero: true });
    assert.equal(r.milliCPU, 1100);
    assert.equal(r.memory, 2 * 200 * 1024 * 1024); // b has a cpu request but no memory request
  });
});

describe('NodeResourcesFit.fits', () => {
  const alloc = { milliCPU: 2000, memory: 4 * GI, ephemeralStorage: 10 * GI, pods: 3 };
  const cases: { name: string; req: Partial<ReturnType<typeof podRequests>>; used?: Partial<ReturnType<typeof podRequests>>; pods?: number; want: string[] }[] = [
    { name: 'fits', req: { milliCPU: 1000, memory: GI }, want: [] },
    { name: 'exactly fits', req: { milliCPU: 2000, memory: 4 * GI }, want: [] },
    { name: 'cpu', req: { milliCPU: 2001 }, want: ['Insufficient cpu'] },
    { name: 'cpu used by others', req: { milliCPU: 1000 }, used: { milliCPU: 1500 }, want: ['Insufficient cpu'] },
    { name: 'memory', req: { memory: 5 * GI }, want: ['Insufficient memory'] },
    { name: 'ephemeral-storage', req: { ephemeralStorage: 11 * GI }, want: ['Insufficient ephemeral-storage'] },
    { name: 'pods', req: {}, pods: 3, want: ['Too many pods'] },
    { name: 'all reasons in upstream order', req: { milliCPU: 3000, memory: 8 * GI }, pods: 3, want: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'] },
    { name: 'zero request fits an overcommitted node', req: {}, used: { milliCPU: 9000 }, want: [] },
    { name: 'extended resource', req: { scalar: new Map([['example.com/gpu', 1]]) }, want: ['Insufficient example.com/gpu'] },
  ];
  for (const t of cases) {
    test(t.name, () => {
      const req = { milliCPU: 0, memory: 0, ephemeralStorage: 0, ...t.req };
      const requested = { milliCPU: 0, memory: 0, ephemeralStorage: 0, ...(t.used ?? {}) };
      assert.deepEqual(fits(req, { allocatable: alloc, requested, podCount: t.pods ?? 0 }), t.want);
    });
  }
});

describe('NodeResourcesFit plugin', () => {
  test('Filter counts pods already on the node and returns Unschedulable', () => {
    const p = new NodeResourcesFit();
    const node = nodeInfoOf(makeNode('n', { cpu: '1', memory: '1Gi' }), [new PodInfo(makePod('a', { cpu: '600m' }))]);
    const s = p.filter(new CycleState(), new PodInfo(makePod('b', { cpu: '500m' })), node);
    assert.equal(s.code, Code.Unschedulable);
    assert.deepEqual(s.reasons, ['Insufficient cpu']);
    assert.equal(p.filter(new CycleState(), new PodInfo(makePod('c', { cpu: '400m' })), node).code, Code.Success);
  });

  test('LeastAllocated: emptier nodes score higher', () => {
    assert.equal(leastAllocated(0, 4000), 100);
    assert.equal(leastAllocated(1000, 4000), 75);
    assert.equal(leastAllocated(5000, 4000), 0);
    assert.equal(leastAllocated(10, 0), 0);
    const p = new NodeResourcesFit();
    const pod = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
    const empty = nodeInfoOf(makeNode('a', { cpu: '4', memory: '4Gi' }));
    const busy = nodeInfoOf(makeNode('b', { cpu: '4', memory: '4Gi' }), [new PodInfo(makePod('x', { cpu: '2', memory: '2Gi' }))]);
    assert.equal(p.score(new CycleState(), pod, empty), 75);
    assert.equal(p.score(new CycleState(), pod, busy), 25);
  });
});
