/**
 * The reverse proxy on real sockets, without an API server: echo backends on 127.0.0.2/127.0.0.3, route tables
 * built in memory and swapped in, and a node:http listener on a free loopback port in front.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { WebSocket } from 'ws';
import { BackendPool } from '../../src/ingress/backend-pool.js';
import { ReverseProxy } from '../../src/ingress/reverse-proxy.js';
import { RouteTable, SERVICE_NAME_LABEL } from '../../src/ingress/route-table.js';
import { refusedPort, request, startEchoBackend, type EchoBackend } from './backends.js';

/** Service name → endpoints as `address:port`. */
type World = Record<string, string[]>;

function table(world: World, paths: Record<string, string>): RouteTable {
  const ing: Ingress = {
    metadata: { name: 'i', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { rules: [{ http: { paths: Object.entries(paths).map(([path, svc]) => ({ path, pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) } }] },
  };
  return RouteTable.build({
    ingresses: [ing],
    service: (_ns, name): Service | undefined => (world[name] ? { metadata: { name, namespace: 'ns' }, spec: { ports: [{ port: 80 }] } } : undefined),
    endpointSlices: (_ns, name): EndpointSlice[] => {
      const eps = world[name] ?? [];
      // One slice port per endpoint port: the test backends listen on different ports.
      return eps.map((ep, i) => {
        const [address, port] = ep.split(':');
        return {
          metadata: { name: `${name}-${i}`, namespace: 'ns', labels: { [SERVICE_NAME_LABEL]: name } }, addressType: 'IPv4',
          ports: [{ port: Number(port), protocol: 'TCP' }], endpoints: [{ addresses: [address], conditions: { ready: true } }],
        };
      });
    },
  });
}

describe('reverse proxy', () => {
  let a: EchoBackend;
  let b: EchoBackend;
  let proxy: ReverseProxy;
  let server: http.Server;
  let port: number;
  const at = (be: EchoBackend) => `${be.address}:${be.port}`;

  before(async () => {
    a = await startEchoBackend('A', '127.0.0.2');
    b = await startEchoBackend('B', '127.0.0.3');
    proxy = new ReverseProxy({ pool: new BackendPool({ connectTimeoutMs: 1000 }) });
    server = http.createServer((req, res) => proxy.handleRequest(req, res, { scheme: 'http', port }));
    server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, { scheme: 'http', port }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    proxy.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await Promise.all([a.close(), b.close()]);
  });

  test('answers 503 before the first route table, then routes /user → A and /products → B, 404 elsewhere', async () => {
    assert.equal((await request(port, '/user')).status, 503);
    proxy.setRoutes(table({ a: [at(a)], b: [at(b)] }, { '/user': 'a', '/products': 'b' }));
    const user = await request(port, '/user/42?x=1');
    assert.equal(user.status, 200);
    assert.equal(user.echo?.backend, 'A');
    assert.equal(user.echo?.url, '/user/42?x=1', 'the request target is passed unchanged');
    assert.equal((await request(port, '/products')).echo?.backend, 'B');
    const none = await request(port, '/other');
    assert.equal(none.status, 404);
    assert.equal(none.body, '404 page not found\n');
  });

  test('forwarding headers: X-Forwarded-For appended, X-Real-IP, -Proto, -Host, -Port; Host kept; hop-by-hop dropped both ways', async () => {
    proxy.setRoutes(table({ a: [at(a)] }, { '/': 'a' }));
    const r = await request(port, '/h', {
      host: 'shop.example.com:8080',
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Real-IP': '6.6.6.6', 'X-Forwarded-Proto': 'gopher', Connection: 'keep-alive, X-Hop', 'X-Hop': 'secret', 'Proxy-Authorization': 'Basic eA==' },
    });
    const h = r.echo!.headers;
    assert.equal(h['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], 'shop.example.com:8080');
    assert.equal(h['x-forwarded-port'], String(port));
    assert.equal(h.host, 'shop.example.com:8080');
    assert.equal(h['x-hop'], undefined, 'a header named in Connection is hop-by-hop');
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(r.headers['x-backend'], 'A', 'end-to-end response headers pass');
    assert.equal(r.headers['keep-alive'], 'timeout=5', "the backend's Keep-Alive (timeout=30) is not relayed; the listener's own is sent");
  });

  test('request bodies (fixed and chunked) and response statuses pass through', async () => {
    proxy.setRoutes(table({ a: [at(a)] }, { '/': 'a' }));
    const posted = await request(port, '/p', { method: 'POST', body: 'x'.repeat(100_000), headers: { 'Content-Type': 'text/plain' } });
    assert.equal(posted.echo?.body.length, 100_000);
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/c', method: 'PUT', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body).body));
      });
      req.on('error', reject);
      req.write('one,');
      setTimeout(() => req.end('two'), 20);
    });
    assert.equal(chunked, 'one,two');
    assert.equal((await request(port, '/status/418')).status, 418);
  });

  test('round-robin over ready endpoints, over kept-alive backend connections', async () => {
    proxy.setRoutes(table({ a: [at(a), at(b)] }, { '/': 'a' }));
    const before = a.connections() + b.connections();
    const seen: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const r = await request(port, '/rr');
      seen[r.echo!.backend] = (seen[r.echo!.backend] ?? 0) + 1;
    }
    assert.deepEqual(seen, { A: 20, B: 20 });
    assert.ok(a.connections() + b.connections() - before <= 2, `40 sequential requests should reuse one connection per endpoint, opened ${a.connections() + b.connections() - before}`);
  });

  test('a refused endpoint is retried on another, a POST body included', async () => {
    const dead = await refusedPort('127.0.0.4');
    proxy.setRoutes(table({ a: [`127.0.0.4:${dead}`, at(a)] }, { '/': 'a' }));
    for (let i = 0; i < 6; i++) {
      const r = await request(port, '/retry', { method: 'POST', body: `n=${i}` });
      assert.equal(r.status, 200);
      assert.equal(r.echo?.body, `n=${i}`);
    }
  });

  test('503 for a Service without endpoints or a missing Service, 502 when no endpoint accepts', async () => {
    const dead1 = await refusedPort('127.0.0.4');
    const dead2 = await refusedPort('127.0.0.5');
    proxy.setRoutes(table({ empty: [], dead: [`127.0.0.4:${dead1}`, `127.0.0.5:${dead2}`] }, { '/empty': 'empty', '/ghost': 'ghost', '/dead': 'dead' }));
    assert.equal((await request(port, '/empty')).status, 503);
    assert.equal((await request(port, '/ghost')).status, 503);
    assert.equal((await request(port, '/dead')).status, 502);
  });

  test('a request in flight finishes on its backend while the table is swapped away from it', async () => {
    proxy.setRoutes(table({ a: [at(a)] }, { '/': 'a' }));
    const slow = request(port, '/slow?ms=400');
    await new Promise((r) => setTimeout(r, 100));
    proxy.setRoutes(table({ b: [at(b)] }, { '/': 'b' }));
    assert.equal((await request(port, '/now')).echo?.backend, 'B', 'new requests take the new route at once');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.echo?.backend, 'A');
  });

  test('WebSocket upgrades are tunnelled to the backend; no route and no endpoints are refused', async () => {
    proxy.setRoutes(table({ a: [at(b)], none: [] }, { '/ws': 'a', '/none': 'none' }));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (d) => {
        messages.push(String(d));
        if (messages.length === 1) ws.send('again');
        else {
          ws.close();
          resolve();
        }
      });
      ws.on('error', reject);
    });
    assert.deepEqual(messages, ['B:hello', 'B:again']);
    for (const [path, status] of [['/nowhere', 404], ['/none', 503]] as const) {
      const code = await new Promise<number>((resolve) => {
        const bad = new WebSocket(`ws://127.0.0.1:${port}${path}`);
        bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        bad.on('error', () => resolve(-1));
      });
      assert.equal(code, status, path);
    }
  });
});
