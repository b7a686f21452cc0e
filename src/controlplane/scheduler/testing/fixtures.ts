/**
 * Test fixtures: compact builders for Node and Pod objects, shared by the plugin, queue, cache and scheduler tests
 * and the throughput measurement.
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';

/** Options of makeNode. */
export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

/** A Ready node with allocatable = capacity. */
export function makeNode(name: string, s: NodeSpec = {}): Node {
  const resources: Record<string, string> = { cpu: s.cpu ?? '4', memory: s.memory ?? '16Gi', pods: s.pods ?? '110' };
  if (s.ephemeralStorage) resources['ephemeral-storage'] = s.ephemeralStorage;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(s.labels ?? {}) } },
    spec: { taints: s.taints, unschedulable: s.unschedulable },
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** Options of makePod. */
export interface PodSpecOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  spec?: Partial<NonNullable<Pod['spec']>>;
  ownerUid?: string;
}

/** A pod with one container requesting `cpu`/`memory` (none when unset). */
export function makePod(name: string, o: PodSpecOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels,
      ownerReferences: o.ownerUid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.ownerUid, controller: true }] : undefined,
    },
    spec: {
      containers: [{ name: 'c', image: 'pause', resources: Object.keys(requests).length ? { requests } : {} }],
      nodeName: o.nodeName, schedulerName: 'default-scheduler', ...(o.spec ?? {}),
    },
    status: { phase: 'Pending' },
  };
}
