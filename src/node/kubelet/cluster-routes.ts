/**
 * Routes that keep cluster traffic on this machine (shared/CRI-NOTES.md, "Networking facts"):
 *  - an `unreachable` route over the cluster CIDR: the node's pod CIDR (on its bridge) and other nodes' pod
 *    CIDRs (via their node IPs) are more specific and still win, while any other cluster address fails at once
 *    instead of leaking to the default gateway;
 *  - the service CIDR routed to a local interface with no ports (a port-less bridge; this kernel has no `dummy`),
 *    because an unreachable route there would make connect() fail before kube-proxy's DNAT runs; unmatched
 *    service traffic dies on the machine.
 * Both are idempotent (`ip route replace`) and removed by {@link removeClusterRoutes}.
 */
import { execFileSync } from 'node:child_process';
import { parseIpv4Cidr, ipv4ToString, linkInfo } from '../runtime/index.js';

/** Options of {@link ensureClusterRoutes}. */
export interface ClusterRouteOptions {
  /** Default 10.42.0.0/16. */
  clusterCidr?: string;
  /** Default 10.43.0.0/16. */
  serviceCidr?: string;
  /** The port-less interface for the service CIDR. Default `kl-svc0`. */
  serviceInterface?: string;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function canonical(cidr: string): string {
  const c = parseIpv4Cidr(cidr);
  return `${ipv4ToString(c.network)}/${c.prefix}`;
}

/** Installs (or re-asserts) the cluster and service routes. Needs root. */
export function ensureClusterRoutes(opts: ClusterRouteOptions = {}): void {
  const cluster = canonical(opts.clusterCidr ?? '10.42.0.0/16');
  const service = canonical(opts.serviceCidr ?? '10.43.0.0/16');
  const dev = opts.serviceInterface ?? 'kl-svc0';
  ip(['route', 'replace', 'unreachable', cluster]);
  if (!linkInfo(dev).exists) ip(['link', 'add', dev, 'type', 'bridge']);
  ip(['link', 'set', dev, 'up']);
  ip(['route', 'replace', service, 'dev', dev]);
}

/** Removes what {@link ensureClusterRoutes} installed (missing pieces are fine). */
export function removeClusterRoutes(opts: ClusterRouteOptions = {}): void {
  const cluster = canonical(opts.clusterCidr ?? '10.42.0.0/16');
  const service = canonical(opts.serviceCidr ?? '10.43.0.0/16');
  const dev = opts.serviceInterface ?? 'kl-svc0';
  for (const args of [['route', 'del', 'unreachable', cluster], ['route', 'del', service, 'dev', dev]]) {
    try {
      ip(args);
    } catch {
      // not there
    }
  }
  // Only delete the interface if it is a bridge with no ports, i.e. ours.
  const link = linkInfo(dev);
  if (link.bridge && link.ports === 0) {
    try {
      ip(['link', 'del', dev]);
    } catch {
      // busy or gone
    }
  }
}
