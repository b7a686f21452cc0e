/**
 * Starts a throwaway single-member etcd for tests and benchmarks: Debian's etcd-server binary on free loopback
 * ports, with a temporary data directory, stopped by PID and cleaned up by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running etcd started by {@link startEtcd}. */
export interface EtcdServer {
  /** Client URLs, e.g. `http://127.0.0.1:41234`. */
  endpoints: string[];
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data directory. */
  stop(): Promise<void>;
}

/** The etcd binary on PATH, or undefined when etcd is not installed. */
export function findEtcd(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'etcd');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** A free loopback TCP port (the OS picks it; etcd binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Options for {@link startEtcd}. */
export interface StartEtcdOptions {
  /** How often etcd sends watch progress notifications. Default '1s', so tests see bookmarks quickly. */
  progressNotifyInterval?: string;
  /** Give up waiting for health after this long. Default 30 s. */
  timeoutMs?: number;
}

/** Starts etcd and resolves once its /health endpoint answers healthy. Throws when etcd is not on PATH. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdServer> {
  const bin = findEtcd();
  if (!bin) throw new Error('etcd is not on PATH (Debian: apt-get install etcd-server)');
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(bin, [
    '--name', 'test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`, '--initial-cluster-state', 'new',
    '--experimental-watch-progress-notify-interval', opts.progressNotifyInterval ?? '1s',
    '--logger', 'zap', '--log-outputs', join(dir, 'etcd.log'),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`etcd exited before becoming healthy (code ${child.exitCode}): ${stderr}`);
    }
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy within ${opts.timeoutMs ?? 30_000} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoints: [client], stop };
}
