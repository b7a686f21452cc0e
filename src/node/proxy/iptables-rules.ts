/**
 * The iptables fallback's rules, built purely from the proxied Service ports, in iptables-restore syntax — the shape
 * of kube-proxy's iptables mode, with `KUBELITE-` / `KL-` chain names of its own:
 *  - nat KUBELITE-SERVICES matches ClusterIP, externalIP and LB-IP destinations, then node ports on local
 *    addresses (KUBELITE-NODEPORTS);
 *  - a Service chain (KL-SVC-…) picks an endpoint at random with `statistic --mode random --probability 1/(n-i)`,
 *    which gives each of n endpoints an equal share, after `recent` matches for ClientIP affinity;
 *  - endpoint chains (KL-SEP-…) mark hairpin traffic, record affinity and DNAT;
 *  - external chains (KL-EXT-…) masquerade, or keep the source for externalTrafficPolicy Local;
 *  - filter KUBELITE-FILTER rejects new connections to Service addresses and node ports without endpoints.
 */
import { createHash } from 'node:crypto';
import { MASQUERADE_MARK } from './nft-ruleset.js';
import { externalEndpoints, internalEndpoints, type ProxyEndpoint, type ServicePort } from './service-ports.js';

/** Fixed chains, and the built-in chains that jump to them. */
export const IPT = {
  services: 'KUBELITE-SERVICES',
  nodePorts: 'KUBELITE-NODEPORTS',
  postrouting: 'KUBELITE-POSTROUTING',
  markMasq: 'KUBELITE-MARK-MASQ',
  filter: 'KUBELITE-FILTER',
} as const;

/** Built-in chain → our chain it jumps to, per table. */
export const IPT_HOOKS: Record<'nat' | 'filter', Array<[string, string]>> = {
  nat: [['PREROUTING', IPT.services], ['OUTPUT', IPT.services], ['POSTROUTING', IPT.postrouting]],
  filter: [['INPUT', IPT.filter], ['FORWARD', IPT.filter], ['OUTPUT', IPT.filter]],
};

/** The rules of both tables: chain names (all ours) and `-A` lines. */
export interface IptablesRules {
  nat: { chains: string[]; rules: string[] };
  filter: { chains: string[]; rules: string[] };
}

/** Options of {@link buildIptablesRules}. */
export interface IptablesRulesOptions {
  clusterCidr?: string;
  masqueradeAll?: boolean;
}

function h(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16).toUpperCase();
}

/** Builds both tables' chains and rules. */
export function buildIptablesRules(ports: readonly ServicePort[], opts: IptablesRulesOptions): IptablesRules {
  const nat = { chains: [IPT.services, IPT.nodePorts, IPT.postrouting, IPT.markMasq] as string[], rules: [] as string[] };
  const filter = { chains: [IPT.filter] as string[], rules: [] as string[] };
  const mark = MASQUERADE_MARK;
  nat.rules.push(
    `-A ${IPT.postrouting} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${IPT.postrouting} -j MARK --xor-mark ${mark}`,
    `-A ${IPT.postrouting} -j MASQUERADE --random-fully`,
    `-A ${IPT.markMasq} -j MARK --or-mark ${mark}`,
  );
  const nodePortRules: string[] = [];
  for (const sp of ports) {
    const id = `${sp.service}/${sp.protocol}/${sp.portName || `p${sp.port}`}`;
    const p = `-p ${sp.protocol}`;
    const comment = `-m comment --comment "${id}"`;
    const svc = `KL-SVC-${h(id)}`;
    const svl = `KL-SVL-${h(id)}`;
    const ext = `KL-EXT-${h(id)}`;
    const sep = (ep: ProxyEndpoint) => `KL-SEP-${h(`${id}|${ep.ip}:${ep.port}`)}`;
    const masqCluster = opts.masqueradeAll ? `-j ${IPT.markMasq}` : opts.clusterCidr ? `! -s ${opts.clusterCidr} -j ${IPT.markMasq}` : undefined;
    const made = new Set<string>();
    for (const ep of [...sp.endpoints, ...sp.localEndpoints]) {
      const name = sep(ep);
      if (made.has(name)) continue;
      made.add(name);
      nat.chains.push(name);
      nat.rules.push(`-A ${name} ${comment} -s ${ep.ip}/32 -j ${IPT.markMasq}`);
      const recent = sp.affinitySeconds !== undefined ? `-m recent --name ${name} --set ` : '';
      nat.rules.push(`-A ${name} ${comment} ${p} ${recent}-j DNAT --to-destination ${ep.ip}:${ep.port}`);
    }
    const fill = (chain: string, eps: ProxyEndpoint[]) => {
      nat.chains.push(chain);
      if (masqCluster && sp.clusterIP) nat.rules.push(`-A ${chain} ${comment} -d ${sp.clusterIP}/32 ${p} --dport ${sp.port} ${masqCluster}`);
      if (sp.affinitySeconds !== undefined) {
        for (const ep of eps) nat.rules.push(`-A ${chain} ${comment} -m recent --name ${sep(ep)} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep(ep)}`);
      }
      eps.forEach((ep, i) => {
        const left = eps.length - i;
        const stat = left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)} ` : '';
        nat.rules.push(`-A ${chain} ${comment} ${stat}-j ${sep(ep)}`);
      });
    };
    if (sp.endpoints.length > 0) fill(svc, sp.endpoints);
    if (sp.localEndpoints.length > 0 && (sp.internalLocal || sp.externalLocal)) fill(svl, sp.localEndpoints);
    const reject = (match: string) => filter.rules.push(`-A ${IPT.filter} ${comment} -m conntrack --ctstate NEW ${match} -j REJECT`);
    const internal = internalEndpoints(sp);
    if (sp.clusterIP) {
      const dst = `-d ${sp.clusterIP}/32 ${p} --dport ${sp.port}`;
      if (internal.length > 0) nat.rules.push(`-A ${IPT.services} ${comment} ${dst} -j ${sp.internalLocal ? svl : svc}`);
      else if (sp.endpoints.length > 0) filter.rules.push(`-A ${IPT.filter} ${comment} -m conntrack --ctstate NEW ${dst} -j DROP`);
      else reject(dst);
    }
    if (sp.externalAddresses.length === 0 && !sp.nodePort) continue;
    if (sp.endpoints.length === 0) {
      for (const ip of sp.externalAddresses) reject(`-d ${ip}/32 ${p} --dport ${sp.port}`);
      if (sp.nodePort) reject(`-m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort}`);
      continue;
    }
    nat.chains.push(ext);
    if (!sp.externalLocal) {
      nat.rules.push(`-A ${ext} ${comment} -j ${IPT.markMasq}`, `-A ${ext} ${comment} -j ${svc}`);
    } else {
      if (opts.clusterCidr) nat.rules.push(`-A ${ext} ${comment} -s ${opts.clusterCidr} -j ${svc}`);
      nat.rules.push(
        `-A ${ext} ${comment} -m addrtype --src-type LOCAL -j ${IPT.markMasq}`,
        `-A ${ext} ${comment} -m addrtype --src-type LOCAL -j ${svc}`,
        externalEndpoints(sp).length > 0 ? `-A ${ext} ${comment} -j ${svl}` : `-A ${ext} ${comment} -j DROP`,
      );
    }
    for (const ip of sp.externalAddresses) nat.rules.push(`-A ${IPT.services} ${comment} -d ${ip}/32 ${p} --dport ${sp.port} -j ${ext}`);
    if (sp.nodePort) nodePortRules.push(`-A ${IPT.nodePorts} ${comment} ${p} --dport ${sp.nodePort} -j ${ext}`);
  }
  // Node ports last, as upstream: a ClusterIP or external-IP match wins over a port that happens to be local.
  nat.rules.push(`-A ${IPT.services} -m addrtype --dst-type LOCAL -j ${IPT.nodePorts}`, ...nodePortRules);
  return { nat, filter };
}

/** The iptables-restore input that installs `rules` and removes our `stale` chains (which must not be in `rules`). */
export function iptablesRestoreScript(rules: IptablesRules, stale: { nat: string[]; filter: string[] }): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    out.push(`*${table}`);
    // Under --noflush, declaring a chain creates it or empties it; stale ones are emptied then deleted.
    for (const c of [...rules[table].chains, ...stale[table]]) out.push(`:${c} - [0:0]`);
    out.push(...rules[table].rules);
    for (const c of stale[table]) out.push(`-X ${c}`);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}
