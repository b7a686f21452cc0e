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
