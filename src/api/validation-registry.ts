/**
 * The one table of per-kind validation functions. The apiserver calls `validateCreate` / `validateUpdate` after
 * defaulting and turns a non-empty result into a 422 with `invalid()` from status-error.ts. Keys are `group/Kind`
 * (see registryKey). Kinds without an entry get ObjectMeta validation according to their scope in resources.ts.
 */
import type { FieldError } from '../apimachinery/errors/status-error.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../apimachinery/validation/object-meta.js';
import {
  validateControllerRevision, validateControllerRevisionUpdate, validateDaemonSet, validateDaemonSetUpdate,
  validateDeployment, validateDeploymentUpdate, validateReplicaSet, validateReplicaSetUpdate, validateStatefulSet,
  validateStatefulSetUpdate,
} from './apps/validation.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerUpdate } from './autoscaling/horizontal-pod-autoscaler.js';
import { validateCronJob, validateCronJobUpdate, validateJob, validateJobUpdate } from './batch/validation.js';
import { validateLease, validateLeaseUpdate } from './coordination/validation.js';
import { validatePod, validatePodUpdate } from './core/pod-validation.js';
import { validateService, validateServiceUpdate } from './core/service-validation.js';
import {
  validateConfigMap, validateConfigMapUpdate, validateEndpoints, validateEndpointsUpdate, validateEvent, validateEventUpdate,
  validateLimitRange, validateLimitRangeUpdate, validateNamespace, validateNamespaceUpdate, validateNode, validateNodeUpdate,
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate,
  validatePodTemplate, validatePodTemplateUpdate, validateReplicationController, validateReplicationControllerUpdate,
  validateResourceQuota, validateResourceQuotaUpdate, validateSecret, validateSecretUpdate, validateServiceAccount,
  validateServiceAccountUpdate,
} from './core/validation.js';
import { registryKey } from './defaults-registry.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './discovery/endpoint-slice.js';
import {
  validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressUpdate, validateNetworkPolicy,
  validateNetworkPolicyUpdate,
} from './networking/validation.js';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetUpdate } from './policy/pod-disruption-budget.js';
import { RESOURCES } from './resources.js';
import { validateStorageClass, validateStorageClassUpdate } from './storage/storage-class.js';

/** Create and update validators of one kind. */
export interface KindValidator {
  create: (obj: never) => FieldError[];
  update: (obj: never, old: never) => FieldError[];
}

const v = <T>(create: (o: T) => FieldError[], update: (o: T, old: T) => FieldError[]): KindValidator =>
  ({ create, update }) as unknown as KindValidator;

/** Every kind with its own validation. */
export const VALIDATORS: Readonly<Record<string, KindValidator>> = {
  'core/Pod': v(validatePod, validatePodUpdate),
  'core/PodTemplate': v(validatePodTemplate, validatePodTemplateUpdate),
  'core/Service': v(validateService, validateServiceUpdate),
  'core/ReplicationController': v(validateReplicationController, validateReplicationControllerUpdate),
  'core/ConfigMap': v(validateConfigMap, validateConfigMapUpdate),
  'core/Secret': v(validateSecret, validateSecretUpdate),
  'core/Namespace': v(validateNamespace, validateNamespaceUpdate),
  'core/Node': v(validateNode, validateNodeUpdate),
  'core/PersistentVolume': v(validatePersistentVolume, validatePersistentVolumeUpdate),
  'core/PersistentVolumeClaim': v(validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate),
  'core/ServiceAccount': v(validateServiceAccount, validateServiceAccountUpdate),
  'core/Endpoints': v(validateEndpoints, validateEndpointsUpdate),
  'core/Event': v(validateEvent, validateEventUpdate),
  'core/LimitRange': v(validateLimitRange, validateLimitRangeUpdate),
  'core/ResourceQuota': v(validateResourceQuota, validateResourceQuotaUpdate),
  'apps/Deployment': v(validateDeployment, validateDeploymentUpdate),
  'apps/ReplicaSet': v(validateReplicaSet, validateReplicaSetUpdate),
  'apps/StatefulSet': v(validateStatefulSet, validateStatefulSetUpdate),
  'apps/DaemonSet': v(validateDaemonSet, validateDaemonSetUpdate),
  'apps/ControllerRevision': v(validateControllerRevision, validateControllerRevisionUpdate),
  'batch/Job': v(validateJob, validateJobUpdate),
  'batch/CronJob': v(validateCronJob, validateCronJobUpdate),
  'networking.k8s.io/Ingress': v(validateIngress, validateIngressUpdate),
  'networking.k8s.io/IngressClass': v(validateIngressClass, validateIngressClassUpdate),
  'networking.k8s.io/NetworkPolicy': v(validateNetworkPolicy, validateNetworkPolicyUpdate),
  'coordination.k8s.io/Lease': v(validateLease, validateLeaseUpdate),
  'discovery.k8s.io/EndpointSlice': v(validateEndpointSlice, validateEndpointSliceUpdate),
  'policy/PodDisruptionBudget': v(validatePodDisruptionBudget, validatePodDisruptionBudgetUpdate),
  'storage.k8s.io/StorageClass': v(validateStorageClass, validateStorageClassUpdate),
  'autoscaling/HorizontalPodAutoscaler': v(validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerUpdate),
};

function namespaced(group: string, kind: string): boolean {
  const g = group === 'core' ? '' : group;
  return RESOURCES.find((r) => r.group === g && r.kind === kind)?.namespaced ?? true;
}

interface HasMeta { metadata?: Parameters<typeof validateObjectMeta>[0] }

/** Field errors for a new object (empty when valid). */
export function validateCreate(group: string, kind: string, obj: object): FieldError[] {
  const val = VALIDATORS[registryKey(group, kind)];
  if (val) return (val.create as (o: object) => FieldError[])(obj);
  return validateObjectMeta((obj as HasMeta).metadata, { namespaced: namespaced(group, kind) });
}

/** Field errors for an update of `old` to `obj` (empty when valid). */
export function validateUpdate(group: string, kind: string, obj: object, old: object): FieldError[] {
  const val = VALIDATORS[registryKey(group, kind)];
  if (val) return (val.update as (o: object, p: object) => FieldError[])(obj, old);
  return validateObjectMetaUpdate((obj as HasMeta).metadata, (old as HasMeta).metadata);
}
