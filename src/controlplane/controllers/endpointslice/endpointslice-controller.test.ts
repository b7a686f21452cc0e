/**
 * EndpointSlice controller: sync(key) against seeded caches and the fake API, as upstream's reconciler tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startControllerHarness, type ControllerHarness } from '../common/controller-harness.js';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../common/resources.js';
import { EndpointSliceController } from './endpointslice-controller.js';

function svc(extra: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } },
    spec: { clusterIP: '10.43.0.20', ipFamilies: ['IPv4'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...extra },
  };
}

interface PodOpts { ready?: boolean; port?: number; deleting?: boolean; node?: string; hostname?: string; subdomain?: string }

function pod(name: string, ip: string, o: PodOpts = {}): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' }, uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: o.node ?? 'n1', hostname: o.hostname, subdomain: o.subdomain,
      containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: o.port ?? 8080, protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

async function setup(t: Parameters<typeof startControllerHarness>[0], max?: number): Promise<{ h: ControllerHarness; c: EndpointSliceController }> {
  const h = await startControllerHarness(t);
  const c = new EndpointSliceController(h.ctx, { maxEndpointsPerSlice: max });
  h.seed(NODES, { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } });
  return { h, c };
}

const slices = (h: ControllerHarness) => h.stored<EndpointSlice>(ENDPOINT_SLICES);
const writes = (h: ControllerHarness) => h.requests('POST').length + h.requests('PUT').length + h.requests('DELETE').length;

test('one slice per Service with its labels, owner, ports and per-endpoint conditions, hostname, node and zone', async (t) => {
  const { h, c } = await setup(t);
  const s = h.seed(SERVICES, svc());
  h.seed(PODS, pod('a', '10.42.0.5', { hostname: 'a', subdomain: 'web' }));
  h.seed(PODS, pod('b', '10.42.0.6', { ready: false }));
  h.seed(PODS, pod('c', '10.42.0.7', { deleting: true }));
  await c.sync('default/web');
  const [sl] = slices(h);
  assert.equal(slices(h).length, 1);
  assert.match(sl.metadata!.name!, /^web-/);
  assert.deepEqual(sl.metadata?.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(sl.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: s.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(sl.addressType, 'IPv4');
  assert.deepEqual(sl.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const byName = new Map(sl.endpoints.map((e) => [e.targetRef?.name, e]));
  assert.deepEqual(byName.get('a'), {
    addresses: ['10.42.0.5'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'a', nodeName: 'n1', zone: 'z1',
    targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
  });
  assert.deepEqual(byName.get('b')?.conditions, { ready: false, serving: false, terminating: false });
  assert.deepEqual(byName.get('c')?.conditions, { ready: false, serving: true, terminating: true }, 'terminating pods stay listed, not ready');
  h.refresh(ENDPOINT_SLICES);
  h.clearRequests();
  await c.sync('default/web');
  assert.equal(writes(h), 0, 'a second sync writes nothing');
});

test('at most 100 endpoints per slice; removing pods updates slices in place instead of recreating them', async (t) => {
  const { h, c } = await setup(t);
  h.seed(SERVICES, svc());
  for (let i = 0; i < 250; i++) h.seed(PODS, pod(`p${i}`, `10.42.${i >> 8}.${i & 255}`));
  await c.sync('default/web');
  assert.deepEqual(slices(h).map((s) => s.endpoints.length).sort(), [100, 100, 50]);
  h.refresh(ENDPOINT_SLICES);
  const names = slices(h).map((s) => s.metadata!.name).sort();
  for (let i = 0; i < 10; i++) h.uncache(PODS, `default/p${i}`);
  h.clearRequests();
  await c.sync('default/web');
  assert.equal(h.requests('POST').length + h.requests('DELETE').length, 0);
  assert.equal(h.requests('PUT').length, 1);
  assert.deepEqual(slices(h).map((s) => s.metadata!.name).sort(), names);
  assert.equal(slices(h).reduce((n, s) => n + s.endpoints.length, 0), 240);
});

test('a Service without pods keeps one placeholder slice, which the first pod then fills', async (t) => {
  const { h, c } = await setup(t);
  h.seed(SERVICES, svc());
  await c.sync('default/web');
  h.refresh(ENDPOINT_SLICES);
  const [ph] = slices(h);
  assert.equal(slices(h).length, 1);
  assert.deepEqual([ph.endpoints ?? [], ph.ports ?? []], [[], []]);
  h.clearRequests();
  await c.sync('default/web');
  assert.equal(writes(h), 0, 'the placeholder is not recreated');
  h.seed(PODS, pod('a', '10.42.0.5'));
  await c.sync('default/web');
  assert.equal(h.requests('POST').length, 0);
  const [filled] = slices(h);
  assert.equal(filled.metadata?.name, ph.metadata?.name);
  assert.equal(filled.endpoints[0].addresses[0], '10.42.0.5');
});

test('pods resolving a named port differently land in separate slices; pods on unknown nodes are retried', async (t) => {
  const { h, c } = await setup(t);
  h.seed(SERVICES, svc());
  h.seed(PODS, pod('a', '10.42.0.5', { port: 8080 }));
  h.seed(PODS, pod('b', '10.42.0.6', { port: 9090 }));
  h.seed(PODS, pod('lost', '10.42.0.7', { node: 'nowhere' }));
  await assert.rejects(c.sync('default/web'), /skipping Pod lost .*Node nowhere Not Found/);
  const got = slices(h).map((s) => [s.ports?.[0].port, s.endpoints.map((e) => e.addresses[0])]).sort();
  assert.deepEqual(got, [[8080, ['10.42.0.5']], [9090, ['10.42.0.6']]]);
});

test('a deleted Service loses its slices; selectorless Services are left to their users', async (t) => {
  const { h, c } = await setup(t);
  h.seed(SERVICES, svc());
  h.seed(PODS, pod('a', '10.42.0.5'));
  await c.sync('default/web');
  h.refresh(ENDPOINT_SLICES);
  h.uncache(SERVICES, 'default/web');
  await c.sync('default/web');
  assert.equal(slices(h).length, 0);
  h.seed(SERVICES, { ...svc(), metadata: { name: 'ext', namespace: 'default' }, spec: { ...svc().spec, selector: undefined } });
  await c.sync('default/ext');
  assert.equal(slices(h).length, 0);
});

test('slices written but not yet in the cache make the next sync wait instead of duplicating them', async (t) => {
  const { h, c } = await setup(t);
  h.seed(SERVICES, svc());
  h.seed(PODS, pod('a', '10.42.0.5'));
  await c.sync('default/web');
  await assert.rejects(c.sync('default/web'), /cache is out of date/);
  assert.equal(slices(h).length, 1);
  h.refresh(ENDPOINT_SLICES);
  await c.sync('default/web');
  assert.equal(slices(h).length, 1);
});
