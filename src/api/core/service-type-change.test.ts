/**
 * A Service changing type through an update (as `kubectl apply` sends it): what the server set for the old type
 * goes, what the user set stays and is validated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { preserveServiceAllocations, validateServiceUpdate } from './service-validation.js';

const nodePortSvc = (): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', resourceVersion: '5' },
  spec: {
    type: 'NodePort', selector: { app: 'x' }, clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
  },
});

test('NodePort → ClusterIP: the allocated node ports and externalTrafficPolicy are dropped, the cluster IP kept', () => {
  const old = nodePortSvc();
  const next = structuredClone(old);
  next.spec!.type = 'ClusterIP';
  preserveServiceAllocations(next, old);
  assert.equal(next.spec!.ports![0].nodePort, undefined);
  assert.equal(next.spec!.externalTrafficPolicy, undefined);
  assert.equal(next.spec!.clusterIP, '10.43.0.10');
  assert.deepEqual(validateServiceUpdate(next, old), []);
});

test('a node port the user newly asks for on a ClusterIP Service stays, and validation refuses it', () => {
  const old = nodePortSvc();
  const next = structuredClone(old);
  next.spec!.type = 'ClusterIP';
  next.spec!.ports![0].nodePort = 30999;
  preserveServiceAllocations(next, old);
  assert.equal(next.spec!.ports![0].nodePort, 30999);
  assert.match(validateServiceUpdate(next, old).map((e) => e.field).join(','), /spec\.ports\[0\]\.nodePort/);
});

test('ClusterIP → ExternalName drops the cluster IPs and families the server chose', () => {
  const old = nodePortSvc();
  old.spec!.type = 'ClusterIP';
  delete old.spec!.externalTrafficPolicy;
  for (const p of old.spec!.ports!) delete p.nodePort;
  const next = structuredClone(old);
  next.spec!.type = 'ExternalName';
  next.spec!.externalName = 'example.com';
  preserveServiceAllocations(next, old);
  assert.equal(next.spec!.clusterIP, undefined);
  assert.equal(next.spec!.clusterIPs, undefined);
  assert.equal(next.spec!.ipFamilies, undefined);
  assert.equal(next.spec!.ipFamilyPolicy, undefined);
});
