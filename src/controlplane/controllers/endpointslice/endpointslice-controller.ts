/**
 * The EndpointSlice controller, as kube-controller-manager's pkg/controller/endpointslice: for every Service with a
 * selector it keeps EndpointSlices (labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io`, owned by the Service) listing the selected pods, planned by reconciler.ts.
 *  - Informers on Services, pods, nodes (zones; pods on unknown nodes are skipped and retried) and its own slices;
 *    handlers only enqueue Service keys.
 *  - Selectorless and ExternalName Services get no slices from here (users or a mirroring controller write them).
 *  - A deleted Service's slices are deleted here as well as by garbage collection, so DNS and proxies drop them at
 *    once even without a garbage collector.
 *  - Writes the cache has not shown yet make the next sync wait (requeue) rather than plan from a stale view
 *    (upstream EndpointSliceTracker), so two quick syncs never create duplicate slices.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { objectKey, objectOf, RateLimitingQueue, splitKey, type Informer, type ResourceClient } from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, ENDPOINT_SLICES, informerOf, NODES, PODS, SERVICES } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { podsForService, serviceKeysForPod, serviceKeysForPodUpdate } from '../common/endpoint-util.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_ZONE, reconcileSlices } from './reconciler.js';

const log = logger('endpointslice-controller');

/** How long an unobserved write blocks its Service's syncs before the controller stops waiting for it. */
const EXPECTATION_TTL_MS = 30_000;

/** Index of slices by `namespace/service-name`. */
const SERVICE_INDEX = 'endpointslice-service';

interface Expectation {
  /** `gone`: deleted; `present`: created; `moved`: updated away from `staleRv`. */
  kind: 'gone' | 'present' | 'moved';
  staleRv?: string;
  at: number;
}

/** Options beyond the controller context. */
export interface EndpointSliceControllerOptions {
  /** kube-controller-manager's --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

function managedByUs(s: EndpointSlice): boolean {
  return s.metadata?.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME && Boolean(s.metadata?.labels?.[LABEL_SERVICE_NAME]);
}

/** Keeps the EndpointSlices of every selector Service. */
export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  readonly queue: RateLimitingQueue<string>;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly client: ResourceClient<EndpointSlice>;
  private readonly clock: Clock;
  private readonly max: number;
  /** service key → slice name → what the cache must show before the next plan. */
  private readonly expectations = new Map<string, Map<string, Expectation>>();

  constructor(private readonly ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    this.clock = ctx.clock;
    this.max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.services = informerOf<Service>(ctx.informers, SERVICES);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.slices = informerOf<EndpointSlice>(ctx.informers, ENDPOINT_SLICES);
    this.slices.addIndexers({
      [SERVICE_INDEX]: (s) => (managedByUs(s) ? [`${s.metadata?.namespace ?? ''}/${s.metadata!.labels![LABEL_SERVICE_NAME]}`] : []),
    });
    this.client = clientOf<EndpointSlice>(ctx.client, ENDPOINT_SLICES);
    this.services.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (_old, cur) => this.queue.add(objectKey(cur)),
      onDelete: (s) => this.queue.add(objectKey(objectOf(s))),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueAll(serviceKeysForPod(this.services.lister, p)),
      onUpdate: (old, cur) => this.enqueueAll(serviceKeysForPodUpdate(this.services.lister, old, cur)),
      onDelete: (p) => this.enqueueAll(serviceKeysForPod(this.services.lister, objectOf(p))),
    });
    const onSlice = (s: EndpointSlice) => {
      if (managedByUs(s)) this.queue.add(`${s.metadata?.namespace ?? ''}/${s.metadata!.labels![LABEL_SERVICE_NAME]}`);
    };
    this.slices.addEventHandler({
      onAdd: onSlice,
      onUpdate: (old, cur) => {
        onSlice(old);
        onSlice(cur);
      },
      onDelete: (s) => onSlice(objectOf(s)),
    });
    // A node appearing (or changing zone) can admit pods that were skipped for an unknown node.
    this.nodes.addEventHandler({
      onAdd: (n, initial) => {
        if (!initial) this.enqueueNodePods(n.metadata?.name ?? '');
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.labels?.[LABEL_ZONE] !== cur.metadata?.labels?.[LABEL_ZONE]) this.enqueueNodePods(cur.metadata?.name ?? '');
      },
    });
  }

  private enqueueAll(keys: string[]): void {
    for (const k of keys) this.queue.add(k);
  }

  private enqueueNodePods(nodeName: string): void {
    for (const p of this.pods.lister.list((p) => p.spec?.nodeName === nodeName)) this.enqueueAll(serviceKeysForPod(this.services.lister, p));
  }

  /** Runs the workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.sync(key), { name: 'endpointslice-controller', workers: this.ctx.workers, signal });
  }

  /** Throws if the slice cache has not caught up with this controller's last writes for `key`. */
  private checkFresh(key: string, current: readonly EndpointSlice[]): void {
    const exp = this.expectations.get(key);
    if (!exp) return;
    const byName = new Map(current.map((s) => [s.metadata?.name ?? '', s]));
    const now = this.clock.now();
    for (const [name, e] of exp) {
      const s = byName.get(name);
      const pending = now - e.at < EXPECTATION_TTL_MS && (
        (e.kind === 'present' && !s) ||
        (e.kind === 'gone' && s !== undefined && s.metadata?.resourceVersion === e.staleRv) ||
        (e.kind === 'moved' && s !== undefined && s.metadata?.resourceVersion === e.staleRv));
      if (pending) throw new Error(`EndpointSlice informer cache is out of date for ${key}: waiting to observe ${e.kind} slice ${name}`);
    }
    this.expectations.delete(key);
  }

  private expect(key: string, name: string, e: Omit<Expectation, 'at'>): void {
    let m = this.expectations.get(key);
    if (!m) this.expectations.set(key, (m = new Map()));
    m.set(name, { ...e, at: this.clock.now() });
  }

  /** Brings the slices of the Service under `key` in line with its pods. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const current = this.slices.lister.byIndex(SERVICE_INDEX, key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      this.expectations.delete(key);
      await Promise.all(current.map((s) => this.deleteSlice(key, s)));
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
    this.checkFresh(key, current);

    const plan = reconcileSlices(svc, podsForService(this.pods.lister, svc), current, {
      maxEndpointsPerSlice: this.max,
      node: (n) => {
        const node = this.nodes.lister.get('', n);
        return node ? { zone: node.metadata?.labels?.[LABEL_ZONE] } : undefined;
      },
    });
    const rc = this.client.namespace(namespace);
    // No new slices for a Service on its way out: garbage collection would race them.
    if (!svc.metadata?.deletionTimestamp) {
      for (const s of plan.create) {
        try {
          const created = await rc.create(s);
          this.expect(key, created.metadata?.name ?? '', { kind: 'present' });
        } catch (err) {
          if (/because it is being terminated/.test(String((err as Error).message))) return;
          throw new Error(`failed to create EndpointSlice for Service ${key}: ${(err as Error).message}`, { cause: err });
        }
      }
    }
    for (const s of plan.update) {
      try {
        const updated = await rc.update(s);
        if (updated.metadata?.resourceVersion !== s.metadata?.resourceVersion) {
          this.expect(key, s.metadata?.name ?? '', { kind: 'moved', staleRv: s.metadata?.resourceVersion });
        }
      } catch (err) {
        throw new Error(`failed to update ${s.metadata?.name} EndpointSlice for Service ${key}: ${(err as Error).message}`, { cause: err });
      }
    }
    for (const s of plan.delete) await this.deleteSlice(key, s);
    if (plan.errors.length) throw new Error(plan.errors.join('; '));
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      log.debug('slices written', { service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length });
    }
  }

  private async deleteSlice(key: string, s: EndpointSlice): Promise<void> {
    try {
      await this.client.namespace(s.metadata?.namespace ?? '').delete(s.metadata?.name ?? '');
      this.expect(key, s.metadata?.name ?? '', { kind: 'gone', staleRv: s.metadata?.resourceVersion });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The `endpointslice` controller factory for registry.ts. */
export function newEndpointSliceController(ctx: ControllerContext): EndpointSliceController {
  return new EndpointSliceController(ctx);
}
