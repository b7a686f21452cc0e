import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { nodeInfoOf } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { balancedScore, NodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.js';

describe('balancedScore', () => {
  const cases = [
    { name: 'equal fractions', f: [0.5, 0.5], want: 100 },
    { name: 'cpu full, memory empty', f: [1, 0], want: 50 },
    { name: 'quarter apart', f: [0.25, 0.75], want: 75 },
    { name: 'capped at 1', f: [2, 1], want: 100 },
    { name: 'three resources', f: [0, 0, 0], want: 100 },
  ];
  for (const c of cases) test(c.name, () => assert.equal(balancedScore(c.f), c.want));
});

describe('NodeResourcesBalancedAllocation plugin', () => {
  test('skips pods without requests; prefers the node it balances', () => {
    const p = new NodeResourcesBalancedAllocation();
    assert.equal(p.preScore(new CycleState(), new PodInfo(makePod('none'))).code, Code.Skip);
    const pod = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
    assert.equal(p.preScore(new CycleState(), pod).code, Code.Success);
    const cpuHeavy = nodeInfoOf(makeNode('a', { cpu: '4', memory: '4Gi' }), [new PodInfo(makePod('x', { cpu: '2' }))]);
    const balanced = nodeInfoOf(makeNode('b', { cpu: '4', memory: '4Gi' }), [new PodInfo(makePod('y', { cpu: '1', memory: '1Gi' }))]);
    assert.ok(p.score(new CycleState(), pod, balanced) > p.score(new CycleState(), pod, cpuHeavy));
    assert.equal(p.score(new CycleState(), pod, balanced), 100);
  });
});
