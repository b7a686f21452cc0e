/**
 * The identity of a StatefulSet's pods, as kube-controller-manager's stateful_set_utils: pod `NAME-i` with
 * hostname `NAME-i` and subdomain `serviceName` (so `NAME-i.SERVICE.NS.svc` resolves), labels
 * `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, and one PVC `CLAIM-NAME-i` per
 * volumeClaimTemplate mounted in place of the template's volume of the same name.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.js';

/** Label with the pod's own name (a per-pod Service can select it). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Label with the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of `podName` in set `setName` (`web-3` → 3), or -1 if it is not one of its pods. */
export function ordinalOf(setName: string, podName: string | undefined): number {
  if (!podName?.startsWith(`${setName}-`)) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

/** The name of the PVC for claim template `claim` of the pod with `ordinal`. */
export function claimName(claim: string, setName: string, ordinal: number): string {
  return `${claim}-${setName}-${ordinal}`;
}

/** The revision (name) a pod was made from. */
export function podRevision(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** The pod with `ordinal` from `template` (the template of the revision it should run), as upstream newVersionedStatefulSetPod. */
export function newStatefulPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revisionName: string): { template: PodTemplateSpec; name: string; labels: Record<string, string> } {
  const setName = set.metadata?.name ?? '';
  const name = `${setName}-${ordinal}`;
  const t = structuredClone(template);
  t.spec ??= { containers: [] };
  t.spec.hostname = name;
  if (set.spec?.serviceName) t.spec.subdomain = set.spec.serviceName;
  const claims = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length) {
    const mine = new Set(claims.map((c) => c.metadata?.name));
    t.spec.volumes = [
      ...(t.spec.volumes ?? []).filter((v) => !mine.has(v.name)),
      ...claims.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(c.metadata?.name ?? '', setName, ordinal) } })),
    ];
  }
  return {
    template: t, name,
    labels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName },
  };
}

/** The PVCs the pod with `ordinal` needs (upstream getPersistentVolumeClaims), owned by `owner` when given. */
export function claimsFor(set: StatefulSet, ordinal: number, owner?: OwnerReference): PersistentVolumeClaim[] {
  const setName = set.metadata?.name ?? '';
  return (set.spec?.volumeClaimTemplates ?? []).map((c) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(c.metadata?.name ?? '', setName, ordinal), namespace: set.metadata?.namespace,
      labels: { ...(c.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      ...(c.metadata?.annotations ? { annotations: { ...c.metadata.annotations } } : {}),
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec: structuredClone(c.spec ?? {}),
  }));
}

/** Running with Ready=True and not being deleted (upstream isRunningAndReady plus !isTerminating). */
export function isHealthy(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp
    && (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}
