/**
 * The nftables backend: one `table ip <name>`, written through `nft -f -` so every sync is one atomic kernel
 * transaction. The first sync (and the one after any failure) rewrites the whole table; later syncs send only the
 * difference from what was last applied.
 */
import { performance } from 'node:perf_hooks';
import { newStats, type BackendStats, type ProxyBackend } from './backend.js';
import { mustRun, type CommandRunner } from './command-runner.js';
import { buildNftRuleset, type NftRuleset, type NftRulesetOptions } from './nft-ruleset.js';
import { fullTransaction, incrementalTransaction } from './nft-transaction.js';
import type { ServicePort } from './service-ports.js';

/** Options of {@link NftablesBackend}. */
export interface NftablesBackendOptions extends NftRulesetOptions {
  run: CommandRunner;
  /** The table name (default `kubelite`). */
  table?: string;
}

/** Programs Services as nftables rules. */
export class NftablesBackend implements ProxyBackend {
  readonly kind = 'nftables';
  readonly stats: BackendStats = newStats();
  readonly table: string;
  /** What the kernel holds, as far as this process knows; undefined forces a full rewrite. */
  private applied: NftRuleset | undefined;

  constructor(private readonly opts: NftablesBackendOptions) {
    this.table = opts.table ?? 'kubelite';
  }

  async sync(ports: readonly ServicePort[]): Promise<void> {
    const started = performance.now();
    const next = buildNftRuleset(ports, this.opts);
    let script: string;
    let full = !this.applied;
    try {
      script = this.applied ? incrementalTransaction(this.table, this.applied, next) : fullTransaction(this.table, next);
    } catch {
      // A change that cannot be made in place (a set's type): rewrite everything, still atomically.
      script = fullTransaction(this.table, next);
      full = true;
    }
    if (!script) return;
    try {
      await mustRun(this.opts.run, 'nft', ['-f', '-'], script);
    } catch (err) {
      this.applied = undefined;
      throw err;
    }
    this.applied = next;
    this.stats.transactions++;
    if (full) this.stats.fullSyncs++;
    this.stats.lastScriptLines = script.split('\n').length - 1;
    this.stats.lastSyncMs = performance.now() - started;
  }

  async cleanup(): Promise<void> {
    this.applied = undefined;
    // `add` first makes the delete succeed whether or not the table exists.
    await mustRun(this.opts.run, 'nft', ['-f', '-'], `add table ip ${this.table}\ndelete table ip ${this.table}\n`);
  }
}
