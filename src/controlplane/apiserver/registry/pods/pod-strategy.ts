/**
 * Pods: status reset on create (Pending + QoS class), graceful deletion for pods on a node, and the field labels
 * kube-apiserver supports for pods (spec.nodeName is what every kubelet watches by).
 */
import type { ResourceInfo } from '../../../../api/resources.js';
import type { Obj, Strategy } from '../strategy.js';
import { withStatusSubresource } from '../status-split.js';

/** QoS class as kube's GetPodQOS computes it from requests and limits of all containers. */
export function podQOSClass(pod: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Obj[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const hasReq = req[r] !== undefined && String(req[r]) !== '0';
      const hasLim = lim[r] !== undefined && String(lim[r]) !== '0';
      if (hasReq || hasLim) any = true;
      if (!hasLim || (hasReq && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The taints that node lifecycle puts on a node that stops reporting. */
const NODE_PROBLEM_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * As kube-apiserver's DefaultTolerationSeconds admission plugin: pods tolerate a not-ready or unreachable node for
 * 300 s, then node lifecycle evicts them, unless they say otherwise.
 */
export function addDefaultTolerations(pod: Obj): void {
  const tolerations: Obj[] = (pod.spec.tolerations ??= []);
  for (const key of NODE_PROBLEM_TAINTS) {
    const covered = tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists'))
      && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Builds the Pod strategy. */
export function podStrategy(info: ResourceInfo): Strategy {
  const base = withStatusSubresource(info);
  return {
    ...base,
    fieldValues: (pod) => ({
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIP ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    }),
    prepareForCreate(pod) {
      pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
      addDefaultTolerations(pod);
    },
    prepareForUpdate(pod, old) {
      pod.status = old.status;
    },
    // The binding handler builds the bound pod itself (nodeName + PodScheduled); keep it as given.
    subresourceUpdates: { binding: () => {} },
    gracePeriodSeconds(pod, requested) {
      // As kube's pod CheckGracefulDelete: unscheduled or finished pods go at once; others wait for their kubelet.
      if (!pod.spec?.nodeName || TERMINAL.has(pod.status?.phase)) return 0;
      if (requested !== undefined) return Math.max(0, requested);
      return pod.spec?.terminationGracePeriodSeconds ?? 30;
    },
  };
}
