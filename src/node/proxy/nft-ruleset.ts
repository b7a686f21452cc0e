/**
 * The desired nftables ruleset, as data, built purely from the proxied Service ports — the shape of the nftables
 * kube-proxy, in one `ip` table:
 *  - verdict maps look up `daddr . proto . port` (ClusterIPs, externalIPs, LB IPs) and `proto . port` (node ports on
 *    the node's addresses) and jump to a per-Service-port chain — no linear rule walk per Service;
 *  - a Service chain picks an endpoint at random (`numgen random mod N vmap`), after the ClientIP affinity sets;
 *  - an endpoint chain marks hairpin traffic for masquerade, records affinity, and DNATs;
 *  - an external chain (node ports, externalIPs, LB IPs) masquerades, or for externalTrafficPolicy Local keeps the
 *    client address and sends to the node's own endpoints;
 *  - filter chains reject new connections to Service addresses without endpoints, to unused ClusterIP ports and to
 *    unallocated service-CIDR addresses (TCP reset, ICMP port-unreachable otherwise);
 *  - postrouting masquerades what was marked (mark bit 0x4000, as upstream).
 * nft-transaction.ts turns two of these into the smallest transaction between them.
 */
import { createHash } from 'node:crypto';
import { externalEndpoints, internalEndpoints, type ProxyEndpoint, type ServicePort } from './service-ports.js';

/** A chain: base chains carry their hook spec. Rules are nft rule text without the `add rule ip T CHAIN` prefix. */
export interface NftChain {
  /** e.g. `type nat hook output priority -100 ; policy accept ;` */
  hook?: string;
  rules: string[];
}

/** A set or map; elements are key → value (`''` for plain sets). */
export interface NftSet {
  kind: 'set' | 'map';
  /** The body of the declaration, e.g. `type ipv4_addr ;`. */
  spec: string;
  /** Sets filled by the packet path (affinity): their elements are never written or diffed. */
  dynamic?: boolean;
  elements: Map<string, string>;
}

/** A whole table's desired content. */
export interface NftRuleset {
  chains: Map<string, NftChain>;
  sets: Map<string, NftSet>;
}

/** Options of {@link buildNftRuleset}. */
export interface NftRulesetOptions {
  /** The node's addresses that serve node ports (127.0.0.1 is always added). Empty: every local address. */
  nodeIPs: string[];
  /** Pod network; traffic from outside it to a ClusterIP is masqueraded (kube-proxy's --cluster-cidr). */
  clusterCidr?: string;
  /** Service network; new connections to unallocated addresses in it are rejected. */
  serviceCidr?: string;
  /** Masquerade all Service traffic (kube-proxy's --masquerade-all). */
  masqueradeAll?: boolean;
}

/** The fwmark bit that asks postrouting to masquerade (kube-proxy's default --masquerade-bit 14). */
export const MASQUERADE_MARK = '0x4000';

/** Fixed chain and map names. */
export const NAMES = {
  services: 'services',
  markMasq: 'mark-for-masquerade',
  masquerading: 'masquerading',
  reject: 'reject-chain',
  endpointsCheck: 'endpoints-check',
  clusterIpsCheck: 'cluster-ips-check',
  firewall: 'firewall-check',
  serviceIps: 'service-ips',
  nodePorts: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  clusterIps: 'cluster-ips',
  nodeIps: 'nodeport-ips',
} as const;

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase();
}

/** `ns/name/tcp/http` — the readable part of every per-Service-port object name (chain names allow `/`). */
function portId(sp: ServicePort): string {
  return `${sp.service}/${sp.protocol}/${sp.portName || `p${sp.port}`}`;
}

/** Chain and set names of one Service port, hashed so that names stay unique whatever their readable part. */
export function chainNames(sp: ServicePort): { cluster: string; local: string; external: string } {
  const id = portId(sp);
  const h = hash(id);
  return { cluster: `svc-${h}-${id}`, local: `svl-${h}-${id}`, external: `ext-${h}-${id}` };
}

/** The endpoint chain of one endpoint of a Service port. */
export function endpointChainName(sp: ServicePort, ep: ProxyEndpoint): string {
  const id = portId(sp);
  return `ep-${hash(`${id}|${ep.ip}:${ep.port}`)}-${id}__${ep.ip}/${ep.port}`;
}

/** The affinity set of an endpoint; the timeout is part of the name so that a changed timeout is a new set. */
function affinitySetName(sp: ServicePort, ep: ProxyEndpoint): string {
  return `aff-${hash(`${portId(sp)}|${ep.ip}:${ep.port}|${sp.affinitySeconds}`)}`;
}

/** Builds the whole desired table from the Service ports. */
export function buildNftRuleset(ports: readonly ServicePort[], opts: NftRulesetOptions): NftRuleset {
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, NftSet>();
  const chain = (name: string, rules: string[], hook?: string) => chains.set(name, hook ? { hook, rules } : { rules });
  const set = (name: string, kind: 'set' | 'map', spec: string) => {
    const s: NftSet = { kind, spec, elements: new Map() };
    sets.set(name, s);
    return s;
  };

  // --- fixed skeleton ---
  const nodeIps = set(NAMES.nodeIps, 'set', 'type ipv4_addr ;');
  const byNodeAddress = opts.nodeIPs.length > 0 ? `ip daddr @${NAMES.nodeIps}` : 'fib daddr type local';
  for (const ip of opts.nodeIPs.length > 0 ? [...new Set([...opts.nodeIPs, '127.0.0.1'])] : []) nodeIps.elements.set(ip, '');
  const serviceIps = set(NAMES.serviceIps, 'map', 'type ipv4_addr . inet_proto . inet_service : verdict ;');
  const nodePorts = set(NAMES.nodePorts, 'map', 'type inet_proto . inet_service : verdict ;');
  const noEpServices = set(NAMES.noEndpointServices, 'map', 'type ipv4_addr . inet_proto . inet_service : verdict ;');
  const noEpNodePorts = set(NAMES.noEndpointNodePorts, 'map', 'type inet_proto . inet_service : verdict ;');
  const clusterIps = set(NAMES.clusterIps, 'set', 'type ipv4_addr ;');

  chain('nat-prerouting', [`jump ${NAMES.services}`], 'type nat hook prerouting priority dstnat ; policy accept ;');
  chain('nat-output', [`jump ${NAMES.services}`], 'type nat hook output priority -100 ; policy accept ;');
  chain('nat-postrouting', [`jump ${NAMES.masquerading}`], 'type nat hook postrouting priority srcnat ; policy accept ;');
  // Filter checks run before DNAT (priority -110 < -100), so "no endpoints" is decided on the Service address.
  chain('filter-input', [`ct state new jump ${NAMES.firewall}`, `ct state new jump ${NAMES.endpointsCheck}`], 'type filter hook input priority -110 ; policy accept ;');
  chain('filter-forward', [`ct state new jump ${NAMES.endpointsCheck}`, `ct state new jump ${NAMES.clusterIpsCheck}`], 'type filter hook forward priority -110 ; policy accept ;');
  chain('filter-output', [`ct state new jump ${NAMES.endpointsCheck}`], 'type filter hook output priority -110 ; policy accept ;');
  // …and the unused-port check after DNAT, when only packets no Service rule matched still carry a ClusterIP.
  chain('filter-output-post-dnat', [`ct state new jump ${NAMES.clusterIpsCheck}`], 'type filter hook output priority -90 ; policy accept ;');
  chain(NAMES.services, [
    `ip daddr . meta l4proto . th dport vmap @${NAMES.serviceIps}`,
    `${byNodeAddress} meta l4proto . th dport vmap @${NAMES.nodePorts}`,
  ]);
  chain(NAMES.markMasq, [`meta mark set meta mark | ${MASQUERADE_MARK}`]);
  chain(NAMES.masquerading, [
    `meta mark & ${MASQUERADE_MARK} == 0 return`,
    `meta mark set meta mark ^ ${MASQUERADE_MARK}`,
    'masquerade fully-random',
  ]);
  chain(NAMES.reject, ['meta l4proto tcp reject with tcp reset', 'reject']);
  chain(NAMES.endpointsCheck, [
    `ip daddr . meta l4proto . th dport vmap @${NAMES.noEndpointServices}`,
    `${byNodeAddress} meta l4proto . th dport vmap @${NAMES.noEndpointNodePorts}`,
  ]);
  chain(NAMES.clusterIpsCheck, [
    `ip daddr @${NAMES.clusterIps} goto ${NAMES.reject}`,
    ...(opts.serviceCidr ? [`ip daddr ${opts.serviceCidr} goto ${NAMES.reject}`] : []),
  ]);
  // route_localnet lets 127.0.0.1 node ports be DNATed out of lo; as upstream, nothing else may use it to reach
  // localhost-bound servers from outside.
  chain(NAMES.firewall, ['ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct status & dnat == 0 drop']);

  // --- per Service port ---
  for (const sp of ports) {
    const names = chainNames(sp);
    const all = sp.endpoints;
    const internal = internalEndpoints(sp);
    const external = externalEndpoints(sp);
    const proto = sp.protocol;
    if (sp.clusterIP) clusterIps.elements.set(sp.clusterIP, '');

    // Endpoint chains, shared by the cluster and local chains.
    const epChains = new Map<string, string>();
    for (const ep of [...all, ...sp.localEndpoints]) {
      const name = endpointChainName(sp, ep);
      if (chains.has(name)) {
        epChains.set(`${ep.ip}:${ep.port}`, name);
        continue;
      }
      epChains.set(`${ep.ip}:${ep.port}`, name);
      const rules = [`ip saddr ${ep.ip} jump ${NAMES.markMasq}`];
      if (sp.affinitySeconds !== undefined) {
        const aff = affinitySetName(sp, ep);
        sets.set(aff, { kind: 'set', spec: `type ipv4_addr ; flags dynamic,timeout ; timeout ${sp.affinitySeconds}s ;`, dynamic: true, elements: new Map() });
        rules.push(`update @${aff} { ip saddr }`);
      }
      rules.push(`meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
      chain(name, rules);
    }
    const pick = (eps: ProxyEndpoint[]): string[] => {
      const rules: string[] = [];
      if (sp.affinitySeconds !== undefined) {
        for (const ep of eps) rules.push(`ip saddr @${affinitySetName(sp, ep)} goto ${epChains.get(`${ep.ip}:${ep.port}`)}`);
      }
      if (eps.length === 1) rules.push(`goto ${epChains.get(`${eps[0].ip}:${eps[0].port}`)}`);
      else rules.push(`numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${epChains.get(`${ep.ip}:${ep.port}`)}`).join(', ')} }`);
      return rules;
    };
    const clusterMasq = opts.masqueradeAll
      ? [`jump ${NAMES.markMasq}`]
      : opts.clusterCidr && sp.clusterIP ? [`ip daddr ${sp.clusterIP} ip saddr != ${opts.clusterCidr} jump ${NAMES.markMasq}`] : [];
    if (all.length > 0) chain(names.cluster, [...clusterMasq, ...pick(all)]);
    if (sp.localEndpoints.length > 0 && (sp.internalLocal || sp.externalLocal)) chain(names.local, [...clusterMasq, ...pick(sp.localEndpoints)]);

    // ClusterIP: no endpoints at all → reject; only endpoints elsewhere under internalTrafficPolicy Local → drop.
    if (sp.clusterIP) {
      const key = `${sp.clusterIP} . ${proto} . ${sp.port}`;
      if (internal.length > 0) serviceIps.elements.set(key, `goto ${sp.internalLocal ? names.local : names.cluster}`);
      else noEpServices.elements.set(key, all.length > 0 ? 'drop' : `goto ${NAMES.reject}`);
    }

    // External traffic: node ports, externalIPs, LB IPs.
    const externalKeys = sp.externalAddresses.map((ip) => `${ip} . ${proto} . ${sp.port}`);
    const nodePortKey = sp.nodePort ? `${proto} . ${sp.nodePort}` : undefined;
    if (externalKeys.length === 0 && !nodePortKey) continue;
    if (all.length === 0) {
      for (const k of externalKeys) noEpServices.elements.set(k, `goto ${NAMES.reject}`);
      if (nodePortKey) noEpNodePorts.elements.set(nodePortKey, `goto ${NAMES.reject}`);
      continue;
    }
    let extRules: string[];
    if (!sp.externalLocal) {
      extRules = [`jump ${NAMES.markMasq}`, `goto ${names.cluster}`];
    } else {
      // Local policy keeps the client address, so only local endpoints can answer it. Pods and the node itself
      // are not "external": they may use any endpoint (upstream's short-circuit), the node's own traffic masqueraded.
      extRules = [
        ...(opts.clusterCidr ? [`ip saddr ${opts.clusterCidr} goto ${names.cluster}`] : []),
        `fib saddr type local jump ${NAMES.markMasq}`,
        `fib saddr type local goto ${names.cluster}`,
        external.length > 0 ? `goto ${names.local}` : 'drop',
      ];
    }
    chain(names.external, extRules);
    for (const k of externalKeys) serviceIps.elements.set(k, `goto ${names.external}`);
    if (nodePortKey) nodePorts.elements.set(nodePortKey, `goto ${names.external}`);
  }
  return { chains, sets };
}
