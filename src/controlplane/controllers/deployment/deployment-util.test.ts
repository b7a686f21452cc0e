/**
 * Table tests of the Deployment arithmetic: fenceposts (surge rounds up, unavailable rounds down), how far the new
 * ReplicaSet may grow, proportional shares, revision annotations, and the template hash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  getProportion, maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { computeHash, equalIgnoreHash } from './pod-template-hash.js';
import { fnv32a } from '../common/object-hash.js';

type IntOrString = number | string;

function dep(replicas: number, surge?: IntOrString, unavailable?: IntOrString, extra: Partial<Deployment> = {}): Deployment {
  return {
    metadata: { name: 'd', annotations: {} }, ...extra,
    spec: {
      replicas, selector: {}, template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  };
}

function rs(replicas: number, annotations: Record<string, string> = {}): ReplicaSet {
  return { metadata: { name: `rs${replicas}`, annotations }, spec: { replicas, selector: {}, template: {} } };
}

test('fenceposts: surge rounds up, unavailable rounds down, never both zero', () => {
  const cases: [IntOrString | undefined, IntOrString | undefined, number, number, number][] = [
    // surge, unavailable, replicas → surge, unavailable
    [undefined, undefined, 10, 3, 2], // 25% defaults
    ['25%', '25%', 4, 1, 1],
    ['10%', '10%', 5, 1, 0],
    [0, 0, 5, 0, 1],
    ['0%', '0%', 3, 0, 1],
    [2, '50%', 3, 2, 1],
    ['34%', '34%', 3, 2, 1],
  ];
  for (const [s, u, n, es, eu] of cases) {
    assert.deepEqual(resolveFenceposts(dep(n, s, u), n), { surge: es, unavailable: eu }, `${s}/${u} of ${n}`);
  }
  assert.equal(maxUnavailable(dep(1, 0, 5)), 1, 'capped at replicas');
  assert.equal(maxUnavailable(dep(0, 1, 1)), 0);
  const recreate: Deployment = { spec: { replicas: 3, selector: {}, template: {}, strategy: { type: 'Recreate' } } };
  assert.equal(maxSurge(recreate), 0);
  assert.equal(newRSNewReplicas(recreate, [rs(3)], rs(0)), 3);
});

test('the new ReplicaSet grows only into the surge room', () => {
  const cases: [number, IntOrString, number[], number, number][] = [
    // replicas, maxSurge, old sizes, new size → next new size
    [4, 1, [4], 0, 1],
    [4, 1, [3], 1, 2],
    [4, 1, [4], 1, 1], // already at 5 pods
    [10, '30%', [10], 0, 3],
    [10, '30%', [2], 8, 10],
    [4, 1, [0], 3, 4],
  ];
  for (const [n, s, olds, cur, want] of cases) {
    const d = dep(n, s, 0);
    const newRS = rs(cur);
    assert.equal(newRSNewReplicas(d, [...olds.map((o) => rs(o)), newRS], newRS), want, `${n} replicas, surge ${s}, old ${olds}, new ${cur}`);
  }
});

test('proportional shares scale each set by new max / annotated max, bounded by what is left', () => {
  // 10 replicas, surge 3 → max 13: old 8 + new 5 annotated max-replicas 13; scaled to 20 → max 23, 10 to add.
  const d = dep(20, 3, 2);
  const old = rs(8, { 'deployment.kubernetes.io/max-replicas': '13' });
  const neu = rs(5, { 'deployment.kubernetes.io/max-replicas': '13' });
  const a = getProportion(old, d, 10, 0);
  assert.equal(a, 6); // round(8·23/13 = 14.15) − 8
  assert.equal(getProportion(neu, d, 10, a), 4); // round(5·23/13 = 8.85) − 5 = 4, and 4 are left
  // Scaling down: negative shares, bounded by the remaining negative amount.
  const down = dep(5, 1, 1);
  assert.equal(getProportion(rs(8, { 'deployment.kubernetes.io/max-replicas': '13' }), down, -7, 0), -4); // round(8·6/13)=4 → −4
  assert.equal(getProportion(rs(0), d, 10, 0), 0);
  assert.equal(getProportion(rs(4), dep(0, 1, 1), -4, 0), -4, 'scaling to zero takes everything');
});

test('revision annotations: a rolled-back set takes the next revision and remembers the old one', () => {
  const d = dep(3, 1, 1, { metadata: { name: 'd', annotations: { 'kubernetes.io/change-cause': 'kubectl set image', [REVISION_ANNOTATION]: '2' } } });
  const r = rs(0, { [REVISION_ANNOTATION]: '1' });
  assert.equal(setNewReplicaSetAnnotations(d, r, 3, true), true);
  assert.equal(r.metadata?.annotations?.[REVISION_ANNOTATION], '3');
  assert.equal(r.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
  assert.equal(r.metadata?.annotations?.['kubernetes.io/change-cause'], 'kubectl set image');
  assert.equal(setNewReplicaSetAnnotations(d, r, 3, true), false, 'idempotent');
  const fresh = rs(0);
  setNewReplicaSetAnnotations(d, fresh, 1, false);
  assert.deepEqual(
    [fresh.metadata?.annotations?.[REVISION_ANNOTATION], fresh.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], fresh.metadata?.annotations?.['deployment.kubernetes.io/max-replicas']],
    ['1', '3', '4'],
  );
});

test('template hash: FNV-32a, stable under key order and the hash label, changed by collisionCount', () => {
  assert.equal(fnv32a(new TextEncoder().encode('')), 0x811c9dc5);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
  const t1 = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const t2 = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'fe', app: 'web', 'pod-template-hash': 'x' } } };
  assert.equal(computeHash(t1), computeHash(t2));
  assert.ok(equalIgnoreHash(t1, t2));
  assert.match(computeHash(t1), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(computeHash(t1, 1), computeHash(t1));
  assert.notEqual(computeHash(t1, 1), computeHash(t1, 2));
  assert.ok(!equalIgnoreHash(t1, { ...t1, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }));
});
