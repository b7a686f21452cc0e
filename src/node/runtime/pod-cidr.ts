/**
 * IPv4 CIDR arithmetic for a node's pod range: validation, the network address and the gateway (.1) that the CNI
 * bridge takes, as host-local allocates from `subnet` with `gateway` reserved.
 */

/** A parsed IPv4 CIDR. */
export interface Ipv4Cidr {
  /** The network address as a 32-bit unsigned number. */
  network: number;
  prefix: number;
}

function toNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`Invalid IPv4 address ${JSON.stringify(ip)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`Invalid IPv4 address ${JSON.stringify(ip)}`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** Dotted form of a 32-bit unsigned number. */
export function ipv4ToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses an IPv4 CIDR such as `10.88.3.0/24` (a bare address is a /32); the address is masked to its network. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const m = /^([\d.]+)(?:\/(\d{1,2}))?$/.exec(cidr);
  const prefix = Number(m?.[2] ?? 32);
  if (!m || prefix > 32) throw new Error(`Invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (toNumber(m[1]!) & mask) >>> 0, prefix };
}

/**
 * Validates a node's pod CIDR and returns it in canonical form (`10.88.3.7/24` → `10.88.3.0/24`). The prefix must
 * leave room for a gateway and pods: /8 to /30.
 */
export function canonicalPodCidr(cidr: string): string {
  let c: Ipv4Cidr;
  try {
    c = parseIpv4Cidr(cidr);
  } catch {
    throw new Error(`Invalid pod CIDR ${JSON.stringify(cidr)}: expected an IPv4 CIDR such as 10.42.0.0/24`);
  }
  if (!cidr.includes('/') || c.prefix < 8 || c.prefix > 30) throw new Error(`Invalid pod CIDR ${cidr}: the prefix must be between /8 and /30`);
  return `${ipv4ToString(c.network)}/${c.prefix}`;
}

/** The first host address of the range, which the bridge takes as the pods' gateway. */
export function gatewayOf(cidr: string): string {
  return ipv4ToString(parseIpv4Cidr(cidr).network + 1);
}

/** True when two CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a);
  const y = parseIpv4Cidr(b);
  const prefix = Math.min(x.prefix, y.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((x.network & mask) >>> 0) === ((y.network & mask) >>> 0);
}
