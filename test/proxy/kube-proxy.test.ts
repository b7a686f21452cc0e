/**
 * kube-proxy against the real kernel: a real API server, the EndpointSlice and ServiceLB controllers in this process,
 * and runProxy programming a test-named nftables table inside a test-created "node" network namespace (see
 * netns-lab.ts) — the host's own tables are never touched. "Pods" are namespaces on the node's bridge running busybox
 * httpd, published as Pod objects (bound, Running, Ready with their IP) so the controllers build EndpointSlices.
 * Traffic goes only to addresses inside these namespaces. Needs root, nft, ip, nsenter and busybox; skips otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client, loadKubeconfig, type ResourceClient } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { runProxy, type CommandRunner, type ProxyHandle } from '../../src/node/proxy/index.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { labUnavailable, NetnsLab, type FetchTally } from './netns-lab.js';

const skip = labUnavailable();
const NS = 'default';

async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const total = (t: FetchTally, which: 'ok' | 'failed') => Object.values(t[which]).reduce((a, b) => a + b, 0);

describe('kube-proxy on nftables in a test network namespace', { skip }, () => {
  const lab = new NetnsLab();
  const table = `kubelite-t${lab.id}`;
  let server: KubeliteProcess;
  let client: Client;
  let proxy: ProxyHandle;
  const abort = new AbortController();
  const proxyAbort = new AbortController();
  let manager: Promise<void>;
  /** `nft -f` invocations by the proxy: each is one kernel transaction. */
  let nftTransactions = 0;
  const services = () => client.resource<Service>('', 'v1', 'services').namespace(NS);
  const pods = () => client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  const slices = (): ResourceClient<EndpointSlice> => client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace(NS);
  const counting: CommandRunner = async (cmd, args, input) => {
    if (cmd === 'nft' && args[0] === '-f') nftTransactions++;
    return lab.nodeExec(cmd, args, input);
  };
  const nftList = async () => (await lab.nodeExec('nft', ['list', 'table', 'ip', table])).stdout;

  async function publishPod(name: string, ip: string, o: { labels: Record<string, string>; node?: string; ready?: boolean }): Promise<void> {
    await pods().create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: o.labels },
      spec: {
        nodeName: o.node ?? 'node-a',
        containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }] }],
      },
    });
    await setReady(name, o.ready ?? true, ip);
  }

  async function setReady(name: string, ready: boolean, ip?: string): Promise<void> {
    const p = await pods().get(name);
    const podIP = ip ?? p.status?.podIP;
    await pods().updateStatus({
      ...p,
      status: {
        phase: 'Running', podIP, podIPs: [{ ip: podIP! }], hostIP: lab.nodeIP,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
      },
    });
  }

  async function createService(name: string, spec: Service['spec']): Promise<Service> {
    return services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
  }

  /** Waits until `count` requests from `netns` to `url` all succeed with bodies accepted by `good`. */
  async function until(netns: string, url: string, good: (t: FetchTally) => boolean, what: string, count = 20): Promise<FetchTally> {
    let last: FetchTally | undefined;
    return eventually(async () => {
      last = await lab.fetchMany(netns, url, count);
      return total(last, 'failed') === 0 && good(last) && last;
    }, `${what} (last: ${JSON.stringify(last)})`);
  }

  before(async () => {
    await lab.setup();
    server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    const nodes = client.resource<Node>('', 'v1', 'nodes');
    const a = await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    await nodes.updateStatus({ ...a, status: { addresses: [{ type: 'InternalIP', address: lab.nodeIP }, { type: 'Hostname', address: 'node-a' }] } });
    // A second node without addresses: its pods count as "elsewhere" for the Local policies.
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } });
    manager = runControllerManager(client, { signal: abort.signal, enabled: ['endpointslice', 'servicelb'] });
    const web = [await lab.addPod('web-0', [8080, 9090]), await lab.addPod('web-1', [8080, 9090]), await lab.addPod('web-2', [8080, 9090])];
    for (const [i, p] of web.entries()) await publishPod(p.name, p.ip, { labels: { app: 'web' }, node: i === 2 ? 'node-b' : 'node-a' });
    const echo = await lab.addEchoPod('echo-0');
    await publishPod('echo-0', echo.ip, { labels: { app: 'echo' } });
    proxy = await runProxy(client, {
      signal: proxyAbort.signal, nodeName: 'node-a', nodeIPs: [lab.nodeIP], clusterCidr: '10.99.0.0/16', serviceCidr: '10.43.0.0/16',
      tableName: table, exec: counting,
    });
  });

  after(async () => {
    proxyAbort.abort();
    await proxy?.done;
    abort.abort();
    await manager;
    client?.close();
    await server?.stop();
    await lab.destroy();
  });

  test('ClusterIP: 1,000 requests from the node spread at random over all 3 ready endpoints', async () => {
    const svc = await createService('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 81, targetPort: 'metrics' }] });
    const url = `http://${svc.spec!.clusterIP}:80/`;
    await until(lab.node, url, (t) => Object.keys(t.ok).length === 3, 'all three endpoints answering');
    const t = await lab.fetchMany(lab.node, url, 1000, { parallel: 8 });
    assert.equal(total(t, 'failed'), 0, JSON.stringify(t.failed));
    for (const pod of ['web-0', 'web-1', 'web-2']) {
      // Expected 333 each; a share under 200 would mean the choice is not uniform.
      assert.ok((t.ok[`${pod}:8080`] ?? 0) > 200, `uneven spread: ${JSON.stringify(t.ok)}`);
    }
  });

  test('multi-port Service: the named target port "metrics" reaches each pod on 9090', async () => {
    const svc = await services().get('web');
    const t = await until(lab.node, `http://${svc.spec!.clusterIP}:81/`, (x) => Object.keys(x.ok).length === 3, 'port 81', 60);
    assert.deepEqual(Object.keys(t.ok).sort(), ['web-0:9090', 'web-1:9090', 'web-2:9090']);
  });

  test('a readiness flip removes the endpoint from the rules, and adding it back restores it', async () => {
    const svc = await services().get('web');
    const url = `http://${svc.spec!.clusterIP}:80/`;
    await setReady('web-1', false);
    await until(lab.node, url, (t) => !t.ok['web-1:8080'] && Object.keys(t.ok).length === 2, 'web-1 gone', 40);
    await setReady('web-1', true);
    await until(lab.node, url, (t) => Object.keys(t.ok).length === 3, 'web-1 back', 40);
  });

  test('NodePort answers on the node IP from outside and on 127.0.0.1 on the node, spread over endpoints', async () => {
    const svc = await createService('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    const np = svc.spec!.ports![0].nodePort!;
    await until(lab.outside, `http://${lab.nodeIP}:${np}/`, (t) => Object.keys(t.ok).length === 3, 'node IP node port', 40);
    await until(lab.node, `http://127.0.0.1:${np}/`, (t) => Object.keys(t.ok).length === 3, 'localhost node port', 40);
  });

  test('sessionAffinity ClientIP pins a client to one endpoint', async () => {
    const svc = await createService('web-aff', {
      type: 'NodePort', selector: { app: 'web' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ port: 80, targetPort: 8080 }],
    });
    const t = await until(lab.outside, `http://${lab.nodeIP}:${svc.spec!.ports![0].nodePort}/`, () => true, 'affinity service', 30);
    assert.equal(Object.keys(t.ok).length, 1, `30 requests from one client should hit one pod: ${JSON.stringify(t.ok)}`);
  });

  test('externalIPs are served like the ClusterIP', async () => {
    const extIP = `10.97.${lab.k}.5`;
    await lab.exec(lab.outside)('ip', ['route', 'add', `10.97.${lab.k}.0/24`, 'via', lab.nodeIP]);
    await createService('web-ext', { selector: { app: 'web' }, externalIPs: [extIP], externalTrafficPolicy: 'Cluster', ports: [{ port: 8088, targetPort: 8080 }] });
    await until(lab.outside, `http://${extIP}:8088/`, (t) => Object.keys(t.ok).length >= 2, 'external IP');
  });

  test('LoadBalancer: ServiceLB sets the node IP as ingress and the proxy serves it; other classes and type changes', async () => {
    await createService('web-lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 8443, targetPort: 8080 }] });
    const lb = await eventually(async () => {
      const s = await services().get('web-lb');
      return (s.status?.loadBalancer?.ingress?.length ?? 0) > 0 && s;
    }, 'LoadBalancer ingress');
    assert.deepEqual(lb.status!.loadBalancer!.ingress!.map((i) => i.ip), [lab.nodeIP]);
    await until(lab.outside, `http://${lab.nodeIP}:8443/`, (t) => Object.keys(t.ok).length >= 2, 'LB IP:port');

    await createService('other-lb', { type: 'LoadBalancer', loadBalancerClass: 'example.com/other', selector: { app: 'web' }, ports: [{ port: 8444, targetPort: 8080 }] });
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual((await services().get('other-lb')).status?.loadBalancer ?? {}, {}, 'another class is not ours');

    const cur = await services().get('web-lb');
    await services().update({
      ...cur,
      spec: { ...cur.spec, type: 'ClusterIP', externalTrafficPolicy: undefined, allocateLoadBalancerNodePorts: undefined, ports: cur.spec!.ports!.map(({ nodePort: _, ...p }) => p) },
    });
    await eventually(async () => !(await services().get('web-lb')).status?.loadBalancer?.ingress?.length, 'ingress released on type change');
    const r = await eventually(async () => {
      const t = await lab.fetchMany(lab.outside, `http://${lab.nodeIP}:8443/`, 1, { timeoutMs: 1000 });
      return total(t, 'ok') === 0 && t;
    }, 'LB IP no longer served');
    assert.equal(total(r, 'ok'), 0);
  });

  test('headless and ExternalName Services produce no rules', async () => {
    await createService('headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    await createService('extname', { type: 'ExternalName', externalName: 'example.invalid' });
    await createService('marker', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    const rules = await eventually(async () => {
      const t = await nftList();
      return t.includes('default/marker/') && t;
    }, 'marker Service programmed');
    assert.ok(!rules.includes('default/headless/'), 'headless Service has rules');
    assert.ok(!rules.includes('default/extname/'), 'ExternalName Service has rules');
  });

  test('hairpin: a pod reaches its own Service (masqueraded), and external traffic policies pick local endpoints', async () => {
    const echo = lab.pods.find((p) => p.name === 'echo-0')!;
    const cluster = await createService('echo', { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] });
    const local = await createService('echo-local', { type: 'NodePort', externalTrafficPolicy: 'Local', selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] });
    // Hairpin: the pod sees the bridge address, never itself (that reply would bypass conntrack and fail).
    const hp = await until(echo.netns, `http://${cluster.spec!.clusterIP}/`, () => true, 'hairpin', 10);
    assert.deepEqual(Object.keys(hp.ok), [`10.99.${lab.k}.1`]);
    // NodePort from outside: Cluster policy masquerades (to the node's address on the pod bridge), Local keeps the
    // client's address.
    const c = await until(lab.outside, `http://${lab.nodeIP}:${cluster.spec!.ports![0].nodePort}/`, () => true, 'cluster policy', 5);
    assert.deepEqual(Object.keys(c.ok), [`10.99.${lab.k}.1`]);
    const l = await until(lab.outside, `http://${lab.nodeIP}:${local.spec!.ports![0].nodePort}/`, () => true, 'local policy', 5);
    assert.deepEqual(Object.keys(l.ok), [lab.outsideIP]);
    // web-2 runs on node-b: Local policies never send to it.
    const webLocal = await createService('web-local', { type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    const ext = await until(lab.outside, `http://${lab.nodeIP}:${webLocal.spec!.ports![0].nodePort}/`, (t) => Object.keys(t.ok).length === 2, 'eTP Local', 60);
    assert.ok(!ext.ok['web-2:8080']);
    const int = await until(lab.node, `http://${webLocal.spec!.clusterIP}/`, (t) => Object.keys(t.ok).length === 2, 'iTP Local', 60);
    assert.ok(!int.ok['web-2:8080']);
  });

  test('reject: a Service without endpoints, an unused ClusterIP port and an unallocated service IP refuse at once', async () => {
    const empty = await createService('empty', { type: 'NodePort', selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8080 }] });
    const web = await services().get('web');
    await eventually(async () => (await nftList()).includes(`${empty.spec!.clusterIP} . tcp . 80`), 'empty Service programmed');
    for (const [netns, url] of [
      [lab.node, `http://${empty.spec!.clusterIP}/`],
      [lab.outside, `http://${lab.nodeIP}:${empty.spec!.ports![0].nodePort}/`],
      [lab.node, `http://${web.spec!.clusterIP}:82/`],
      [lab.node, 'http://10.43.255.254/'],
    ]) {
      const started = Date.now();
      const t = await lab.fetchMany(netns, url, 1, { timeoutMs: 3000 });
      assert.deepEqual(t.failed, { ECONNREFUSED: 1 }, `${url} from ${netns}: ${JSON.stringify(t)}`);
      assert.ok(Date.now() - started < 2000, `${url} should be refused, not time out`);
    }
  });

  test('incremental sync: a burst of 10 Service changes costs one nft transaction, not a full rewrite', async () => {
    await proxy.sync();
    const before = nftTransactions;
    const fullBefore = proxy.stats().fullSyncs;
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => createService(`burst-${i}`, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] })));
    await eventually(async () => {
      const t = await nftList();
      return made.every((s) => t.includes(`${s.spec!.clusterIP} . tcp . 80`));
    }, 'ten Services programmed');
    // The EndpointSlices for them follow; let those settle too, then count.
    await new Promise((r) => setTimeout(r, 2500));
    const burstTx = nftTransactions - before;
    assert.ok(burstTx >= 1 && burstTx <= 2, `10 Services + their 10 EndpointSlices should take 1–2 transactions, took ${burstTx}`);
    assert.equal(proxy.stats().fullSyncs, fullBefore, 'no full rewrite');
    // Ten EndpointSlice changes alone (a burst of readiness flips): exactly one transaction.
    await proxy.sync();
    const mid = nftTransactions;
    await Promise.all(made.map((s) => slices().create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: `${s.metadata!.name}-extra`, labels: { 'kubernetes.io/service-name': s.metadata!.name! } },
      endpoints: [{ addresses: [`10.99.${lab.k}.200`], conditions: { ready: true } }], ports: [{ port: 8080, protocol: 'TCP' }],
    })));
    await eventually(async () => (await nftList()).split(`10.99.${lab.k}.200:8080`).length - 1 >= 10, 'extra endpoints programmed');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(nftTransactions - mid, 1, 'ten EndpointSlice creations in a burst → one transaction');
  });

  test('rules stay on a plain stop and keep serving; a restart takes over; cleanup removes everything', async () => {
    const web = await services().get('web');
    const url = `http://${web.spec!.clusterIP}:80/`;
    proxyAbort.abort();
    await proxy.done;
    assert.ok((await nftList()).includes('default/web/'), 'rules left in place');
    await until(lab.node, url, (t) => Object.keys(t.ok).length === 3, 'traffic after stop');
    const again = new AbortController();
    const second = await runProxy(client, {
      signal: again.signal, nodeName: 'node-a', nodeIPs: [lab.nodeIP], clusterCidr: '10.99.0.0/16', serviceCidr: '10.43.0.0/16', tableName: table, exec: lab.nodeExec,
    });
    assert.equal(second.stats().fullSyncs, 1);
    await until(lab.node, url, (t) => Object.keys(t.ok).length === 3, 'traffic after restart');
    await second.cleanup();
    const tables = (await lab.nodeExec('nft', ['list', 'tables'])).stdout;
    assert.ok(!tables.includes(table), `table left behind: ${tables}`);
    assert.notEqual((await lab.nodeExec('ip', ['link', 'show', 'kubelite-svc'])).code, 0, 'service bridge left behind');
    assert.ok(!(await lab.nodeExec('ip', ['route', 'show', '10.43.0.0/16'])).stdout.trim(), 'service route left behind');
    const t = await lab.fetchMany(lab.node, url, 1, { timeoutMs: 1000 });
    assert.equal(total(t, 'ok'), 0, 'ClusterIP still answering after cleanup');
  });

  test('iptables backend: ClusterIP and NodePort balanced at random, then cleaned up', async () => {
    const again = new AbortController();
    const ipt = await runProxy(client, {
      signal: again.signal, nodeName: 'node-a', nodeIPs: [lab.nodeIP], clusterCidr: '10.99.0.0/16', serviceCidr: '10.43.0.0/16', backend: 'iptables', exec: lab.nodeExec,
    });
    try {
      const web = await services().get('web');
      const np = await services().get('web-np');
      const t = await until(lab.node, `http://${web.spec!.clusterIP}/`, (x) => Object.keys(x.ok).length === 3, 'iptables ClusterIP', 300);
      for (const n of Object.values(t.ok)) assert.ok(n > 50, `uneven: ${JSON.stringify(t.ok)}`);
      await until(lab.outside, `http://${lab.nodeIP}:${np.spec!.ports![0].nodePort}/`, (x) => Object.keys(x.ok).length === 3, 'iptables NodePort', 60);
      await until(lab.node, `http://127.0.0.1:${np.spec!.ports![0].nodePort}/`, (x) => Object.keys(x.ok).length === 3, 'iptables localhost NodePort', 60);
    } finally {
      await ipt.cleanup();
    }
    const saved = (await lab.nodeExec('iptables-save', [])).stdout;
    assert.ok(!/KUBELITE|KL-/.test(saved), `iptables rules left behind:\n${saved}`);
  });
});
