/**
 * A set of equal-sized IPv4 subnets carved from one cluster CIDR, as kube-controller-manager's CidrSet: node IPAM
 * takes the next free /24 (by default) of 10.42.0.0/16 for each node, and gives it back when the node goes.
 */

/** Parses `a.b.c.d` into a 32-bit number; throws for anything else. */
export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`Cannot parse IPv4 address "${ip}"`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Formats a 32-bit number as `a.b.c.d`. */
export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (Math.floor(n / 2 ** s) % 256).toString()).join('.');
}

/** Subnets of size `/subnetMaskSize` inside `clusterCidr`, each either free or taken. */
export class CidrSet {
  private readonly base: number;
  private readonly clusterMask: number;
  private readonly size: number;
  private readonly taken = new Set<number>();
  /** Where the next search starts (upstream's nextCandidate), so freed subnets are not re-used at once. */
  private next = 0;

  constructor(clusterCidr: string, readonly subnetMaskSize: number) {
    const [ip, bits] = clusterCidr.split('/');
    this.clusterMask = Number(bits);
    if (!Number.isInteger(this.clusterMask) || this.clusterMask < 0 || this.clusterMask > 32) throw new Error(`Cannot parse cluster CIDR "${clusterCidr}"`);
    if (!Number.isInteger(subnetMaskSize) || subnetMaskSize < this.clusterMask || subnetMaskSize > 32) {
      throw new Error(`Node CIDR mask size ${subnetMaskSize} does not fit in cluster CIDR ${clusterCidr}`);
    }
    const block = 2 ** (32 - this.clusterMask);
    this.base = Math.floor(parseIPv4(ip) / block) * block;
    this.size = 2 ** (subnetMaskSize - this.clusterMask);
  }

  /** Number of subnets. */
  get capacity(): number {
    return this.size;
  }

  /** Number of subnets taken. */
  get used(): number {
    return this.taken.size;
  }

  private indexOf(cidr: string): number | undefined {
    const [ip, bits] = cidr.split('/');
    let addr: number;
    try {
      addr = parseIPv4(ip);
    } catch {
      return undefined;
    }
    if (Number(bits) !== this.subnetMaskSize) return undefined;
    const offset = addr - this.base;
    const step = 2 ** (32 - this.subnetMaskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.size) return undefined;
    return offset / step;
  }

  private cidrAt(i: number): string {
    return `${formatIPv4(this.base + i * 2 ** (32 - this.subnetMaskSize))}/${this.subnetMaskSize}`;
  }

  /** True if `cidr` is one of this set's subnets. */
  contains(cidr: string): boolean {
    return this.indexOf(cidr) !== undefined;
  }

  /** Marks `cidr` taken (a node already has it); false if it is not one of this set's subnets. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.taken.add(i);
    return true;
  }

  /** Frees `cidr`. */
  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.taken.delete(i);
  }

  /** Takes the next free subnet; undefined when the cluster CIDR is full. */
  allocateNext(): string | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if (!this.taken.has(i)) {
        this.taken.add(i);
        this.next = (i + 1) % this.size;
        return this.cidrAt(i);
      }
    }
    return undefined;
  }
}
