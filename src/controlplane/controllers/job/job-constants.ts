/**
 * Names the Job controller shares with the API server, kubectl and users: the pod-tracking finalizer, the completion
 * index annotation/label/env, and the back-off constants, with upstream's values.
 */

/** Finalizer on every Job pod until the controller has counted it in the Job status (finalizer-based tracking). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation (and label) carrying a pod's completion index in an Indexed Job. */
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** The environment variable an Indexed Job's containers read their index from. */
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** Back-off before recreating pods after the first failure; doubled for each further failure. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
/** The cap on the pod failure back-off (kube-controller-manager's six minutes). */
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;
/** Upstream's cap on pod creations or deletions per sync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
