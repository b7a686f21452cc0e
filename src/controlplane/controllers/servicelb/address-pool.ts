/**
 * An IPv4 address pool for ServiceLB (`--service-lb-pool CIDR`): parses the CIDR and hands out the lowest free
 * host address (never the network or broadcast address of a pool larger than /31).
 */

function toInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`Invalid IPv4 address "${ip}"`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A parsed pool. */
export class AddressPool {
  private readonly first: number;
  private readonly last: number;

  /** Throws for anything but an IPv4 CIDR such as `192.168.100.0/28`. */
  constructor(readonly cidr: string) {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!m || Number(m[2]) > 32) throw new Error(`Invalid service LB pool "${cidr}": want an IPv4 CIDR such as 192.168.100.0/28`);
    const bits = Number(m[2]);
    const size = 2 ** (32 - bits);
    const base = Math.floor(toInt(m[1]) / size) * size;
    this.first = size > 2 ? base + 1 : base;
    this.last = size > 2 ? base + size - 2 : base + size - 1;
  }

  /** True when `ip` is a usable address of the pool. */
  contains(ip: string): boolean {
    let n: number;
    try {
      n = toInt(ip);
    } catch {
      return false;
    }
    return n >= this.first && n <= this.last;
  }

  /** The lowest address not in `used`, or undefined when the pool is exhausted. */
  allocate(used: ReadonlySet<string>): string | undefined {
    for (let n = this.first; n <= this.last; n++) {
      const ip = toIp(n);
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
}
