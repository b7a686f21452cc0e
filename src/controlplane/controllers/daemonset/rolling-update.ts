/**
 * The DaemonSet rolling update plan, as kube-controller-manager's daemon controller rollingUpdate: pure, so the
 * arithmetic is tested by table. Without surge, old pods are deleted (the next sync creates their replacements)
 * while at most maxUnavailable nodes lack an available pod; an old pod that is not available anyway is replaced at
 * once. With maxSurge, a new pod is started beside the old one on up to maxSurge nodes, and the old one is deleted
 * once the new one is available.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { scaledValue } from '../../../apimachinery/intstr.js';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.js';

/** The plan: pods to delete and nodes to create a (new) pod on. */
export interface RollingUpdatePlan {
  deletePods: Pod[];
  createOnNodes: string[];
}

/** True if `pod` runs the revision with `hash`. */
export function isUpdatedPod(pod: Pod, hash: string): boolean {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
}

/** Absolute maxSurge and maxUnavailable for `desired` nodes, both rounded up; both 0 becomes unavailable 1. */
export function surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The one new and one old pod on a node; undefined when there are more (the manage step cleans those up). */
function podsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isUpdatedPod(p, hash)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { newPod, oldPod };
}

/** Inputs of {@link planRollingUpdate}. */
export interface RollingUpdateInput {
  /** Pods by node, for the nodes that should run a daemon pod (node names are visited sorted). */
  nodeToPods: Map<string, Pod[]>;
  hash: string;
  maxSurge: number;
  maxUnavailable: number;
  isAvailable(pod: Pod): boolean;
}

/** Plans one step of the rolling update. */
export function planRollingUpdate(input: RollingUpdateInput): RollingUpdatePlan {
  const nodes = [...input.nodeToPods.keys()].sort();
  if (input.maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const found = podsOnNode(input.nodeToPods.get(node) ?? [], input.hash);
      if (!found || (!found.newPod && !found.oldPod) || (found.newPod && found.oldPod)) {
        unavailable++;
      } else if (found.newPod) {
        if (!input.isAvailable(found.newPod)) unavailable++;
      } else if (!input.isAvailable(found.oldPod!)) {
        replaceNow.push(found.oldPod!);
      } else if (unavailable < input.maxUnavailable) {
        candidates.push(found.oldPod!);
      }
    }
    const room = Math.min(Math.max(0, input.maxUnavailable - unavailable), candidates.length);
    return { deletePods: [...replaceNow, ...candidates.slice(0, room)], createOnNodes: [] };
  }
  let surging = 0;
  const deletePods: Pod[] = [];
  const createNow: string[] = [];
  const candidates: string[] = [];
  for (const node of nodes) {
    const found = podsOnNode(input.nodeToPods.get(node) ?? [], input.hash);
    if (!found) {
      surging++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (!oldPod) continue; // nothing to replace; manage creates missing pods
    if (!newPod) {
      if (!input.isAvailable(oldPod)) createNow.push(node);
      else if (surging < input.maxSurge) candidates.push(node);
      continue;
    }
    if (!input.isAvailable(newPod)) surging++;
    else deletePods.push(oldPod);
  }
  const room = Math.min(Math.max(0, input.maxSurge - surging), candidates.length);
  return { deletePods, createOnNodes: [...createNow, ...candidates.slice(0, room)] };
}
