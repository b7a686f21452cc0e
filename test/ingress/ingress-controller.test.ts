/**
 * The ingress controller end to end: a real `kubelite server`, Ingresses written with the real kubectl, and
 * `runIngress` in this process on free loopback ports. Backends are echo servers on 127.0.0.2/127.0.0.3 published
 * as selectorless Services with hand-written EndpointSlices (pods with real IPs come from the kubelet elsewhere).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { WebSocket } from 'ws';
import { Client, loadKubeconfig } from '../../src/client/index.js';
import { runIngress, type IngressController } from '../../src/ingress/run-ingress.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { request, startEchoBackend, type EchoBackend, type Reply, type RequestOptions } from './backends.js';

/** Polls `fn` until it returns a truthy value (every 50 ms, up to `ms`). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cert for `host` signed by itself, as the PEM pair openssl writes. */
function makeCertificate(host: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ingress-test-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ingress controller against a real server', () => {
  let server: KubeliteProcess;
  let client: Client;
  let ingress: IngressController;
  const abort = new AbortController();
  const backends: Record<string, EchoBackend> = {};

  const slices = () => client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace('default');
  /** Publishes a backend as a selectorless Service `name` (port 80 named `http`, of `type`) with one ready endpoint. */
  async function publish(name: string, be: EchoBackend, type: 'ClusterIP' | 'NodePort' = 'ClusterIP'): Promise<void> {
    await client.resource<Service>('', 'v1', 'services').namespace('default').create({
      apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, ports: [{ name: 'http', port: 80, targetPort: be.port }] },
    });
    await slices().create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-manual`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4', ports: [{ name: 'http', port: be.port, protocol: 'TCP' }],
      endpoints: [{ addresses: [be.address], conditions: { ready: true } }],
    });
  }
  const apply = async (yaml: string) => {
    const r = await server.kubectl(['apply', '-f', '-'], { input: yaml });
    assert.equal(r.code, 0, r.stderr);
  };
  const get = (path: string, opts: RequestOptions = {}) => request(ingress.ports.http, path, opts);
  const reaches = (path: string, backend: string, opts: RequestOptions = {}) =>
    eventually(`${opts.host ?? ''}${path} → ${backend}`, async () => {
      const r = await get(path, opts);
      return r.echo?.backend === backend ? r : undefined;
    });
  const answers = (path: string, status: number, opts: RequestOptions = {}) =>
    eventually(`${opts.host ?? ''}${path} → ${status}`, async () => ((await get(path, opts)).status === status ? true : undefined));

  before(async () => {
    server = await startKubelite();
    client = new Client(loadKubeconfig(server.kubeconfig));
    backends.A = await startEchoBackend('A', '127.0.0.2');
    backends.B = await startEchoBackend('B', '127.0.0.3');
    backends.C = await startEchoBackend('C', '127.0.0.2');
    await publish('svc-a', backends.A);
    await publish('svc-b', backends.B, 'NodePort');
    await publish('svc-c', backends.C);
    const pair = makeCertificate('secure.example.com');
    await client.resource<Secret>('', 'v1', 'secrets').namespace('default').create({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secure-tls' }, type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
    });
    ingress = await runIngress(client, { signal: abort.signal, httpPort: 0, httpsPort: 0, bindAddress: '127.0.0.1', statusAddresses: ['127.0.0.1'] });
  });
  after(async () => {
    abort.abort();
    await ingress?.close();
    client?.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
    await server?.stop();
  });

  test('creates the default IngressClass kubelite for controller kubelite.io/ingress', async () => {
    const cls = await eventually('IngressClass kubelite', () => client.resource<IngressClass>('networking.k8s.io', 'v1', 'ingressclasses').get('kubelite'));
    assert.equal(cls.spec?.controller, 'kubelite.io/ingress');
    assert.equal(cls.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
    const r = await server.kubectl(['get', 'ingressclass']);
    assert.match(r.stdout, /kubelite\s+kubelite\.io\/ingress/);
  });

  test("the seed's example, with no class given: /user → service A (ClusterIP), /products → service B (NodePort)", async () => {
    await apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /user, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}
      - {path: /products, pathType: Prefix, backend: {service: {name: svc-b, port: {name: http}}}}
`);
    const user = await reaches('/user/7', 'A');
    assert.equal(user.echo?.url, '/user/7');
    await reaches('/products?page=2', 'B');
    assert.equal((await get('/userx')).status, 404, 'Prefix matches whole path elements');
    assert.equal((await get('/')).status, 404);
  });

  test('status.loadBalancer.ingress carries the node address, shown by kubectl get ingress', async () => {
    const row = await eventually('ADDRESS 127.0.0.1', async () => {
      const r = await server.kubectl(['get', 'ingress', 'shop']);
      // CLASS is <none> unless the API server's DefaultIngressClass admission fills spec.ingressClassName in.
      return /shop\s+(<none>|kubelite)\s+\*\s+127\.0\.0\.1\s+80\s/.test(r.stdout) ? r.stdout : undefined;
    });
    assert.match(row, /NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE/);
  });

  test('host rules: an exact host, a one-label wildcard; Ingresses of other classes are ignored', async () => {
    await apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: hosts}
spec:
  ingressClassName: kubelite
  rules:
  - host: api.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc-c, port: {number: 80}}}}]}
  - host: "*.example.com"
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc-b, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: foreign}
spec:
  ingressClassName: nginx
  rules:
  - host: foreign.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}]}
`);
    await reaches('/', 'C', { host: 'api.example.com' });
    await reaches('/x', 'B', { host: 'www.example.com:8080' });
    assert.equal((await get('/x', { host: 'a.b.example.com' })).status, 404, 'a wildcard covers one label only');
    assert.equal((await get('/user', { host: 'other.test' })).echo?.backend, 'A', 'other hosts still reach the rules without a host');
    assert.equal((await get('/', { host: 'foreign.test' })).status, 404);
    const foreign = await client.resource<Ingress>('networking.k8s.io', 'v1', 'ingresses').namespace('default').get('foreign');
    assert.equal(foreign.status?.loadBalancer?.ingress, undefined, "another class's Ingress gets no status from us");
  });

  test('X-Forwarded-* and X-Real-IP reach the backend, Host is kept', async () => {
    const r = await get('/user', { host: 'shop.test', headers: { 'X-Forwarded-For': '198.51.100.1' } });
    const h = r.echo!.headers;
    assert.equal(h.host, 'shop.test');
    assert.equal(h['x-forwarded-for'], '198.51.100.1, 127.0.0.1');
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], 'shop.test');
    assert.equal(h['x-forwarded-port'], String(ingress.ports.http));
  });

  test('TLS from a kubernetes.io/tls Secret chosen by SNI; unknown names get the default certificate', async () => {
    await apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure}
spec:
  tls: [{hosts: [secure.example.com], secretName: secure-tls}]
  rules:
  - host: secure.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}]}
`);
    const tls = (servername: string) => ({ host: servername || undefined, tls: { servername } });
    const r = await eventually('the secure.example.com certificate', async () => {
      const reply = await request(ingress.ports.https!, '/', tls('secure.example.com'));
      return reply.certificate === 'secure.example.com' ? reply : undefined;
    });
    assert.equal(r.echo?.backend, 'A');
    assert.equal(r.echo?.headers['x-forwarded-proto'], 'https');
    assert.equal(r.echo?.headers['x-forwarded-port'], String(ingress.ports.https));
    const other = await request(ingress.ports.https!, '/products', tls('unknown.test'));
    assert.equal(other.certificate, 'kubelite ingress default certificate');
    assert.equal(other.echo?.backend, 'B', 'routing over HTTPS is the same table');
    const noSni = await request(ingress.ports.https!, '/user', tls(''));
    assert.equal(noSni.certificate, 'kubelite ingress default certificate');
  });

  test('WebSocket upgrades pass through to the backend', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ingress.ports.http}/products/live`, { headers: { Host: 'ws.test' } });
    const got = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('ping'));
      ws.on('message', (d) => {
        resolve(String(d));
        ws.close();
      });
      ws.on('error', reject);
    });
    assert.equal(got, 'B:ping');
  });

  test('defaultBackend catches what no rule matches', async () => {
    assert.equal((await get('/nothing-here')).status, 404);
    await apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback}
spec:
  defaultBackend: {service: {name: svc-c, port: {name: http}}}
`);
    await reaches('/nothing-here', 'C');
    assert.equal((await get('/user')).echo?.backend, 'A', 'rules still win over the default backend');
  });

  test('an update while a slow request is in flight: the request completes, new requests take the new route', async () => {
    const slow = get('/user/slow?ms=1500');
    await new Promise((r) => setTimeout(r, 200));
    const r = await server.kubectl(['patch', 'ingress', 'shop', '--type', 'json', '-p',
      '[{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"svc-b"}]']);
    assert.equal(r.code, 0, r.stderr);
    await reaches('/user/1', 'B');
    const done: Reply = await slow;
    assert.equal(done.status, 200);
    assert.equal(done.echo?.backend, 'A');
  });

  test('endpoints removed → 503; endpoints back → served again', async () => {
    await slices().patch('svc-c-manual', { endpoints: [] }, 'merge');
    await answers('/nothing-here', 503);
    await slices().patch('svc-c-manual', { endpoints: [{ addresses: [backends.C.address], conditions: { ready: false } }] }, 'merge');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await get('/nothing-here')).status, 503, 'a not-ready endpoint is not used');
    await slices().patch('svc-c-manual', { endpoints: [{ addresses: [backends.C.address], conditions: { ready: true } }] }, 'merge');
    await reaches('/nothing-here', 'C');
  });

  test('with proxy worker processes every process serves the same routes, follows updates, and exits on close', async () => {
    const workersOf = () => execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('proxy-worker.js'));
    const multi = await runIngress(client, { signal: abort.signal, httpPort: 0, httpsPort: 0, bindAddress: '127.0.0.1', workers: 3 });
    try {
      assert.equal(workersOf().length, 2, 'workers: 3 forks two proxy processes besides this one');
      // Fresh connections land on any of the three processes: every one must answer from the current table.
      const all = async (path: string, opts: RequestOptions, port = multi.ports.http) =>
        Promise.all(Array.from({ length: 30 }, () => request(port, path, opts)));
      await eventually('all processes route /products → B', async () => (await all('/products', {})).every((r) => r.echo?.backend === 'B'));
      const certs = await all('/', { host: 'secure.example.com', tls: { servername: 'secure.example.com' } }, multi.ports.https);
      assert.deepEqual(new Set(certs.map((r) => r.certificate)), new Set(['secure.example.com']), 'TLS secrets reach the workers');
      const r = await server.kubectl(['patch', 'ingress', 'shop', '--type', 'json', '-p',
        '[{"op":"replace","path":"/spec/rules/0/http/paths/1/backend/service/name","value":"svc-c"}]']);
      assert.equal(r.code, 0, r.stderr);
      await eventually('all processes route /products → C', async () => (await all('/products', {})).every((x) => x.echo?.backend === 'C'));
    } finally {
      await multi.close();
    }
    assert.deepEqual(workersOf(), [], 'no worker outlives close()');
  });

  test('moving an Ingress to another class withdraws its routes and our status', async () => {
    await apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: hosts}
spec:
  ingressClassName: nginx
  rules:
  - host: api.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc-c, port: {number: 80}}}}]}
`);
    // The wildcard rule sent www.example.com to B; without it the default backend (C) answers.
    await reaches('/', 'C', { host: 'www.example.com' });
    await eventually('status cleared', async () => {
      const ing = await client.resource<Ingress>('networking.k8s.io', 'v1', 'ingresses').namespace('default').get('hosts');
      return !ing.status?.loadBalancer?.ingress?.length;
    });
  });
});
