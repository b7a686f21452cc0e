import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDefaultTolerations, podQOSClass } from './pod-strategy.js';

test('default tolerations for not-ready and unreachable nodes, unless the pod has its own', () => {
  const pod: any = { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] } };
  addDefaultTolerations(pod);
  assert.deepEqual(pod.spec.tolerations, [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const all: any = { spec: { tolerations: [{ operator: 'Exists' }] } };
  addDefaultTolerations(all);
  assert.equal(all.spec.tolerations.length, 1);
});

test('QoS classes', () => {
  const c = (requests: any, limits: any) => ({ spec: { containers: [{ resources: { requests, limits } }] } });
  assert.equal(podQOSClass(c(undefined, undefined)), 'BestEffort');
  assert.equal(podQOSClass(c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })), 'Guaranteed');
  assert.equal(podQOSClass(c({ cpu: '100m' }, undefined)), 'Burstable');
});
