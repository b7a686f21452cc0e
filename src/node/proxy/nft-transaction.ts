/**
 * Turns desired rulesets into `nft -f` scripts, each applied as one atomic kernel transaction:
 *  - {@link fullTransaction} (first sync, or after a failed one) recreates the table in one go — `add table` +
 *    `delete table` + everything, so there is no moment without rules, and leftovers of an older run are gone;
 *  - {@link incrementalTransaction} writes only what changed since the last applied ruleset: new sets and chains,
 *    element deltas, changed chains flushed and refilled, stale chains and sets deleted last (after every reference
 *    to them is gone), as the nftables kube-proxy's partial syncs.
 */
import type { NftChain, NftRuleset, NftSet } from './nft-ruleset.js';

function declareSet(table: string, name: string, s: NftSet): string {
  return `add ${s.kind} ip ${table} ${name} { ${s.spec} }`;
}

function declareChain(table: string, name: string, c: NftChain): string {
  return c.hook ? `add chain ip ${table} ${name} { ${c.hook} }` : `add chain ip ${table} ${name}`;
}

function element(key: string, value: string): string {
  return value ? `${key} : ${value}` : key;
}

/** `add element` lines for `elements`, a few hundred per line to keep lines (and nft's parser) reasonable. */
function addElements(table: string, name: string, elements: Iterable<[string, string]>, verb: 'add' | 'delete'): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  const flush = () => {
    if (batch.length) out.push(`${verb} element ip ${table} ${name} { ${batch.join(', ')} }`);
    batch = [];
  };
  for (const [k, v] of elements) {
    batch.push(verb === 'delete' ? k : element(k, v));
    if (batch.length >= 500) flush();
  }
  flush();
  return out;
}

function rules(table: string, name: string, c: NftChain): string[] {
  return c.rules.map((r) => `add rule ip ${table} ${name} ${r}`);
}

/** The script that replaces the whole table with `next`. */
export function fullTransaction(table: string, next: NftRuleset): string {
  const lines = [`add table ip ${table}`, `delete table ip ${table}`, `add table ip ${table}`];
  for (const [name, s] of next.sets) lines.push(declareSet(table, name, s));
  for (const [name, c] of next.chains) lines.push(declareChain(table, name, c));
  for (const [name, s] of next.sets) if (!s.dynamic) lines.push(...addElements(table, name, s.elements, 'add'));
  for (const [name, c] of next.chains) lines.push(...rules(table, name, c));
  return lines.join('\n') + '\n';
}

function sameRules(a: NftChain, b: NftChain): boolean {
  return a.hook === b.hook && a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);
}

/** The script that moves the table from `prev` (what the kernel has) to `next`; `''` when nothing changed. */
export function incrementalTransaction(table: string, prev: NftRuleset, next: NftRuleset): string {
  const lines: string[] = [];
  // 1. New sets and chains first: elements and rules below may refer to them.
  for (const [name, s] of next.sets) {
    const old = prev.sets.get(name);
    if (!old || old.spec !== s.spec || old.kind !== s.kind) {
      if (old) throw new Error(`Cannot change set ${name} in place: its type changed`);
      lines.push(declareSet(table, name, s));
    }
  }
  for (const [name, c] of next.chains) if (!prev.chains.has(name)) lines.push(declareChain(table, name, c));
  // 2. Element deltas (a changed value is a delete plus an add).
  for (const [name, s] of next.sets) {
    if (s.dynamic) continue;
    const old = prev.sets.get(name)?.elements ?? new Map<string, string>();
    const gone = [...old].filter(([k, v]) => s.elements.get(k) !== v);
    const added = [...s.elements].filter(([k, v]) => old.get(k) !== v);
    lines.push(...addElements(table, name, gone, 'delete'));
    lines.push(...addElements(table, name, added, 'add'));
  }
  for (const [name, s] of prev.sets) {
    if (!next.sets.has(name) && !s.dynamic) lines.push(...addElements(table, name, s.elements, 'delete'));
  }
  // 3. Changed chains are flushed and refilled; new ones filled.
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (old && sameRules(old, c)) continue;
    if (old) {
      if (old.hook !== c.hook) throw new Error(`Cannot change the hook of base chain ${name} in place`);
      lines.push(`flush chain ip ${table} ${name}`);
    }
    lines.push(...rules(table, name, c));
  }
  // 4. Stale chains, then stale sets: nothing refers to them any more.
  const staleChains = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  for (const name of staleChains) lines.push(`flush chain ip ${table} ${name}`);
  for (const name of staleChains) lines.push(`delete chain ip ${table} ${name}`);
  for (const name of prev.sets.keys()) if (!next.sets.has(name)) lines.push(`delete ${prev.sets.get(name)!.kind} ip ${table} ${name}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}
