/**
 * SchedulerCache: the nodes and the pods counted on them, fed by the node and pod informers, plus pods the
 * scheduler has *assumed* onto a node: counted there from the moment a node is chosen, before the bind request
 * returns, so the next cycle already sees the node's resources as used (upstream's cache.AssumePod). An assumed pod
 * is confirmed when the informer delivers it bound, and forgotten if the bind fails.
 *
 * The cache is also the cycle's Snapshot. Upstream copies changed NodeInfos into a snapshot because plugins run on
 * many goroutines while informers keep writing; here a scheduling cycle runs synchronously from PreFilter to
 * assume, so no informer event can interleave, and plugins can read the live NodeInfos without a copy.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../../../apimachinery/labels/selector.js';
import type { Snapshot } from '../framework/interfaces.js';
import { NodeInfo } from '../framework/node-info.js';
import { PodInfo, podKey, type NamespaceLabels } from '../framework/pod-info.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  /** Counted by the scheduler's choice, not yet seen bound by the informer. */
  assumed: boolean;
  /** The bind call returned successfully. */
  bindingFinished: boolean;
}

/** The scheduler's cluster state. */
export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private nodeList: NodeInfo[] = [];
  private affinityList: NodeInfo[] = [];
  private antiAffinityList: NodeInfo[] = [];
  private nodesDirty = false;
  private affinityDirty = false;
  /** Namespace labels for namespaceSelector; set by the owner (an informer lister). */
  namespaceLabels: NamespaceLabels = (): Labels => undefined;

  // ---- Snapshot ----

  /** Nodes that have a Node object, in the order they were added. */
  get nodes(): readonly NodeInfo[] {
    if (this.nodesDirty) {
      this.nodeList = [...this.infos.values()].filter((n) => n.node);
      this.nodesDirty = false;
    }
    return this.nodeList;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  get nodesWithAffinityPods(): readonly NodeInfo[] {
    this.refreshAffinity();
    return this.affinityList;
  }

  get nodesWithRequiredAntiAffinityPods(): readonly NodeInfo[] {
    this.refreshAffinity();
    return this.antiAffinityList;
  }

  private refreshAffinity(): void {
    if (!this.affinityDirty) return;
    const nodes = this.nodes;
    this.affinityList = nodes.filter((n) => n.podsWithAffinity.size > 0);
    this.antiAffinityList = nodes.filter((n) => n.podsWithRequiredAntiAffinity.size > 0);
    this.affinityDirty = false;
  }

  // ---- nodes ----

  /** Adds or replaces a node. */
  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let ni = this.infos.get(name);
    if (!ni) this.infos.set(name, (ni = new NodeInfo(name)));
    if (!ni.node) this.nodesDirty = this.affinityDirty = true;
    ni.setNode(node);
  }

  /** Same as addNode (the new object replaces the old). */
  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** Removes a node. Pods still naming it keep a node-less NodeInfo until they go, as upstream. */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.infos.get(name);
    if (!ni) return;
    if (ni.pods.size === 0) this.infos.delete(name);
    else ni.node = undefined;
    this.nodesDirty = this.affinityDirty = true;
  }

  // ---- pods ----

  /** A bound pod seen by the informer: counts it, confirming an assumption (possibly onto another node). */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const st = this.podStates.get(key);
    if (st) this.uncount(key, st.nodeName);
    const info = new PodInfo(pod);
    this.podStates.set(key, { info, nodeName, assumed: false, bindingFinished: true });
    this.count(info, nodeName);
  }

  /** A bound pod changed (labels, resources after a resize): re-counted. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** A pod went away (deleted, or finished): stops counting it, assumed or not. */
  removePod(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : podKey(pod);
    const st = this.podStates.get(key);
    if (!st) return;
    this.podStates.delete(key);
    this.uncount(key, st.nodeName);
  }

  /** Counts `pod` on `nodeName` ahead of its bind. */
  assumePod(pod: PodInfo, nodeName: string): void {
    if (this.podStates.has(pod.key)) throw new Error(`Cannot assume pod ${pod.key}: it is already in the scheduler cache`);
    this.podStates.set(pod.key, { info: pod, nodeName, assumed: true, bindingFinished: false });
    this.count(pod, nodeName);
  }

  /** Notes that the bind call for an assumed pod returned. */
  finishBinding(key: string): void {
    const st = this.podStates.get(key);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** Drops an assumption after a failed bind. A pod the informer already confirmed is left alone. */
  forgetPod(key: string): void {
    const st = this.podStates.get(key);
    if (!st?.assumed) return;
    this.podStates.delete(key);
    this.uncount(key, st.nodeName);
  }

  /** True if the pod is assumed and not yet confirmed by the informer. */
  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed ?? false;
  }

  /** True if the pod is counted on some node (assumed or confirmed). */
  hasPod(key: string): boolean {
    return this.podStates.has(key);
  }

  /** Node a pod is counted on. */
  nodeOf(key: string): string | undefined {
    return this.podStates.get(key)?.nodeName;
  }

  /** Counts for tests and metrics. */
  stats(): { nodes: number; pods: number; assumed: number } {
    let assumed = 0;
    for (const st of this.podStates.values()) if (st.assumed) assumed++;
    return { nodes: this.nodes.length, pods: this.podStates.size, assumed };
  }

  private count(info: PodInfo, nodeName: string): void {
    let ni = this.infos.get(nodeName);
    if (!ni) this.infos.set(nodeName, (ni = new NodeInfo(nodeName)));
    ni.addPod(info);
    if (info.hasAffinity) this.affinityDirty = true;
  }

  private uncount(key: string, nodeName: string): void {
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    const had = ni.podsWithAffinity.has(key);
    ni.removePod(key);
    if (had) this.affinityDirty = true;
    if (!ni.node && ni.pods.size === 0) this.infos.delete(nodeName);
  }
}
