/**
 * The FailedScheduling message, in kube-scheduler's shape:
 *
 *   0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.
 *   preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.
 *
 * Reasons are counted over nodes and listed sorted as strings ("<count> <reason>"), as upstream's FitError does. The
 * second sentence is what upstream's DefaultPreemption PostFilter reports. kubelite does not preempt; it reports
 * what preemption would conclude when no lower-priority pod can be evicted: nodes rejected as unresolvable are "not
 * helpful", the others have "no victims".
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, type Status } from './status.js';

/** Upstream's message when the cluster has no nodes at all. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** Why a pod fitted nowhere: reasons counted over nodes, plus what preemption would need. */
export class Diagnosis {
  /** reason → number of nodes that reported it. */
  readonly reasons = new Map<string, number>();
  /** Plugins that rejected the pod on some node (drives which cluster events requeue it). */
  readonly unschedulablePlugins = new Set<string>();
  /** Nodes rejected with UnschedulableAndUnresolvable. */
  unresolvableNodes = 0;
  /** Nodes rejected with Unschedulable. */
  unschedulableNodes = 0;
  /** Set when a PreFilter rejected the pod for every node. */
  preFilterMessage = '';

  /** Records a PreFilter rejection, which stands for every node. */
  rejectAll(status: Status, numAllNodes: number): void {
    this.preFilterMessage = status.message();
    if (status.plugin) this.unschedulablePlugins.add(status.plugin);
    if (status.code === Code.UnschedulableAndUnresolvable) this.unresolvableNodes = numAllNodes;
    else this.unschedulableNodes = numAllNodes;
  }

  /** Records one node's rejection. */
  add(status: Status): void {
    for (const r of status.reasons) this.reasons.set(r, (this.reasons.get(r) ?? 0) + 1);
    if (status.plugin) this.unschedulablePlugins.add(status.plugin);
    if (status.code === Code.UnschedulableAndUnresolvable) this.unresolvableNodes++;
    else this.unschedulableNodes++;
  }
}

function histogram(counts: Map<string, number>): string {
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
}

/** The message of a pod that fitted none of `numAllNodes` nodes. */
export function fitErrorMessage(pod: Pod, numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMessage) msg += ` ${d.preFilterMessage}.`;
  else if (d.reasons.size) msg += ` ${histogram(d.reasons)}.`;
  return `${msg} ${preemptionMessage(pod, numAllNodes, d)}`;
}

/** What upstream's DefaultPreemption PostFilter says when it finds no victims. */
export function preemptionMessage(pod: Pod, numAllNodes: number, d: Diagnosis): string {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const counts = new Map<string, number>();
  // Nodes never evaluated count as "not helpful", as upstream's absent-nodes status.
  const noVictims = Math.min(d.unschedulableNodes, numAllNodes);
  const notHelpful = numAllNodes - noVictims;
  if (noVictims > 0) counts.set('No preemption victims found for incoming pod', noVictims);
  if (notHelpful > 0) counts.set('Preemption is not helpful for scheduling', notHelpful);
  return `preemption: 0/${numAllNodes} nodes are available: ${histogram(counts)}.`;
}
