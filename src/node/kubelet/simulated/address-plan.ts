/**
 * Made-up addresses for simulated nodes and their pods. Nothing listens on them; they only have to be unique and
 * look like a real cluster's:
 *  - node i has InternalIP 172.16.0.0/12 + i + 1 (room for a million nodes);
 *  - node i owns the pod CIDR 10.192.0.0/10 split into /24s: 10.(192 + ⌊i/256⌋).(i mod 256).0/24, so 16,384 nodes
 *    get distinct ranges. Pods take .2–.254 of their node's /24 (.1 is left for a bridge, as a CNI would).
 * The pool hands a pod its IP, keeps it across re-syncs, and frees it when the pod ends.
 */

/** How many nodes the pod CIDR plan can address. */
export const MAX_SIMULATED_NODES = 16_384;
const NODE_IP_BASE = (172 << 24) | (16 << 16);
const POD_CIDR_BASE = (10 << 24) | (192 << 16);
const FIRST_HOST = 2;
const LAST_HOST = 254;

function ipString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The InternalIP of node `index`. */
export function nodeIp(index: number): string {
  return ipString((NODE_IP_BASE + index + 1) >>> 0);
}

/** The pod CIDR (/24) of node `index`. */
export function podCidr(index: number): string {
  if (index < 0 || index >= MAX_SIMULATED_NODES) throw new RangeError(`Cannot plan a pod CIDR for node index ${index}: only 0–${MAX_SIMULATED_NODES - 1} fit in 10.192.0.0/10`);
  return `${ipString((POD_CIDR_BASE + index * 256) >>> 0)}/24`;
}

/** Pod IPs of one node's /24, handed out lowest-free first and keyed by pod uid. */
export class PodIpPool {
  private readonly base: number;
  private readonly byUid = new Map<string, number>();
  private readonly used = new Set<number>();

  constructor(index: number) {
    this.base = (POD_CIDR_BASE + index * 256) >>> 0;
  }

  /** The pod's IP: the one it holds, or the lowest free; undefined when the /24 is full. */
  allocate(uid: string): string | undefined {
    const held = this.byUid.get(uid);
    if (held !== undefined) return ipString(this.base + held);
    for (let h = FIRST_HOST; h <= LAST_HOST; h++) {
      if (this.used.has(h)) continue;
      this.used.add(h);
      this.byUid.set(uid, h);
      return ipString(this.base + h);
    }
    return undefined;
  }

  /**
   * Re-claims an IP a pod already shows in its status (after an agent restart), if it lies in this /24 and is
   * free. Returns whether the pod now holds it.
   */
  claim(uid: string, ip: string): boolean {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
    const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
    const host = n - this.base;
    if (host < FIRST_HOST || host > LAST_HOST) return false;
    const held = this.byUid.get(uid);
    if (held === host) return true;
    if (held !== undefined || this.used.has(host)) return false;
    this.used.add(host);
    this.byUid.set(uid, host);
    return true;
  }

  /** Frees the pod's IP (no-op if it holds none). */
  release(uid: string): void {
    const h = this.byUid.get(uid);
    if (h === undefined) return;
    this.byUid.delete(uid);
    this.used.delete(h);
  }

  /** Number of IPs in use. */
  get size(): number {
    return this.used.size;
  }
}
