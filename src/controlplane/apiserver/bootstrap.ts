/**
 * What kube-apiserver's bootstrap controller makes at first start: the default, kube-system, kube-public and
 * kube-node-lease namespaces, and the `kubernetes` Service (first IP of the service range) with Endpoints and an
 * EndpointSlice pointing at this server. Idempotent: objects that exist are left alone, so a restart changes nothing.
 */
import { networkInterfaces } from 'node:os';
import { StatusError } from '../../apimachinery/errors/status-error.js';
import type { GenericStore } from './registry/generic-store.js';
import type { Obj } from './registry/strategy.js';
import type { Allocators } from './registry/services/allocator.js';
import { ipToString } from './registry/services/allocator.js';

/** What the bootstrap needs from the server. */
export interface BootstrapDeps {
  storeFor(group: string, resource: string): GenericStore;
  allocators: Allocators;
  serverAddress: string;
  serverPort: number;
}

/** The namespaces every cluster starts with. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The address pods and nodes use to reach this server: the bind address, or the first non-loopback IPv4. */
export function advertiseAddress(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::' && bindAddress !== '127.0.0.1') return bindAddress;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Creates or replaces an object the server owns (its content follows this process's configuration). */
async function upsert(store: GenericStore, namespace: string, obj: Obj): Promise<void> {
  const ctx = { dryRun: false, user: 'system:apiserver', now: new Date() };
  await store.update(namespace, obj.metadata.name, async (cur) => {
    if (!cur) return { obj, unconditional: true };
    return { obj: { ...cur, ...obj, metadata: { ...cur.metadata, ...obj.metadata } }, unconditional: true };
  }, { dryRun: false, fieldManager: 'kube-apiserver', createIfMissing: true }, ctx);
}

async function ensure(store: GenericStore, namespace: string, obj: Obj): Promise<void> {
  // Look first: creating an existing Service would fail on its cluster IP before it could say AlreadyExists.
  try {
    await store.get(namespace, obj.metadata.name);
    return;
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
  try {
    await store.create(namespace, obj, { dryRun: false, fieldManager: 'kube-apiserver' }, { dryRun: false, user: 'system:apiserver', now: new Date() });
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
  }
}

/** Creates the system namespaces and the `kubernetes` Service when missing. */
export async function bootstrap(d: BootstrapDeps): Promise<void> {
  const namespaces = d.storeFor('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  }
  const ip = ipToString(d.allocators.serviceCidr.base + 1);
  await ensure(d.storeFor('', 'services'), 'default', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: d.serverPort }], sessionAffinity: 'None' },
  });
  const address = advertiseAddress(d.serverAddress);
  await ensure(d.storeFor('', 'endpoints'), 'default', {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port: d.serverPort, protocol: 'TCP' }] }],
  });
  await ensure(d.storeFor('discovery.k8s.io', 'endpointslices'), 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'https', port: d.serverPort, protocol: 'TCP' }],
  });
}

/** The labels kube-dns objects carry (as CoreDNS deployments label them). */
const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' };

/**
 * Publishes cluster DNS the way a hostNetwork DNS pod would be: the `kube-dns` Service (the tenth address of the
 * service range, 10.43.0.10 by default; no selector) with Endpoints and an EndpointSlice naming this server's address
 * and the port the DNS server actually bound. Re-run at every start, because that port can change.
 */
export async function bootstrapClusterDns(d: BootstrapDeps, dns: { address: string; port: number }): Promise<string> {
  const ip = ipToString(d.allocators.serviceCidr.base + 10);
  await ensure(d.storeFor('', 'services'), 'kube-system', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kube-dns', labels: KUBE_DNS_LABELS, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
    spec: {
      type: 'ClusterIP', clusterIP: ip,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: dns.port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: dns.port },
      ],
    },
  });
  // A Service created by an older start may point at another port: keep its targetPorts current.
  const svcs = d.storeFor('', 'services');
  await svcs.update('kube-system', 'kube-dns', async (cur) => {
    const svc = cur!;
    for (const p of svc.spec.ports ?? []) if (p.name === 'dns' || p.name === 'dns-tcp') p.targetPort = dns.port;
    return { obj: svc, unconditional: true };
  }, { dryRun: false, fieldManager: 'kube-apiserver' }, { dryRun: false, user: 'system:apiserver', now: new Date() });
  const ports = [{ name: 'dns', port: dns.port, protocol: 'UDP' }, { name: 'dns-tcp', port: dns.port, protocol: 'TCP' }];
  await upsert(d.storeFor('', 'endpoints'), 'kube-system', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kube-dns', labels: KUBE_DNS_LABELS },
    subsets: [{ addresses: [{ ip: dns.address }], ports }],
  });
  await upsert(d.storeFor('discovery.k8s.io', 'endpointslices'), 'kube-system', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kube-dns-1', labels: { ...KUBE_DNS_LABELS, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'kubelite' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [dns.address], conditions: { ready: true, serving: true, terminating: false } }],
    ports,
  });
  return ip;
}
