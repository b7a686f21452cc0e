/**
 * Compiled node selectors: a pod's nodeSelector map and its required node affinity (nodeSelectorTerms, ORed; each
 * term's matchExpressions and matchFields ANDed), with upstream's operators In/NotIn/Exists/DoesNotExist/Gt/Lt.
 * Compiled once per pod, then matched against thousands of nodes without allocating.
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../../../apimachinery/labels/selector.js';

interface Req {
  key: string;
  op: string;
  values: ReadonlySet<string>;
  /** For Gt/Lt: the integer bound (NaN when invalid → never matches). */
  bound: number;
}

/** One compiled term: all its requirements must match. */
export interface CompiledTerm {
  labels: Req[];
  /** matchFields requirements; only `metadata.name` exists upstream. */
  fields: Req[];
}

const INT = /^[+-]?[0-9]+$/;

function compileReq(r: NodeSelectorRequirement): Req {
  const values = new Set(r.values ?? []);
  const v = r.values?.[0];
  const bound = (r.operator === 'Gt' || r.operator === 'Lt') && r.values?.length === 1 && v !== undefined && INT.test(v) ? Number(v) : NaN;
  return { key: r.key, op: r.operator, values, bound };
}

function reqMatches(r: Req, value: string | undefined): boolean {
  switch (r.op) {
    case 'In': return value !== undefined && r.values.has(value);
    case 'NotIn': return value === undefined || !r.values.has(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || Number.isNaN(r.bound) || !INT.test(value)) return false;
      const n = Number(value);
      return r.op === 'Gt' ? n > r.bound : n < r.bound;
    }
    default: return false;
  }
}

/** Compiles one NodeSelectorTerm. */
export function compileTerm(t: NodeSelectorTerm): CompiledTerm {
  return { labels: (t.matchExpressions ?? []).map(compileReq), fields: (t.matchFields ?? []).map(compileReq) };
}

/** True if the term matches. A term with no requirements matches nothing, as upstream. */
export function termMatchesNode(t: CompiledTerm, labels: Labels, nodeName: string): boolean {
  if (t.labels.length === 0 && t.fields.length === 0) return false;
  for (const r of t.labels) {
    const has = labels != null && Object.prototype.hasOwnProperty.call(labels, r.key);
    if (!reqMatches(r, has ? labels![r.key] : undefined)) return false;
  }
  for (const r of t.fields) if (!reqMatches(r, r.key === 'metadata.name' ? nodeName : undefined)) return false;
  return true;
}

/** A pod's hard node constraints: nodeSelector AND (any of the required affinity terms). */
export class RequiredNodeSelector {
  private readonly selector: [string, string][];
  /** Undefined when the pod has no required node affinity. */
  private readonly terms: CompiledTerm[] | undefined;

  constructor(pod: Pod) {
    this.selector = Object.entries(pod.spec?.nodeSelector ?? {});
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.terms = req ? (req.nodeSelectorTerms ?? []).map(compileTerm) : undefined;
  }

  /** True when the pod constrains nodes at all. */
  get isEmpty(): boolean {
    return this.selector.length === 0 && this.terms === undefined;
  }

  /** True if the node satisfies the pod's nodeSelector and required node affinity. */
  matches(labels: Labels, nodeName: string): boolean {
    for (const [k, v] of this.selector) if (labels?.[k] !== v) return false;
    if (this.terms === undefined) return true;
    for (const t of this.terms) if (termMatchesNode(t, labels, nodeName)) return true;
    return false;
  }

  /** Convenience for a Node object. */
  matchesNode(node: Node): boolean {
    return this.matches(node.metadata?.labels, node.metadata?.name ?? '');
  }
}
