/**
 * Integration-test support for controllers: a real `kubelite server` (controller manager and scheduler disabled),
 * the controller manager running in the test process, and a tiny stand-in for a kubelet that binds pods to a
 * made-up node (POST pods/NAME/binding), reports them Running and Ready (PUT pods/NAME/status), and finishes
 * graceful deletions, so workloads reach availability without real containers.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Client, Informer, loadKubeconfig, RateLimitingQueue, runWorkers, objectKey, type ResourceClient } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';

/** Options of the fake kubelet. */
export interface FakeKubeletOptions {
  nodeName?: string;
  /** Delay before a bound pod is reported Ready (ms). */
  readyDelayMs?: number;
  /** Pods for which this returns false are left Running but not Ready. */
  ready?: (pod: Pod) => boolean;
}

/** Runs the fake kubelet until `signal` aborts. */
export async function runFakeKubelet(client: Client, signal: AbortSignal, opts: FakeKubeletOptions = {}): Promise<void> {
  const nodeName = opts.nodeName ?? 'fake-node';
  const nodes = client.resource<Node>('', 'v1', 'nodes');
  await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } })
    .catch((err: { code?: number }) => { if (err.code !== 409) throw err; });
  const pods: ResourceClient<Pod> = client.resource<Pod>('', 'v1', 'pods');
  const informer = new Informer<Pod>(pods);
  const queue = new RateLimitingQueue<string>();
  const enqueue = (p: Pod) => queue.add(objectKey(p));
  informer.addEventHandler({ onAdd: enqueue, onUpdate: (_, p) => enqueue(p) });
  const stop = () => queue.shutDown();
  signal.addEventListener('abort', stop, { once: true });
  const run = informer.run(signal);
  const sync = async (key: string) => {
    const pod = informer.lister.getByKey(key);
    if (!pod) return;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const api = pods.namespace(ns);
    if (pod.metadata?.deletionTimestamp) {
      await api.delete(name, { gracePeriodSeconds: 0 }).catch((err: { code?: number }) => { if (err.code !== 404) throw err; });
      return;
    }
    if (!pod.spec?.nodeName) {
      await api.bind(name, nodeName, { uid: pod.metadata?.uid });
      return;
    }
    const wantReady = opts.ready ? opts.ready(pod) : true;
    const isReady = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (pod.status?.phase === 'Running' && isReady === wantReady) return;
    if (wantReady && opts.readyDelayMs) {
      const created = Date.parse(pod.metadata?.creationTimestamp ?? '') || Date.now();
      const wait = created + opts.readyDelayMs - Date.now();
      if (wait > 0 && pod.status?.phase === 'Running') {
        queue.addAfter(key, wait);
        return;
      }
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ready = wantReady && (pod.status?.phase === 'Running' || !opts.readyDelayMs);
    const status = {
      phase: 'Running', hostIP: '10.0.0.1', podIP: '10.244.0.1', startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
      ],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name, image: c.image ?? '', imageID: '', ready, restartCount: 0, started: true, state: { running: { startedAt: now } },
      })),
    };
    await api.updateStatus({ ...pod, status });
  };
  await runWorkers(queue, 16, sync, { onError: () => undefined });
  await run;
}

/** A server, a client for it, and the controller manager + fake kubelet running until `stop`. */
export interface ControllerEnv {
  server: KubeliteProcess;
  client: Client;
  /** Stops the controller manager only (it can be started again with `startManager`). */
  stopManager(): Promise<void>;
  startManager(): void;
  stop(): Promise<void>;
}

/** Starts everything; call `stop()` in `after`. */
export async function startControllerEnv(opts: { kubelet?: FakeKubeletOptions; workers?: number } = {}): Promise<ControllerEnv> {
  const server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
  const client = new Client(loadKubeconfig(server.kubeconfig));
  const kubeletAbort = new AbortController();
  const kubelet = runFakeKubelet(client, kubeletAbort.signal, opts.kubelet);
  let managerAbort: AbortController | undefined;
  let manager: Promise<void> | undefined;
  const env: ControllerEnv = {
    server, client,
    startManager() {
      managerAbort = new AbortController();
      manager = runControllerManager(client, { signal: managerAbort.signal, workers: opts.workers });
    },
    async stopManager() {
      managerAbort?.abort();
      await manager;
      manager = undefined;
    },
    async stop() {
      await env.stopManager();
      kubeletAbort.abort();
      await kubelet.catch(() => undefined);
      client.close();
      await server.stop();
    },
  };
  env.startManager();
  return env;
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws with the last value). */
export async function eventually<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as Exclude<T, undefined | null | false | 0 | ''>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
