/**
 * The control-plane components that run inside `kubelite server` (and `up`): the scheduler and the controller
 * manager, each under its own coordination.k8s.io Lease (`kube-scheduler`, `kube-controller-manager`) so that several
 * servers sharing one etcd run exactly one of each at a time. They reach the API server like any client, over HTTPS
 * with the admin kubeconfig.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client, LeaderElector, loadKubeconfig, KUBE_CONTROLLER_MANAGER_LEASE, KUBE_SCHEDULER_LEASE } from '../client/index.js';
import { runScheduler } from '../controlplane/scheduler/run.js';
import { runControllerManager } from '../controlplane/controllers/manager.js';
import { runClusterDns, type ClusterDns } from '../controlplane/dns/cluster-dns.js';
import type { ControllerSettings } from '../controlplane/controllers/common/controller-settings.js';
import { logger } from '../util/log.js';

const log = logger('components');

/** Which components to run. */
export interface ComponentOptions {
  kubeconfigPath: string;
  scheduler: boolean;
  controllerManager: boolean;
  /** Settings of individual controllers (from the server's flags). */
  controllerSettings?: Partial<ControllerSettings>;
  /** Cluster DNS, served by every server (not leader-elected), or undefined to run none. */
  dns?: { address: string; port: number; upstream?: string; domain: string };
}

/** Running components; `stop` ends them and hands their leases back. */
export interface RunningComponents {
  /** Where cluster DNS listens, when it runs. */
  dns?: { address: string; port: number };
  stop(): Promise<void>;
}

function elect(client: Client, name: string, identity: string, signal: AbortSignal, run: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const elector = new LeaderElector(client, {
    name,
    identity,
    releaseOnCancel: true,
    onStartedLeading: async (leading) => {
      log.info(`became leader of ${name}`, { identity });
      try {
        await run(leading);
      } catch (err) {
        if (!leading.aborted) log.error(`${name} stopped unexpectedly`, { err });
      }
    },
    onStoppedLeading: () => log.info(`stopped leading ${name}`, { identity }),
  });
  // A component that loses its lease (an overloaded event loop can miss the renew deadline) campaigns again rather
  // than staying stopped: in one process there is no supervisor to restart it, as there is for kube-scheduler.
  return (async () => {
    while (!signal.aborted) await elector.run(signal);
  })();
}

/** Starts the enabled components in the background (cluster DNS is bound before this resolves). */
export async function startComponents(opts: ComponentOptions): Promise<RunningComponents> {
  const client = new Client(loadKubeconfig(opts.kubeconfigPath));
  const ac = new AbortController();
  const identity = `${hostname()}_${randomUUID()}`;
  const running: Promise<void>[] = [];
  if (opts.scheduler) {
    running.push(elect(client, KUBE_SCHEDULER_LEASE, identity, ac.signal, (signal) => runScheduler(client, { signal })));
  }
  if (opts.controllerManager) {
    running.push(elect(client, KUBE_CONTROLLER_MANAGER_LEASE, identity, ac.signal, (signal) => runControllerManager(client, { signal, settings: opts.controllerSettings })));
  }
  let dns: ClusterDns | undefined;
  if (opts.dns) {
    try {
      dns = await runClusterDns(client, { signal: ac.signal, listen: [{ address: opts.dns.address, port: opts.dns.port }], upstream: opts.dns.upstream, domain: opts.dns.domain });
    } catch (err) {
      // Without root, port 53 cannot be bound; the rest of the control plane still works.
      log.warn(`cluster DNS not started: ${(err as Error).message} (use --dns-port to pick another port)`);
    }
  }
  return {
    dns: dns?.addresses[0],
    async stop() {
      ac.abort();
      await dns?.close();
      await Promise.allSettled(running);
      client.close();
    },
  };
}
