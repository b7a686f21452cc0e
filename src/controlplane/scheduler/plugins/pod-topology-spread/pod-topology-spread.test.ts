import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { snapshotOf } from '../../testing/snapshot.js';
import { PodTopologySpread, REASON, REASON_MISSING_LABEL } from './pod-topology-spread.js';

const ZONE = 'topology.kubernetes.io/zone';
const nodes = [
  makeNode('a1', { labels: { [ZONE]: 'a' } }),
  makeNode('a2', { labels: { [ZONE]: 'a' } }),
  makeNode('b1', { labels: { [ZONE]: 'b' } }),
  makeNode('c1', { labels: { [ZONE]: 'c', gpu: 'yes' } }),
  makeNode('nozone'),
];

const spread = (maxSkew: number, when: 'DoNotSchedule' | 'ScheduleAnyway', extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint =>
  ({ maxSkew, topologyKey: ZONE, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } }, ...extra });
const web = (name: string, node: string, labels: Record<string, string> = { app: 'web' }) => makePod(name, { labels, nodeName: node });

function filter(pod: Pod, existing: Pod[]): Record<string, string> {
  const snap = snapshotOf(nodes, existing);
  const p = new PodTopologySpread();
  const info = new PodInfo(pod);
  const state = new CycleState();
  const out: Record<string, string> = {};
  if (p.preFilter(state, info, snap).code === Code.Skip) return Object.fromEntries(snap.nodes.map((n) => [n.name, 'ok']));
  for (const n of snap.nodes) {
    const s = p.filter(state, info, n);
    out[n.name] = s.isSuccess() ? 'ok' : `${Code[s.code]}: ${s.reasons[0]}`;
  }
  return out;
}

describe('PodTopologySpread filter (DoNotSchedule)', () => {
  const U = `Unschedulable: ${REASON}`;
  const L = `UnschedulableAndUnresolvable: ${REASON_MISSING_LABEL}`;
  const cases: { name: string; pod: Pod; existing: Pod[]; want: Record<string, string> }[] = [
    {
      name: 'empty cluster: every labelled domain is fine', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'DoNotSchedule')] } }),
      existing: [], want: { a1: 'ok', a2: 'ok', b1: 'ok', c1: 'ok', nozone: L },
    },
    {
      name: 'zone a has one more: skew would be 2', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'DoNotSchedule')] } }),
      existing: [web('w1', 'a1')], want: { a1: U, a2: U, b1: 'ok', c1: 'ok', nozone: L },
    },
    {
      name: 'maxSkew 2 allows it', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(2, 'DoNotSchedule')] } }),
      existing: [web('w1', 'a1')], want: { a1: 'ok', a2: 'ok', b1: 'ok', c1: 'ok', nozone: L },
    },
    {
      name: 'pods not matching the selector do not count', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'DoNotSchedule')] } }),
      existing: [web('w1', 'a1', { app: 'db' })], want: { a1: 'ok', a2: 'ok', b1: 'ok', c1: 'ok', nozone: L },
    },
    {
      name: 'nodeAffinityPolicy Honor: only selectable domains count', pod: makePod('p', { labels: { app: 'web' }, spec: { nodeSelector: { gpu: 'yes' }, topologySpreadConstraints: [spread(1, 'DoNotSchedule')] } }),
      existing: [web('w1', 'c1')], want: { a1: 'ok', a2: 'ok', b1: 'ok', c1: 'ok', nozone: L },
    },
    {
      name: 'minDomains above the domain count treats the minimum as 0', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'DoNotSchedule', { minDomains: 5 })] } }),
      existing: [web('w1', 'a1'), web('w2', 'b1'), web('w3', 'c1')], want: { a1: U, a2: U, b1: U, c1: U, nozone: L },
    },
    {
      name: 'ScheduleAnyway never filters', pod: makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'ScheduleAnyway')] } }),
      existing: [web('w1', 'a1'), web('w2', 'a2')], want: { a1: 'ok', a2: 'ok', b1: 'ok', c1: 'ok', nozone: 'ok' },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(filter(c.pod, c.existing), c.want));
});

describe('PodTopologySpread score (ScheduleAnyway)', () => {
  test('emptier domains score higher; unlabelled nodes score 0', () => {
    const snap = snapshotOf(nodes, [web('w1', 'a1'), web('w2', 'a2'), web('w3', 'b1')]);
    const pod = new PodInfo(makePod('p', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread(1, 'ScheduleAnyway')] } }));
    const p = new PodTopologySpread();
    const state = new CycleState();
    assert.equal(p.preScore(state, pod, snap.nodes, snap).code, Code.Success);
    const scores = Float64Array.from(snap.nodes.map((n) => p.score(state, pod, n)));
    p.normalizeScore(state, pod, snap.nodes, scores);
    const byName = Object.fromEntries(snap.nodes.map((n, i) => [n.name, scores[i]]));
    assert.equal(byName.nozone, 0);
    assert.ok(byName.c1 > byName.b1 && byName.b1 > byName.a1, JSON.stringify(byName));
    assert.equal(byName.c1, 100);
    assert.equal(byName.a1, byName.a2);
  });
});
