/**
 * Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR.
 *
 * EXTERNAL-IP follows the service type: `spec.externalIPs` (or `<none>`) for ClusterIP and NodePort, the load
 * balancer's ingress IPs or hostnames plus `spec.externalIPs` (or `<pending>`) for LoadBalancer, and the DNS name for
 * ExternalName. The server always prints in wide mode, so long load balancer lists are not clipped.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import { formatLabels, sortedUnique } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wideColumn, type Printer } from './printer.js';

/** Sorted, distinct ingress points of a load balancer status: IP when set, else hostname. */
export function loadBalancerIngress(ingress: readonly { ip?: string; hostname?: string }[] | undefined): string[] {
  const out: string[] = [];
  for (const i of ingress ?? []) {
    if (i.ip) out.push(i.ip);
    else if (i.hostname) out.push(i.hostname);
  }
  return sortedUnique(out);
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc.status?.loadBalancer?.ingress);
      if (external.length > 0) return [...lb, ...external].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP,443:30443/TCP`: port, node port when allocated, protocol. */
export function servicePorts(svc: Service): string {
  return (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

/** The service printer. */
export const servicePrinter: Printer<Service> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'string', 'The virtual IP of the service inside the cluster.'),
    column('External-IP', 'string', 'Addresses that reach the service from outside the cluster.'),
    column('Port(s)', 'string', 'Service ports, with node ports, and their protocols.'),
    AGE_COLUMN,
    wideColumn('Selector', 'Labels of the pods the service sends traffic to.'),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    // The internal Service keeps clusterIP as clusterIPs[0]; old objects may only carry clusterIP.
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    return [
      svc.metadata?.name ?? '', spec.type ?? 'ClusterIP', clusterIP, externalIP(svc), servicePorts(svc) || '<none>',
      translateTimestampSince(svc.metadata?.creationTimestamp, now), formatLabels(spec.selector),
    ];
  },
};
