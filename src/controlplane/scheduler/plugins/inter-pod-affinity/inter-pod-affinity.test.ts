import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { snapshotOf } from '../../testing/snapshot.js';
import { InterPodAffinity, REASON_AFFINITY, REASON_ANTI_AFFINITY, REASON_EXISTING_ANTI_AFFINITY } from './inter-pod-affinity.js';

const ZONE = 'topology.kubernetes.io/zone';
const nodes = [
  makeNode('a1', { labels: { [ZONE]: 'a' } }),
  makeNode('a2', { labels: { [ZONE]: 'a' } }),
  makeNode('b1', { labels: { [ZONE]: 'b' } }),
  makeNode('nozone'),
];

const term = (app: string, topologyKey = ZONE) => ({ labelSelector: { matchLabels: { app } }, topologyKey });
const affinity = (app: string, topologyKey?: string): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app, topologyKey)] } });
const anti = (app: string, topologyKey?: string): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app, topologyKey)] } });

/** Node names the pod may go to. */
function feasible(pod: Pod, existing: Pod[]): { nodes: string[]; reasons: Record<string, string> } {
  const snap = snapshotOf(nodes, existing);
  const p = new InterPodAffinity();
  const info = new PodInfo(pod);
  const state = new CycleState();
  const pre = p.preFilter(state, info, snap);
  if (pre.code === Code.Skip) return { nodes: nodes.map((n) => n.metadata!.name!), reasons: {} };
  const ok: string[] = [];
  const reasons: Record<string, string> = {};
  for (const n of snap.nodes) {
    const s = p.filter(state, info, n);
    if (s.isSuccess()) ok.push(n.name);
    else reasons[n.name] = s.reasons[0];
  }
  return { nodes: ok, reasons };
}

describe('InterPodAffinity filter', () => {
  const web = (name: string, node: string) => makePod(name, { labels: { app: 'web' }, nodeName: node });
  const cases: { name: string; pod: Pod; existing: Pod[]; want: string[]; reason?: [string, string] }[] = [
    { name: 'no terms, no anti-affinity pods: skipped', pod: makePod('p'), existing: [web('w', 'a1')], want: ['a1', 'a2', 'b1', 'nozone'] },
    { name: 'affinity to a zone holding web', pod: makePod('p', { spec: { affinity: affinity('web') } }), existing: [web('w', 'a1')], want: ['a1', 'a2'], reason: ['b1', REASON_AFFINITY] },
    { name: 'affinity by hostname', pod: makePod('p', { spec: { affinity: affinity('web', 'kubernetes.io/hostname') } }), existing: [web('w', 'b1')], want: ['b1'] },
    { name: 'first pod of a self-affine group may go anywhere labelled', pod: makePod('p', { labels: { app: 'web' }, spec: { affinity: affinity('web') } }), existing: [], want: ['a1', 'a2', 'b1'], reason: ['nozone', REASON_AFFINITY] },
    { name: 'affinity with no match and no self match', pod: makePod('p', { spec: { affinity: affinity('db') } }), existing: [web('w', 'a1')], want: [] },
    { name: 'anti-affinity avoids the zone', pod: makePod('p', { spec: { affinity: anti('web') } }), existing: [web('w', 'a2')], want: ['b1', 'nozone'], reason: ['a1', REASON_ANTI_AFFINITY] },
    { name: 'anti-affinity by hostname', pod: makePod('p', { spec: { affinity: anti('web', 'kubernetes.io/hostname') } }), existing: [web('w', 'a2')], want: ['a1', 'b1', 'nozone'] },
    { name: 'other namespace is not selected', pod: makePod('p', { spec: { affinity: anti('web') } }), existing: [makePod('w', { namespace: 'other', labels: { app: 'web' }, nodeName: 'a1' })], want: ['a1', 'a2', 'b1', 'nozone'] },
    {
      name: "existing pod's anti-affinity repels the incoming pod",
      pod: makePod('p', { labels: { app: 'web' } }),
      existing: [makePod('guard', { nodeName: 'b1', spec: { affinity: anti('web') } })],
      want: ['a1', 'a2', 'nozone'], reason: ['b1', REASON_EXISTING_ANTI_AFFINITY],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = feasible(c.pod, c.existing);
      assert.deepEqual(r.nodes, c.want);
      if (c.reason) assert.equal(r.reasons[c.reason[0]], c.reason[1]);
    });
  }
  test('rejection codes: affinity unresolvable, anti-affinity unschedulable', () => {
    const snap = snapshotOf(nodes, [makePod('w', { labels: { app: 'web' }, nodeName: 'a1' })]);
    const p = new InterPodAffinity();
    for (const [aff, code] of [[affinity('db'), Code.UnschedulableAndUnresolvable], [anti('web'), Code.Unschedulable]] as const) {
      const info = new PodInfo(makePod('p', { spec: { affinity: aff } }));
      const state = new CycleState();
      p.preFilter(state, info, snap);
      assert.equal(p.filter(state, info, snap.get('a1')!).code, code);
    }
  });
});

describe('InterPodAffinity score', () => {
  test('preferred affinity pulls toward, preferred anti-affinity pushes away', () => {
    const snap = snapshotOf(nodes, [makePod('w', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('d', { labels: { app: 'db' }, nodeName: 'b1' })]);
    const pod = new PodInfo(makePod('p', {
      spec: {
        affinity: {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('web') }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term('db') }] },
        },
      },
    }));
    const p = new InterPodAffinity();
    const state = new CycleState();
    assert.equal(p.preScore(state, pod, snap.nodes, snap).code, Code.Success);
    const scores = Float64Array.from(snap.nodes.map((n) => p.score(state, pod, n)));
    assert.deepEqual([...scores], [10, 10, -5, 0]);
    p.normalizeScore(state, pod, snap.nodes, scores);
    assert.deepEqual([...scores], [100, 100, 0, 33]);
  });
});
