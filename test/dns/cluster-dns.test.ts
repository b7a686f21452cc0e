/**
 * Cluster DNS end to end: a real server (its controller manager off), the EndpointSlice controller and
 * `runClusterDns` in this process on a loopback port, and a fake upstream resolver on 127.0.0.1 (no query ever
 * leaves the machine). Queries are real DNS messages over UDP and TCP, encoded with dns-packet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client, loadKubeconfig } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { runClusterDns, type ClusterDns } from '../../src/controlplane/dns/cluster-dns.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';

type Reply = DecodedPacket & { rcode: string };

let nextId = 1;

/** One query over UDP (optionally with EDNS). */
function udpQuery(port: number, name: string, type: RecordType, opts: { edns?: number } = {}): Promise<{ reply: Reply; raw: Buffer }> {
  const sock = dgram.createSocket('udp4');
  const id = nextId++;
  const msg = dnsPacket.encode({
    type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP answer for ${name} ${type}`));
    }, 3000);
    sock.on('message', (raw) => {
      clearTimeout(timer);
      sock.close();
      const reply = dnsPacket.decode(raw) as Reply;
      assert.equal(reply.id, id);
      resolve({ reply, raw });
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

/** One query over TCP. */
function tcpQuery(port: number, name: string, type: RecordType): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    sock.on('connect', () => sock.write(dnsPacket.streamEncode({ type: 'query', id: nextId++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] })));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Reply);
      }
    });
    sock.on('error', reject);
  });
}

/** A stub resolver's behaviour: UDP first, TCP again when truncated. */
async function lookup(port: number, name: string, type: RecordType): Promise<Reply> {
  const { reply } = await udpQuery(port, name, type);
  return reply.flag_tc ? tcpQuery(port, name, type) : reply;
}

const values = (answers: Answer[] | undefined, type?: string) =>
  (answers ?? []).filter((a) => !type || a.type === type).map((a) => (a as { data: unknown }).data);

/** A fake upstream on loopback: example.org A, everything else NXDOMAIN; counts the queries it sees. */
async function fakeUpstream(): Promise<{ port: number; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (raw, rinfo) => {
    const q = dnsPacket.decode(raw);
    const question = q.questions![0];
    seen.push(`${question.name} ${question.type}`);
    const known = question.name === 'example.org' && question.type === 'A';
    const out = dnsPacket.encode({
      type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions,
      answers: known ? [{ type: 'A', name: 'example.org', ttl: 300, class: 'IN', data: '192.0.2.80' }] : [],
      authorities: known ? [] : [{ type: 'SOA', name: 'org', ttl: 60, class: 'IN', data: { mname: 'a.org', rname: 'h.org', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } }],
    });
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

describe('cluster DNS', () => {
  let server: KubeliteProcess;
  let client: Client;
  let dns: ClusterDns;
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let port: number;
  const abort = new AbortController();
  let manager: Promise<void>;
  const pods = () => client.resource<Pod>('', 'v1', 'pods').namespace('default');
  const services = () => client.resource<Service>('', 'v1', 'services').namespace('default');

  async function runPod(name: string, ip: string, o: { ready: boolean; labels: Record<string, string>; hostname?: string; subdomain?: string }): Promise<void> {
    await pods().create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: o.labels },
      spec: { nodeName: 'n1', hostname: o.hostname, subdomain: o.subdomain, containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
    const p = await pods().get(name);
    await pods().updateStatus({ ...p, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] } });
  }

  /** Polls until `check` passes on the answer (records follow the informers a moment later). */
  async function until(name: string, type: RecordType, check: (r: Reply) => boolean): Promise<Reply> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await lookup(port, name, type);
      if (check(r)) return r;
      if (Date.now() > deadline) throw new Error(`${name} ${type}: last answer ${r.rcode} ${JSON.stringify(r.answers)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  before(async () => {
    server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    await client.resource('', 'v1', 'nodes').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    manager = runControllerManager(client, { signal: abort.signal, enabled: ['endpointslice'] });
    upstream = await fakeUpstream();
    dns = await runClusterDns(client, { signal: abort.signal, listen: [{ address: '127.0.0.1', port: 0 }], upstream: `127.0.0.1:${upstream.port}` });
    port = dns.addresses[0].port;

    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.org' } });
    await runPod('web-0', '10.42.0.10', { ready: true, labels: { app: 'nginx' }, hostname: 'web-0', subdomain: 'nginx' });
    await runPod('web-1', '10.42.0.11', { ready: true, labels: { app: 'nginx' }, hostname: 'web-1', subdomain: 'nginx' });
    await runPod('web-2', '10.42.0.12', { ready: false, labels: { app: 'nginx' }, hostname: 'web-2', subdomain: 'nginx' });
  });
  after(async () => {
    abort.abort();
    await dns?.close();
    await manager;
    upstream?.close();
    client?.close();
    await server?.stop();
  });

  test('a Service name answers its ClusterIP over UDP and TCP; AAAA is NODATA and unknown names NXDOMAIN, both with the SOA', async () => {
    const svc = await services().get('web');
    const r = await until('web.default.svc.cluster.local', 'A', (x) => x.answers!.length > 0);
    assert.deepEqual(values(r.answers), [svc.spec!.clusterIP]);
    assert.equal(r.flag_aa, true);
    assert.equal((r.answers![0] as { ttl?: number }).ttl, 5);
    const t = await tcpQuery(port, 'web.default.svc.cluster.local', 'A');
    assert.deepEqual(values(t.answers), [svc.spec!.clusterIP]);
    const aaaa = await lookup(port, 'web.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.deepEqual(aaaa.answers, []);
    assert.equal(aaaa.authorities![0].type, 'SOA');
    assert.equal(aaaa.authorities![0].name, 'cluster.local');
    const nx = await lookup(port, 'nope.default.svc.cluster.local', 'A');
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.authorities![0].type, 'SOA');
    // Mixed case (0x20 randomisation) is echoed in the question and still answered — also from the hot path.
    for (let i = 0; i < 2; i++) {
      const mixed = await lookup(port, 'WeB.DeFaulT.svc.Cluster.Local', 'A');
      assert.equal(mixed.questions![0].name, 'WeB.DeFaulT.svc.Cluster.Local');
      assert.deepEqual(values(mixed.answers), [svc.spec!.clusterIP]);
    }
  });

  test('SRV for a named port, headless Services with their ready pod IPs, and StatefulSet-style hostnames', async () => {
    const svc = await services().get('web');
    const srv = await lookup(port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(values(srv.answers), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(values(srv.additionals, 'A'), [svc.spec!.clusterIP]);
    const headless = await until('nginx.default.svc.cluster.local', 'A', (x) => x.answers!.length === 2);
    assert.deepEqual(values(headless.answers).sort(), ['10.42.0.10', '10.42.0.11'], 'the not-ready web-2 is left out');
    const host = await lookup(port, 'web-1.nginx.default.svc.cluster.local', 'A');
    assert.deepEqual(values(host.answers), ['10.42.0.11']);
    const hsrv = await lookup(port, '_http._tcp.nginx.default.svc.cluster.local', 'SRV');
    assert.deepEqual(values(hsrv.answers).map((d) => (d as { target: string; port: number })).map((d) => `${d.target}:${d.port}`).sort(),
      ['web-0.nginx.default.svc.cluster.local:8080', 'web-1.nginx.default.svc.cluster.local:8080']);
    // web-2 turning ready shows up.
    const p = await pods().get('web-2');
    await pods().updateStatus({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    await until('web-2.nginx.default.svc.cluster.local', 'A', (x) => values(x.answers)[0] === '10.42.0.12');
  });

  test('ExternalName answers a CNAME with the target chased upstream; pod names answer A', async () => {
    const ext = await lookup(port, 'ext.default.svc.cluster.local', 'A');
    assert.deepEqual(ext.answers!.map((a) => [a.type, a.name, (a as { data: unknown }).data]), [
      ['CNAME', 'ext.default.svc.cluster.local', 'example.org'], ['A', 'example.org', '192.0.2.80'],
    ]);
    const pod = await lookup(port, '10-42-0-10.default.pod.cluster.local', 'A');
    assert.deepEqual(values(pod.answers), ['10.42.0.10']);
    assert.equal((await lookup(port, '10-9-9-9.default.pod.cluster.local', 'A')).rcode, 'NXDOMAIN');
  });

  test('other names go to the upstream on loopback, once per TTL', async () => {
    const before = upstream.seen.length;
    const r1 = await lookup(port, 'example.org', 'A');
    const r2 = await lookup(port, 'example.org', 'A');
    assert.deepEqual(values(r1.answers), ['192.0.2.80']);
    assert.deepEqual(values(r2.answers), ['192.0.2.80']);
    assert.equal(r1.flag_aa, false);
    assert.equal(upstream.seen.length - before <= 1, true, `upstream saw ${upstream.seen.slice(before)}`);
    const nx = await lookup(port, 'missing.example.net', 'A');
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.ok(upstream.seen.includes('missing.example.net A'));
  });

  test('an answer too big for 512 bytes comes back truncated over UDP and whole over TCP; EDNS raises the limit', async () => {
    // A selectorless headless Service whose slice a user writes: 60 endpoints.
    await services().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'many' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
    await client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace('default').create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'many-1', labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.44.0.${i + 1}`], conditions: { ready: true } })),
    });
    await until('many.default.svc.cluster.local', 'A', (x) => x.answers!.length === 60);
    for (let i = 0; i < 2; i++) { // the second round comes from the encoded-answer cache
      const { reply, raw } = await udpQuery(port, 'many.default.svc.cluster.local', 'A');
      assert.equal(reply.flag_tc, true);
      assert.ok(raw.length <= 512);
      assert.deepEqual(reply.answers, []);
      const big = await udpQuery(port, 'many.default.svc.cluster.local', 'A', { edns: 4096 });
      assert.equal(big.reply.flag_tc, false);
      assert.equal(big.reply.answers!.length, 60);
    }
    const full = await tcpQuery(port, 'many.default.svc.cluster.local', 'A');
    assert.equal(full.flag_tc, false);
    assert.equal(full.answers!.length, 60);
  });
});
