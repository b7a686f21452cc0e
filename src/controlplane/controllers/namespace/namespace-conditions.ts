/**
 * The five deletion conditions kube-controller-manager's namespace controller keeps on a Terminating namespace, so
 * `kubectl describe ns` explains why a namespace is stuck. Pure: built from a content-deletion result.
 */
import type { NamespaceCondition } from 'kubernetes-types/core/v1.js';

/** What one pass over a namespace's content found. */
export interface ContentDeletionResult {
  /** `group resource` (e.g. `pods`, `deployments.apps`) → objects still present after the delete calls. */
  remaining: Map<string, number>;
  /** finalizer → objects still carrying it. */
  finalizers: Map<string, number>;
  /** Failures of delete or list calls, one message per resource. */
  errors: string[];
  /** Seconds until the slowest graceful deletion (pods) should be over; 0 when none is pending. */
  estimateSeconds: number;
}

function cond(type: string, failed: boolean, reason: [string, string], message: [string, string], now: string): NamespaceCondition {
  return { type, status: failed ? 'True' : 'False', lastTransitionTime: now, reason: failed ? reason[1] : reason[0], message: failed ? message[1] : message[0] };
}

function describeCounts(counts: Map<string, number>, suffix: string): string {
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}${suffix} ${n} resource instances`).join(', ');
}

/**
 * The conditions for `result`, in upstream's order and wording. `previous` conditions whose status did not change
 * keep their lastTransitionTime, so repeated syncs do not rewrite the namespace.
 */
export function namespaceDeletionConditions(result: ContentDeletionResult, now: string, previous: readonly NamespaceCondition[] = []): NamespaceCondition[] {
  const remaining = describeCounts(result.remaining, ' has');
  const finalizers = describeCounts(result.finalizers, ' in');
  const next = [
    cond('NamespaceDeletionDiscoveryFailure', false, ['ResourcesDiscovered', ''], ['All resources successfully discovered', ''], now),
    cond('NamespaceDeletionGroupVersionParsingFailure', false, ['ParsedGroupVersions', ''], ['All legacy kube types successfully parsed', ''], now),
    cond('NamespaceDeletionContentFailure', result.errors.length > 0, ['ContentDeleted', 'ContentDeletionFailed'],
      ['All content successfully deleted, may be waiting on finalization',
        `Failed to delete all resource types, ${result.errors.length} remaining: ${result.errors.join(', ')}`], now),
    cond('NamespaceContentRemaining', result.remaining.size > 0, ['ContentRemoved', 'SomeResourcesRemain'],
      ['All content successfully removed', `Some resources are remaining: ${remaining}`], now),
    cond('NamespaceFinalizersRemaining', result.finalizers.size > 0, ['ContentHasNoFinalizers', 'SomeFinalizersRemain'],
      ['All content-preserving finalizers finished', `Some content in the namespace has finalizers remaining: ${finalizers}`], now),
  ];
  for (const c of next) {
    const old = previous.find((p) => p.type === c.type);
    if (old && old.status === c.status && old.lastTransitionTime) c.lastTransitionTime = old.lastTransitionTime;
  }
  return next;
}
