/**
 * The status a ReplicaSet or ReplicationController reports, computed from the pods it owns, as upstream's
 * calculateStatus: replicas, fullyLabeledReplicas (pods carrying every template label), readyReplicas,
 * availableReplicas (ready for minReadySeconds), and a ReplicaFailure condition while creating or deleting fails.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { selectorFromSet } from '../../../apimachinery/labels/selector.js';
import { sameObject } from '../common/canonical-json.js';
import { isPodAvailable, isPodReady } from '../common/pods.js';
import { rfc3339 as timestamp } from '../../../util/time.js';

/** The fields of RS and RC specs the controller reads (their shapes agree apart from the selector). */
export interface ReplicaSpecView {
  replicas?: number;
  minReadySeconds?: number;
  template?: { metadata?: { labels?: Record<string, string> } };
}

/** A failure of manageReplicas to record as ReplicaFailure. */
export interface ManageFailure {
  /** `FailedCreate` or `FailedDelete`. */
  reason: string;
  message: string;
}

/** Timestamps in conditions are RFC 3339 at second precision. */
export { rfc3339 as timestamp } from '../../../util/time.js';

/** The new status for the owner of `pods`, starting from `current` (conditions other than ReplicaFailure kept). */
export function calculateStatus(current: ReplicaSetStatus | undefined, spec: ReplicaSpecView, pods: readonly Pod[],
  failure: ManageFailure | undefined, now: number): ReplicaSetStatus {
  const templateSelector = selectorFromSet(spec.template?.metadata?.labels ?? {});
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateSelector.matches(pod.metadata?.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, spec.minReadySeconds ?? 0, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(current?.conditions ?? [])];
  const hasFailure = conditions.some((c) => c.type === 'ReplicaFailure');
  if (failure && !hasFailure) {
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: timestamp(now), reason: failure.reason, message: failure.message });
  } else if (!failure && hasFailure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length, fullyLabeledReplicas: fullyLabeled, readyReplicas: ready, availableReplicas: available,
    observedGeneration: current?.observedGeneration,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** True if `a` and `b` report the same counts and conditions (observedGeneration is compared by the caller). */
export function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (a?.replicas ?? 0) === b.replicas && (a?.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a?.readyReplicas ?? 0) === (b.readyReplicas ?? 0) && (a?.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    sameObject(a?.conditions, b.conditions);
}
