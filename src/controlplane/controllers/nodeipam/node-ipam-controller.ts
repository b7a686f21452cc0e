/**
 * Node IPAM, as kube-controller-manager's range allocator: every Node without `spec.podCIDR` gets the next free
 * subnet of `--cluster-cidr` (a /24 of 10.42.0.0/16 by default), which its agent then hands to CNI. A deleted
 * node's subnet is freed. The allocation map is never stored: it is rebuilt from the nodes themselves (the informer
 * delivers every existing node before the first sync), so a restart cannot hand out a subnet twice. Allocation
 * runs on one worker, because two concurrent syncs could otherwise pick the same free subnet.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type EventRecorder, type Informer, type ResourceClient } from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller } from '../common/controller.js';
import { settingsOf, type ContextWithSettings } from '../common/controller-settings.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, informerOf, NODES } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { CidrSet } from './cidr-set.js';

const log = logger('node-ipam-controller');

/** Gives each node a pod CIDR. */
export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  readonly queue: RateLimitingQueue<string>;
  /** The subnets in use (exposed for tests). */
  readonly cidrs: CidrSet;
  private readonly nodes: Informer<Node>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly recorder: EventRecorder;
  /** Subnets handed out whose patch the cache has not shown yet, by node name. */
  private readonly pending = new Map<string, string>();

  constructor(ctx: ContextWithSettings) {
    const s = settingsOf(ctx);
    this.cidrs = new CidrSet(s.clusterCidr, s.nodeCidrMaskSize);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.nodeClient = clientOf<Node>(ctx.client, NODES);
    this.recorder = ctx.recorder('cidrAllocator');
    this.nodes.addEventHandler({
      onAdd: (n) => this.observe(n),
      onUpdate: (_, n) => this.observe(n),
      onDelete: (n) => this.forget(objectOf(n as Node | DeletedFinalStateUnknown<Node>)),
    });
  }

  /** Runs one worker until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    for (const n of this.nodes.lister.list()) this.observe(n);
    return runQueue(this.queue, (key) => this.sync(key), { name: 'node-ipam-controller', workers: 1, signal });
  }

  private observe(node: Node): void {
    const cidr = node.spec?.podCIDR;
    const name = node.metadata?.name ?? '';
    if (cidr) {
      // A subnet outside the cluster CIDR (set by hand, or by a simulator) is the node's business, not ours.
      this.cidrs.occupy(cidr);
      const mine = this.pending.get(name);
      if (mine && mine !== cidr) this.cidrs.release(mine);
      this.pending.delete(name);
      return;
    }
    this.queue.add(name);
  }

  private forget(node: Node): void {
    const name = node.metadata?.name ?? '';
    const cidr = node.spec?.podCIDR ?? this.pending.get(name);
    this.pending.delete(name);
    if (cidr) this.cidrs.release(cidr);
  }

  /** Gives node `key` a pod CIDR if it has none. Idempotent. */
  async sync(key: string): Promise<void> {
    const { name } = splitKey(key);
    const node = this.nodes.lister.get('', name);
    if (!node) {
      const cidr = this.pending.get(name);
      this.pending.delete(name);
      if (cidr) this.cidrs.release(cidr);
      return;
    }
    if (node.spec?.podCIDR) return this.observe(node);
    let cidr = this.pending.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocateNext();
      if (!cidr) {
        this.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`Cannot allocate a pod CIDR for node ${name}: ${this.cidrs.capacity} subnets of the cluster CIDR are all taken`);
      }
      this.pending.set(name, cidr);
    }
    try {
      await this.nodeClient.patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
      log.info('allocated pod CIDR', { node: name, cidr });
    } catch (err) {
      if (isNotFound(err)) {
        this.pending.delete(name);
        this.cidrs.release(cidr);
        return;
      }
      throw err; // keep the pending subnet: the retry patches the same one
    }
  }
}

/** Factory for the registry. */
export function newNodeIpamController(ctx: ContextWithSettings): NodeIpamController {
  return new NodeIpamController(ctx);
}
