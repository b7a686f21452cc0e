/**
 * The one table of per-kind defaulting functions. The apiserver calls `applyDefaults` on every object it decodes for
 * create and update (on a copy it owns), then `applyUpdateDefaults` on updates to carry over server-allocated values.
 * Keys are `group/Kind` with `core` standing for the legacy core group: `core/Pod`, `apps/Deployment`,
 * `networking.k8s.io/Ingress`.
 */
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps/defaults.js';
import { defaultHorizontalPodAutoscaler } from './autoscaling/horizontal-pod-autoscaler.js';
import { defaultCronJob, defaultJob } from './batch/defaults.js';
import {
  defaultEndpoints, defaultLimitRange, defaultNamespace, defaultNode, defaultPersistentVolume, defaultPersistentVolumeClaim,
  defaultPodTemplate, defaultReplicationController, defaultSecret, defaultService,
} from './core/defaults.js';
import { defaultPod } from './core/pod-defaults.js';
import { preserveServiceAllocations } from './core/service-validation.js';
import { defaultEndpointSlice } from './discovery/endpoint-slice.js';
import { defaultNetworkPolicy } from './networking/defaults.js';
import { defaultStorageClass } from './storage/storage-class.js';

/** Mutates an object in place, filling in defaults. */
export type DefaultFn = (obj: never) => void;

/** The registry key for a group and kind (`''` and `'core'` both mean the core group). */
export function registryKey(group: string, kind: string): string {
  return `${group === '' ? 'core' : group}/${kind}`;
}

/** Every kind with defaults. Kinds not listed have none. */
export const DEFAULTERS: Readonly<Record<string, DefaultFn>> = {
  'core/Pod': defaultPod,
  'core/PodTemplate': defaultPodTemplate,
  'core/Service': defaultService,
  'core/ReplicationController': defaultReplicationController,
  'core/Namespace': defaultNamespace,
  'core/Node': defaultNode,
  'core/PersistentVolume': defaultPersistentVolume,
  'core/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  'core/Secret': defaultSecret,
  'core/Endpoints': defaultEndpoints,
  'core/LimitRange': defaultLimitRange,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
};

/** Applies the kind's defaults to `obj` (mutating it); returns `obj`. Unknown kinds are left as they are. */
export function applyDefaults<T extends object>(group: string, kind: string, obj: T): T {
  const fn = DEFAULTERS[registryKey(group, kind)] as ((o: T) => void) | undefined;
  if (fn) fn(obj);
  return obj;
}

/** Carries values the server allocated into an update that omitted them (e.g. a Service's clusterIP and nodePorts). */
export type UpdateDefaultFn = (obj: never, old: never) => void;

/** Kinds whose updates inherit allocated values from the stored object. */
export const UPDATE_DEFAULTERS: Readonly<Record<string, UpdateDefaultFn>> = {
  'core/Service': preserveServiceAllocations,
};

/** Applies update-time defaults (after applyDefaults, before validateUpdate). */
export function applyUpdateDefaults<T extends object>(group: string, kind: string, obj: T, old: T): T {
  const fn = UPDATE_DEFAULTERS[registryKey(group, kind)] as ((o: T, p: T) => void) | undefined;
  if (fn) fn(obj, old);
  return obj;
}
