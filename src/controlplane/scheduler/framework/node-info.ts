/**
 * NodeInfo: one node as the scheduler sees it — the Node object, its allocatable resources, the pods counted on it
 * (bound, and assumed while their bind is in flight), their summed requests, used host ports and the pods with
 * (anti-)affinity — as upstream's framework.NodeInfo. Plugins only read it; the scheduler cache mutates it.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../../../apimachinery/labels/selector.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { addResources, parseResourceList, zeroResources, type Allocatable, type Resources } from './resources.js';

/** Host ports in use on a node: `protocol/port` → host IPs. */
export class HostPortUsage {
  private readonly used = new Map<string, Map<string, number>>();

  /** Counts a port in use (ref-counted, since two assumed pods may briefly claim one port). */
  add(p: HostPort, delta = 1): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.used.get(k);
    if (!ips) this.used.set(k, (ips = new Map()));
    const n = (ips.get(p.ip) ?? 0) + delta;
    if (n > 0) ips.set(p.ip, n);
    else ips.delete(p.ip);
    if (ips.size === 0) this.used.delete(k);
  }

  /** True if `p` clashes: same protocol and port, and either side binds 0.0.0.0 or both bind the same IP. */
  conflicts(p: HostPort): boolean {
    const ips = this.used.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    return p.ip === '0.0.0.0' || ips.has(p.ip) || ips.has('0.0.0.0');
  }

  /** Number of distinct protocol/port pairs in use. */
  get size(): number {
    return this.used.size;
  }
}

let generationCounter = 0;

/** The scheduler's view of one node. */
export class NodeInfo {
  /** The Node object; undefined while only pods naming this node are known. */
  node: Node | undefined;
  allocatable: Allocatable = { ...zeroResources(), pods: 0 };
  /** Sum of the pods' requests. */
  readonly requested: Resources = zeroResources();
  /** Sum of the pods' requests with scoring defaults for missing cpu/memory. */
  readonly nonZeroRequested: Resources = zeroResources();
  readonly pods = new Map<string, PodInfo>();
  /** Pods with any affinity/anti-affinity term. */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  /** Pods with a required anti-affinity term. */
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  readonly usedPorts = new HostPortUsage();
  /** NoSchedule/NoExecute taints (what TaintToleration filters on). */
  hardTaints: Taint[] = [];
  /** PreferNoSchedule taints (what TaintToleration scores). */
  softTaints: Taint[] = [];
  /** Bumped on every change, so snapshots and tests can see that something moved. */
  generation = ++generationCounter;

  constructor(readonly name: string) {}

  /** The node's labels. */
  get labels(): Labels {
    return this.node?.metadata?.labels;
  }

  /** Sets (or replaces) the Node object. */
  setNode(node: Node): void {
    this.node = node;
    this.allocatable = parseResourceList(node.status?.allocatable as Record<string, unknown> | undefined);
    const taints = node.spec?.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.softTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.generation = ++generationCounter;
  }

  /** Counts a pod on this node. */
  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    this.account(p, 1);
  }

  /** Stops counting a pod; returns false if it was not counted here. */
  removePod(key: string): boolean {
    const p = this.pods.get(key);
    if (!p) return false;
    this.pods.delete(key);
    this.account(p, -1);
    return true;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    addResources(this.requested, p.requests, sign);
    addResources(this.nonZeroRequested, p.nonZeroRequests, sign);
    for (const hp of p.hostPorts) this.usedPorts.add(hp, sign);
    if (sign > 0) {
      if (p.hasAffinity) this.podsWithAffinity.set(p.key, p);
      if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.set(p.key, p);
    } else {
      this.podsWithAffinity.delete(p.key);
      this.podsWithRequiredAntiAffinity.delete(p.key);
    }
    this.generation = ++generationCounter;
  }
}

/** A NodeInfo for tests and simulations: the node plus pods already on it. */
export function nodeInfoOf(node: Node, pods: PodInfo[] = []): NodeInfo {
  const ni = new NodeInfo(node.metadata?.name ?? '');
  ni.setNode(node);
  for (const p of pods) ni.addPod(p);
  return ni;
}
