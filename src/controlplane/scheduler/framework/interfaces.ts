/**
 * The plugin contract: one small interface per extension point, as kube-scheduler's framework. A plugin implements
 * the points it needs; the framework calls them in profile order. Plugins never throw for a pod that does not fit:
 * they return a Status (see status.ts). Score returns a plain number because scoring cannot reject a node; work
 * that can fail belongs in PreScore.
 *
 * The scheduling cycle is synchronous from PreFilter to Reserve, so the snapshot plugins read cannot change under
 * them (no informer event runs in between); Bind is the only asynchronous point.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../../client/index.js';
import type { CycleState } from './cycle-state.js';
import type { NodeInfo } from './node-info.js';
import type { NamespaceLabels, PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** The highest score a node can get from one plugin after normalisation (upstream MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

/** What plugins may read about the cluster during one cycle. */
export interface Snapshot {
  /** Every node that has a Node object, in a stable order. */
  readonly nodes: readonly NodeInfo[];
  /** One node by name. */
  get(name: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has an affinity or anti-affinity term. */
  readonly nodesWithAffinityPods: readonly NodeInfo[];
  /** Nodes with at least one pod that has a required anti-affinity term. */
  readonly nodesWithRequiredAntiAffinityPods: readonly NodeInfo[];
  /** Namespace labels, for namespaceSelector in affinity terms. */
  readonly namespaceLabels: NamespaceLabels;
}

/** Every plugin has a unique name. */
export interface Plugin {
  readonly name: string;
}

/** Runs once per pod before filtering; may precompute into CycleState, reject the pod outright, or return Skip. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status;
}

/** Decides whether the pod may run on one node. Called for many nodes per pod: keep it allocation-free. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

/** Runs once per pod with the feasible nodes before scoring; may return Skip. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

/** Ranks a feasible node. Raw scores may have any range if normalizeScore maps them to 0..MAX_NODE_SCORE. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (one per node, same order as `nodes`) into 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void;
}

/** Claims node-local state for the pod before binding; Unreserve undoes it when a later step fails. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Binds the pod to the node through the API. Returns Skip to let the next binder try. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string, signal?: AbortSignal): Promise<Status>;
}

/**
 * Cluster changes that can make a rejected pod schedulable. A pod waiting in the unschedulable queue is moved back
 * only by events that one of the plugins that rejected it registered.
 */
export type ClusterEvent =
  | 'NodeAdd' | 'NodeUpdate' | 'NodeDelete'
  | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete'
  | 'UnscheduledPodUpdate' | 'NamespaceChange';

/** Optional: the cluster events after which pods this plugin rejected are worth retrying (upstream EnqueueExtensions). */
export interface EnqueueExtensions {
  readonly events: readonly ClusterEvent[];
  /**
   * A finer check for one event: false means "this change cannot help that pod" and keeps it parked. Objects are
   * the old and new Node or Pod (old is undefined for adds, new for deletes).
   */
  isSchedulableAfter?(event: ClusterEvent, pod: Pod, oldObj: Node | Pod | undefined, newObj: Node | Pod | undefined): boolean;
}

/** What a plugin factory receives. */
export interface PluginHandle {
  /** The API client (for Bind). */
  readonly client: Client;
}

/** Builds a plugin. Factories are listed in one registry file. */
export type PluginFactory = (handle: PluginHandle) => Plugin;
