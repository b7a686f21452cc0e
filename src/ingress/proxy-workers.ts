/**
 * ProxyWorkers: extra proxy processes sharing the controller's listening sockets, the way nginx runs one worker
 * process per CPU. A single Node event loop tops out at one core; forking `count` workers (each a
 * `proxy-worker.js` process) lets the kernel spread accepted connections over several.
 *
 * The controller process keeps the informers and remains a proxy itself. Each time it builds a route table it sends
 * the workers a {@link RouteSnapshot} — the served Ingresses plus exactly the Services, EndpointSlices and TLS
 * Secrets that table uses — and every worker builds the same table from it. A worker that dies is forked again
 * (after a second) with the latest snapshot; workers exit when the controller's IPC channel closes, so they never
 * outlive it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { logger } from '../util/log.js';
import type { BackendPoolOptions } from './backend-pool.js';
import type { KeyPair } from './certificates.js';
import { SERVICE_NAME_LABEL, type RouteSources } from './route-table.js';

const log = logger('ingress');
const WORKER_ENTRY = fileURLToPath(new URL('./proxy-worker.js', import.meta.url));
const RESPAWN_DELAY_MS = 1_000;

/** Everything a worker needs to build the controller's route table and serve its TLS names. */
export interface RouteSnapshot {
  ingresses: Ingress[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  defaultBackend?: RouteSources['defaultBackend'];
}

/** What a worker is started with. */
export interface WorkerInit {
  https: boolean;
  defaultPair?: KeyPair;
  pool?: Omit<BackendPoolOptions, 'now'>;
}

/** Messages from the controller to a worker. */
export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'listen'; which: 'http' | 'https' }
  | { type: 'routes'; snapshot: RouteSnapshot }
  | { type: 'close'; graceMs: number };

/** Messages from a worker to the controller. */
export type FromWorker = { type: 'listening'; which: 'http' | 'https' } | { type: 'closed' };

/** Route sources over a snapshot (what a worker builds its table from). */
export function snapshotSources(s: RouteSnapshot): RouteSources {
  const services = new Map(s.services.map((svc) => [`${svc.metadata?.namespace}/${svc.metadata?.name}`, svc]));
  const slices = new Map<string, EndpointSlice[]>();
  for (const sl of s.endpointSlices) {
    const key = `${sl.metadata?.namespace}/${sl.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
    let list = slices.get(key);
    if (!list) slices.set(key, (list = []));
    list.push(sl);
  }
  return {
    ingresses: s.ingresses,
    service: (ns, name) => services.get(`${ns}/${name}`),
    endpointSlices: (ns, name) => slices.get(`${ns}/${name}`) ?? [],
    defaultBackend: s.defaultBackend,
  };
}

/** Options of {@link ProxyWorkers}. */
export interface ProxyWorkersOptions {
  /** The listening servers whose sockets the workers share. */
  servers: { http: http.Server; https?: http.Server };
  init: WorkerInit;
}

interface Worker {
  proc: ChildProcess;
  ready: Promise<void>;
}

/** A set of forked proxy workers. */
export class ProxyWorkers {
  private readonly workers = new Set<Worker>();
  private latest: RouteSnapshot | undefined;
  private closing = false;

  constructor(private readonly count: number, private readonly opts: ProxyWorkersOptions) {}

  /** Forks the workers and resolves once each is accepting on every listener. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, () => this.spawn().ready));
  }

  private spawn(): Worker {
    // Workers inherit node flags (--cpu-prof profiles them too) except the inspector, whose port only one may hold.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const proc = fork(WORKER_ENTRY, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const send = (msg: ToWorker, handle?: http.Server) => proc.send(msg, handle as never);
    const listeners = this.opts.servers.https ? 2 : 1;
    const ready = new Promise<void>((resolve, reject) => {
      let listening = 0;
      proc.on('message', (msg: FromWorker) => {
        if (msg.type === 'listening' && ++listening === listeners) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`ingress proxy worker ${proc.pid} exited with ${code} before listening`)));
    });
    ready.catch(() => undefined);
    send({ type: 'init', init: this.opts.init });
    if (this.latest) send({ type: 'routes', snapshot: this.latest });
    send({ type: 'listen', which: 'http' }, this.opts.servers.http);
    if (this.opts.servers.https) send({ type: 'listen', which: 'https' }, this.opts.servers.https);
    const worker: Worker = { proc, ready };
    this.workers.add(worker);
    proc.once('exit', (code, signal) => {
      this.workers.delete(worker);
      if (this.closing) return;
      log.warn('ingress proxy worker exited; forking another', { pid: proc.pid, code, signal });
      setTimeout(() => {
        if (!this.closing) this.spawn();
      }, RESPAWN_DELAY_MS).unref();
    });
    return worker;
  }

  /** Sends a new snapshot to every worker (and to workers forked later). */
  publish(snapshot: RouteSnapshot): void {
    this.latest = snapshot;
    for (const w of this.workers) if (w.proc.connected) w.proc.send({ type: 'routes', snapshot } satisfies ToWorker);
  }

  /** Asks every worker to finish its requests (up to `graceMs`) and exit; kills stragglers. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all([...this.workers].map((w) => new Promise<void>((resolve) => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
      w.proc.once('exit', () => resolve());
      if (w.proc.connected) w.proc.send({ type: 'close', graceMs } satisfies ToWorker);
      setTimeout(() => w.proc.kill('SIGKILL'), graceMs + 2_000).unref();
    })));
  }
}
