/**
 * The resources controllers read and write, as group/version/resource triples, with helpers to get the shared
 * informer or a client for one. Keeping the triples in one place keeps every controller asking the factory for the
 * *same* informer (the factory shares by identity of group|version|resource|selection).
 */
import type { Client, Informer, KubeObject, ResourceClient, SharedInformerFactory } from '../../../client/index.js';

/** A group/version/resource triple (group `''` is core). */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export const PODS: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
export const NODES: GroupVersionResource = { group: '', version: 'v1', resource: 'nodes' };
export const NAMESPACES: GroupVersionResource = { group: '', version: 'v1', resource: 'namespaces' };
export const REPLICATION_CONTROLLERS: GroupVersionResource = { group: '', version: 'v1', resource: 'replicationcontrollers' };
export const REPLICA_SETS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'replicasets' };
export const DEPLOYMENTS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'deployments' };
export const DAEMON_SETS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'daemonsets' };
export const STATEFUL_SETS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'statefulsets' };
export const CONTROLLER_REVISIONS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };
export const JOBS: GroupVersionResource = { group: 'batch', version: 'v1', resource: 'jobs' };
export const CRON_JOBS: GroupVersionResource = { group: 'batch', version: 'v1', resource: 'cronjobs' };
export const PERSISTENT_VOLUMES: GroupVersionResource = { group: '', version: 'v1', resource: 'persistentvolumes' };
export const PERSISTENT_VOLUME_CLAIMS: GroupVersionResource = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
export const STORAGE_CLASSES: GroupVersionResource = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };
export const SERVICES: GroupVersionResource = { group: '', version: 'v1', resource: 'services' };
export const ENDPOINTS: GroupVersionResource = { group: '', version: 'v1', resource: 'endpoints' };
export const ENDPOINT_SLICES: GroupVersionResource = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
export const LEASES: GroupVersionResource = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

/** Every triple above, for harnesses that mirror whole stores. */
export const KNOWN_RESOURCES: readonly GroupVersionResource[] = [
  PODS, NODES, NAMESPACES, REPLICATION_CONTROLLERS, REPLICA_SETS, DEPLOYMENTS, DAEMON_SETS, STATEFUL_SETS,
  CONTROLLER_REVISIONS, JOBS, CRON_JOBS, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES, SERVICES, ENDPOINTS, ENDPOINT_SLICES, LEASES,
];

/** The shared (all-namespace) informer of `gvr`. */
export function informerOf<T extends KubeObject>(factory: SharedInformerFactory, gvr: GroupVersionResource): Informer<T> {
  return factory.informerFor<T>(gvr.group, gvr.version, gvr.resource);
}

/** A client for `gvr` in `namespace` (all namespaces when omitted). */
export function clientOf<T extends KubeObject>(client: Client, gvr: GroupVersionResource, namespace = ''): ResourceClient<T> {
  return client.resource<T>(gvr.group, gvr.version, gvr.resource).namespace(namespace);
}

/** The `apiVersion` string of `gvr` (`v1`, `apps/v1`). */
export function apiVersionOf(gvr: GroupVersionResource): string {
  return gvr.group ? `${gvr.group}/${gvr.version}` : gvr.version;
}
