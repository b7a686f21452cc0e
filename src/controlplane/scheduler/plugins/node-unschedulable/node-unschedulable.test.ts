import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { fits } from './node-unschedulable.js';

describe('NodeUnschedulable.fits', () => {
  const cases: { name: string; cordoned: boolean; tolerations?: Toleration[]; want: boolean }[] = [
    { name: 'schedulable node', cordoned: false, want: true },
    { name: 'cordoned node', cordoned: true, want: false },
    { name: 'cordoned, tolerated by key', cordoned: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], want: true },
    { name: 'cordoned, tolerate-everything', cordoned: true, tolerations: [{ operator: 'Exists' }], want: true },
    { name: 'cordoned, wrong effect', cordoned: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], want: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(fits(makePod('p', { spec: { tolerations: c.tolerations } }), makeNode('n', { unschedulable: c.cordoned })), c.want);
    });
  }
});
