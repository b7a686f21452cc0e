import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import {
  controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter,
} from './apps-printers.js';
import { ago, NOW } from './test-clock.js';

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox:1.36' }], nodeSelector: { 'kubernetes.io/os': 'linux' } },
};
const meta = { name: 'web', namespace: 'default', creationTimestamp: ago(5 * 60 + 10) };

describe('deployment printer', () => {
  test('columns', () => {
    assert.deepEqual(deploymentPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
  });
  test('a rolling deployment', () => {
    const d = {
      metadata: meta,
      spec: {
        replicas: 3, template,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'api'] }, { key: 'canary', operator: 'DoesNotExist' }] },
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 },
    };
    assert.deepEqual(deploymentPrinter.cells(d, NOW), [
      'web', '2/3', 1, 2, '5m10s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web,!canary,tier in (api,fe)',
    ]);
  });
  test('a new deployment without status, and an empty selector prints empty', () => {
    const d = { metadata: meta, spec: { replicas: 2, template, selector: {} } };
    assert.deepEqual(deploymentPrinter.cells(d, NOW).slice(1, 4), ['0/2', 0, 0]);
    assert.equal(deploymentPrinter.cells(d, NOW)[7], '');
  });
});

describe('replica set, stateful set, daemon set', () => {
  test('replica set DESIRED CURRENT READY', () => {
    const rs = { metadata: meta, spec: { replicas: 3, template, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9' } } }, status: { replicas: 3, readyReplicas: 1 } };
    assert.deepEqual(replicaSetPrinter.cells(rs, NOW), ['web', 3, 3, 1, '5m10s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web,pod-template-hash=5d9']);
  });
  test('a scaled-to-zero replica set', () => {
    const rs = { metadata: meta, spec: { replicas: 0, template, selector: { matchLabels: { app: 'web' } } }, status: { replicas: 0 } };
    assert.deepEqual(replicaSetPrinter.cells(rs, NOW).slice(1, 4), [0, 0, 0]);
  });
  test('stateful set READY and no selector column', () => {
    const sts = { metadata: meta, spec: { replicas: 3, template, selector: { matchLabels: { app: 'web' } }, serviceName: 'web' }, status: { replicas: 3, readyReplicas: 3 } };
    assert.deepEqual(statefulSetPrinter.columns.map((c) => c.name), ['Name', 'Ready', 'Age', 'Containers', 'Images']);
    assert.deepEqual(statefulSetPrinter.cells(sts, NOW), ['web', '3/3', '5m10s', 'nginx,log', 'nginx:1.27,busybox:1.36']);
  });
  test('daemon set counts and node selector', () => {
    const ds = {
      metadata: meta, spec: { template, selector: { matchLabels: { app: 'web' } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
    };
    assert.deepEqual(daemonSetPrinter.cells(ds, NOW), [
      'web', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5m10s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web',
    ]);
    const noSelector = { ...ds, spec: { ...ds.spec, template: { spec: { containers: [] } } } };
    assert.equal(daemonSetPrinter.cells(noSelector, NOW)[6], '<none>');
  });
});

describe('controller revision printer', () => {
  test('CONTROLLER is kind.group/name of the controlling owner', () => {
    const cr = {
      metadata: {
        name: 'web-7f9c', creationTimestamp: ago(90),
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'not-me', uid: 'u1' },
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u2', controller: true },
        ],
      },
      revision: 2,
    };
    assert.deepEqual(controllerRevisionPrinter.cells(cr, NOW), ['web-7f9c', 'statefulset.apps/web', 2, '90s']);
  });
  test('no controller reads <none>; a core owner has no group', () => {
    assert.equal(controllerRevisionPrinter.cells({ metadata: { name: 'x' }, revision: 1 }, NOW)[1], '<none>');
    const core = { metadata: { name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }] }, revision: 1 };
    assert.equal(controllerRevisionPrinter.cells(core, NOW)[1], 'pod/p');
  });
});
