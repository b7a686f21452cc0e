/**
 * Cluster IP and NodePort allocation. Each allocated value is a storage key created with create-if-absent, so two
 * API servers sharing one etcd can never hand out the same address (kube-apiserver keeps a bitmap object instead;
 * one key per value gives the same guarantee with nothing to repair).
 */
import type { Backend } from '../../../../storage/backend.js';
import { KeyExistsError } from '../../../../storage/backend.js';
import { randomInt } from 'node:crypto';

const encoder = new TextEncoder();

/** An IPv4 CIDR parsed into numbers. */
export interface Cidr {
  text: string;
  base: number;
  size: number;
}

/** Parses `10.43.0.0/16`; throws with a clear message on anything else. */
export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new Error(`invalid CIDR "${text}": expected an IPv4 CIDR such as 10.43.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid CIDR "${text}": prefix must be between /8 and /30`);
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const size = 2 ** (32 - bits);
  const base = ip - (ip % size);
  return { text: `${ipToString(base)}/${bits}`, base, size };
}

/** Dotted quad of a 32-bit number. */
export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** 32-bit number of a dotted quad, or undefined if it is not one. */
export function ipToNumber(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

/** Why an explicit value could not be allocated. */
export type AllocateFailure = 'out-of-range' | 'taken' | 'full';

/** Allocates values of one kind (IPs or ports) as storage keys. */
export class KeyAllocator {
  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly first: number,
    private readonly count: number,
    private readonly format: (n: number) => string,
  ) {}

  private key(n: number): string {
    return `${this.prefix}${this.format(n)}`;
  }

  /** Reserves a specific value. */
  async allocate(n: number, owner: string): Promise<AllocateFailure | undefined> {
    if (n < this.first || n >= this.first + this.count) return 'out-of-range';
    try {
      await this.backend.create(this.key(n), encoder.encode(owner));
      return undefined;
    } catch (err) {
      if (err instanceof KeyExistsError) return 'taken';
      throw err;
    }
  }

  /** Reserves any free value: random probes first (cheap while the range is sparse), then a scan. */
  async allocateNext(owner: string): Promise<number | undefined> {
    for (let i = 0; i < 16; i++) {
      const n = this.first + randomInt(this.count);
      if ((await this.allocate(n, owner)) === undefined) return n;
    }
    const used = new Set((await this.backend.list(this.prefix)).kvs.map((kv) => kv.key));
    for (let n = this.first; n < this.first + this.count; n++) {
      if (used.has(this.key(n))) continue;
      if ((await this.allocate(n, owner)) === undefined) return n;
    }
    return undefined;
  }

  /** Releases a value (idempotent). */
  async release(n: number): Promise<void> {
    await this.backend.delete(this.key(n), 0);
  }
}

/** The allocators a server needs, built from its flags. */
export interface Allocators {
  serviceCidr: Cidr;
  nodePortRange: { first: number; last: number };
  clusterIPs: KeyAllocator;
  nodePorts: KeyAllocator;
}

/** Builds the allocators for `--service-cidr` and `--service-node-port-range`. */
export function makeAllocators(backend: Backend, serviceCidr: string, nodePortRange: string): Allocators {
  const cidr = parseCidr(serviceCidr);
  const m = /^(\d+)-(\d+)$/.exec(nodePortRange.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[1]) < 1 || Number(m[2]) > 65535) {
    throw new Error(`invalid --service-node-port-range "${nodePortRange}": expected FIRST-LAST, e.g. 30000-32767`);
  }
  const first = Number(m[1]);
  const last = Number(m[2]);
  return {
    serviceCidr: cidr,
    nodePortRange: { first, last },
    // Network and broadcast addresses are never handed out.
    clusterIPs: new KeyAllocator(backend, '/registry/_allocations/serviceips/', cidr.base + 1, cidr.size - 2, ipToString),
    nodePorts: new KeyAllocator(backend, '/registry/_allocations/servicenodeports/', first, last - first + 1, String),
  };
}
