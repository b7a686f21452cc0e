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
import { logger } from '../util/log.js';

const log = logger('components');

/** Which components to run. */
export interface ComponentOptions {
  kubeconfigPath: string;
  scheduler: boolean;
  controllerManager: boolean;
}

/** Running components; `stop` ends them and hands their leases back. */
export interface RunningComponents {
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
  return elector.run(signal);
}

/** Starts the enabled components in the background. */
export function startComponents(opts: ComponentOptions): RunningComponents {
  const client = new Client(loadKubeconfig(opts.kubeconfigPath));
  const ac = new AbortController();
  const identity = `${hostname()}_${randomUUID()}`;
  const running: Promise<void>[] = [];
  if (opts.scheduler) {
    running.push(elect(client, KUBE_SCHEDULER_LEASE, identity, ac.signal, (signal) => runScheduler(client, { signal })));
  }
  if (opts.controllerManager) {
    running.push(elect(client, KUBE_CONTROLLER_MANAGER_LEASE, identity, ac.signal, (signal) => runControllerManager(client, { signal })));
  }
  return {
    async stop() {
      ac.abort();
      await Promise.allSettled(running);
      client.close();
    },
  };
}
