/**
 * End-to-end support: one real `kubelite up` process (control plane, embedded containerd, kubelet, kube-proxy,
 * ingress and DNS) in a temp data dir, on cluster and service ranges of its own so it can run beside other test
 * files, with the offline test images imported through `kubelite images import`. Shared by test/e2e and bench/pods.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL, KUBELITE_BIN, run, type RunResult } from '../support/kubelite.js';

/** The cluster range every e2e `up` uses (distinct from the defaults and from the node tests' 10.88.X.0/24). */
export const E2E_CLUSTER_CIDR = '10.244.0.0/16';
/** The service range every e2e `up` uses; cluster DNS is its tenth address. */
export const E2E_SERVICE_CIDR = '10.96.0.0/16';
/** The cluster DNS service's address under {@link E2E_SERVICE_CIDR}. */
export const E2E_DNS_IP = '10.96.0.10';

/** A running `kubelite up`. */
export interface UpProcess {
  dataDir: string;
  kubeconfig: string;
  proc: ChildProcess;
  /** The flags it was started with (to start a second one on the same data dir). */
  args: string[];
  /** Seconds from process start to Ready, as `up` printed it. */
  readySeconds: number;
  /** The HTTP port of the ingress controller. */
  ingressPort: number;
  /** PID of the embedded containerd. */
  containerdPid: number;
  /** Everything `up` printed so far. */
  logs(): string;
  /** Runs the default kubectl against this cluster. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** SIGTERM (with --cleanup the node removes its pods, rules and routes) and wait; removes the data dir. */
  stop(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** PIDs whose command line contains `needle`. */
export function pidsWithCmdline(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) out.push(Number(e));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Resident set size of a process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** True while a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `fn` until it returns a truthy value; throws with the last error or value after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The flags of an e2e `up` on `dataDir`. */
export function upArgs(dataDir: string, ingressPort: number, ingressHttpsPort: number): string[] {
  return [
    'up', '--data-dir', dataDir, '--cluster-cidr', E2E_CLUSTER_CIDR, '--service-cidr', E2E_SERVICE_CIDR,
    '--port', '0', '--dns-port', '0', '--kubelet-port', '0',
    '--ingress-http-port', String(ingressPort), '--ingress-https-port', String(ingressHttpsPort),
    '--dns-upstream', '127.0.0.1:9', '--disable-default-registry-endpoint', '--cleanup',
  ];
}

/** Starts `kubelite up` and waits for its Ready line; then imports `images` with `kubelite images import`. */
export async function startUp(opts: { images?: string[]; readyTimeoutMs?: number } = {}): Promise<UpProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelite-e2e-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const ingressPort = await freePort();
  const ingressHttpsPort = await freePort();
  const args = upArgs(dataDir, ingressPort, ingressHttpsPort);
  const proc = spawn(process.execPath, [KUBELITE_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: process.env.KUBELITE_LOG ?? 'warn' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  let readySeconds: number;
  try {
    readySeconds = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubelite up was not Ready in ${(opts.readyTimeoutMs ?? 60_000) / 1000}s:\n${out}`)), opts.readyTimeoutMs ?? 60_000);
      const check = () => {
        const m = /is Ready ([\d.]+)s after start/.exec(out);
        if (m && /kubeconfig: /.test(out)) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kubelite up exited with ${code}:\n${out}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const containerdPid = pidsWithCmdline(`${dataDir}/agent/containerd/config.toml`).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'containerd') ?? 0;
  const up: UpProcess = {
    dataDir, kubeconfig, proc, args, readySeconds, ingressPort, containerdPid,
    logs: () => out,
    kubectl: (kargs, o = {}) => run(KUBECTL['default'], ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], { input: o.input, timeoutMs: o.timeoutMs }),
    stop,
  };
  if (opts.images?.length) {
    const r = await run(process.execPath, [KUBELITE_BIN, 'images', 'import', '--data-dir', dataDir, ...opts.images], { timeoutMs: 120_000 });
    if (r.code !== 0) {
      await stop();
      throw new Error(`kubelite images import failed (${r.code}): ${r.stderr}${r.stdout}`);
    }
  }
  return up;
}

/** What an `up` may leave on the machine after it stopped with --cleanup, as a list of findings (empty when clean). */
export function leftovers(up: UpProcess): string[] {
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return { code: r.status ?? 1, out: r.stdout ?? '' };
  };
  const found: string[] = [];
  if (existsSync('/sys/class/net/kl0')) found.push('bridge kl0 still exists');
  if (existsSync('/sys/class/net/kubelite-svc')) found.push('interface kubelite-svc still exists');
  if (up.containerdPid && alive(up.containerdPid)) found.push(`containerd ${up.containerdPid} still runs`);
  const shims = pidsWithCmdline(`${up.dataDir}/agent/containerd`);
  if (shims.length) found.push(`processes of the node still run: ${shims.join(', ')}`);
  if (sh('nft', ['list', 'table', 'ip', 'kubelite']).code === 0) found.push('nftables table ip kubelite still exists');
  const routes = sh('ip', ['route', 'show']).out.split('\n').filter((l) => l.includes('10.244.') || l.includes('10.96.'));
  if (routes.length) found.push(`routes left: ${routes.join('; ')}`);
  return found;
}
