/**
 * The cluster's DNS records, built purely from Services, EndpointSlices and Pods as informers deliver them (no I/O,
 * no API calls), following the Kubernetes DNS-based service discovery specification as CoreDNS's kubernetes plugin
 * implements it:
 *  - `svc.ns.svc.<zone>` A/AAAA → the ClusterIPs; for a headless Service the ready endpoint addresses;
 *  - `_port._proto.svc.ns.svc.<zone>` SRV → `svc.ns.svc.<zone>` (ClusterIP) or one target per ready endpoint
 *    (headless), named by the endpoint's hostname or its dashed IP, with the A/AAAA glue as additionals; the bare
 *    Service name answers SRV for every named port;
 *  - `host.svc.ns.svc.<zone>` A/AAAA → a headless Service's endpoint with that hostname (StatefulSet pods via
 *    hostname/subdomain) or dashed IP;
 *  - ExternalName → a CNAME (the caller chases it);
 *  - `a-b-c-d.ns.pod.<zone>` A → a.b.c.d when a pod of that namespace has that IP (CoreDNS's `pods verified`);
 *  - PTR for ClusterIPs and headless endpoint addresses;
 *  - every other name under the zone is NXDOMAIN, names that exist without data of the asked type are NODATA; both
 *    carry the zone's SOA in the authority section.
 * `version` increases on every change that can alter an answer, so a server can drop encoded answers cheaply.
 */
import type { Answer, RecordType, SoaAnswer } from 'dns-packet';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

/** A question type: a record type or ANY (255). */
export type QueryType = RecordType | 'ANY';

/** Default TTL of cluster records (CoreDNS's kubernetes plugin default). */
export const DEFAULT_TTL = 5;

/** An answer to one question about a name under the zone (or a PTR name the cluster owns). */
export interface Resolution {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  additionals: Answer[];
  /** The zone's SOA, for the authority section of negative answers. */
  authorities: Answer[];
  /** For an ExternalName Service asked for A/AAAA: the CNAME target to resolve and append. */
  chase?: string;
}

interface ServicePortInfo {
  name: string;
  protocol: string;
  port: number;
}

interface ServiceInfo {
  name: string;
  namespace: string;
  headless: boolean;
  ips: string[];
  externalName?: string;
  ports: ServicePortInfo[];
}

interface SliceEndpoint {
  addresses: string[];
  hostname?: string;
}

interface SliceInfo {
  serviceKey: string;
  ports: ServicePortInfo[];
  endpoints: SliceEndpoint[];
}

/** Options of {@link ClusterDnsRecords}. */
export interface ClusterDnsRecordsOptions {
  /** The cluster domain (default `cluster.local`). */
  domain?: string;
  ttl?: number;
  /** SOA serial; defaults to the current Unix time. */
  serial?: number;
}

/** The dashed form of an IP used in DNS labels (`10-42-0-5`, `fd00--5`). */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

function undashIP(label: string): string | undefined {
  if (/^\d{1,3}(-\d{1,3}){3}$/.test(label)) {
    const ip = label.replace(/-/g, '.');
    return ip.split('.').every((o) => Number(o) <= 255) ? ip : undefined;
  }
  if (/^[0-9a-f-]+$/.test(label) && label.includes('-')) {
    const ip = label.replace(/-/g, ':');
    return (ip.match(/::/g) ?? []).length <= 1 && ip.split(':').length <= 8 ? ip : undefined;
  }
  return undefined;
}

function isV6(ip: string): boolean {
  return ip.includes(':');
}

/** Expands an IPv6 address to 8 groups of 4 hex digits, for comparisons and PTR names. */
function expandV6(ip: string): string {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function ptrName(ip: string): string {
  if (!isV6(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${expandV6(ip).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
}

/** The record sets of a cluster, kept current by informer events. */
export class ClusterDnsRecords {
  /** The zone, lower case, without trailing dot. */
  readonly domain: string;
  /** Increases whenever an answer may have changed. */
  version = 0;
  private readonly ttl: number;
  private readonly serial: number;
  private readonly services = new Map<string, ServiceInfo>();
  private readonly slices = new Map<string, SliceInfo>();
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly podIPs = new Map<string, { namespace: string; ips: string[] }>();
  /** `namespace/ip` → number of pods with that IP there. */
  private readonly podIPCount = new Map<string, number>();
  private readonly namespaces = new Map<string, number>();
  private soaRecord: SoaAnswer;

  constructor(opts: ClusterDnsRecordsOptions = {}) {
    this.domain = (opts.domain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    this.serial = opts.serial ?? Math.floor(Date.now() / 1000);
    this.soaRecord = {
      type: 'SOA', name: this.domain, ttl: this.ttl, class: 'IN',
      data: {
        mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial,
        refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl,
      },
    };
  }

  /** The zone's SOA record. */
  soa(): SoaAnswer {
    return this.soaRecord;
  }

  private changed(): void {
    this.version++;
  }

  /** Adds or replaces a Service. */
  upsertService(svc: Service): void {
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const key = `${ns}/${name}`;
    const spec = svc.spec ?? {};
    const info: ServiceInfo = {
      name: name.toLowerCase(), namespace: ns.toLowerCase(),
      headless: spec.clusterIP === 'None',
      ips: (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None'),
      externalName: spec.type === 'ExternalName' && spec.externalName ? spec.externalName.toLowerCase().replace(/\.$/, '') : undefined,
      ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port })),
    };
    const old = this.services.get(key);
    if (old && JSON.stringify(old) === JSON.stringify(info)) return;
    if (!old) this.namespaces.set(info.namespace, (this.namespaces.get(info.namespace) ?? 0) + 1);
    this.services.set(key, info);
    this.changed();
  }

  /** Removes a Service. */
  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.services.get(key);
    if (!old) return;
    this.services.delete(key);
    const n = (this.namespaces.get(old.namespace) ?? 1) - 1;
    if (n > 0) this.namespaces.set(old.namespace, n);
    else this.namespaces.delete(old.namespace);
    this.changed();
  }

  /** Adds or replaces an EndpointSlice (only its ready endpoints matter). */
  upsertSlice(slice: EndpointSlice): void {
    const ns = slice.metadata?.namespace ?? '';
    const key = `${ns}/${slice.metadata?.name ?? ''}`;
    const svcName = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svcName || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) {
      this.deleteSlice(ns, slice.metadata?.name ?? '');
      return;
    }
    const info: SliceInfo = {
      serviceKey: `${ns}/${svcName}`,
      ports: (slice.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port ?? 0 })),
      // A nil ready condition means ready (discovery/v1 semantics).
      endpoints: (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false)
        .map((e) => ({ addresses: e.addresses ?? [], ...(e.hostname ? { hostname: e.hostname.toLowerCase() } : {}) })),
    };
    const old = this.slices.get(key);
    if (old && JSON.stringify(old) === JSON.stringify(info)) return;
    if (old && old.serviceKey !== info.serviceKey) this.slicesByService.get(old.serviceKey)?.delete(key);
    this.slices.set(key, info);
    let set = this.slicesByService.get(info.serviceKey);
    if (!set) this.slicesByService.set(info.serviceKey, (set = new Set()));
    set.add(key);
    this.changed();
  }

  /** Removes an EndpointSlice. */
  deleteSlice(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.slices.get(key);
    if (!old) return;
    this.slices.delete(key);
    const set = this.slicesByService.get(old.serviceKey);
    set?.delete(key);
    if (set?.size === 0) this.slicesByService.delete(old.serviceKey);
    this.changed();
  }

  /** Adds or replaces a pod (only its namespace and IPs matter). */
  upsertPod(pod: Pod): void {
    const ns = (pod.metadata?.namespace ?? '').toLowerCase();
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
    if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
    const old = this.podIPs.get(key);
    if (old && old.ips.join() === ips.join()) return;
    if (old) this.countPodIPs(old.namespace, old.ips, -1);
    if (ips.length) {
      this.podIPs.set(key, { namespace: ns, ips });
      this.countPodIPs(ns, ips, 1);
    } else {
      this.podIPs.delete(key);
    }
    this.changed();
  }

  /** Removes a pod. */
  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.podIPs.get(key);
    if (!old) return;
    this.podIPs.delete(key);
    this.countPodIPs(old.namespace, old.ips, -1);
    this.changed();
  }

  private countPodIPs(ns: string, ips: string[], delta: number): void {
    for (const ip of ips) {
      const k = `${ns}/${isV6(ip) ? expandV6(ip) : ip}`;
      const n = (this.podIPCount.get(k) ?? 0) + delta;
      if (n > 0) this.podIPCount.set(k, n);
      else this.podIPCount.delete(k);
    }
  }

  /** True if `name` (lower case, no trailing dot) is the zone or under it. */
  inZone(name: string): boolean {
    return name === this.domain || name.endsWith(`.${this.domain}`);
  }

  /**
   * Answers `type` for `name` (lower case, no trailing dot). Undefined for names the cluster does not own (to be
   * forwarded): outside the zone, and reverse names of addresses that are not the cluster's.
   */
  resolve(name: string, type: QueryType): Resolution | undefined {
    if (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa')) return this.resolvePTR(name, type);
    if (!this.inZone(name)) return undefined;
    const labels = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
    const res: Resolution = { rcode: 'NOERROR', answers: [], additionals: [], authorities: [] };
    const n = labels.length;
    if (n === 0) {
      if (type === 'SOA' || type === 'ANY') res.answers.push(this.soaRecord);
      if (type === 'NS' || type === 'ANY') res.answers.push({ type: 'NS', name, ttl: this.ttl, class: 'IN', data: `ns.dns.${this.domain}` });
      return this.finish(res);
    }
    const kind = labels[n - 1];
    if (kind === 'svc') this.resolveService(name, labels.slice(0, -1), type, res);
    else if (kind === 'pod') this.resolvePod(name, labels.slice(0, -1), type, res);
    else res.rcode = 'NXDOMAIN';
    return this.finish(res);
  }

  private finish(res: Resolution): Resolution {
    if (res.answers.length === 0 && !res.chase) res.authorities.push(this.soaRecord);
    return res;
  }

  private addressRecords(name: string, ips: readonly string[], type: QueryType, out: Answer[]): void {
    for (const ip of ips) {
      const v6 = isV6(ip);
      if ((type === 'A' || type === 'ANY') && !v6) out.push({ type: 'A', name, ttl: this.ttl, class: 'IN', data: ip });
      if ((type === 'AAAA' || type === 'ANY') && v6) out.push({ type: 'AAAA', name, ttl: this.ttl, class: 'IN', data: ip });
    }
  }

  /** Ready endpoints of a Service, unique by address, with their DNS label and per-port numbers. */
  private endpointsOf(svcKey: string): { label: string; ip: string; ports: ServicePortInfo[] }[] {
    const out: { label: string; ip: string; ports: ServicePortInfo[] }[] = [];
    const seen = new Set<string>();
    for (const sk of this.slicesByService.get(svcKey) ?? []) {
      const slice = this.slices.get(sk)!;
      for (const ep of slice.endpoints) {
        for (const ip of ep.addresses) {
          if (seen.has(ip)) continue;
          seen.add(ip);
          out.push({ label: ep.hostname ?? dashedIP(ip).toLowerCase(), ip, ports: slice.ports });
        }
      }
    }
    return out;
  }

  private resolveService(name: string, labels: string[], type: QueryType, res: Resolution): void {
    const n = labels.length;
    if (n === 0) return; // svc.<zone>: an empty non-terminal
    const ns = labels[n - 1];
    if (n === 1) {
      if (!this.namespaces.has(ns)) res.rcode = 'NXDOMAIN';
      return;
    }
    const svcKeyName = labels[n - 2];
    const svcKey = this.serviceKey(ns, svcKeyName);
    const svc = svcKey ? this.services.get(svcKey) : undefined;
    if (!svc || !svcKey) {
      res.rcode = 'NXDOMAIN';
      return;
    }
    if (n === 2) {
      if (svc.externalName) {
        res.answers.push({ type: 'CNAME', name, ttl: this.ttl, class: 'IN', data: svc.externalName });
        if (type === 'A' || type === 'AAAA' || type === 'ANY') res.chase = svc.externalName;
        return;
      }
      if (type === 'SRV') {
        for (const p of svc.ports) if (p.name) this.srvRecords(name, svc, svcKey, p, res);
        return;
      }
      const ips = svc.headless ? this.endpointsOf(svcKey).map((e) => e.ip) : svc.ips;
      this.addressRecords(name, ips, type, res.answers);
      return;
    }
    const first = labels[0];
    if (n === 4 && first.startsWith('_') && labels[1].startsWith('_')) {
      const port = svc.ports.find((p) => p.name && `_${p.name}` === first && `_${p.protocol}` === labels[1]);
      if (!port) {
        res.rcode = 'NXDOMAIN';
        return;
      }
      if (type === 'SRV' || type === 'ANY') this.srvRecords(name, svc, svcKey, port, res);
      return;
    }
    if (n === 3 && first.startsWith('_')) {
      // `_proto.svc.ns.svc.<zone>`: exists (no data) if some port uses that protocol.
      if (!svc.ports.some((p) => p.name && `_${p.protocol}` === first)) res.rcode = 'NXDOMAIN';
      return;
    }
    if (n === 3 && svc.headless) {
      const ips = this.endpointsOf(svcKey).filter((e) => e.label === first).map((e) => e.ip);
      if (ips.length === 0) {
        res.rcode = 'NXDOMAIN';
        return;
      }
      this.addressRecords(name, ips, type, res.answers);
      return;
    }
    res.rcode = 'NXDOMAIN';
  }

  private srvRecords(name: string, svc: ServiceInfo, svcKey: string, port: ServicePortInfo, res: Resolution): void {
    const svcName = `${svc.name}.${svc.namespace}.svc.${this.domain}`;
    if (!svc.headless) {
      res.answers.push({ type: 'SRV', name, ttl: this.ttl, class: 'IN', data: { priority: 0, weight: 100, port: port.port, target: svcName } });
      this.addressRecords(svcName, svc.ips, 'ANY', res.additionals);
      return;
    }
    const eps = this.endpointsOf(svcKey)
      .map((e) => ({ ...e, port: e.ports.find((p) => p.name === port.name && p.protocol === port.protocol)?.port }))
      .filter((e) => e.port !== undefined);
    // Weights split 100 among equal-priority targets, as CoreDNS does.
    const weight = eps.length ? Math.max(1, Math.floor(100 / eps.length)) : 100;
    for (const e of eps) {
      const target = `${e.label}.${svcName}`;
      res.answers.push({ type: 'SRV', name, ttl: this.ttl, class: 'IN', data: { priority: 0, weight, port: e.port!, target } });
      this.addressRecords(target, [e.ip], 'ANY', res.additionals);
    }
  }

  private serviceKey(ns: string, name: string): string | undefined {
    // Keys keep the API's case; names are lower case by validation, so the lower-case key almost always hits.
    const k = `${ns}/${name}`;
    return this.services.has(k) ? k : undefined;
  }

  private resolvePod(name: string, labels: string[], type: QueryType, res: Resolution): void {
    if (labels.length === 0) return; // pod.<zone>
    if (labels.length === 1) {
      if (!this.namespaces.has(labels[0]) && ![...this.podIPs.values()].some((p) => p.namespace === labels[0])) res.rcode = 'NXDOMAIN';
      return;
    }
    const ip = labels.length === 2 ? undashIP(labels[0]) : undefined;
    const ns = labels[1];
    if (!ip || !this.podIPCount.has(`${ns}/${isV6(ip) ? expandV6(ip) : ip}`)) {
      res.rcode = 'NXDOMAIN';
      return;
    }
    this.addressRecords(name, [ip], type, res.answers);
  }

  private resolvePTR(name: string, type: QueryType): Resolution | undefined {
    let target: string | undefined;
    for (const [key, svc] of this.services) {
      const svcName = `${svc.name}.${svc.namespace}.svc.${this.domain}`;
      if (!svc.headless && svc.ips.some((ip) => ptrName(ip) === name)) target = svcName;
      else if (svc.headless) {
        const ep = this.endpointsOf(key).find((e) => ptrName(e.ip) === name);
        if (ep) target = `${ep.label}.${svcName}`;
      }
      if (target) break;
    }
    if (!target) return undefined;
    const res: Resolution = { rcode: 'NOERROR', answers: [], additionals: [], authorities: [] };
    if (type === 'PTR' || type === 'ANY') res.answers.push({ type: 'PTR', name, ttl: this.ttl, class: 'IN', data: target });
    return this.finish(res);
  }
}
