/**
 * Publishes where served Ingresses can be reached: `status.loadBalancer.ingress` lists the node addresses the
 * controller listens on (IPs as `ip`, names as `hostname`), which `kubectl get ingress` shows as ADDRESS. Level-based
 * like any controller: a queue of Ingress keys, and a sync that compares the cached status with the wanted one and
 * patches the status subresource only when they differ. An Ingress that stops being ours (its class changed) loses
 * the addresses we wrote, and keeps anything another controller wrote.
 */
import { isIP } from 'node:net';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import { isReason } from '../apimachinery/errors/status-error.js';
import { RateLimitingQueue, runWorkers, type Client, type Lister } from '../client/index.js';

/** The status entries for node addresses. */
export function loadBalancerIngress(addresses: readonly string[]): IngressLoadBalancerIngress[] {
  return addresses.map((a) => (isIP(a) ? { ip: a } : { hostname: a }));
}

const entryKey = (e: IngressLoadBalancerIngress) => `${e.ip ?? ''}|${e.hostname ?? ''}`;

/** True when two status lists name the same addresses in the same order (ports are not compared). */
export function sameLoadBalancer(a: readonly IngressLoadBalancerIngress[] | undefined, b: readonly IngressLoadBalancerIngress[]): boolean {
  const x = a ?? [];
  return x.length === b.length && x.every((e, i) => entryKey(e) === entryKey(b[i]));
}

/** Options of an {@link IngressStatusUpdater}. */
export interface IngressStatusOptions {
  /** The node addresses to publish. */
  addresses: readonly string[];
  /** Whether the controller serves this Ingress now. */
  serves(ing: Ingress): boolean;
}

/** Keeps `status.loadBalancer.ingress` of served Ingresses equal to the controller's addresses. */
export class IngressStatusUpdater {
  private readonly queue = new RateLimitingQueue<string>();
  private readonly want: IngressLoadBalancerIngress[];

  constructor(private readonly client: Client, private readonly lister: Lister<Ingress>, private readonly opts: IngressStatusOptions) {
    this.want = loadBalancerIngress(opts.addresses);
  }

  /** Queues an Ingress (`namespace/name`) for a status check. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Processes the queue until `signal` aborts; resolves once drained. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runWorkers(this.queue, 1, (key) => this.sync(key));
  }

  /** Brings one Ingress's status in line (exported for tests through the class). */
  async sync(key: string): Promise<void> {
    const ing = this.lister.getByKey(key);
    if (!ing) return;
    const current = ing.status?.loadBalancer?.ingress;
    let wanted: IngressLoadBalancerIngress[];
    if (this.opts.serves(ing)) wanted = this.want;
    else if (current?.length && sameLoadBalancer(current, this.want)) wanted = [];
    else return;
    if (sameLoadBalancer(current, wanted)) return;
    const ns = ing.metadata?.namespace ?? 'default';
    try {
      await this.client.resource<Ingress>('networking.k8s.io', 'v1', 'ingresses').namespace(ns)
        .patch(ing.metadata?.name ?? '', { status: { loadBalancer: { ingress: wanted.length ? wanted : null } } }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (isReason(err, 'NotFound')) return;
      throw err;
    }
  }
}
