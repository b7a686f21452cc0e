/**
 * The Endpoints and EndpointSlice controllers against a real server (its own controller manager and scheduler off),
 * running in this process through the controller manager with only `endpoint` and `endpointslice` enabled. The
 * test plays the kubelet itself: it creates pods bound to a node and reports their IP and readiness through
 * pods/status, then watches what the controllers write — and how fast a pod turning not ready leaves the ready
 * addresses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client, loadKubeconfig } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { eventually } from './support.js';

const NS = 'default';

describe('Endpoints and EndpointSlice controllers on a real server', () => {
  let server: KubeliteProcess;
  let client: Client;
  const abort = new AbortController();
  let manager: Promise<void>;
  const pods = () => client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  const services = () => client.resource<Service>('', 'v1', 'services').namespace(NS);
  const endpoints = () => client.resource<Endpoints>('', 'v1', 'endpoints').namespace(NS);
  const slicesOf = async (svc: string) =>
    (await client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace(NS).list({ labelSelector: `kubernetes.io/service-name=${svc}` })).items;

  /** Creates a pod on node n1 and reports it Running with `ip`, Ready or not. */
  async function runPod(name: string, ip: string, o: { ready: boolean; labels?: Record<string, string>; hostname?: string; subdomain?: string; port?: number }): Promise<void> {
    await pods().create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: o.labels ?? { app: 'web' } },
      spec: {
        nodeName: 'n1', hostname: o.hostname, subdomain: o.subdomain,
        containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }],
      },
    });
    await setReady(name, o.ready, ip);
  }

  async function setReady(name: string, ready: boolean, ip?: string): Promise<void> {
    const p = await pods().get(name);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const podIP = ip ?? p.status?.podIP;
    await pods().updateStatus({
      ...p,
      status: {
        phase: 'Running', podIP, podIPs: [{ ip: podIP! }], hostIP: '10.0.0.1',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      },
    });
  }

  before(async () => {
    server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    await client.resource('', 'v1', 'nodes').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
    manager = runControllerManager(client, { signal: abort.signal, enabled: ['endpoint', 'endpointslice'] });
  });
  after(async () => {
    abort.abort();
    await manager;
    client?.close();
    await server?.stop();
  });

  test('ready and not-ready pods, named target ports per pod, and a readiness flip leaving the ready addresses promptly', async () => {
    await services().create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await runPod('web-a', '10.42.0.10', { ready: true });
    await runPod('web-b', '10.42.0.11', { ready: false });
    await runPod('web-c', '10.42.0.12', { ready: true, port: 9090 });
    const ep = await eventually(async () => {
      const e = await endpoints().get('web').catch(() => undefined);
      const n = (e?.subsets ?? []).reduce((k, s) => k + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
      return n === 3 && e;
    }, 'Endpoints web lists three pods');
    const byPort = new Map(ep.subsets!.map((s) => [s.ports?.[0].port, s]));
    assert.deepEqual(byPort.get(8080)?.addresses?.map((a) => [a.ip, a.nodeName, a.targetRef?.name]), [['10.42.0.10', 'n1', 'web-a']]);
    assert.deepEqual(byPort.get(8080)?.notReadyAddresses?.map((a) => a.ip), ['10.42.0.11']);
    assert.deepEqual(byPort.get(9090)?.addresses?.map((a) => a.ip), ['10.42.0.12']);

    const slices = await eventually(async () => {
      const s = await slicesOf('web');
      return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 3 && s;
    }, 'slices of web list three endpoints');
    for (const s of slices) {
      assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(s.metadata?.ownerReferences?.[0].kind, 'Service');
    }
    const eps = slices.flatMap((s) => s.endpoints ?? []);
    const b = eps.find((e) => e.targetRef?.name === 'web-b');
    assert.deepEqual(b?.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(eps.find((e) => e.targetRef?.name === 'web-a')?.zone, 'zone-a');

    // Readiness flip: a ready pod turns not ready and must leave both the ready addresses and ready slice endpoints.
    const t0 = Date.now();
    await setReady('web-a', false);
    await eventually(async () => {
      const e = await endpoints().get('web');
      const ready = (e.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip);
      const sl = (await slicesOf('web')).flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.name === 'web-a');
      return !ready.includes('10.42.0.10') && sl?.conditions?.ready === false;
    }, 'web-a leaves the ready addresses', 5_000);
    const ms = Date.now() - t0;
    assert.ok(ms < 2_000, `took ${ms} ms`);

    // Deleting a pod removes it.
    await pods().delete('web-c', { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const e = await endpoints().get('web');
      return !(e.subsets ?? []).some((s) => s.ports?.[0].port === 9090);
    }, 'web-c leaves');
  });

  test('publishNotReadyAddresses and hostname/subdomain on a headless Service', async () => {
    await services().create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
    });
    await runPod('db-0', '10.42.1.10', { ready: false, labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db' });
    const ep = await eventually(async () => {
      const e = await endpoints().get('db').catch(() => undefined);
      return e?.subsets?.[0]?.addresses?.length === 1 && e;
    }, 'db-0 published although not ready');
    assert.equal(ep.subsets![0].addresses![0].hostname, 'db-0');
    assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
    const [slice] = await eventually(async () => {
      const s = await slicesOf('db');
      return s[0]?.endpoints?.length === 1 && s;
    }, 'db slice');
    assert.equal(slice.endpoints[0].hostname, 'db-0');
    assert.equal(slice.endpoints[0].conditions?.ready, true);
    assert.equal(slice.endpoints[0].conditions?.serving, false);
  });

  test('a Service without a selector keeps the Endpoints its user writes; a deleted Service loses its Endpoints', async () => {
    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'external' }, spec: { ports: [{ port: 5432 }] } });
    await endpoints().create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] });
    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'tmp' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await eventually(() => endpoints().get('tmp').catch(() => undefined), 'Endpoints tmp created');
    await new Promise((r) => setTimeout(r, 300));
    const e = await endpoints().get('external');
    assert.deepEqual(e.subsets?.[0].addresses?.map((a) => a.ip), ['192.0.2.10']);
    assert.equal((await slicesOf('external')).length, 0);
    await services().delete('tmp');
    await eventually(async () => (await endpoints().get('tmp').then(() => false, () => true)) && (await slicesOf('tmp')).length === 0, 'tmp endpoints and slices gone');
  });
});
