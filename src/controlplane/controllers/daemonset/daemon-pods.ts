/**
 * What a DaemonSet's pod for one node looks like and whether a node should run one, as kube-controller-manager's
 * daemon controller: the template gets the daemon tolerations (a daemon keeps running through not-ready,
 * unreachable, pressure and cordoned nodes), the `controller-revision-hash` and `pod-template-generation` labels,
 * and a required node affinity on `metadata.name` that pins it to the node while still letting the scheduler bind
 * it (upstream ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.js';
import { findUntoleratedTaint, nodeMatchesPodAffinity } from '../common/node-fit.js';

/** The label with the DaemonSet's generation when the pod was made (upstream's deprecated templateGeneration). */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** Tolerations every daemon pod gets (upstream AddOrUpdateDaemonPodTolerations); network-unavailable only with hostNetwork. */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/** Adds the daemon tolerations to `tolerations`, replacing any with the same key and effect. */
function withDaemonTolerations(tolerations: Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const extra = daemonTolerations(hostNetwork);
  const kept = (tolerations ?? []).filter((t) => !extra.some((e) => e.key === t.key && e.effect === t.effect));
  return [...kept, ...extra];
}

/** The DaemonSet's template with daemon tolerations and the revision labels (upstream CreatePodTemplate). */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const t = structuredClone(ds.spec?.template ?? {});
  t.metadata ??= {};
  t.metadata.labels = {
    ...(t.metadata.labels ?? {}),
    [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 0),
    [CONTROLLER_REVISION_HASH_LABEL]: hash,
  };
  t.spec ??= { containers: [] };
  t.spec.tolerations = withDaemonTolerations(t.spec.tolerations, t.spec.hostNetwork ?? false);
  return t;
}

/** `template` pinned to `nodeName` by a required node affinity on metadata.name (the scheduler then binds it). */
export function pinnedToNode(template: PodTemplateSpec, nodeName: string): PodTemplateSpec {
  const t = structuredClone(template);
  t.spec ??= { containers: [] };
  t.spec.affinity = {
    ...(t.spec.affinity ?? {}),
    nodeAffinity: {
      ...(t.spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
      },
    },
  };
  return t;
}

/** Whether a node should get a daemon pod, and whether an existing one may stay. */
export interface NodeDecision {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/**
 * Upstream NodeShouldRunDaemonPod: the node must match the pod's nodeName, nodeSelector and required affinity;
 * an untolerated NoSchedule/NoExecute taint stops new pods, but only an untolerated NoExecute one removes a
 * running pod.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeDecision {
  const spec = daemonPodTemplate(ds, '').spec;
  if ((spec?.nodeName && spec.nodeName !== node.metadata?.name) || !nodeMatchesPodAffinity(spec, node)) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const taints = node.spec?.taints;
  const blocking = findUntoleratedTaint(taints, spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, spec?.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}
