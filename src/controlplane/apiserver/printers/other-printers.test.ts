import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { horizontalPodAutoscalerPrinter } from './autoscaling-printers.js';
import { leasePrinter } from './coordination-printers.js';
import { nodeMetricsPrinter, podMetricsPrinter } from './metrics-printers.js';
import { podDisruptionBudgetPrinter } from './policy-printers.js';
import { roleBindingPrinter } from './rbac-printers.js';
import { priorityClassPrinter } from './scheduling-printers.js';
import { storageClassPrinter } from './storage-printers.js';
import { ago, NOW } from './test-clock.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: ago(8 * 86400 + 3600), ...extra });

describe('horizontal pod autoscaler printer', () => {
  const hpa = (metrics: unknown[], currentMetrics?: unknown[], minReplicas?: number): any => ({
    metadata: meta('web'),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas, maxReplicas: 10, metrics },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics },
  });
  test('CPU utilisation before the first measurement', () => {
    const h = hpa([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }], undefined, 2);
    assert.deepEqual(horizontalPodAutoscalerPrinter.cells(h, NOW), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '2', 10, 3, '8d']);
  });
  test('measured metrics, more than two', () => {
    const h = hpa(
      [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '90m' } } },
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '300Mi' } } },
      ],
    );
    assert.deepEqual(horizontalPodAutoscalerPrinter.cells(h, NOW).slice(2, 4), ['cpu: 45%/80%, memory: 300Mi/500Mi + 1 more...', '<unset>']);
  });
  test('external and object metrics', () => {
    const h = hpa(
      [
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
        { type: 'Object', object: { metric: { name: 'rps' }, describedObject: { kind: 'Ingress', name: 'web' }, target: { type: 'Value', value: '2k' } } },
      ],
      [{ type: 'External', external: { current: { averageValue: '12' } } }, { type: 'Object', object: { current: { value: '1500' } } }],
    );
    assert.equal(horizontalPodAutoscalerPrinter.cells(h, NOW)[2], '12/30 (avg), 1500/2k');
  });
  test('no metrics', () => assert.equal(horizontalPodAutoscalerPrinter.cells(hpa([]), NOW)[2], '<none>'));
});

describe('pod disruption budgets, storage classes, leases, priority classes, role bindings', () => {
  test('pod disruption budget', () => {
    assert.deepEqual(podDisruptionBudgetPrinter.cells({ metadata: meta('web'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } }, NOW), ['web', '2', 'N/A', 1, '8d']);
    assert.deepEqual(podDisruptionBudgetPrinter.cells({ metadata: meta('db'), spec: { maxUnavailable: '25%' } }, NOW).slice(1, 4), ['N/A', '25%', 0]);
  });
  test('storage class, default marked', () => {
    const sc = { metadata: meta('local-path', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
    assert.deepEqual(storageClassPrinter.cells(sc, NOW), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '8d']);
    const plain = { metadata: meta('fast'), provisioner: 'csi.example.com', reclaimPolicy: 'Retain', allowVolumeExpansion: true };
    assert.deepEqual(storageClassPrinter.cells(plain, NOW), ['fast', 'csi.example.com', 'Retain', 'Immediate', true, '8d']);
  });
  test('lease HOLDER', () => {
    assert.deepEqual(leasePrinter.cells({ metadata: meta('kube-scheduler'), spec: { holderIdentity: 'node-1_abc' } }, NOW), ['kube-scheduler', 'node-1_abc', '8d']);
    assert.deepEqual(leasePrinter.cells({ metadata: meta('free'), spec: {} }, NOW), ['free', '', '8d']);
  });
  test('priority class', () => {
    assert.deepEqual(priorityClassPrinter.cells({ metadata: meta('system-node-critical'), value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' }, NOW), ['system-node-critical', 2000001000, false, '8d', 'PreemptLowerPriority']);
  });
  test('role binding subjects', () => {
    const rb = {
      metadata: meta('admins'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'ops' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'build' }, { kind: 'User', name: 'bob' }],
    };
    assert.deepEqual(roleBindingPrinter.cells(rb, NOW), ['admins', 'ClusterRole/admin', '8d', 'alice, bob', 'ops', 'build/ci']);
  });
});

describe('metrics printers', () => {
  test('node metrics', () => {
    const m = { metadata: meta('node-1'), timestamp: ago(5), window: '20.064s', usage: { cpu: '329087452n', memory: '2748180Ki' } };
    assert.deepEqual(nodeMetricsPrinter.columns.map((c) => c.name), ['Name', 'cpu', 'memory', 'Window']);
    assert.deepEqual(nodeMetricsPrinter.cells(m, NOW), ['node-1', '329087452n', '2748180Ki', '20.064s']);
  });
  test('pod metrics sum their containers', () => {
    const m = {
      metadata: meta('web'), window: '15s',
      containers: [{ name: 'a', usage: { cpu: '1200000n', memory: '10240Ki' } }, { name: 'b', usage: { cpu: '800000n', memory: '2048Ki' } }],
    };
    assert.deepEqual(podMetricsPrinter.cells(m, NOW), ['web', '2000000n', '12288Ki', '15s']);
  });
});
