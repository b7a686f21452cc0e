import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { containerEnv, ContainerConfigError, expandVars, serviceEnv } from './container-env.js';
import type { ObjectSource } from './object-source.js';

const source = (over: Partial<ObjectSource> = {}): ObjectSource => ({
  configMap: async (_ns, name) => (name === 'cm' ? { data: { A: '1', 'bad key': 'x', B: '2' } } : undefined),
  secret: async (_ns, name) => (name === 's' ? { data: { PASS: Buffer.from('hunter2').toString('base64') } } : undefined),
  persistentVolumeClaim: async () => undefined,
  persistentVolume: async () => undefined,
  services: (ns) => (ns === 'default'
    ? [{ metadata: { name: 'kubernetes' }, spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } }]
    : [{ metadata: { name: 'my-db' }, spec: { clusterIP: '10.43.0.9', ports: [{ port: 5432 }] } }, { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } }]) as Service[],
  serviceAccountToken: async () => undefined,
  ...over,
});

const ctx = { podIP: '10.0.0.5', podIPs: ['10.0.0.5'], hostIP: '192.0.2.2', nodeAllocatable: { cpu: '2', memory: '2Gi' } };

describe('container env', () => {
  test('expandVars follows the $(VAR) rules: $$ escapes, unknown refs stay', () => {
    const env = new Map([['A', 'x']]);
    assert.equal(expandVars('$(A)-$$(A)-$(B)-$A', (n) => env.get(n)), 'x-$(A)-$(B)-$A');
  });

  test('service variables use upper-case names with underscores and docker-link forms', () => {
    const env = serviceEnv([{ metadata: { name: 'my-db' }, spec: { clusterIP: '10.43.0.9', ports: [{ name: 'pg', port: 5432 }] } }]);
    assert.equal(env.MY_DB_SERVICE_HOST, '10.43.0.9');
    assert.equal(env.MY_DB_SERVICE_PORT, '5432');
    assert.equal(env.MY_DB_SERVICE_PORT_PG, '5432');
    assert.equal(env.MY_DB_PORT, 'tcp://10.43.0.9:5432');
    assert.equal(env.MY_DB_PORT_5432_TCP_ADDR, '10.43.0.9');
  });

  test('envFrom with prefix, env overriding it, valueFrom of every kind, service links', async () => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'app', uid: 'u', labels: { tier: 'db' } },
      spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [] },
    };
    const c = {
      name: 'c', envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }, { secretRef: { name: 'missing', optional: true } }],
      env: [
        { name: 'CM_A', value: 'override' },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope', optional: true } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'URL', value: 'http://$(MY_DB_SERVICE_HOST):$(MY_DB_SERVICE_PORT)' },
      ],
    };
    const env = Object.fromEntries((await containerEnv(pod, c, source(), ctx)).map((e) => [e.key, e.value]));
    assert.equal(env.CM_A, 'override');
    assert.equal(env.CM_B, '2');
    assert.equal(env['CM_bad key'], undefined);
    assert.equal(env.NODE, 'n1');
    assert.equal(env.TIER, 'db');
    assert.equal(env.PASS, 'hunter2');
    assert.equal('OPT' in env, false);
    assert.equal(env.CPU, '2');
    assert.equal(env.URL, 'http://10.43.0.9:5432');
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.0.1');
    assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
  });

  test('a missing non-optional source fails with the kubelet message', async () => {
    const pod: Pod = { metadata: { name: 'p', namespace: 'app' }, spec: { containers: [] } };
    await assert.rejects(containerEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }] }, source(), ctx),
      (err: Error) => err instanceof ContainerConfigError && err.message === "couldn't find key nope in ConfigMap app/cm");
    await assert.rejects(containerEnv(pod, { name: 'c', envFrom: [{ secretRef: { name: 'gone' } }] }, source(), ctx), /secret "gone" not found/);
  });
});
