import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import {
  componentStatusPrinter, configMapPrinter, endpointsPrinter, namespacePrinter, persistentVolumeClaimPrinter,
  persistentVolumePrinter, podTemplatePrinter, replicationControllerPrinter, resourceQuotaPrinter, secretPrinter,
  serviceAccountPrinter,
} from './core-printers.js';
import { ago, NOW } from './test-clock.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(45 * 60), ...extra });

describe('config maps, secrets, namespaces, service accounts', () => {
  test('config map DATA counts data and binaryData keys', () => {
    assert.deepEqual(configMapPrinter.cells({ metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, NOW), ['cfg', 3, '45m']);
    assert.deepEqual(configMapPrinter.cells({ metadata: meta('empty') }, NOW), ['empty', 0, '45m']);
  });
  test('secret TYPE and DATA', () => {
    assert.deepEqual(secretPrinter.columns.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(secretPrinter.cells({ metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }, NOW), ['tls', 'kubernetes.io/tls', 2, '45m']);
  });
  test('namespace STATUS', () => {
    assert.deepEqual(namespacePrinter.cells({ metadata: meta('dev'), status: { phase: 'Terminating' } }, NOW), ['dev', 'Terminating', '45m']);
  });
  test('service account SECRETS', () => {
    assert.deepEqual(serviceAccountPrinter.columns.map((c) => c.name), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(serviceAccountPrinter.cells({ metadata: meta('default') }, NOW), ['default', 0, '45m']);
    assert.deepEqual(serviceAccountPrinter.cells({ metadata: meta('ci'), secrets: [{ name: 'ci-token' }] }, NOW), ['ci', 1, '45m']);
  });
});

describe('endpoints printer', () => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: meta('web'), subsets });
  const cases: { name: string; ep: Endpoints; want: string }[] = [
    { name: 'no subsets', ep: ep(undefined), want: '<none>' },
    { name: 'two addresses, one port', ep: ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]), want: '10.0.0.1:80,10.0.0.2:80' },
    {
      name: 'more than three',
      ep: ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }]),
      want: '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    },
    { name: 'headless without ports', ep: ep([{ addresses: [{ ip: '10.0.0.5' }] }]), want: '10.0.0.5' },
    { name: 'IPv6 is bracketed', ep: ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 8080 }] }]), want: '[fd00::1]:8080' },
    { name: 'not-ready addresses are not listed', ep: ep([{ notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }]), want: '' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(endpointsPrinter.cells(c.ep, NOW), ['web', c.want, '45m']));
  }
});

describe('persistent volumes and claims', () => {
  test('a bound volume', () => {
    const pv = {
      metadata: meta('pv-1', { namespace: undefined }),
      spec: {
        capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local-path', volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound' },
    };
    assert.deepEqual(persistentVolumePrinter.cells(pv, NOW), [
      'pv-1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local-path', '<unset>', '', '45m', 'Filesystem',
    ]);
  });
  test('a deleting volume, storage class from the beta annotation', () => {
    const pv = {
      metadata: meta('pv-2', { deletionTimestamp: ago(1), annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }),
      spec: { capacity: { storage: '1Gi' }, storageClassName: 'fast' }, status: { phase: 'Released', reason: 'claim gone' },
    };
    const cells = persistentVolumePrinter.cells(pv, NOW);
    assert.deepEqual([cells[4], cells[5], cells[6], cells[8], cells[10]], ['Terminating', '', 'slow', 'claim gone', '<unset>']);
  });
  test('a pending claim shows no capacity or access modes', () => {
    const pvc = { metadata: meta('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'local-path' }, status: { phase: 'Pending' } };
    assert.deepEqual(persistentVolumeClaimPrinter.cells(pvc, NOW), ['data', 'Pending', '', '', '', 'local-path', '<unset>', '45m', '<unset>']);
  });
  test('a bound claim shows the volume capacity', () => {
    const pvc = {
      metadata: meta('data'), spec: { volumeName: 'pv-1', storageClassName: 'local-path', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] },
    };
    assert.deepEqual(persistentVolumeClaimPrinter.cells(pvc, NOW), ['data', 'Bound', 'pv-1', '10Gi', 'RWO', 'local-path', '<unset>', '45m', 'Filesystem']);
  });
});

describe('pod templates, quotas, component statuses, replication controllers', () => {
  test('pod template', () => {
    const pt = { metadata: meta('tpl'), template: { metadata: { labels: { run: 'x', app: 'y' } }, spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] } } };
    assert.deepEqual(podTemplatePrinter.cells(pt, NOW), ['tpl', 'a,b', 'nginx,redis', 'app=y,run=x']);
  });
  test('resource quota splits requests and limits, sorted by resource', () => {
    const rq = {
      metadata: meta('quota'),
      status: {
        hard: { pods: '10', 'limits.memory': '2Gi', 'requests.cpu': '1', 'limits.cpu': '2' },
        used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' },
      },
    };
    assert.deepEqual(resourceQuotaPrinter.cells(rq, NOW), ['quota', 'pods: 3/10, requests.cpu: 500m/1', 'limits.cpu: 1/2, limits.memory: 0/2Gi', '45m']);
  });
  test('component status', () => {
    assert.deepEqual(componentStatusPrinter.cells({ metadata: meta('etcd-0'), conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }, NOW), ['etcd-0', 'Healthy', 'ok', '']);
    assert.deepEqual(componentStatusPrinter.cells({ metadata: meta('scheduler'), conditions: [{ type: 'Healthy', status: 'False', error: 'refused' }] }, NOW), ['scheduler', 'Unhealthy', '', 'refused']);
    assert.deepEqual(componentStatusPrinter.cells({ metadata: meta('x') }, NOW), ['x', 'Unknown', '', '']);
  });
  test('replication controller', () => {
    const rc = { metadata: meta('rc'), spec: { replicas: 2, selector: { app: 'rc' }, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(replicationControllerPrinter.cells(rc, NOW), ['rc', 2, 2, 1, '45m', 'c', 'nginx', 'app=rc']);
  });
});
