/**
 * From a Pod to the CRI sandbox config: metadata, hostname, the log directory, DNS by dnsPolicy (ClusterFirst →
 * the cluster DNS with `<ns>.svc.<domain> svc.<domain> <domain>` and ndots:5; Default → the host's resolv.conf;
 * None → dnsConfig only; dnsConfig merged on top), hostPort mappings, labels and annotations, and the Linux
 * settings: cgroup parent, namespaces (network/ipc per pod, pid per container unless shareProcessNamespace;
 * hostNetwork/hostPID/hostIPC → the node's), sysctls and the pod-level user.
 */
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DNSConfig, NamespaceMode, PodSandboxConfigInput, PortMapping, Protocol } from '../cri/index.js';
import { CGROUP_PARENT_ANNOTATION, sandboxLabels } from './cri-labels.js';

/** Cluster DNS settings of the kubelet. */
export interface DnsSettings {
  clusterDns: string[];
  clusterDomain: string;
  /** The host's resolv.conf (default /etc/resolv.conf). */
  resolvConf?: string;
}

/** Servers, searches and options of a resolv.conf file. */
export function parseResolvConf(text: string): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const f = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.servers.push(f[1]);
    else if (f[0] === 'search' || f[0] === 'domain') out.searches = f.slice(1);
    else if (f[0] === 'options') out.options.push(...f.slice(1));
  }
  return out;
}

function hostDns(path = '/etc/resolv.conf'): DNSConfig {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

/** The pod's DNS config by its dnsPolicy and dnsConfig, as the kubelet's DNS configurer. */
export function podDnsConfig(pod: Pod, dns: DnsSettings): DNSConfig {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const host = pod.spec?.hostNetwork ?? false;
  let useCluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !host);
  if (useCluster && dns.clusterDns.length === 0) useCluster = false;
  let cfg: DNSConfig;
  if (policy === 'None') cfg = { servers: [], searches: [], options: [] };
  else if (useCluster) {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = dns.clusterDomain;
    const hostCfg = hostDns(dns.resolvConf);
    cfg = { servers: [...dns.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...hostCfg.searches], options: ['ndots:5'] };
  } else cfg = hostDns(dns.resolvConf);
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg.servers.push(...(extra.nameservers ?? []));
    cfg.searches.push(...(extra.searches ?? []));
    for (const o of extra.options ?? []) {
      const opt = o.value !== undefined ? `${o.name}:${o.value}` : o.name ?? '';
      cfg.options = cfg.options.filter((x) => x.split(':')[0] !== o.name);
      cfg.options.push(opt);
    }
  }
  cfg.searches = [...new Set(cfg.searches)].slice(0, 32);
  cfg.servers = cfg.servers.slice(0, 3);
  return cfg;
}

/** The hostname of a pod: spec.hostname, or its name (at most 63 characters, as the kubelet truncates). */
export function podHostname(pod: Pod): string {
  const h = pod.spec?.hostname || pod.metadata?.name || '';
  return h.slice(0, 63).replace(/[-.]+$/, '');
}

/** hostPort mappings of the pod's containers. */
export function portMappings(pod: Pod): Partial<PortMapping>[] {
  if (pod.spec?.hostNetwork) return [];
  const out: Partial<PortMapping>[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: (p.protocol ?? 'TCP') as Protocol, container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIP ?? '' });
    }
  }
  return out;
}

/** The namespace modes of a pod's containers. */
export function namespaceModes(pod: Pod): { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode } {
  return {
    network: pod.spec?.hostNetwork ? 'NODE' : 'POD',
    pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: pod.spec?.hostIPC ? 'NODE' : 'POD',
  };
}

/** The sandbox config of a pod; see the module comment. */
export function sandboxConfig(pod: Pod, opts: { attempt: number; logDirectory: string; cgroupParent: string; dns: DnsSettings }): PodSandboxConfigInput {
  const m = pod.metadata ?? {};
  const sc = pod.spec?.securityContext ?? {};
  const privileged = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c) => c.securityContext?.privileged);
  const sysctls: Record<string, string> = {};
  for (const s of sc.sysctls ?? []) sysctls[s.name] = s.value;
  return {
    metadata: { name: m.name ?? '', uid: m.uid ?? '', namespace: m.namespace ?? 'default', attempt: opts.attempt },
    hostname: pod.spec?.hostNetwork ? '' : podHostname(pod),
    log_directory: opts.logDirectory,
    dns_config: podDnsConfig(pod, opts.dns),
    port_mappings: portMappings(pod),
    labels: sandboxLabels(m.namespace ?? 'default', m.name ?? '', m.uid ?? '', m.labels),
    annotations: { ...(m.annotations ?? {}), [CGROUP_PARENT_ANNOTATION]: opts.cgroupParent },
    linux: {
      cgroup_parent: opts.cgroupParent,
      sysctls,
      security_context: {
        namespace_options: namespaceModes(pod),
        privileged,
        run_as_user: sc.runAsUser !== undefined ? { value: String(sc.runAsUser) } : null,
        run_as_group: sc.runAsGroup !== undefined ? { value: String(sc.runAsGroup) } : null,
        supplemental_groups: [...(sc.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc.supplementalGroups ?? [])].map(String),
      },
    },
  };
}
