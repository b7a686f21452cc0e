/**
 * The contract between the proxy loop and the kernel: a backend turns the full list of proxied Service ports into
 * rules. Both implementations keep what they last wrote so a sync only sends what changed, leave their rules in place
 * when the proxy stops (traffic keeps flowing across a restart), and remove every trace on `cleanup()`.
 */
import type { ServicePort } from './service-ports.js';

/** Counters a backend keeps, for tests and benchmarks. */
export interface BackendStats {
  /** Kernel transactions applied (one `nft -f` or `iptables-restore` per changed sync). */
  transactions: number;
  /** Full rewrites among them (first sync, recovery after a failure). */
  fullSyncs: number;
  /** Duration of the last sync that wrote something (ms), command included. */
  lastSyncMs: number;
  /** Lines of the last script sent. */
  lastScriptLines: number;
}

/** Programs Service rules into the kernel. */
export interface ProxyBackend {
  readonly kind: 'nftables' | 'iptables';
  readonly stats: BackendStats;
  /** Makes the kernel's rules match `ports`; throws (naming the command) if the kernel refused them. */
  sync(ports: readonly ServicePort[]): Promise<void>;
  /** Removes every rule, chain and set this backend owns. Idempotent. */
  cleanup(): Promise<void>;
}

/** Fresh zeroed stats. */
export function newStats(): BackendStats {
  return { transactions: 0, fullSyncs: 0, lastSyncMs: 0, lastScriptLines: 0 };
}
