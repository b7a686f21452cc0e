/**
 * PodInfo: a pod plus everything the plugins derive from its spec (requests, host ports, parsed affinity terms),
 * computed once when the pod enters the scheduler, as upstream's framework.PodInfo. Filters over thousands of
 * nodes then read fields instead of re-parsing quantities and selectors per node.
 */
import type { ContainerPort, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, Selector, type Labels } from '../../../apimachinery/labels/selector.js';
import { podRequests, type Resources } from './resources.js';

/** A parsed pod (anti-)affinity term. */
export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither namespaces nor namespaceSelector is set). */
  namespaces: ReadonlySet<string>;
  /** Selects namespaces by their labels; Selector.nothing() when unset. */
  namespaceSelector: Selector;
  selector: Selector;
  topologyKey: string;
  /** 0 for required terms. */
  weight: number;
}

/** Looks up a namespace's labels (for namespaceSelector); undefined when unknown. */
export type NamespaceLabels = (namespace: string) => Labels;

/** True if `term` (of some pod) selects `pod`. */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels?: NamespaceLabels): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns)) {
    if (term.namespaceSelector.isNothing()) return false;
    if (!term.namespaceSelector.empty() && !term.namespaceSelector.matches(nsLabels?.(ns))) return false;
  }
  return term.selector.matches(pod.metadata?.labels);
}

function parseTerm(pod: Pod, t: PodAffinityTerm, weight: number): AffinityTerm | undefined {
  let selector: Selector;
  let namespaceSelector: Selector;
  try {
    selector = selectorFromLabelSelector(t.labelSelector);
    namespaceSelector = selectorFromLabelSelector(t.namespaceSelector);
  } catch {
    return undefined; // an invalid selector selects nothing, as upstream treats parse errors
  }
  const own = !t.namespaces?.length && !t.namespaceSelector;
  const namespaces = new Set(own ? [pod.metadata?.namespace ?? ''] : t.namespaces ?? []);
  return { namespaces, namespaceSelector, selector, topologyKey: t.topologyKey, weight };
}

function parseTerms(pod: Pod, terms: PodAffinityTerm[] | undefined): AffinityTerm[] {
  const out: AffinityTerm[] = [];
  for (const t of terms ?? []) {
    const p = parseTerm(pod, t, 0);
    if (p) out.push(p);
  }
  return out;
}

function parseWeighted(pod: Pod, terms: WeightedPodAffinityTerm[] | undefined): AffinityTerm[] {
  const out: AffinityTerm[] = [];
  for (const t of terms ?? []) {
    const p = parseTerm(pod, t.podAffinityTerm, t.weight);
    if (p) out.push(p);
  }
  return out;
}

/** A host port a container asks for. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod with its derived scheduling data. */
export class PodInfo {
  /** `namespace/name`. */
  readonly key: string;
  readonly uid: string;
  readonly requests: Resources;
  /** Requests with the scoring defaults for missing cpu/memory. */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: HostPort[];
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: AffinityTerm[];
  readonly preferredAntiAffinity: AffinityTerm[];
  readonly priority: number;
  /** UID of the controlling owner (ReplicaSet, StatefulSet, Job …), for spreading pods of one owner. */
  readonly ownerUid: string | undefined;

  constructor(readonly pod: Pod) {
    const m = pod.metadata ?? {};
    this.key = `${m.namespace ?? ''}/${m.name ?? ''}`;
    this.uid = m.uid ?? this.key;
    this.requests = podRequests(pod);
    this.nonZeroRequests = podRequests(pod, { nonZero: true });
    this.hostPorts = [];
    for (const c of [...(pod.spec?.initContainers ?? []).filter((i) => i.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])]) {
      for (const p of (c.ports ?? []) as ContainerPort[]) {
        if (!p.hostPort || p.hostPort <= 0) continue;
        this.hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
    const a = pod.spec?.affinity;
    this.requiredAffinity = parseTerms(pod, a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinity = parseTerms(pod, a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinity = parseWeighted(pod, a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinity = parseWeighted(pod, a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.priority = pod.spec?.priority ?? 0;
    this.ownerUid = m.ownerReferences?.find((o) => o.controller)?.uid;
  }

  /** True if the pod has any pod affinity or anti-affinity term (required or preferred). */
  get hasAffinity(): boolean {
    return this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;
  }
}

/** `namespace/name` of a pod object. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
