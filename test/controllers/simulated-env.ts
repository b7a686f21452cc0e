/**
 * Integration-test support for the node-facing controllers: a real `kubelite server` whose own scheduler places
 * pods, the controller manager run in the test process with chosen settings (a short node-monitor grace period,
 * a short orphan quarantine), and `kubelite agent --simulate` processes as the nodes. Everything is stopped by
 * `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { Client, EventRecorder, loadKubeconfig, SharedInformerFactory } from '../../src/client/index.js';
import type { ControllerContext } from '../../src/controlplane/controllers/common/controller.js';
import type { ControllerSettings } from '../../src/controlplane/controllers/common/controller-settings.js';
import { enabledControllers } from '../../src/controlplane/controllers/manager.js';
import { CONTROLLERS } from '../../src/controlplane/controllers/registry.js';
import { realClock } from '../../src/util/clock.js';
import { KUBELITE_BIN, startKubelite, type KubeliteProcess } from '../support/kubelite.js';

/** A running `kubelite agent --simulate` process. */
export interface SimAgent {
  proc: ChildProcess;
  out(): string;
  /** SIGTERM (the nodes stay registered and go silent) and wait for exit. */
  stop(): Promise<void>;
}

/** The environment a test holds. */
export interface SimEnv {
  server: KubeliteProcess;
  client: Client;
  /** Starts an agent with extra flags (e.g. `--simulate 2 --name-prefix a-`); resolves once its nodes are registered. */
  startAgent(args: string[]): Promise<SimAgent>;
  /** (Re)starts the in-process controller manager with these settings. */
  startManager(opts?: { settings?: Partial<ControllerSettings>; enabled?: string[] }): void;
  stopManager(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The controller manager of manager.ts, built on a context that carries settings (runControllerManager has no
 * way to pass them yet).
 */
async function runManager(client: Client, signal: AbortSignal, settings: Partial<ControllerSettings>, enabled?: string[]): Promise<void> {
  setMaxListeners(0, signal);
  const informers = new SharedInformerFactory(client, { clock: realClock });
  const recorders = new Map<string, EventRecorder>();
  const ctx: ControllerContext & { settings: Partial<ControllerSettings> } = {
    client, informers, clock: realClock, workers: 5, settings,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder(client, { component, clock: realClock })));
      return r;
    },
  };
  const controllers = enabledControllers(enabled, Object.keys(CONTROLLERS)).map((n) => CONTROLLERS[n](ctx));
  informers.start(signal);
  try {
    if (await informers.waitForSync(signal)) await Promise.all(controllers.map((c) => c.run(signal).catch(() => undefined)));
  } finally {
    await informers.stopped();
    await Promise.all([...recorders.values()].map((r) => r.flush()));
  }
}

/** Starts the server (scheduler on, controller manager off) and the in-process manager. */
export async function startSimEnv(opts: { settings?: Partial<ControllerSettings>; enabled?: string[] } = {}): Promise<SimEnv> {
  const server = await startKubelite({ args: ['--disable-controller-manager'] });
  const client = new Client(loadKubeconfig(server.kubeconfig));
  const agents: SimAgent[] = [];
  let abort: AbortController | undefined;
  let manager: Promise<void> | undefined;
  const env: SimEnv = {
    server, client,
    startAgent(args) {
      const proc = spawn(process.execPath, [KUBELITE_BIN, 'agent', '--kubeconfig', server.kubeconfig, '--stats-interval', '0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: 'warn' },
      });
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      proc.stderr!.on('data', (d) => (out += d));
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      const agent: SimAgent = {
        proc, out: () => out,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        },
      };
      agents.push(agent);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent not ready in 30s:\n${out}`)), 30_000);
        proc.stdout!.on('data', () => {
          if (out.includes('simulated nodes ready')) {
            clearTimeout(timer);
            resolve(agent);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`agent exited:\n${out}`));
        });
      });
    },
    startManager(o = {}) {
      abort = new AbortController();
      manager = runManager(client, abort.signal, o.settings ?? opts.settings ?? {}, o.enabled ?? opts.enabled);
    },
    async stopManager() {
      abort?.abort();
      await manager;
      manager = undefined;
    },
    async stop() {
      await env.stopManager();
      await Promise.all(agents.map((a) => a.stop()));
      client.close();
      await server.stop();
    },
  };
  env.startManager();
  return env;
}
