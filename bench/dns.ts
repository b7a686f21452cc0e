/**
 * `npm run bench:dns`: cluster DNS queries per second with Debian's dnsperf against `runClusterDns` on loopback.
 * A real server gets 100 ClusterIP Services (and one headless Service with 20 ready endpoints); the DNS server runs
 * in this process on 127.0.0.1, fed by informers, with a loopback upstream that never answers (nothing leaves the
 * machine). Two loads:
 *   1. A queries for the 100 Service names;
 *   2. a client-like mix: search-path misses (NXDOMAIN), AAAA (NODATA), SRV and headless A.
 * Reports QPS, lost queries and average latency from dnsperf, and the DNS process's RSS idle and after the load.
 * The anchor is CoreDNS at about 33.7k QPS on 2 vCPUs; the goal is ≥ 35k. Profile with
 * `node --cpu-prof dist/bench/dns.js --quick`. Requires `apt-get install -y dnsperf`.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Client, loadKubeconfig } from '../src/client/index.js';
import { runClusterDns } from '../src/controlplane/dns/cluster-dns.js';
import { startKubelite } from '../test/support/kubelite.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 5 : 15;
const SERVICES = 100;
/** dnsperf's outstanding-query limit: enough to keep the server busy without overflowing the socket buffer. */
const OUTSTANDING = Number(process.env.DNSPERF_OUTSTANDING ?? 100);

/** Runs dnsperf asynchronously (the DNS server shares this process's event loop). */
function dnsperf(port: number, file: string): Promise<{ qps: number; lost: string; latency: string; raw: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(SECONDS), '-c', '4', '-q', String(OUTSTANDING), '-t', '2']);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', (err) => reject(new Error(`Cannot run dnsperf (apt-get install -y dnsperf): ${err.message}`)));
    p.on('close', () => resolve({
      qps: Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
      lost: /Queries lost:\s+(.+)/.exec(out)?.[1]?.trim() ?? '?',
      latency: /Average Latency \(s\):\s+(\S+)/.exec(out)?.[1] ?? '?',
      raw: out,
    }));
  });
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-'));
  const client = new Client(loadKubeconfig(server.kubeconfig));
  const abort = new AbortController();
  // A loopback upstream that swallows queries, so a stray forward can never reach the host's resolver.
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  try {
    const svcs = client.resource<Service>('', 'v1', 'services').namespace('default');
    for (let i = 0; i < SERVICES; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => svcs.create({
        apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i + j}` }, spec: { selector: { app: `a${i + j}` }, ports: [{ name: 'http', port: 80 }] },
      })));
    }
    await svcs.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
    await client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace('default').create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'headless-1', labels: { 'kubernetes.io/service-name': 'headless' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.44.0.${i + 1}`], conditions: { ready: true } })),
    });

    const dns = await runClusterDns(client, { signal: abort.signal, listen: [{ address: '127.0.0.1', port: 0 }], upstream: `127.0.0.1:${sink.address().port}` });
    const port = dns.addresses[0].port;
    const rssIdle = process.memoryUsage().rss;

    const aFile = join(dir, 'a.txt');
    writeFileSync(aFile, Array.from({ length: SERVICES }, (_, i) => `svc-${i}.default.svc.cluster.local A`).join('\n') + '\n');
    const mixFile = join(dir, 'mix.txt');
    const mix: string[] = [];
    for (let i = 0; i < SERVICES; i++) {
      const n = `svc-${i}`;
      mix.push(`${n}.default.svc.cluster.local.default.svc.cluster.local A`, `${n}.default.svc.cluster.local.svc.cluster.local A`,
        `${n}.default.svc.cluster.local A`, `${n}.default.svc.cluster.local AAAA`, `_http._tcp.${n}.default.svc.cluster.local SRV`);
      if (i % 10 === 0) mix.push('headless.default.svc.cluster.local A');
    }
    writeFileSync(mixFile, mix.join('\n') + '\n');

    // Warm the encoded-answer cache and the JIT.
    await dnsperf(port, aFile);
    const a = await dnsperf(port, aFile);
    const m = await dnsperf(port, mixFile);
    const rssLoaded = process.memoryUsage().rss;
    console.log(`cluster DNS, ${SERVICES} Services, dnsperf ${SECONDS}s per load, node ${process.version}`);
    console.log(`  A for Service names   ${a.qps.toFixed(0).padStart(8)} QPS   lost ${a.lost}   avg latency ${a.latency}s`);
    console.log(`  client-like mix       ${m.qps.toFixed(0).padStart(8)} QPS   lost ${m.lost}   avg latency ${m.latency}s`);
    console.log(`  RSS idle ${mb(rssIdle)}, after load ${mb(rssLoaded)}   (goal ≥ 35k QPS; CoreDNS ≈ 33.7k on 2 vCPUs)`);
    if (Number.isNaN(a.qps)) console.log(a.raw);
    await dns.close();
  } finally {
    abort.abort();
    sink.close();
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
