/**
 * The namespace controller, as kube-controller-manager's: a namespace being deleted (deletionTimestamp set, phase
 * Terminating, the `kubernetes` entry still in spec.finalizers) has its content deleted; once nothing is left the
 * controller empties spec.finalizers through `namespaces/NAME/finalize` and the API server removes the namespace.
 * While content remains (finalizers, pods in their grace period) the namespace is requeued and its status
 * conditions say what is left.
 */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { ResourceInfo } from '../../../api/resources.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { RateLimitingQueue, type Client, type Informer } from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { runQueue } from '../common/run-queue.js';
import { namespaceDeletionConditions } from './namespace-conditions.js';
import { deleteNamespacedContent } from './namespaced-content-deleter.js';
import { rfc3339 } from '../../../util/time.js';

const log = logger('namespace-controller');

/** The spec.finalizers entry that this controller owns (upstream's FinalizerKubernetes). */
export const KUBERNETES_FINALIZER = 'kubernetes';
/** How soon to look again while content remains and no pod grace period says otherwise. */
const MIN_REQUEUE_MS = 1000;

/** Options of {@link NamespaceController} beyond the shared context. */
export interface NamespaceControllerOptions {
  /** Resources whose content is deleted; default every namespaced stored resource. For tests. */
  resources?: readonly ResourceInfo[];
}

/** Builds the namespace controller (registry entry `namespace`). */
export function newNamespaceController(ctx: ControllerContext, opts: NamespaceControllerOptions = {}): NamespaceController {
  return new NamespaceController(ctx, opts);
}

/** Deletes the content of terminating namespaces, then finalizes them. */
export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly queue: RateLimitingQueue<string>;
  private readonly namespaces: Informer<Namespace>;

  constructor(private readonly ctx: ControllerContext, private readonly opts: NamespaceControllerOptions = {}) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.namespaces = ctx.informers.informerFor<Namespace>('', 'v1', 'namespaces');
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
  }

  /** Runs the workers until `signal` aborts (the manager starts the informers and waits for their sync). */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.namespaces.waitForSync(signal))) return;
    await runQueue(this.queue, (name) => this.sync(name), { name: 'namespace-controller', workers: this.ctx.workers, signal });
  }

  /** Level-based: one pass of content deletion for namespace `name`, finalizing it when nothing is left. */
  async sync(name: string): Promise<void> {
    const ns = this.namespaces.lister.get('', name);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;
    const client = this.ctx.client;
    const result = await deleteNamespacedContent(client, name, { now: this.ctx.clock.now(), resources: this.opts.resources });
    const now = rfc3339(this.ctx.clock.now());
    const conditions = namespaceDeletionConditions(result, now, ns.status?.conditions);
    const nsClient = client.resource<Namespace>('', 'v1', 'namespaces');
    if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? [])) {
      const next = structuredClone(ns);
      next.status = { ...(next.status ?? {}), conditions };
      try {
        await nsClient.updateStatus(next);
      } catch (err) {
        // A stale cache or a namespace already gone: the next pass sees the real state.
        if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    if (result.errors.length > 0) {
      throw new Error(`Cannot delete the content of namespace ${name}: ${result.errors.join('; ')}`);
    }
    if (result.remaining.size > 0) {
      log.debug('namespace content remains', { namespace: name, remaining: Object.fromEntries(result.remaining) });
      this.queue.addAfter(name, Math.max(MIN_REQUEUE_MS, result.estimateSeconds * 1000));
      return;
    }
    await this.finalize(nsClient, name);
  }

  /** Removes `kubernetes` from spec.finalizers on the live object, so a stale cache never clobbers other entries. */
  private async finalize(nsClient: ReturnType<Client['resource']>, name: string): Promise<void> {
    let live: Namespace;
    try {
      live = (await nsClient.get(name)) as Namespace;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
    const finalizers = live.spec?.finalizers ?? [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) return;
    live.spec = { ...(live.spec ?? {}), finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER) };
    try {
      await nsClient.subresource('finalize').update(name, live);
      log.info('namespace finalized', { namespace: name });
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
  }
}
