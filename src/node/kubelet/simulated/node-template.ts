/**
 * The Node and Lease objects a simulated node registers, built as the kubelet builds its own: capacity equal to
 * allocatable, InternalIP and Hostname addresses, nodeInfo, the well-known labels, and the four conditions with the
 * kubelet's reasons and messages. Pure functions of the spec, the index and the time.
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { createHash } from 'node:crypto';
import { nodeIp, podCidr } from './address-plan.js';
import { SIMULATED_NODE_LABEL, type SimulatedNodeSpec } from './simulation-spec.js';
import { rfc3339 } from '../../../util/time.js';

/** Namespace of node heartbeat leases, as Kubernetes. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** The kubelet's port, advertised in daemonEndpoints (nothing listens there for a simulated node). */
export const KUBELET_PORT = 10250;

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
/** The GOARCH-style architecture of this machine, reported by every simulated node. */
export const NODE_ARCH = ARCH[process.arch] ?? process.arch;

/** metav1.Time formatting lives in util; re-exported for this module's callers. */
export { rfc3339 } from '../../../util/time.js';

/** A stable made-up UUID-shaped id from a seed (machineID, systemUUID, bootID). */
function fakeId(seed: string, dashed: boolean): string {
  const h = createHash('sha256').update(seed).digest('hex').slice(0, 32);
  return dashed ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}

/**
 * The node's conditions at `now`. A condition whose status did not change keeps its lastTransitionTime from
 * `previous`, as the kubelet's condition setters do.
 */
export function nodeConditions(now: number, previous: NodeCondition[] = []): NodeCondition[] {
  const t = rfc3339(now);
  const make = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const prev = previous.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : t;
    return { type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime };
  };
  return [
    make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The labels of node `name`: the kubelet's well-known ones, the simulated marker, then the spec's own. */
export function nodeLabels(name: string, spec: Pick<SimulatedNodeSpec, 'labels'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': NODE_ARCH,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': NODE_ARCH,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    [SIMULATED_NODE_LABEL]: 'true',
    ...spec.labels,
  };
}

/** The Node object that node `index` of `spec` registers at `now`. */
export function simulatedNode(spec: SimulatedNodeSpec, index: number, now: number): Node {
  const name = `${spec.namePrefix}${index}`;
  const resources = { cpu: spec.cpu, memory: spec.memory, pods: String(spec.pods), 'ephemeral-storage': spec.ephemeralStorage };
  const cidr = podCidr(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: nodeLabels(name, spec),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kubelite.io/simulated-by': 'kubelite agent --simulate' },
    },
    spec: {
      podCIDR: cidr,
      podCIDRs: [cidr],
      providerID: `kubelite-simulated://${name}`,
      ...(spec.taints.length > 0 ? { taints: spec.taints } : {}),
    },
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      conditions: nodeConditions(now),
      addresses: [{ type: 'InternalIP', address: nodeIp(index) }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: {
        machineID: fakeId(`machine/${name}`, false),
        systemUUID: fakeId(`system/${name}`, true),
        bootID: fakeId(`boot/${name}/${now}`, true),
        kernelVersion: 'simulated',
        osImage: 'kubelite simulated node',
        containerRuntimeVersion: 'simulated://0.1.0',
        kubeletVersion: spec.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: NODE_ARCH,
      },
      images: [],
    },
  };
}

/** The heartbeat Lease of a node, owned by the Node (so garbage collection removes it with the node). */
export function nodeLease(nodeName: string, nodeUid: string | undefined, renewTime: string, durationSeconds: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime },
  };
}
