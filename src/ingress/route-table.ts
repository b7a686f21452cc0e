/**
 * RouteTable: the pure answer to "where does this request go?", built from the Ingresses of one class plus the
 * Services and EndpointSlices they name. It is immutable: the controller builds a new table on every relevant change
 * and swaps the reference, so a request in flight keeps the backend it was given.
 *
 * Matching follows the networking.k8s.io/v1 Ingress spec, across all Ingresses of the class:
 *  - hosts: an exact host beats a wildcard (`*.example.com` covers exactly one more label: `a.example.com`, not
 *    `example.com` nor `a.b.example.com`), which beats rules without a host. A host whose rules have no matching path
 *    falls through to the next, less specific, group (as a Gateway API route set would);
 *  - paths: Exact is a case-sensitive string match; Prefix matches whole path elements (`/foo` matches `/foo`,
 *    `/foo/` and `/foo/bar`, not `/foobar`; a trailing slash in the rule is ignored); ImplementationSpecific is
 *    treated as Prefix. The longest path wins; at equal length Exact beats Prefix; remaining ties go to the oldest
 *    Ingress (creationTimestamp, then namespace/name), as ingress-nginx resolves duplicate paths;
 *  - nothing matched: the `defaultBackend` of the (most specific) Ingress whose host matched, then the oldest
 *    Ingress's `defaultBackend`, then the controller-wide default backend; otherwise no route (404).
 *
 * Backends name a Service port by number or by name; the table resolves it to the Service's port entry, then to the
 * ready endpoints of that port in the Service's EndpointSlices (the slice port with the same name, which carries the
 * target port). The Service's type does not matter — ClusterIP and NodePort backends are proxied straight to their
 * endpoints, as ingress-nginx does. ExternalName Services resolve to their external name on the Service port.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressBackend, IngressServiceBackend } from 'kubernetes-types/networking/v1.js';

/** The label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One place a backend's traffic can go. */
export interface Endpoint {
  /** IP address (or, for ExternalName, a DNS name). */
  address: string;
  port: number;
  /** `address:port` (`[v6]:port`): identifies the connection pool for this endpoint. */
  key: string;
}

/** A Service port as an Ingress names it, resolved to endpoints. Shared by every path naming the same port. */
export interface Backend {
  /** `namespace/service:port`, the port as written (number or name). */
  id: string;
  namespace: string;
  service: string;
  /** The port as the Ingress names it. */
  port: number | string;
  /** Ready endpoints; when empty the request is answered 503 with `reason`. */
  endpoints: readonly Endpoint[];
  /** Why there are no endpoints. */
  reason?: string;
}

/** How a request matched. */
export interface RouteMatch {
  backend: Backend;
  /** `namespace/name` of the Ingress the route came from. */
  ingress: string;
  /** The rule's host (`''` for a rule without a host, undefined for a default backend). */
  host?: string;
  /** The rule's path and type (undefined for a default backend). */
  path?: string;
  pathType?: 'Exact' | 'Prefix';
}

/** A TLS secret reference chosen for a server name. */
export interface TlsRef {
  /** `namespace/name` of the kubernetes.io/tls Secret. */
  secret: string;
  /** `namespace/name` of the Ingress that asked for it. */
  ingress: string;
}

/** What a table is built from. Lookups read informer caches; the table copies what it needs. */
export interface RouteSources {
  /** The Ingresses of this controller's class (the caller filters by class). */
  ingresses: readonly Ingress[];
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled with `kubernetes.io/service-name: name` in `namespace`. */
  endpointSlices(namespace: string, service: string): readonly EndpointSlice[];
  /** The controller-wide default backend (used when no Ingress's rule or defaultBackend matched). */
  defaultBackend?: { namespace: string; service: IngressServiceBackend };
}

interface PathRule {
  /** Exact: the path; Prefix: the path without trailing slashes (`''` for `/`). */
  path: string;
  exact: boolean;
  /** Made once at build time, so matching allocates nothing. */
  match: RouteMatch;
  order: number;
}

interface HostRoutes {
  paths: PathRule[];
  /** The defaultBackend of the oldest Ingress that has a rule for this host. */
  fallback?: RouteMatch;
}

/** Lower-cases and strips the port and a trailing dot from a Host header or SNI name. */
export function normalizeHost(host: string | undefined): string {
  if (!host) return '';
  let h = host;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** The path part of a request target (no query, no fragment); `/` for an empty or non-path target such as `*`. */
export function requestPath(url: string | undefined): string {
  if (!url || url[0] !== '/') return '/';
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  const end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return end < 0 ? url : url.slice(0, end);
}

function pathMatches(rule: PathRule, path: string): boolean {
  if (rule.exact) return path === rule.path;
  const p = rule.path;
  if (p === '') return true;
  return path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 47 /* '/' */);
}

/** Oldest first, then namespace/name: the order in which conflicting Ingresses win. */
function ingressOrder(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The ready endpoints of one Service port, from the Service's EndpointSlices. */
export function resolveEndpoints(svc: Service, servicePort: ServicePort, slices: readonly EndpointSlice[]): Endpoint[] {
  if (svc.spec?.type === 'ExternalName') {
    const name = svc.spec.externalName ?? '';
    return name ? [{ address: name, port: servicePort.port, key: endpointKey(name, servicePort.port) }] : [];
  }
  const wantName = servicePort.name ?? '';
  const wantProto = servicePort.protocol ?? 'TCP';
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === wantName && (p.protocol ?? 'TCP') === wantProto);
    if (!sp || sp.port == null) continue;
    for (const ep of slice.endpoints ?? []) {
      // A nil ready condition means ready (discovery/v1: "unknown state should be interpreted as ready").
      if (ep.conditions?.ready === false) continue;
      // Consumers use the first address only, as the API documents.
      const address = ep.addresses?.[0];
      if (!address) continue;
      const key = endpointKey(address, sp.port);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address, port: sp.port, key });
    }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

/** An immutable routing table; build one with {@link RouteTable.build}. */
export class RouteTable {
  /** A table that routes nothing. */
  static readonly EMPTY = new RouteTable();

  private readonly exact = new Map<string, HostRoutes>();
  /** Keyed by the wildcard's suffix: `*.example.com` → `example.com`. */
  private readonly wildcard = new Map<string, HostRoutes>();
  private readonly anyHost: HostRoutes = { paths: [] };
  private fallback: RouteMatch | undefined;
  private readonly tlsExact = new Map<string, TlsRef>();
  private readonly tlsWildcard = new Map<string, TlsRef>();
  private readonly backendList: Backend[] = [];
  private readonly serviceKeys = new Set<string>();
  private readonly secretKeys = new Set<string>();

  private constructor() {}

  /** Builds a table from the Ingresses of a class and the Services and EndpointSlices they reference. */
  static build(src: RouteSources): RouteTable {
    const t = new RouteTable();
    const backends = new Map<string, Backend>();
    const backendFor = (namespace: string, b: IngressServiceBackend): Backend => {
      const port = b.port?.name || (b.port?.number ?? 0);
      const id = `${namespace}/${b.name}:${port}`;
      let backend = backends.get(id);
      if (!backend) {
        backend = t.resolveBackend(namespace, b.name, port, src);
        backends.set(id, backend);
        t.backendList.push(backend);
      }
      return backend;
    };
    const unsupported = (namespace: string, b: IngressBackend): Backend => {
      const id = `${namespace}/${b.resource?.kind ?? '?'}:${b.resource?.name ?? '?'}`;
      return { id, namespace, service: '', port: 0, endpoints: [], reason: `resource backend ${b.resource?.kind ?? ''}/${b.resource?.name ?? ''} is not supported` };
    };
    const toBackend = (namespace: string, b: IngressBackend): Backend => (b.service ? backendFor(namespace, b.service) : unsupported(namespace, b));

    const ingresses = [...src.ingresses].sort(ingressOrder);
    let order = 0;
    for (const ing of ingresses) {
      const ns = ing.metadata?.namespace ?? 'default';
      const key = `${ns}/${ing.metadata?.name ?? ''}`;
      const spec = ing.spec ?? {};
      const dflt: RouteMatch | undefined = spec.defaultBackend ? { backend: toBackend(ns, spec.defaultBackend), ingress: key } : undefined;
      if (dflt && !t.fallback) t.fallback = dflt;
      for (const rule of spec.rules ?? []) {
        const host = (rule.host ?? '').toLowerCase();
        const routes = t.routesFor(host);
        if (dflt && !routes.fallback) routes.fallback = dflt;
        for (const p of rule.http?.paths ?? []) {
          const exact = p.pathType === 'Exact';
          const written = p.path || '/';
          routes.paths.push({
            path: exact ? written : written.replace(/\/+$/, ''), exact, order: order++,
            match: { backend: toBackend(ns, p.backend), ingress: key, host, path: written, pathType: exact ? 'Exact' : 'Prefix' },
          });
        }
      }
      for (const tls of spec.tls ?? []) {
        if (!tls.secretName) continue;
        const ref: TlsRef = { secret: `${ns}/${tls.secretName}`, ingress: key };
        t.secretKeys.add(ref.secret);
        // A TLS entry without hosts covers the hosts of the Ingress's own rules.
        const hosts = tls.hosts?.length ? tls.hosts : (spec.rules ?? []).map((r) => r.host ?? '').filter(Boolean);
        for (const h of hosts) {
          const host = h.toLowerCase();
          const map = host.startsWith('*.') ? t.tlsWildcard : t.tlsExact;
          const k = host.startsWith('*.') ? host.slice(2) : host;
          if (!map.has(k)) map.set(k, ref);
        }
      }
    }
    if (!t.fallback && src.defaultBackend) {
      const d = src.defaultBackend;
      t.fallback = { backend: backendFor(d.namespace, d.service), ingress: '' };
    }
    const sortPaths = (r: HostRoutes) => r.paths.sort((a, b) => b.path.length - a.path.length || Number(b.exact) - Number(a.exact) || a.order - b.order);
    for (const r of t.exact.values()) sortPaths(r);
    for (const r of t.wildcard.values()) sortPaths(r);
    sortPaths(t.anyHost);
    return t;
  }

  private routesFor(host: string): HostRoutes {
    if (!host) return this.anyHost;
    const map = host.startsWith('*.') ? this.wildcard : this.exact;
    const key = host.startsWith('*.') ? host.slice(2) : host;
    let r = map.get(key);
    if (!r) map.set(key, (r = { paths: [] }));
    return r;
  }

  private resolveBackend(namespace: string, name: string, port: number | string, src: RouteSources): Backend {
    const id = `${namespace}/${name}:${port}`;
    this.serviceKeys.add(`${namespace}/${name}`);
    const base = { id, namespace, service: name, port };
    const svc = src.service(namespace, name);
    if (!svc) return { ...base, endpoints: [], reason: `service ${namespace}/${name} not found` };
    const sp = (svc.spec?.ports ?? []).find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
    if (!sp) return { ...base, endpoints: [], reason: `service ${namespace}/${name} has no port ${port}` };
    const endpoints = resolveEndpoints(svc, sp, svc.spec?.type === 'ExternalName' ? [] : src.endpointSlices(namespace, name));
    return endpoints.length ? { ...base, endpoints } : { ...base, endpoints, reason: `service ${namespace}/${name} has no ready endpoints for port ${port}` };
  }

  /** The route for a request's Host header (or `:authority`) and request target; undefined means 404. */
  match(host: string | undefined, url: string): RouteMatch | undefined {
    const h = normalizeHost(host);
    const path = requestPath(url);
    const exact = h ? this.exact.get(h) : undefined;
    let m = exact && this.matchPaths(exact, path);
    if (m) return m;
    const dot = h.indexOf('.');
    const wild = dot > 0 ? this.wildcard.get(h.slice(dot + 1)) : undefined;
    m = wild && this.matchPaths(wild, path);
    if (m) return m;
    m = this.matchPaths(this.anyHost, path);
    if (m) return m;
    return exact?.fallback ?? wild?.fallback ?? this.fallback;
  }

  private matchPaths(routes: HostRoutes, path: string): RouteMatch | undefined {
    for (const r of routes.paths) {
      if (pathMatches(r, path)) return r.match;
    }
    return undefined;
  }

  /** The TLS Secret for a server name (SNI): an exact host first, then a one-label wildcard. */
  tlsFor(serverName: string | undefined): TlsRef | undefined {
    const h = normalizeHost(serverName);
    if (!h) return undefined;
    const exact = this.tlsExact.get(h);
    if (exact) return exact;
    const dot = h.indexOf('.');
    return dot > 0 ? this.tlsWildcard.get(h.slice(dot + 1)) : undefined;
  }

  /** Every backend in the table (each once). */
  backends(): readonly Backend[] {
    return this.backendList;
  }

  /** The Services the table depends on (`namespace/name`), found or not. */
  services(): ReadonlySet<string> {
    return this.serviceKeys;
  }

  /** True when the table depends on Service (and EndpointSlices of) `namespace/name`. */
  usesService(key: string): boolean {
    return this.serviceKeys.has(key);
  }

  /** True when a TLS entry names Secret `namespace/name`. */
  usesSecret(key: string): boolean {
    return this.secretKeys.has(key);
  }

  /** The Secrets named by TLS entries (`namespace/name`). */
  secrets(): ReadonlySet<string> {
    return this.secretKeys;
  }
}
