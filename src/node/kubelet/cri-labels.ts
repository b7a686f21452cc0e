/**
 * The labels and annotations the kubelet puts on CRI sandboxes and containers. They are how a restarted kubelet
 * (or the kubelet's HTTPS server, or the garbage collector) tells which pod and container a runtime object
 * belongs to, its restart count and the spec it was made from. The keys are the upstream kubelet's, so tools such
 * as crictl show them the familiar way.
 */
import { createHash } from 'node:crypto';
import type { Container } from 'kubernetes-types/core/v1.js';

/** Pod name label (sandboxes and containers). */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
/** Pod namespace label. */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/** Pod UID label: the key every lookup uses. */
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
/** Container name label (containers only). */
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** Marks the objects this kubelet manages, so foreign sandboxes on a shared runtime are left alone. */
export const MANAGED_LABEL = 'io.kubelite.managed';

/** Hash of the container spec the container was created from: a change means "recreate". */
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
/** The restart count of this instance, so it survives a kubelet restart. */
export const RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
/** Where the container's termination message is written (inside the container). */
export const TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
/** The host file mounted at the termination message path (kubelite's own, to read the message back). */
export const TERMINATION_MESSAGE_HOST_ANNOTATION = 'io.kubelite.container.terminationMessageHostPath';
/** The pod's termination grace period at creation. */
export const GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
/** `init` for init containers, `app` otherwise. */
export const CONTAINER_TYPE_ANNOTATION = 'io.kubelite.container.type';
/** The pod's cgroup parent (sandboxes), for cleanup after removal. */
export const CGROUP_PARENT_ANNOTATION = 'io.kubelite.pod.cgroupParent';

/** Labels of a pod's sandbox. */
export function sandboxLabels(ns: string, name: string, uid: string, podLabels: Record<string, string> = {}): Record<string, string> {
  return { ...podLabels, [POD_NAME_LABEL]: name, [POD_NAMESPACE_LABEL]: ns, [POD_UID_LABEL]: uid, [MANAGED_LABEL]: 'true' };
}

/** Labels of one container of a pod. */
export function containerLabels(ns: string, name: string, uid: string, container: string): Record<string, string> {
  return { [POD_NAME_LABEL]: name, [POD_NAMESPACE_LABEL]: ns, [POD_UID_LABEL]: uid, [CONTAINER_NAME_LABEL]: container, [MANAGED_LABEL]: 'true' };
}

/** JSON with keys sorted at every level, so equal specs hash equally whatever order the API server sent. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A short hash of the parts of a container spec whose change requires a new container (as the kubelet's
 * HashContainer: image, command, env, ports, mounts, …). Probes, resources that can be resized and the
 * readiness-only fields are left out so that changing them never restarts a container.
 */
export function containerHash(c: Container): string {
  const { livenessProbe: _l, readinessProbe: _r, startupProbe: _s, resources: _res, ...rest } = c;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 8);
}
