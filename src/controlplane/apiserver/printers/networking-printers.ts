/**
 * Printers for networking.k8s.io/v1 (ingresses, ingress classes, network policies) and discovery.k8s.io/v1
 * endpoint slices.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { formatLabelSelector, listWithMore } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';
import { loadBalancerIngress } from './service-printer.js';

/** At most three rule hosts, then ` + N more...`; `*` when no rule names a host. */
export function ingressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    // Once three hosts are listed, any further rule (with a host or not) counts as "more", as upstream.
    if (hosts.length === max) more = true;
    if (!more && rule.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

/** Ingresses: CLASS HOSTS ADDRESS PORTS. */
export const ingressPrinter: Printer<Ingress> = {
  columns: [
    NAME_COLUMN,
    column('Class', 'string', 'The ingress class that serves the ingress.'),
    column('Hosts', 'string', 'Hosts the rules match.'),
    column('Address', 'string', 'Addresses of the load balancer serving the ingress.'),
    column('Ports', 'string', 'Ports the ingress listens on: 80, and 443 when TLS is configured.'),
    AGE_COLUMN,
  ],
  cells(ing, now) {
    return [
      ing.metadata?.name ?? '', ing.spec?.ingressClassName ?? '<none>', ingressHosts(ing),
      loadBalancerIngress(ing.status?.loadBalancer?.ingress).join(','), (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
      translateTimestampSince(ing.metadata?.creationTimestamp, now),
    ];
  },
};

/** Ingress classes: CONTROLLER and PARAMETERS (`Kind.group/name`). */
export const ingressClassPrinter: Printer<IngressClass> = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'string', 'The controller that implements the class.'),
    column('Parameters', 'string', 'The resource holding extra parameters for the class.'),
    AGE_COLUMN,
  ],
  cells(ic, now) {
    const p = ic.spec?.parameters;
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata?.name ?? '', ic.spec?.controller ?? '', params, translateTimestampSince(ic.metadata?.creationTimestamp, now)];
  },
};

/** Network policies: POD-SELECTOR. */
export const networkPolicyPrinter: Printer<NetworkPolicy> = {
  columns: [NAME_COLUMN, column('Pod-Selector', 'string', 'Label selector of the pods the policy applies to.'), AGE_COLUMN],
  cells: (np, now) => [
    np.metadata?.name ?? '', formatLabelSelector(np.spec?.podSelector ?? {}), translateTimestampSince(np.metadata?.creationTimestamp, now),
  ],
};

/** Endpoint slices: ADDRESSTYPE PORTS ENDPOINTS. */
export const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'string', 'IPv4, IPv6 or FQDN.'),
    column('Ports', 'string', 'Port numbers of the slice, at most three shown.'),
    column('Endpoints', 'string', 'Endpoint addresses, at most three shown.'),
    AGE_COLUMN,
  ],
  cells(es, now) {
    const max = 3;
    const ports = es.ports ?? [];
    // A port without a number matches every port of the pod; upstream shows it by name, or `*`.
    const portText = ports.slice(0, max).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
    const addresses = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [
      es.metadata?.name ?? '', es.addressType ?? '', listWithMore(portText, ports.length, max),
      listWithMore(addresses.slice(0, max), addresses.length, max), translateTimestampSince(es.metadata?.creationTimestamp, now),
    ];
  },
};
