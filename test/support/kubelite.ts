/**
 * Test support: starts a real `kubelite server` process in a temp data dir on a free port, and runs the real kubectl
 * (any installed version) against it. Every process and directory it makes is removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The kubelite executable of this checkout. */
export const KUBELITE_BIN = join(ROOT, 'bin', 'kubelite');

/** Installed kubectl binaries by minor version. /usr/bin/kubectl is 1.32. */
export const KUBECTL: Record<string, string> = Object.fromEntries(
  ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'].map((v) => [v, `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`]),
);
KUBECTL['default'] = '/usr/bin/kubectl';

/** True when a kubectl of that version is installed. */
export function hasKubectl(version = 'default'): boolean {
  return existsSync(KUBECTL[version] ?? '');
}

/** The result of one command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, with optional stdin, environment and timeout. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

/** Options of {@link startKubelite}. */
export interface StartOptions {
  storage?: 'sqlite' | 'etcd';
  etcdEndpoints?: string[];
  /** Reuse a data dir (restart tests). A fresh temp dir otherwise. */
  dataDir?: string;
  args?: string[];
}

/** A running server process. */
export interface KubeliteProcess {
  dataDir: string;
  kubeconfig: string;
  url: string;
  proc: ChildProcess;
  /** Output of the server so far (for diagnostics). */
  logs(): string;
  /** Runs kubectl of a version against this server. */
  kubectl(args: string[], opts?: { version?: string; input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** SIGTERM and wait; keeps the data dir when `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL and wait; keeps the data dir. */
  kill9(): Promise<void>;
}

/** Starts `kubelite server --port 0` and waits until it prints its kubeconfig path (i.e. /readyz is ok). */
export async function startKubelite(opts: StartOptions = {}): Promise<KubeliteProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kubelite-test-'));
  const ownDir = !opts.dataDir;
  const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const extra = opts.args ?? [];
  // Tests never query the machine's own resolver: unless a test brings its fake upstream, names outside the cluster
  // go to a loopback port where nothing answers. DNS binds a free port so servers can run side by side.
  const dnsArgs = [
    ...(extra.includes('--dns-port') ? [] : ['--dns-port', '0']),
    ...(extra.includes('--dns-upstream') ? [] : ['--dns-upstream', '127.0.0.1:9']),
  ];
  const args = ['server', '--data-dir', dataDir, '--port', '0', ...dnsArgs, ...(opts.storage === 'etcd' ? ['--storage', 'etcd', '--etcd-endpoints', (opts.etcdEndpoints ?? []).join(',')] : []), ...extra];
  const proc = spawn(process.execPath, [KUBELITE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: process.env.KUBELITE_LOG ?? 'warn' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubelite server did not become ready in 30s:\n${out}`)), 30_000);
    const check = () => {
      const m = /ready at (https:\/\/\S+)/.exec(out);
      if (m && /kubeconfig: /.test(out)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubelite server exited with ${code}:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const cleanup = () => {
    rmSync(cacheDir, { recursive: true, force: true });
  };
  return {
    dataDir, kubeconfig, url, proc,
    logs: () => out,
    kubectl(kargs, o = {}) {
      const bin = KUBECTL[o.version ?? 'default'];
      return run(bin, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], { input: o.input, env: o.env, timeoutMs: o.timeoutMs });
    },
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      cleanup();
      if (ownDir && !o.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
