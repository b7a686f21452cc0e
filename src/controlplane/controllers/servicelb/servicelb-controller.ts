/**
 * ServiceLB, the built-in load balancer as k3s ships it: for every Service of type LoadBalancer that is ours — no
 * `spec.loadBalancerClass`, or `kubelite.io/servicelb` — it writes `status.loadBalancer.ingress`, and kube-proxy on
 * every node then serves those IPs like externalIPs.
 *  - Without a pool, the ingress is the InternalIP of every usable node (not unschedulable, Ready not False), as
 *    k3s' ServiceLB advertises the nodes it runs on.
 *  - With a pool (`--service-lb-pool CIDR`), each Service gets one address of its own, kept for its lifetime;
 *    addresses come back when the Service is deleted or stops being a LoadBalancer.
 *  - A Service that stops being a LoadBalancer has its ingress cleared; Services of another loadBalancerClass are
 *    never touched (another controller owns them).
 * One worker, so that two Services can never be handed the same pool address.
 */
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import { settingsOf } from '../common/controller-settings.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, informerOf, NODES, type GroupVersionResource } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { AddressPool } from './address-pool.js';

const log = logger('servicelb-controller');
const SERVICES: GroupVersionResource = { group: '', version: 'v1', resource: 'services' };

/** The loadBalancerClass this controller answers to (besides none). */
export const SERVICELB_CLASS = 'kubelite.io/servicelb';

/** Options of the ServiceLB controller. */
export interface ServiceLbOptions {
  /** An IPv4 CIDR to allocate one ingress address per Service from (`--service-lb-pool`); default: node IPs. */
  pool?: string;
}

/** True when ServiceLB should serve this Service. */
export function isServiceLbService(svc: Service): boolean {
  const cls = svc.spec?.loadBalancerClass;
  return svc.spec?.type === 'LoadBalancer' && (cls === undefined || cls === null || cls === '' || cls === SERVICELB_CLASS);
}

/** The node addresses ServiceLB advertises: InternalIPs (IPv4) of usable nodes, sorted. */
export function nodeIngressIPs(nodes: readonly Node[]): string[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (n.spec?.unschedulable) continue;
    if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False')) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address)) ips.add(a.address);
  }
  return [...ips].sort();
}

function ingressOf(svc: Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
}

/** Keeps the LoadBalancer status of ServiceLB Services. */
export class ServiceLbController implements Controller {
  readonly name = 'servicelb';
  readonly queue: RateLimitingQueue<string>;
  private readonly services: Informer<Service>;
  private readonly nodes: Informer<Node>;
  private readonly client: ResourceClient<Service>;
  private readonly recorder: EventRecorder;
  private readonly pool: AddressPool | undefined;
  /** Pool address per Service key, the source of truth between a write and its arrival in the cache. */
  private readonly assigned = new Map<string, string>();

  constructor(ctx: ControllerContext, opts: ServiceLbOptions = {}) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.pool = opts.pool ? new AddressPool(opts.pool) : undefined;
    this.services = informerOf<Service>(ctx.informers, SERVICES);
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.client = clientOf<Service>(ctx.client, SERVICES);
    this.recorder = ctx.recorder('servicelb-controller');
    this.services.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (_o, s) => this.queue.add(objectKey(s)),
      onDelete: (s) => {
        const key = objectKey(objectOf(s));
        this.assigned.delete(key);
        this.queue.add(key);
      },
    });
    // Node addresses feed every pool-less Service's ingress.
    const allLb = () => { if (!this.pool) for (const s of this.services.lister.list()) if (isServiceLbService(s)) this.queue.add(objectKey(s)); };
    this.nodes.addEventHandler({ onAdd: allLb, onUpdate: allLb, onDelete: allLb });
  }

  run(signal: AbortSignal): Promise<void> {
    // Pool addresses already handed out (by an earlier run) stay with their Services.
    if (this.pool) {
      for (const s of this.services.lister.list()) {
        const ip = ingressOf(s).find((i) => this.pool!.contains(i));
        if (isServiceLbService(s) && ip) this.assigned.set(objectKey(s), ip);
      }
    }
    return runQueue(this.queue, (key) => this.sync(key), { name: 'servicelb-controller', workers: 1, signal });
  }

  /** The ingress IPs the Service should have, or undefined if ServiceLB must leave it alone. */
  private desired(key: string, svc: Service): string[] | undefined {
    if (!isServiceLbService(svc)) {
      this.assigned.delete(key);
      // Not a LoadBalancer any more: whatever ingress is left is stale. Another class: not ours.
      return svc.spec?.type === 'LoadBalancer' ? undefined : [];
    }
    if (!this.pool) return nodeIngressIPs(this.nodes.lister.list());
    let ip = this.assigned.get(key) ?? ingressOf(svc).find((i) => this.pool!.contains(i));
    const taken = new Set([...this.assigned].filter(([k]) => k !== key).map(([, v]) => v));
    if (!ip || taken.has(ip)) ip = this.pool.allocate(taken);
    if (!ip) {
      this.recorder.event(svc, 'Warning', 'AllocationFailed', `Cannot allocate a load-balancer IP: pool ${this.pool.cidr} is exhausted`);
      return [];
    }
    this.assigned.set(key, ip);
    return [ip];
  }

  /** Writes the Service's LoadBalancer ingress if it differs. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) return;
    const want = this.desired(key, svc);
    if (!want) return;
    const have = ingressOf(svc);
    if (have.length === want.length && have.every((ip, i) => ip === want[i])) return;
    try {
      await this.client.namespace(namespace).patch(name, { status: { loadBalancer: { ingress: want.length ? want.map((ip) => ({ ip })) : null } } }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (want.length) this.recorder.event(svc, 'Normal', 'UpdatedIngressIP', `LoadBalancer Ingress IP addresses updated: ${want.join(', ')}`);
    log.debug('ingress written', { service: key, ingress: want.join(',') });
  }
}

/**
 * The `servicelb` controller factory for registry.ts. The pool comes from the `serviceLbPool` setting (the
 * `--service-lb-pool` flag), else node IPs are used.
 */
export function newServiceLbController(ctx: ControllerContext, opts?: ServiceLbOptions): ServiceLbController {
  return new ServiceLbController(ctx, opts ?? { pool: settingsOf(ctx).serviceLbPool });
}
