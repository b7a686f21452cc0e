/**
 * Test and benchmark support: runs `kubelite agent --simulate N` as a real process against a server's kubeconfig,
 * resolves once it prints "simulated nodes ready", and stops it by PID (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { KUBELITE_BIN } from '../support/kubelite.js';

/** A running simulator process. */
export interface SimAgent {
  proc: ChildProcess;
  /** Its output so far. */
  out(): string;
  /** Milliseconds from spawn until its nodes were registered and ready. */
  readyMs: number;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startSimAgent}. */
export interface SimAgentOptions {
  /** Extra agent flags (`--cpu`, `--name-prefix`, …). */
  args?: string[];
  /** Called with each complete output line (e.g. to parse `stats:` lines). */
  onLine?: (line: string) => void;
  /** Give up waiting for readiness after this long (default 60 s). */
  timeoutMs?: number;
}

/** Starts `kubelite agent --simulate nodes --kubeconfig kubeconfig` and waits for its nodes. */
export function startSimAgent(kubeconfig: string, nodes: number, opts: SimAgentOptions = {}): Promise<SimAgent> {
  const started = performance.now();
  const proc = spawn(process.execPath, [KUBELITE_BIN, 'agent', '--simulate', String(nodes), '--kubeconfig', kubeconfig, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: process.env.KUBELITE_LOG ?? 'warn' },
  });
  let out = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d;
    if (!opts.onLine) return;
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) opts.onLine(l);
  });
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`agent not ready in ${opts.timeoutMs ?? 60_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = () => {
      if (!out.includes('simulated nodes ready')) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      resolve({ proc, out: () => out, readyMs: performance.now() - started, stop });
    };
    proc.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`agent exited before its nodes were ready:\n${out}`));
    });
  });
}
