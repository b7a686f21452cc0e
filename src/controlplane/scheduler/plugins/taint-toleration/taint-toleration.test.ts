import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { nodeInfoOf } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { fits, TaintToleration } from './taint-toleration.js';

const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
const soft: Taint = { key: 'spot', value: 'true', effect: 'PreferNoSchedule' };

describe('TaintToleration.fits', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: string | undefined }[] = [
    { name: 'no taints', taints: [], want: undefined },
    { name: 'untolerated NoSchedule', taints: [cp], want: cp.key },
    { name: 'PreferNoSchedule never filters', taints: [soft], want: undefined },
    { name: 'Exists by key', taints: [cp], tolerations: [{ key: cp.key, operator: 'Exists' }], want: undefined },
    { name: 'Equal with value', taints: [gpu], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }], want: undefined },
    { name: 'Equal is the default operator', taints: [gpu], tolerations: [{ key: 'dedicated', value: 'gpu' }], want: undefined },
    { name: 'Equal with another value', taints: [gpu], tolerations: [{ key: 'dedicated', value: 'cpu' }], want: 'dedicated' },
    { name: 'wrong effect', taints: [gpu], tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], want: 'dedicated' },
    { name: 'empty key with Exists tolerates all', taints: [cp, gpu], tolerations: [{ operator: 'Exists' }], want: undefined },
    { name: 'one of two tolerated', taints: [cp, gpu], tolerations: [{ key: cp.key, operator: 'Exists' }], want: 'dedicated' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(fits(makePod('p', { spec: { tolerations: c.tolerations } }), c.taints)?.key, c.want));
  }
});

describe('TaintToleration plugin', () => {
  test('Filter names the taint as upstream: {key: value}', () => {
    const p = new TaintToleration();
    const pod = new PodInfo(makePod('p'));
    assert.deepEqual(p.filter(new CycleState(), pod, nodeInfoOf(makeNode('n', { taints: [cp] }))).reasons, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
    const s = p.filter(new CycleState(), pod, nodeInfoOf(makeNode('n', { taints: [gpu] })));
    assert.deepEqual(s.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
    assert.equal(s.code, Code.UnschedulableAndUnresolvable);
  });

  test('Score prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
    const p = new TaintToleration();
    const other: Taint = { key: 'old', effect: 'PreferNoSchedule' };
    const nodes = [nodeInfoOf(makeNode('a')), nodeInfoOf(makeNode('b', { taints: [soft] })), nodeInfoOf(makeNode('c', { taints: [soft, other] }))];
    const run = (tolerations?: Toleration[]) => {
      const pod = new PodInfo(makePod('p', { spec: { tolerations } }));
      const state = new CycleState();
      p.preScore(state, pod);
      const scores = Float64Array.from(nodes.map((n) => p.score(state, pod, n)));
      p.normalizeScore(state, pod, nodes, scores);
      return [...scores];
    };
    assert.deepEqual(run(), [100, 50, 0]);
    assert.deepEqual(run([{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }]), [100, 100, 0]);
  });
});
