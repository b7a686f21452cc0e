import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorTerm, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { nodeInfoOf } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { fits, NodeAffinity, REASON } from './node-affinity.js';

const labels = { zone: 'a', disk: 'ssd', cores: '16' };

function withTerms(terms: NodeSelectorTerm[]) {
  return makePod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
}

describe('NodeAffinity.fits', () => {
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: boolean }[] = [
    { name: 'no constraints', pod: makePod('p'), want: true },
    { name: 'nodeSelector match', pod: makePod('p', { spec: { nodeSelector: { zone: 'a' } } }), want: true },
    { name: 'nodeSelector mismatch', pod: makePod('p', { spec: { nodeSelector: { zone: 'b' } } }), want: false },
    { name: 'nodeSelector missing label', pod: makePod('p', { spec: { nodeSelector: { gpu: 'yes' } } }), want: false },
    { name: 'In', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]), want: true },
    { name: 'In mismatch', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }]), want: false },
    { name: 'NotIn', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['c'] }] }]), want: true },
    { name: 'NotIn on absent label matches', pod: withTerms([{ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['c'] }] }]), want: true },
    { name: 'Exists', pod: withTerms([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]), want: true },
    { name: 'DoesNotExist', pod: withTerms([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]), want: false },
    { name: 'Gt', pod: withTerms([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }]), want: true },
    { name: 'Gt fails', pod: withTerms([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['16'] }] }]), want: false },
    { name: 'Lt', pod: withTerms([{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['32'] }] }]), want: true },
    { name: 'Lt on a non-integer label', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'Lt', values: ['32'] }] }]), want: false },
    { name: 'terms are ORed', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]), want: true },
    { name: 'expressions are ANDed', pod: withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }]), want: false },
    { name: 'empty term matches nothing', pod: withTerms([{}]), want: false },
    { name: 'matchFields metadata.name', pod: withTerms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), want: true },
    { name: 'nodeSelector AND affinity', pod: { ...withTerms([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]), spec: { ...withTerms([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]).spec!, nodeSelector: { disk: 'hdd' } } }, want: false },
  ];
  for (const c of cases) test(c.name, () => assert.equal(fits(c.pod, makeNode('n1', { labels })), c.want));
});

describe('NodeAffinity plugin', () => {
  test('Filter rejects with the upstream reason, unresolvable', () => {
    const p = new NodeAffinity();
    const pod = new PodInfo(makePod('p', { spec: { nodeSelector: { zone: 'b' } } }));
    const state = new CycleState();
    assert.equal(p.preFilter(state, pod).code, Code.Success);
    const s = p.filter(state, pod, nodeInfoOf(makeNode('n1', { labels })));
    assert.equal(s.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual(s.reasons, [REASON]);
  });

  test('preferred terms: weights summed and normalised to 100 for the best node', () => {
    const pref: PreferredSchedulingTerm[] = [
      { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
      { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
    ];
    const p = new NodeAffinity();
    const pod = new PodInfo(makePod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: pref } } } }));
    const nodes = [nodeInfoOf(makeNode('a', { labels: { zone: 'a' } })), nodeInfoOf(makeNode('b', { labels: { zone: 'a', disk: 'ssd' } })), nodeInfoOf(makeNode('c'))];
    const state = new CycleState();
    assert.equal(p.preScore(state, pod).code, Code.Success);
    const scores = Float64Array.from(nodes.map((n) => p.score(state, pod, n)));
    assert.deepEqual([...scores], [10, 40, 0]);
    p.normalizeScore(state, pod, nodes, scores);
    assert.deepEqual([...scores], [25, 100, 0]);
  });
});
