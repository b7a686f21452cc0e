import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { snapshotOf } from '../../testing/snapshot.js';
import { SelectorSpread, ZONE_LABEL } from './selector-spread.js';

describe('SelectorSpread', () => {
  const cases = [
    {
      name: 'no zones: fewest siblings best',
      nodes: [makeNode('a'), makeNode('b'), makeNode('c')],
      siblings: ['a', 'a', 'b'],
      want: { a: 0, b: 50, c: 100 },
    },
    {
      name: 'zones weigh 2/3',
      nodes: [makeNode('a', { labels: { [ZONE_LABEL]: 'z1' } }), makeNode('b', { labels: { [ZONE_LABEL]: 'z1' } }), makeNode('c', { labels: { [ZONE_LABEL]: 'z2' } })],
      siblings: ['a'],
      want: { a: 0, b: 33, c: 100 }, // b: empty node (100) in a full zone (0): 100 × 1/3
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const pods = c.siblings.map((n, i) => makePod(`s${i}`, { nodeName: n, ownerUid: 'rs-1' }));
      pods.push(makePod('stranger', { nodeName: 'c', ownerUid: 'rs-2' }));
      const snap = snapshotOf(c.nodes, pods);
      const p = new SelectorSpread();
      const pod = new PodInfo(makePod('new', { ownerUid: 'rs-1' }));
      const state = new CycleState();
      assert.equal(p.preScore(state, pod).code, Code.Success);
      const scores = Float64Array.from(snap.nodes.map((n) => p.score(state, pod, n)));
      p.normalizeScore(state, pod, snap.nodes, scores);
      assert.deepEqual(Object.fromEntries(snap.nodes.map((n, i) => [n.name, scores[i]])), c.want);
    });
  }
  test('pods without a controller are skipped', () => {
    assert.equal(new SelectorSpread().preScore(new CycleState(), new PodInfo(makePod('p'))).code, Code.Skip);
  });
});
