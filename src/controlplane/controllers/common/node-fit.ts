/**
 * Whether a pod may sit on a node, as controllers judge it without the scheduler: taints against tolerations
 * (upstream Toleration.ToleratesTaint), and nodeSelector plus required node affinity (upstream
 * GetRequiredNodeAffinity). The DaemonSet controller decides with these which nodes should run a daemon pod, and
 * node lifecycle's taint eviction which pods must leave a tainted node.
 */
import type { Node, PodSpec, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { newRequirement, requirementMatches, type Labels, type Operator } from '../../../apimachinery/labels/selector.js';

/** True if `t` tolerates `taint`: same effect (or any), same key (or any, with Exists), and Equal values or Exists. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** The first taint accepted by `filter` that none of `tolerations` tolerates, or undefined. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

const OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

function requirementsMatch(reqs: readonly NodeSelectorRequirement[] | undefined, labels: Labels): boolean {
  return (reqs ?? []).every((r) => {
    const op = OPERATORS[r.operator];
    if (!op) return false;
    try {
      return requirementMatches(newRequirement(r.key, op, r.values ?? []), labels);
    } catch {
      return false; // an invalid requirement matches nothing, as upstream
    }
  });
}

/** True if one term matches the node: all its matchExpressions on labels and matchFields on `metadata.name`. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false; // an empty term selects nothing
  if (fields.some((f) => f.key !== 'metadata.name')) return false;
  return requirementsMatch(exprs, node.metadata?.labels ?? {}) && requirementsMatch(fields, { 'metadata.name': node.metadata?.name ?? '' });
}

/** True if the pod's nodeSelector and required node affinity (terms ORed) both match the node. */
export function nodeMatchesPodAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** The node a pod is meant for: its nodeName, or the single `metadata.name` its required affinity pins (DaemonSet pods). */
export function targetNodeName(spec: PodSpec | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  for (const term of spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
