/**
 * `npm run bench:ingress`: HTTP requests/s through kubelite's ingress against Debian's nginx as a plain reverse proxy
 * to the same backend, measured with wrk. Everything runs on loopback with configs of our own (never the system
 * nginx service):
 *   - the backend is an nginx instance on 127.0.0.2 answering a small body (one worker, so it is never the limit);
 *   - the reference is nginx on 127.0.0.1 proxying to it with upstream keep-alive and the same forwarding headers
 *     the ingress sets (X-Forwarded-For/-Proto, X-Real-IP, Host), at `worker_processes 1` and `auto`;
 *   - kubelite's ingress runs in this process (`runIngress`) against a real `kubelite server`, with an Ingress →
 *     selectorless Service → EndpointSlice pointing at the backend: once with `workers: 1` (this event loop only,
 *     compared with nginx `worker_processes 1`) and once with `workers: 'auto'` (forked proxy processes, one per CPU,
 *     compared with nginx `auto`).
 * Reports requests/s and p99 per target and the ingress/nginx ratio; the goal is ≥ 60% of nginx (ingress-nginx
 * reaches about 46%). Each target is measured in interleaved rounds (3; the median is reported) because the
 * machine may be shared. Flags: `--quick` (one round of 5 s runs), `--only-ingress` (skip nginx, for profiling with
 * `node --cpu-prof dist/bench/ingress.js --quick --only-ingress`). Requires `apt-get install -y nginx wrk`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { Client, loadKubeconfig } from '../src/client/index.js';
import { runIngress } from '../src/ingress/run-ingress.js';
import { startKubelite } from '../test/support/kubelite.js';

const CONNECTIONS = Number(process.env.WRK_CONNECTIONS ?? 64);
const THREADS = Number(process.env.WRK_THREADS ?? 2);

/** One wrk run. */
export interface WrkResult {
  rps: number;
  p50: string;
  p99: string;
  errors: string;
}

/** Runs wrk asynchronously (the ingress shares this process's event loop). */
function wrk(url: string, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', 'Host: bench.test', url]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', (err) => reject(new Error(`Cannot run wrk (apt-get install -y wrk): ${err.message}`)));
    p.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      if (Number.isNaN(rps)) return reject(new Error(`wrk printed no result for ${url}:\n${out}`));
      const errs = [/Socket errors: (.+)/.exec(out)?.[1], /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1]].filter(Boolean);
      resolve({ rps, p50: /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '?', p99: /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '?', errors: errs.length ? errs.join('; ') : 'none' });
    });
  });
}

async function freePort(address: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, address, () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Starts nginx in the foreground with `http` as the body of its http block; resolves once it accepts on `port`. */
async function startNginx(dir: string, name: string, workers: string, httpBlock: string, address: string, port: number): Promise<ChildProcess> {
  const prefix = join(dir, name);
  mkdirSync(prefix, { recursive: true });
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(prefix, t)};`).join('\n  ');
  writeFileSync(join(prefix, 'nginx.conf'), `
worker_processes ${workers};
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${temps}
  keepalive_requests 1000000;
  ${httpBlock}
}
`);
  const p = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`nginx (${name}) exited with ${p.exitCode}; see ${prefix}/error.log`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return p;
    if (Date.now() > deadline) throw new Error(`nginx (${name}) did not listen on ${address}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGQUIT');
    setTimeout(() => p.kill('SIGKILL'), 5_000).unref();
  });
}

const fmt = (r: WrkResult): string => `${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}   errors: ${r.errors}`;

/** Options of {@link benchIngress}. */
export interface BenchIngressOptions {
  /** One round of 5 s runs instead of three of 10 s. */
  quick?: boolean;
  /** Measure the ingress only (for profiling). */
  onlyIngress?: boolean;
}

/** What {@link benchIngress} measured: the median round per target, and ingress/nginx per worker setting. */
export interface BenchIngressResult {
  medians: Record<string, WrkResult>;
  ratios: { workers1?: number; workersAuto?: number };
}

/** Runs the benchmark, printing as it goes (also callable from a combined `bench:net`). */
export async function benchIngress(opts: BenchIngressOptions = {}): Promise<BenchIngressResult> {
  const onlyIngress = !!opts.onlyIngress;
  const SECONDS = opts.quick ? 5 : 10;
  const ROUNDS = opts.quick ? 1 : 3;
  const ratios: BenchIngressResult['ratios'] = {};
  let medians = new Map<string, WrkResult>();
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingress-'));
  const procs: ChildProcess[] = [];
  const abort = new AbortController();
  const server = await startKubelite({ args: ['--disable-scheduler'] });
  const client = new Client(loadKubeconfig(server.kubeconfig));
  try {
    const backendPort = await freePort('127.0.0.2');
    procs.push(await startNginx(dir, 'backend', '1', `server { listen 127.0.0.2:${backendPort}; location / { return 200 "hello from the backend\\n"; } }`, '127.0.0.2', backendPort));

    await client.resource<Service>('', 'v1', 'services').namespace('default').create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' }, spec: { ports: [{ name: 'http', port: 80, targetPort: backendPort }] },
    });
    await client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').namespace('default').create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'backend-1', labels: { 'kubernetes.io/service-name': 'backend' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready: true } }],
    });
    await client.resource<Ingress>('networking.k8s.io', 'v1', 'ingresses').namespace('default').create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bench' },
      spec: { rules: [{ host: 'bench.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'backend', port: { number: 80 } } } }] } }] },
    });
    // The same controller twice: one event loop (nginx `worker_processes 1`), and one proxy process per CPU (`auto`).
    const ingresses = {
      '1': await runIngress(client, { signal: abort.signal, httpPort: 0, httpsPort: null, bindAddress: '127.0.0.1', workers: 1 }),
      auto: await runIngress(client, { signal: abort.signal, httpPort: 0, httpsPort: null, bindAddress: '127.0.0.1', workers: 'auto' }),
    };
    const ingressUrl = (w: '1' | 'auto') => `http://127.0.0.1:${ingresses[w].ports.http}/`;
    for (const w of ['1', 'auto'] as const) {
      for (let i = 0; i < 100; i++) {
        const r = await fetch(ingressUrl(w), { headers: { Host: 'bench.test' } }).catch(() => undefined);
        if (r?.status === 200) break;
        await new Promise((res) => setTimeout(res, 50));
      }
    }

    const targets: { name: string; url: string }[] = [
      { name: 'ingress (workers 1)', url: ingressUrl('1') }, { name: 'ingress (workers auto)', url: ingressUrl('auto') },
    ];
    if (!onlyIngress) {
      targets.unshift({ name: 'backend directly', url: `http://127.0.0.2:${backendPort}/` });
      for (const workers of ['1', 'auto']) {
        const port = await freePort('127.0.0.1');
        procs.push(await startNginx(dir, `proxy-${workers}`, workers, `
  upstream backend { server 127.0.0.2:${backendPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
    }
  }`, '127.0.0.1', port));
        targets.splice(targets.length - 2, 0, { name: `nginx (workers ${workers})`, url: `http://127.0.0.1:${port}/` });
      }
    }
    console.log(`ingress benchmark: wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} interleaved rounds, ${cpus().length} CPUs, node ${process.version}`);
    for (const t of targets) await wrk(t.url, 2); // warm-up: JIT, keep-alive pools
    const runs = new Map<string, WrkResult[]>(targets.map((t) => [t.name, []]));
    let ingressBusy = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const cpuBefore = process.cpuUsage();
        const wallBefore = performance.now();
        const r = await wrk(t.url, SECONDS);
        if (t.url === ingressUrl('1')) {
          const cpu = process.cpuUsage(cpuBefore);
          ingressBusy = Math.max(ingressBusy, (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore));
        }
        runs.get(t.name)!.push(r);
      }
    }
    /** The round with the median requests/s. */
    const median = (rs: WrkResult[]) => [...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)];
    medians = new Map([...runs].map(([name, rs]) => [name, median(rs)]));
    for (const [name, rs] of runs) {
      console.log(`${name.padEnd(24)} ${fmt(medians.get(name)!)}   rounds: ${rs.map((r) => r.rps.toFixed(0)).join(', ')}`);
    }
    console.log(`in-process ingress CPU during its runs: up to ${(ingressBusy * 100).toFixed(0)}% of one core`);
    if (!onlyIngress) {
      for (const workers of ['1', 'auto']) {
        const ratio = medians.get(`ingress (workers ${workers})`)!.rps / medians.get(`nginx (workers ${workers})`)!.rps;
        ratios[workers === '1' ? 'workers1' : 'workersAuto'] = ratio;
        console.log(`ingress / nginx, both with workers ${workers}: ${(ratio * 100).toFixed(0)}%   (goal ≥ 60%; ingress-nginx ≈ 46%)`);
      }
    }
    console.log(`ingress process RSS after the load: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(1)} MB`);
    await Promise.all([ingresses['1'].close(), ingresses.auto.close()]);
  } finally {
    abort.abort();
    client.close();
    await Promise.all(procs.map(stopProcess));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { medians: Object.fromEntries(medians), ratios };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchIngress({ quick: process.argv.includes('--quick'), onlyIngress: process.argv.includes('--only-ingress') }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
