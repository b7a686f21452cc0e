/**
 * `npm run bench:api`: the API server over HTTPS on this machine, on SQLite and on etcd.
 *   1. create / get / list throughput and p50/p99 with 16 concurrent clients;
 *   2. p99 of single-object writes and GETs at a steady 20 writes/s;
 *   3. watch delivery p99 to 100 concurrent watchers;
 *   4. idle server RSS;
 *   5. the raw store's write rate without HTTP, and API creates/s ÷ raw writes/s.
 * Not a timed test: it prints a table; docs/benchmarks.md records dated results.
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startKubelite, type KubeliteProcess } from '../test/support/kubelite.js';
import { credsFrom, type Creds } from '../test/support/https.js';
import { findEtcd, startEtcd } from '../test/support/etcd.js';
import { benchStore } from './store.js';

const CONCURRENCY = 16;
const quick = process.argv.includes('--quick');
const N_CREATES = quick ? 2000 : 10000;

interface Client {
  c: Creds;
  agent: Agent;
}

function call(cl: Client, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: cl.c.server.hostname, port: cl.c.server.port, method, path, agent: cl.agent,
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

const cm = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'api' } },
  data: { payload: 'x'.repeat(600) },
});

async function closedLoop(total: number, op: (i: number) => Promise<void>): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const s = performance.now();
      await op(i);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { perSec: total / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function expectOk(p: Promise<{ status: number; body: string }>, want: number): Promise<void> {
  const r = await p;
  if (r.status !== want) throw new Error(`unexpected ${r.status}: ${r.body.slice(0, 300)}`);
}

interface Row {
  backend: string;
  metric: string;
  value: string;
  goal: string;
}

async function benchOne(name: string, k: KubeliteProcess, rows: Row[]): Promise<number> {
  const cl: Client = { c: credsFrom(k.kubeconfig), agent: new Agent({ keepAlive: true, maxSockets: 64, ca: '' }) };
  cl.agent = new Agent({ keepAlive: true, maxSockets: 64, ca: cl.c.ca, cert: cl.c.cert, key: cl.c.key });
  const ns = '/api/v1/namespaces/bench';
  await expectOk(call(cl, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } })), 201);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = rssMB(k.proc.pid!);

  const create = await closedLoop(N_CREATES, (i) => expectOk(call(cl, 'POST', `${ns}/configmaps`, cm(`c${i}`)), 201));
  rows.push({ backend: name, metric: `create (16 clients, ${N_CREATES})`, value: `${create.perSec.toFixed(0)}/s  p50 ${create.p50.toFixed(1)} ms  p99 ${create.p99.toFixed(1)} ms`, goal: name === 'sqlite' ? '≥ 3,000/s' : '' });
  const get = await closedLoop(N_CREATES, (i) => expectOk(call(cl, 'GET', `${ns}/configmaps/c${i}`), 200));
  rows.push({ backend: name, metric: 'get (16 clients)', value: `${get.perSec.toFixed(0)}/s  p50 ${get.p50.toFixed(1)} ms  p99 ${get.p99.toFixed(1)} ms`, goal: '' });
  const list = await closedLoop(quick ? 100 : 400, () => expectOk(call(cl, 'GET', `${ns}/configmaps?limit=500`), 200));
  rows.push({ backend: name, metric: 'list 500 items (16 clients)', value: `${list.perSec.toFixed(0)}/s  p50 ${list.p50.toFixed(1)} ms  p99 ${list.p99.toFixed(1)} ms`, goal: '' });

  // Steady 20 writes/s with a GET after each write, for 15 s (5 s quick).
  const seconds = quick ? 5 : 15;
  const wlat: number[] = [];
  const glat: number[] = [];
  const steady: Promise<void>[] = [];
  for (let i = 0; i < seconds * 20; i++) {
    steady.push((async () => {
      await new Promise((r) => setTimeout(r, i * 50));
      let s = performance.now();
      await expectOk(call(cl, 'POST', `${ns}/configmaps`, cm(`s${i}`)), 201);
      wlat.push(performance.now() - s);
      s = performance.now();
      await expectOk(call(cl, 'GET', `${ns}/configmaps/s${i}`), 200);
      glat.push(performance.now() - s);
    })());
  }
  await Promise.all(steady);
  rows.push({ backend: name, metric: 'write p99 at 20 writes/s', value: `${pct(wlat, 99).toFixed(2)} ms (p50 ${pct(wlat, 50).toFixed(2)})`, goal: '≤ 10 ms' });
  rows.push({ backend: name, metric: 'GET p99 at 20 writes/s', value: `${pct(glat, 99).toFixed(2)} ms (p50 ${pct(glat, 50).toFixed(2)})`, goal: '≤ 3 ms' });

  // Watch delivery to 100 watchers: latency from the write's acknowledgement to each watcher's event.
  const acked = new Map<string, number>();
  const deliveries: number[] = [];
  const watchAgent = new Agent({ keepAlive: true, maxSockets: 200, ca: cl.c.ca, cert: cl.c.cert, key: cl.c.key });
  const rv = JSON.parse((await call(cl, 'GET', `${ns}/configmaps?limit=1`)).body).metadata.resourceVersion;
  const watchers = await Promise.all(Array.from({ length: 100 }, () => new Promise<() => void>((resolve, reject) => {
    const req = request({ host: cl.c.server.hostname, port: cl.c.server.port, path: `${ns}/configmaps?watch=true&resourceVersion=${rv}&labelSelector=w%3D1`, agent: watchAgent }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const now = performance.now();
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const name = JSON.parse(line).object.metadata.name;
          const t = acked.get(name);
          deliveries.push(t === undefined ? 0 : Math.max(0, now - t));
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  })));
  const events = quick ? 50 : 200;
  for (let i = 0; i < events; i++) {
    const name = `w${i}`;
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { w: '1' } }, data: { a: 'b' } });
    const sent = performance.now();
    await expectOk(call(cl, 'POST', `${ns}/configmaps`, body), 201);
    acked.set(name, sent);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (let i = 0; i < 50 && deliveries.length < events * 100; i++) await new Promise((r) => setTimeout(r, 100));
  for (const stop of watchers) stop();
  rows.push({ backend: name, metric: 'watch delivery p99, 100 watchers', value: `${pct(deliveries, 99).toFixed(1)} ms (p50 ${pct(deliveries, 50).toFixed(1)}; ${deliveries.length}/${events * 100} events)`, goal: '≤ 50 ms' });
  rows.push({ backend: name, metric: 'idle server RSS', value: `${idle.toFixed(0)} MB`, goal: '≤ 80 MB' });
  cl.agent.destroy();
  watchAgent.destroy();
  return create.perSec;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const args = ['--disable-scheduler', '--disable-controller-manager'];
  const sq = await startKubelite({ args });
  let sqliteCreates: number;
  try {
    sqliteCreates = await benchOne('sqlite', sq, rows);
  } finally {
    await sq.stop();
  }
  const raw = await benchStore('sqlite', {});
  rows.push({ backend: 'sqlite', metric: 'raw store creates/s (16 writers, no HTTP)', value: `${raw.writesPerSec.toFixed(0)}/s`, goal: '' });
  rows.push({ backend: 'sqlite', metric: 'API creates/s ÷ raw store writes/s', value: (sqliteCreates / raw.writesPerSec).toFixed(3), goal: '' });
  if (findEtcd()) {
    const etcd = await startEtcd();
    try {
      const ek = await startKubelite({ storage: 'etcd', etcdEndpoints: etcd.endpoints, args });
      try {
        const creates = await benchOne('etcd', ek, rows);
        const rawE = await benchStore('etcd', { endpoints: etcd.endpoints });
        rows.push({ backend: 'etcd', metric: 'raw store creates/s (16 writers, no HTTP)', value: `${rawE.writesPerSec.toFixed(0)}/s`, goal: '' });
        rows.push({ backend: 'etcd', metric: 'API creates/s ÷ raw store writes/s', value: (creates / rawE.writesPerSec).toFixed(3), goal: '' });
      } finally {
        await ek.stop();
      }
    } finally {
      await etcd.stop();
    }
  }
  const w = [8, 44, 52];
  console.log(`\nkubelite API benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${quick ? 'quick' : 'full'}`);
  console.log(`${'backend'.padEnd(w[0])}${'metric'.padEnd(w[1])}${'value'.padEnd(w[2])}goal`);
  for (const r of rows) console.log(`${r.backend.padEnd(w[0])}${r.metric.padEnd(w[1])}${r.value.padEnd(w[2])}${r.goal}`);
}

await main();
