/**
 * The iptables backend, for nodes without `nft`: the whole rule set is rewritten with one `iptables-restore
 * --noflush` per changed sync (each table commits atomically), our chains only — other software's rules are never
 * touched. The jumps from the built-in chains are checked and inserted once per process (and after any failure).
 */
import { performance } from 'node:perf_hooks';
import { newStats, type BackendStats, type ProxyBackend } from './backend.js';
import { mustRun, type CommandRunner } from './command-runner.js';
import { buildIptablesRules, IPT_HOOKS, iptablesRestoreScript, type IptablesRulesOptions } from './iptables-rules.js';
import type { ServicePort } from './service-ports.js';

const OURS = /^:((?:KUBELITE|KL)-[A-Z0-9-]+) /;

/** Options of {@link IptablesBackend}. */
export interface IptablesBackendOptions extends IptablesRulesOptions {
  run: CommandRunner;
}

/** Programs Services as iptables rules. */
export class IptablesBackend implements ProxyBackend {
  readonly kind = 'iptables';
  readonly stats: BackendStats = newStats();
  private lastScript: string | undefined;
  /** Our chains in the kernel per table, as last written; undefined until read from iptables-save. */
  private current: { nat: string[]; filter: string[] } | undefined;

  constructor(private readonly opts: IptablesBackendOptions) {}

  private async ourChains(): Promise<{ nat: string[]; filter: string[] }> {
    const read = async (table: string) => {
      const r = await this.opts.run('iptables-save', ['-t', table]);
      return r.stdout.split('\n').map((l) => OURS.exec(l)?.[1]).filter((c): c is string => !!c);
    };
    return { nat: await read('nat'), filter: await read('filter') };
  }

  async sync(ports: readonly ServicePort[]): Promise<void> {
    const started = performance.now();
    const rules = buildIptablesRules(ports, this.opts);
    const full = this.current === undefined;
    const current = this.current ?? (await this.ourChains());
    const stale = {
      nat: current.nat.filter((c) => !rules.nat.chains.includes(c)),
      filter: current.filter.filter((c) => !rules.filter.chains.includes(c)),
    };
    const script = iptablesRestoreScript(rules, stale);
    if (!full && script === this.lastScript) return;
    try {
      await mustRun(this.opts.run, 'iptables-restore', ['--noflush', '-w', '5'], script);
      if (full) await this.ensureJumps();
    } catch (err) {
      this.current = undefined;
      this.lastScript = undefined;
      throw err;
    }
    this.current = { nat: rules.nat.chains, filter: rules.filter.chains };
    this.lastScript = script;
    this.stats.transactions++;
    if (full) this.stats.fullSyncs++;
    this.stats.lastScriptLines = script.split('\n').length - 1;
    this.stats.lastSyncMs = performance.now() - started;
  }

  private async ensureJumps(): Promise<void> {
    for (const table of ['nat', 'filter'] as const) {
      for (const [builtin, ours] of IPT_HOOKS[table]) {
        const spec = [builtin, '-j', ours];
        const exists = await this.opts.run('iptables', ['-w', '5', '-t', table, '-C', ...spec]);
        if (exists.code !== 0) await mustRun(this.opts.run, 'iptables', ['-w', '5', '-t', table, '-I', ...spec]);
      }
    }
  }

  async cleanup(): Promise<void> {
    this.current = undefined;
    this.lastScript = undefined;
    for (const table of ['nat', 'filter'] as const) {
      for (const [builtin, ours] of IPT_HOOKS[table]) {
        // Delete every copy of the jump (a crash between insert and record could have left two).
        while ((await this.opts.run('iptables', ['-w', '5', '-t', table, '-D', builtin, '-j', ours])).code === 0) { /* again */ }
      }
    }
    const chains = await this.ourChains();
    if (chains.nat.length + chains.filter.length === 0) return;
    await mustRun(this.opts.run, 'iptables-restore', ['--noflush', '-w', '5'], iptablesRestoreScript(
      { nat: { chains: [], rules: [] }, filter: { chains: [], rules: [] } }, chains,
    ));
  }
}
