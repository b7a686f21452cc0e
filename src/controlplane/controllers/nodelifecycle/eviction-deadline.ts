/**
 * When taint-based eviction removes a pod from its node, as upstream's NoExecuteTaintManager decides it: a pod
 * that does not tolerate one of the node's NoExecute taints goes at once; a pod that tolerates them all goes when
 * the first toleration with tolerationSeconds runs out, counted from the taint's timeAdded; a pod whose tolerations
 * carry no tolerationSeconds stays for ever. (The pods' default tolerations give not-ready/unreachable 300 s.)
 */
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../common/node-fit.js';

/** The moment (ms since the epoch) the pod must be evicted, 0 for now, or undefined for never. */
export function evictionDeadline(pod: Pod, taints: readonly Taint[] | undefined, taintAddedMs: (t: Taint) => number): number | undefined {
  let deadline: number | undefined;
  for (const taint of taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    const tol = (pod.spec?.tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!tol) return 0;
    if (tol.tolerationSeconds === undefined || tol.tolerationSeconds === null) continue;
    const at = taintAddedMs(taint) + Math.max(0, tol.tolerationSeconds) * 1000;
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}
