/**
 * LeasePool: hands out etcd leases for TTL keys, sharing one lease among writes with similar TTLs, as
 * kube-apiserver's lease manager does. Without sharing, every Event write would grant its own lease and etcd would
 * spend its time expiring thousands of them.
 *
 * A lease is granted for `ttl + reuse` seconds, where reuse = min(60 s, 5% of ttl) (kube-apiserver's defaults), and is
 * reused while it still has between ttl and ttl + reuse seconds to live. A key therefore lives at least its TTL and
 * at most 5% (or a minute) longer.
 */

/** Grants a lease of `ttlSeconds` and returns its id. */
export type GrantLease = (ttlSeconds: number) => Promise<string>;

interface Held {
  id: Promise<string>;
  /** When the lease expires (ms). */
  expiresAt: number;
}

/** See the module comment. */
export class LeasePool {
  private readonly byTtl = new Map<number, Held>();

  constructor(private readonly grant: GrantLease, private readonly now: () => number = Date.now) {}

  /** A lease id under which a key lives at least `ttlSeconds`. */
  lease(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const reuse = Math.min(60, Math.floor(ttl * 0.05));
    const now = this.now();
    const held = this.byTtl.get(ttl);
    if (held && held.expiresAt - now >= ttl * 1000) return held.id;
    const id = this.grant(ttl + reuse);
    this.byTtl.set(ttl, { id, expiresAt: now + (ttl + reuse) * 1000 });
    // A failed grant must not be handed out again.
    id.catch(() => {
      if (this.byTtl.get(ttl)?.id === id) this.byTtl.delete(ttl);
    });
    return id;
  }
}
