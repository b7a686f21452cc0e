/**
 * Host-gw routing between nodes (flannel's host-gw, k3s' default on one L2 segment): for every other Node with a
 * spec.podCIDR, a route `podCIDR via <its InternalIP>`, so pods reach pods on other nodes directly, with their own
 * source IPs. Routes follow the Nodes: added, moved and removed as they change. This node's own CIDR is on its bridge.
 */
import { execFileSync } from 'node:child_process';
import type { Node } from 'kubernetes-types/core/v1.js';
import { SharedInformerFactory, objectOf, type Client } from '../../client/index.js';
import { logger } from '../../util/log.js';

const log = logger('node-routes');

/** Options of {@link runNodeRoutes}. */
export interface NodeRoutesOptions {
  signal: AbortSignal;
  /** This node: its own pod CIDR needs no route. */
  nodeName: string;
  /** Runs `ip` (tests may redirect it); default: the ip binary in this network namespace. */
  ip?: (args: string[]) => void;
  /**
   * Asked when the signal aborts: remove the routes (a node leaving for good) or keep them (a restart, during which
   * traffic to other nodes keeps flowing, as kube-proxy's rules do).
   */
  removeOnStop?: () => boolean;
}

function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** Keeps a route to every other node's pod CIDR until the signal aborts. */
export async function runNodeRoutes(client: Client, opts: NodeRoutesOptions): Promise<void> {
  const ip = opts.ip ?? ((args: string[]) => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  /** Installed routes by node name: the CIDR and the gateway. */
  const routes = new Map<string, { cidr: string; via: string }>();
  const remove = (name: string) => {
    const r = routes.get(name);
    if (!r) return;
    routes.delete(name);
    try {
      ip(['route', 'del', r.cidr, 'via', r.via]);
    } catch {
      // Already gone (the link went down, or someone removed it).
    }
  };
  const sync = (node: Node) => {
    const name = node.metadata?.name ?? '';
    if (name === opts.nodeName) return;
    const cidr = node.spec?.podCIDR;
    const via = internalIP(node);
    const cur = routes.get(name);
    if (!cidr || !via) {
      remove(name);
      return;
    }
    if (cur && cur.cidr === cidr && cur.via === via) return;
    if (cur) remove(name);
    try {
      ip(['route', 'replace', cidr, 'via', via]);
      routes.set(name, { cidr, via });
    } catch (err) {
      // A node on another segment has no on-link gateway here: say so once, keep the rest working.
      log.warn('cannot route to a node\'s pods', { node: name, cidr, via, err: (err as Error).message });
    }
  };
  const informers = new SharedInformerFactory(client);
  informers.informerFor<Node>('', 'v1', 'nodes').addEventHandler({
    onAdd: (n) => sync(n),
    onUpdate: (_old, n) => sync(n),
    onDelete: (n) => remove(objectOf(n).metadata?.name ?? ''),
  });
  informers.start(opts.signal);
  await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), { once: true }));
  await informers.stopped();
  if (opts.removeOnStop?.()) for (const name of [...routes.keys()]) remove(name);
}
