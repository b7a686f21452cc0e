import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, applyUpdateDefaults } from './defaults-registry.js';
import { imageTag } from './core/pod-defaults.js';
import { generateJobSelector } from './batch/defaults.js';

describe('Pod defaults', () => {
  const pod = applyDefaults('', 'Pod', {
    metadata: { name: 'p' },
    spec: {
      containers: [{
        name: 'c', image: 'nginx', ports: [{ containerPort: 80 }],
        resources: { limits: { cpu: '1' } },
        livenessProbe: { httpGet: { port: 80 } },
      }, { name: 'd', image: 'busybox:1.36' }],
      volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'cm' } }, { name: 'h', hostPath: { path: '/x' } }],
    },
  } as Record<string, any>);
  const spec = pod.spec;
  test('pod spec', () => {
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.priority, 0);
  });
  test('containers', () => {
    const [c, d] = spec.containers;
    assert.equal(c.imagePullPolicy, 'Always');
    assert.equal(d.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.deepEqual(c.resources.requests, { cpu: '1' });
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(d.resources, {});
  });
  test('volumes', () => {
    assert.deepEqual(spec.volumes[0], { name: 'a', emptyDir: {} });
    assert.equal(spec.volumes[1].configMap.defaultMode, 420);
    assert.equal(spec.volumes[2].hostPath.type, '');
  });
  test('image tags', () => {
    for (const [img, tag] of [['nginx', 'latest'], ['nginx:1.25', '1.25'], ['localhost:5000/app', 'latest'], ['r.io/app@sha256:abc', ''], ['r.io:5000/app:v1@sha256:abc', 'v1']]) {
      assert.equal(imageTag(img), tag, img);
    }
  });
});

describe('workload defaults', () => {
  test('Deployment', () => {
    const d = applyDefaults('apps', 'Deployment', { spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } } } as Record<string, any>);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.enableServiceLinks, undefined, 'templates do not get Pod-only defaults');
  });
  test('StatefulSet and DaemonSet', () => {
    const s = applyDefaults('apps', 'StatefulSet', { spec: { template: {}, volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: {} }] } } as Record<string, any>);
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    const ds = applyDefaults('apps', 'DaemonSet', { spec: { template: {} } } as Record<string, any>);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  });
  test('Job and CronJob', () => {
    const j = applyDefaults('batch', 'Job', { metadata: { name: 'j', uid: 'u1' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: {} } } } as Record<string, any>);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(j.metadata.labels, { a: 'b' });
    generateJobSelector(j);
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } });
    assert.equal(j.spec.template.metadata.labels['job-name'], 'j');
    const p = applyDefaults('batch', 'Job', { spec: { parallelism: 3, template: {} } } as Record<string, any>);
    assert.equal(p.spec.completions, undefined, 'parallelism alone leaves completions unset (a work queue)');
    const cj = applyDefaults('batch', 'CronJob', { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: {} } } } } as Record<string, any>);
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  });
  test('ReplicationController takes selector and labels from the template', () => {
    const rc = applyDefaults('', 'ReplicationController', { metadata: {}, spec: { template: { metadata: { labels: { app: 'x' } } } } } as Record<string, any>);
    assert.deepEqual(rc.spec.selector, { app: 'x' });
    assert.deepEqual(rc.metadata.labels, { app: 'x' });
    assert.equal(rc.spec.replicas, 1);
  });
});

describe('other core defaults', () => {
  test('Service', () => {
    const s = applyDefaults('', 'Service', { spec: { ports: [{ port: 80 }, { port: 443, targetPort: 'https' }] } } as Record<string, any>);
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
    assert.equal(s.spec.ports[1].targetPort, 'https');
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    const np = applyDefaults('core', 'Service', { spec: { type: 'NodePort', ports: [{ port: 80 }] } } as Record<string, any>);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  });
  test('Service updates keep the allocated clusterIP and nodePorts', () => {
    const old = { spec: { type: 'NodePort', clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] } };
    const next = applyUpdateDefaults('', 'Service', applyDefaults('', 'Service', { spec: { type: 'NodePort', ports: [{ port: 80 }] } } as Record<string, any>), old);
    assert.equal(next.spec.clusterIP, '10.0.0.5');
    assert.equal(next.spec.ports[0].nodePort, 30080);
  });
  test('Namespace, Secret, PVC, PV', () => {
    const ns = applyDefaults('', 'Namespace', { metadata: { name: 'dev' } } as Record<string, any>);
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    assert.equal(ns.status.phase, 'Active');
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'dev');
    const sec = applyDefaults('', 'Secret', { stringData: { a: 'hi' } } as Record<string, any>);
    assert.equal(sec.type, 'Opaque');
    assert.deepEqual(sec.data, { a: 'aGk=' });
    assert.equal(sec.stringData, undefined);
    assert.equal(applyDefaults('', 'PersistentVolumeClaim', { spec: {} } as Record<string, any>).spec.volumeMode, 'Filesystem');
    assert.equal(applyDefaults('', 'PersistentVolume', { spec: {} } as Record<string, any>).spec.persistentVolumeReclaimPolicy, 'Retain');
  });
  test('unknown kinds are untouched', () => {
    assert.deepEqual(applyDefaults('example.com', 'Widget', { a: 1 }), { a: 1 });
  });
});
