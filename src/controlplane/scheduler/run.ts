/**
 * runScheduler: the scheduler as a component. It starts informers for nodes, pods (not yet finished) and
 * namespaces, waits for them to sync, then schedules until `signal` aborts. Leader election is the caller's job
 * (kube-scheduler's Lease `kube-system/kube-scheduler`), so that this function only runs while leading.
 */
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import { EventRecorder, objectOf, SharedInformerFactory, type Client } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import { logger } from '../../util/log.js';
import { defaultFramework } from './plugins/registry.js';
import { DEFAULT_SCHEDULER_NAME, Scheduler } from './scheduler.js';

const log = logger('scheduler');

/** Options of runScheduler. */
export interface RunSchedulerOptions {
  signal: AbortSignal;
  /** Pods naming this scheduler are scheduled (default `default-scheduler`). */
  schedulerName?: string;
  clock?: Clock;
  /** 0/unset: adaptive, as upstream; 100: score every node. */
  percentageOfNodesToScore?: number;
  /** Called with the scheduler once built (tests and benchmarks read its counters). */
  onStarted?: (scheduler: Scheduler) => void;
}

/** Runs the scheduler until `opts.signal` aborts. */
export async function runScheduler(client: Client, opts: RunSchedulerOptions): Promise<void> {
  const { signal } = opts;
  const schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const recorder = new EventRecorder(client, { component: schedulerName, clock: opts.clock });
  const scheduler = new Scheduler(client, defaultFramework({ client }), {
    schedulerName, clock: opts.clock, percentageOfNodesToScore: opts.percentageOfNodesToScore, recorder,
  });
  const factory = new SharedInformerFactory(client, { clock: opts.clock });
  const nodes = factory.informerFor<Node>('', 'v1', 'nodes');
  // Finished pods hold no resources, so they are not watched at all (upstream's field selector).
  const pods = factory.informerFor<Pod>('', 'v1', 'pods', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  const namespaces = factory.informerFor<Namespace>('', 'v1', 'namespaces');
  scheduler.cache.namespaceLabels = (ns) => namespaces.store.get(ns)?.metadata?.labels;
  nodes.addEventHandler({
    onAdd: (n) => scheduler.onNodeAdd(n),
    onUpdate: (o, n) => scheduler.onNodeUpdate(o, n),
    onDelete: (n) => scheduler.onNodeDelete(objectOf(n)),
  });
  pods.addEventHandler({
    onAdd: (p) => scheduler.onPodAdd(p),
    onUpdate: (o, p) => scheduler.onPodUpdate(o, p),
    onDelete: (p) => scheduler.onPodDelete(objectOf(p)),
  });
  namespaces.addEventHandler({
    onAdd: () => scheduler.queue.onEvent('NamespaceChange'),
    onUpdate: () => scheduler.queue.onEvent('NamespaceChange'),
  });
  factory.start(signal);
  try {
    if (!(await factory.waitForSync(signal))) return;
    log.info('scheduler started', { schedulerName, nodes: nodes.store.size });
    opts.onStarted?.(scheduler);
    await scheduler.run(signal);
  } finally {
    await factory.stopped();
    await recorder.flush();
  }
}
