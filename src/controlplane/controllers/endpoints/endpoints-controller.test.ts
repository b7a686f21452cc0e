/**
 * Endpoints controller: sync(key) against seeded caches and the fake API, as upstream's endpoints_controller_test.go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { ENDPOINTS, PODS, SERVICES } from '../common/resources.js';
import { newEndpointsController } from './endpoints-controller.js';
import { repackSubsets, truncateSubsets } from './repack-subsets.js';

function svc(extra: Partial<Service['spec']> = {}, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels },
    spec: { clusterIP: '10.43.0.20', ipFamilies: ['IPv4'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...extra },
  };
}

interface PodOpts { ip?: string; ready?: boolean; containerPort?: number; deleting?: boolean; phase?: string; hostname?: string; subdomain?: string; labels?: Record<string, string> }

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name, namespace: 'default', labels: o.labels ?? { app: 'web' }, uid: `uid-${name}`,
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: 'n1', hostname: o.hostname, subdomain: o.subdomain,
      containers: [{ name: 'c', image: 'nginx', ports: o.containerPort ? [{ name: 'http', containerPort: o.containerPort, protocol: 'TCP' }] : [] }],
    },
    status: {
      phase: o.phase ?? 'Running', podIP: o.ip, podIPs: o.ip ? [{ ip: o.ip }] : [],
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

test('lists ready pods under addresses and the rest under notReadyAddresses, with named ports resolved per pod', async (t) => {
  const h = await startControllerHarness(t);
  const c = newEndpointsController(h.ctx);
  h.seed(SERVICES, svc({}, { tier: 'fe' }));
  h.seed(PODS, pod('a', { ip: '10.42.0.12', containerPort: 8080, hostname: 'a', subdomain: 'web' }));
  h.seed(PODS, pod('b', { ip: '10.42.0.9', containerPort: 8080, ready: false }));
  h.seed(PODS, pod('c', { ip: '10.42.0.30', containerPort: 9090 })); // another port number for the same name
  h.seed(PODS, pod('noport', { ip: '10.42.0.40' })); // the named port does not exist on it: left out
  h.seed(PODS, pod('noip'));
  h.seed(PODS, pod('done', { ip: '10.42.0.50', containerPort: 8080, phase: 'Succeeded' }));
  h.seed(PODS, pod('other', { ip: '10.42.0.60', containerPort: 8080, labels: { app: 'db' } }));
  await c.sync('default/web');
  const [ep] = h.stored<Endpoints>(ENDPOINTS);
  assert.equal(ep.metadata?.name, 'web');
  assert.deepEqual(ep.metadata?.labels, { tier: 'fe' });
  assert.deepEqual(ep.subsets, [
    {
      addresses: [{ ip: '10.42.0.12', hostname: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }],
      notReadyAddresses: [{ ip: '10.42.0.9', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
    {
      addresses: [{ ip: '10.42.0.30', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' } }],
      ports: [{ name: 'http', port: 9090, protocol: 'TCP' }],
    },
  ]);
  h.refresh(ENDPOINTS);
  h.clearRequests();
  await c.sync('default/web');
  assert.equal(h.requests('PUT').length + h.requests('POST').length, 0, 'a second sync writes nothing');
});

test('a pod turning not ready moves to notReadyAddresses; publishNotReadyAddresses keeps every pod ready', async (t) => {
  const h = await startControllerHarness(t);
  const c = newEndpointsController(h.ctx);
  h.seed(SERVICES, svc({ ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }));
  const p = h.seed(PODS, pod('a', { ip: '10.42.0.5' }));
  await c.sync('default/web');
  h.refresh(ENDPOINTS);
  assert.equal(h.stored<Endpoints>(ENDPOINTS)[0].subsets?.[0].addresses?.[0].ip, '10.42.0.5');
  h.cache(PODS, { ...p, metadata: { ...p.metadata, resourceVersion: '999' }, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } });
  await c.sync('default/web');
  h.refresh(ENDPOINTS);
  const [ep] = h.stored<Endpoints>(ENDPOINTS);
  assert.equal(ep.subsets?.[0].addresses, undefined);
  assert.equal(ep.subsets?.[0].notReadyAddresses?.[0].ip, '10.42.0.5');

  const h2 = await startControllerHarness(t);
  const c2 = newEndpointsController(h2.ctx);
  h2.seed(SERVICES, svc({ publishNotReadyAddresses: true, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }));
  h2.seed(PODS, pod('a', { ip: '10.42.0.5', ready: false }));
  h2.seed(PODS, pod('gone', { ip: '10.42.0.6', deleting: true }));
  await c2.sync('default/web');
  assert.deepEqual(h2.stored<Endpoints>(ENDPOINTS)[0].subsets?.[0].addresses?.map((a) => a.ip), ['10.42.0.5', '10.42.0.6']);
});

test('terminating pods leave the endpoints; a headless Service without ports gets bare addresses and the headless label', async (t) => {
  const h = await startControllerHarness(t);
  const c = newEndpointsController(h.ctx);
  h.seed(SERVICES, svc({ clusterIP: 'None', ports: [] }));
  h.seed(PODS, pod('a', { ip: '10.42.0.5' }));
  h.seed(PODS, pod('b', { ip: '10.42.0.6', deleting: true }));
  await c.sync('default/web');
  const [ep] = h.stored<Endpoints>(ENDPOINTS);
  assert.deepEqual(ep.metadata?.labels, { 'service.kubernetes.io/headless': '' });
  assert.deepEqual(ep.subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.ports]), [[['10.42.0.5'], undefined]]);
});

test('selectorless Services keep the Endpoints their users write; a deleted Service takes its Endpoints along', async (t) => {
  const h = await startControllerHarness(t);
  const c = newEndpointsController(h.ctx);
  h.seed(SERVICES, { ...svc(), spec: { ...svc().spec, selector: undefined } });
  const mine = { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }] };
  h.seed(ENDPOINTS, mine);
  await c.sync('default/web');
  assert.equal(h.requests('PUT').length + h.requests('DELETE').length, 0);
  h.uncache(SERVICES, 'default/web');
  await c.sync('default/web');
  assert.equal(h.stored(ENDPOINTS).length, 0);
  await c.sync('default/web'); // already gone: fine
});

test('a sync that still sees the version it replaced waits instead of writing from the stale cache', async (t) => {
  const h = await startControllerHarness(t);
  const c = newEndpointsController(h.ctx);
  h.seed(SERVICES, svc({ ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }));
  h.seed(ENDPOINTS, { metadata: { name: 'web', namespace: 'default' }, subsets: [] });
  h.seed(PODS, pod('a', { ip: '10.42.0.5' }));
  await c.sync('default/web');
  assert.equal(h.requests('PUT').length, 1);
  h.seed(PODS, pod('b', { ip: '10.42.0.6' }));
  await assert.rejects(c.sync('default/web'), /informer cache is out of date/);
  h.refresh(ENDPOINTS);
  await c.sync('default/web');
  assert.deepEqual(h.stored<Endpoints>(ENDPOINTS)[0].subsets?.[0].addresses?.map((a) => a.ip), ['10.42.0.5', '10.42.0.6']);
});

test('repacking groups addresses by identical port sets; truncation keeps ready addresses first', () => {
  const a = (ip: string) => ({ ip });
  const packed = repackSubsets([
    { addresses: [a('10.0.0.2')], ports: [{ name: 'x', port: 1 }] },
    { addresses: [a('10.0.0.2')], ports: [{ name: 'y', port: 2 }] },
    { addresses: [a('10.0.0.10')], ports: [{ name: 'x', port: 1 }] },
    { notReadyAddresses: [a('10.0.0.3')], ports: [{ name: 'x', port: 1 }] },
  ]);
  assert.deepEqual(packed, [
    { addresses: [a('10.0.0.2'), a('10.0.0.10')], notReadyAddresses: [a('10.0.0.3')], ports: [{ name: 'x', port: 1 }] },
    { addresses: [a('10.0.0.2')], ports: [{ name: 'y', port: 2 }] },
  ]);
  const big = [{ addresses: Array.from({ length: 900 }, (_, i) => a(`10.1.${i >> 8}.${i & 255}`)), notReadyAddresses: Array.from({ length: 300 }, (_, i) => a(`10.2.${i >> 8}.${i & 255}`)) }];
  assert.equal(truncateSubsets(big), true);
  assert.equal(big[0].addresses.length, 900);
  assert.equal(big[0].notReadyAddresses.length, 100);
});
