/**
 * The proxy's view of the cluster, as plain data: every proxied Service port joined with its endpoints from the
 * EndpointSlices, already filtered the way kube-proxy filters them (ready endpoints, else serving-but-terminating
 * ones; the node's own endpoints for the Local traffic policies). Both backends build their rules from this one
 * list, so the choice of endpoints is made — and unit-tested — once.
 *
 * Not proxied at all, as upstream: ExternalName Services (DNS only), headless Services (clusterIP None), and ports
 * of a family other than IPv4 (the tables are `ip`, not `inet`).
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A transport protocol as the kernel's rules spell it. */
export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** One backend of a Service port. */
export interface ProxyEndpoint {
  ip: string;
  /** The target port for this Service port (named ports already resolved by the endpoint controllers). */
  port: number;
  /** The node the endpoint runs on, if known. */
  nodeName?: string;
}

/** One proxied (Service, port) pair with the endpoints each kind of traffic may use. */
export interface ServicePort {
  /** `namespace/name` of the Service. */
  service: string;
  /** The Service port's name, or `''` for a single unnamed port. */
  portName: string;
  protocol: L4Protocol;
  /** The ClusterIP, when the Service has one (not headless). */
  clusterIP?: string;
  /** The Service port number (on the ClusterIP, externalIPs and load-balancer IPs). */
  port: number;
  /** The node port, for NodePort and LoadBalancer Services that have one. */
  nodePort?: number;
  /** externalIPs and status.loadBalancer.ingress IPs: served like the ClusterIP, but as external traffic. */
  externalAddresses: string[];
  /** sessionAffinity ClientIP timeout in seconds; undefined when affinity is None. */
  affinitySeconds?: number;
  /** externalTrafficPolicy Local: external traffic only to endpoints on this node, source IP preserved. */
  externalLocal: boolean;
  /** internalTrafficPolicy Local: ClusterIP traffic only to endpoints on this node. */
  internalLocal: boolean;
  /** Endpoints for cluster-wide traffic (ready, else serving-terminating), sorted by IP. */
  endpoints: ProxyEndpoint[];
  /** The subset of usable endpoints on this node (chosen with the same fallback, among local ones). */
  localEndpoints: ProxyEndpoint[];
}

/** Options of {@link buildServicePorts}. */
export interface BuildServicePortsOptions {
  /** This node's name, for the Local traffic policies. */
  nodeName: string;
}

const PROTOCOLS: Record<string, L4Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for a dotted-quad IPv4 address. */
export function isIPv4(ip: string | undefined): ip is string {
  return ip !== undefined && IPV4.test(ip);
}

interface SliceEndpoint extends ProxyEndpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * kube-proxy's endpoint choice: the ready endpoints, or — only when none is ready — those still serving while they
 * terminate (upstream's ProxyTerminatingEndpoints fallback), so a rolling update never blackholes a Service.
 */
function usable(eps: SliceEndpoint[]): ProxyEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  const chosen = ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
  return chosen.map(({ ip, port, nodeName }) => (nodeName === undefined ? { ip, port } : { ip, port, nodeName }));
}

/** Endpoints of one Service port from all its slices, by port name; duplicates (same IP) collapse to the first. */
function endpointsByPort(slices: EndpointSlice[]): Map<string, Map<string, SliceEndpoint[]>> {
  const out = new Map<string, Map<string, SliceEndpoint[]>>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    for (const p of slice.ports ?? []) {
      if (p.port === undefined || p.port === null) continue;
      const key = `${p.name ?? ''}/${PROTOCOLS[p.protocol ?? 'TCP'] ?? 'tcp'}`;
      let byIp = out.get(key);
      if (!byIp) out.set(key, (byIp = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!isIPv4(ip)) continue;
        const ready = ep.conditions?.ready ?? true;
        const list = byIp.get(ip) ?? [];
        if (list.length === 0) byIp.set(ip, list);
        // An IP may appear in two slices during a move between them; keep one entry per IP and port.
        if (list.some((e) => e.port === p.port)) continue;
        list.push({
          ip, port: p.port, nodeName: ep.nodeName ?? undefined,
          ready, serving: ep.conditions?.serving ?? ready, terminating: ep.conditions?.terminating ?? false,
        });
      }
    }
  }
  return out;
}

/** True when the Service is proxied at all (not ExternalName, not headless, has an IPv4 ClusterIP). */
export function isProxied(svc: Service): boolean {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return false;
  return isIPv4(spec.clusterIP) && spec.clusterIP !== 'None';
}

/**
 * Joins Services with their EndpointSlices into the sorted list of proxied Service ports. Pure: the same input gives
 * the same output, which is what lets the backends diff one sync against the last.
 */
export function buildServicePorts(services: readonly Service[], slices: readonly EndpointSlice[], opts: BuildServicePortsOptions): ServicePort[] {
  const slicesOf = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svcName = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const key = `${s.metadata?.namespace ?? ''}/${svcName}`;
    const list = slicesOf.get(key);
    if (list) list.push(s);
    else slicesOf.set(key, [s]);
  }
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (!isProxied(svc)) continue;
    const spec = svc.spec!;
    const id = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const eps = endpointsByPort(slicesOf.get(id) ?? []);
    const externalAddresses = [...new Set([
      ...(spec.externalIPs ?? []),
      ...(spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip) : []),
    ].filter(isIPv4))].sort();
    const affinitySeconds = spec.sessionAffinity === 'ClientIP'
      ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800
      : undefined;
    const hasNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const p of spec.ports ?? []) {
      const protocol = PROTOCOLS[p.protocol ?? 'TCP'];
      if (!protocol) continue;
      const all = [...(eps.get(`${p.name ?? ''}/${protocol}`)?.values() ?? [])].flat().sort((a, b) => cmpIp(a.ip, b.ip) || a.port - b.port);
      const local = all.filter((e) => e.nodeName === opts.nodeName);
      out.push({
        service: id,
        portName: p.name ?? '',
        protocol,
        clusterIP: spec.clusterIP!,
        port: p.port,
        nodePort: hasNodePorts && p.nodePort ? p.nodePort : undefined,
        externalAddresses,
        affinitySeconds,
        externalLocal: hasNodePorts || externalAddresses.length > 0 ? spec.externalTrafficPolicy === 'Local' : false,
        internalLocal: spec.internalTrafficPolicy === 'Local',
        endpoints: usable(all),
        localEndpoints: usable(local),
      });
    }
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0) || cmpStr(a.portName, b.portName) || cmpStr(a.protocol, b.protocol));
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric order of dotted quads. */
function cmpIp(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The endpoints ClusterIP traffic may use (the node's own when internalTrafficPolicy is Local). */
export function internalEndpoints(sp: ServicePort): ProxyEndpoint[] {
  return sp.internalLocal ? sp.localEndpoints : sp.endpoints;
}

/** The endpoints external traffic (NodePort, externalIPs, LB IPs) may use. */
export function externalEndpoints(sp: ServicePort): ProxyEndpoint[] {
  return sp.externalLocal ? sp.localEndpoints : sp.endpoints;
}
