/**
 * NodeStatusManager: registers this node's Node object, renews its heartbeat Lease in kube-node-lease every 10 s
 * (a quarter of the 40 s lease, as the kubelet), and keeps the node's status current: the conditions Ready,
 * MemoryPressure, DiskPressure and PIDPressure are recomputed at every lease tick and the status is written when
 * they change, and at least every minute otherwise (upstream's nodeStatusReportFrequency is 5 min; kubelite
 * picks 1 min so `kubectl describe node` and status.images stay fresh on a small cluster).
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { StatusError } from '../../apimachinery/errors/status-error.js';
import { microTime, type Client } from '../../client/index.js';
import { sleep } from '../../util/async.js';
import { logger } from '../../util/log.js';
import type { CriClient } from '../cri/index.js';
import { fsInfo, memInfo, nodeAddresses, nodeResources, nodeSystemInfo, NODE_ARCH, EVICTION_MEMORY_BYTES, EVICTION_NODEFS_FRACTION } from './node-info.js';
import { rfc3339 } from '../../util/time.js';

const log = logger('kubelet');

/** Namespace of node heartbeat leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_DURATION_S = 40;
const LEASE_RENEW_MS = 10_000;
const STATUS_REPORT_MS = 60_000;

/** Options of a NodeStatusManager. */
export interface NodeStatusOptions {
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  kubeletPort: number;
  podCidr?: string;
  annotations?: Record<string, string>;
  /** Health of the pod lifecycle event generator: false makes the node NotReady. */
  plegHealthy: () => boolean;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof StatusError && err.code === code;
}

/** metav1.Time formatting lives in util; re-exported for this module's callers. */
export { rfc3339 } from '../../util/time.js';

/** Registers the node, renews its lease and reports its status; see the module comment. */
export class NodeStatusManager {
  private nodeUid = '';
  private lease: Lease | undefined;
  private lastConditions: NodeCondition[] = [];
  private lastReport = 0;
  private runtimeVersion = { name: 'containerd', version: '' };

  constructor(private readonly client: Client, private readonly cri: CriClient, private readonly opts: NodeStatusOptions) {}

  /** The conditions at `now` given the runtime's health, keeping lastTransitionTime of unchanged ones. */
  async conditions(now: number): Promise<NodeCondition[]> {
    let ready = true;
    let message = 'kubelet is posting ready status';
    try {
      const st = await this.cri.status({ timeoutMs: 5000 });
      for (const c of st.status?.conditions ?? []) {
        if (!c.status) {
          ready = false;
          message = c.type === 'NetworkReady'
            ? `container runtime network not ready: NetworkReady=false reason:${c.reason} message:${c.message}`
            : `container runtime status check may not have completed yet: ${c.type}=false reason:${c.reason} message:${c.message}`;
        }
      }
    } catch {
      ready = false;
      message = 'container runtime is down';
    }
    if (ready && !this.opts.plegHealthy()) {
      ready = false;
      message = 'PLEG is not healthy: pleg was last seen active more than 3m0s ago';
    }
    const mem = memInfo();
    const memPressure = (mem.MemAvailable ?? Infinity) < EVICTION_MEMORY_BYTES;
    let diskPressure = false;
    try {
      const fs = fsInfo(this.opts.dataDir);
      diskPressure = fs.available < fs.capacity * EVICTION_NODEFS_FRACTION;
    } catch {
      // data dir unreadable: report no pressure rather than guess
    }
    const t = rfc3339(now);
    const make = (type: string, status: boolean, reason: string, msg: string): NodeCondition => {
      const s = status ? 'True' : 'False';
      const prev = this.lastConditions.find((c) => c.type === type);
      return { type, status: s, reason, message: msg, lastHeartbeatTime: t, lastTransitionTime: prev?.status === s ? prev.lastTransitionTime : t };
    };
    return [
      make('MemoryPressure', memPressure, memPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
        memPressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available'),
      make('DiskPressure', diskPressure, diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure',
        diskPressure ? 'kubelet has disk pressure' : 'kubelet has no disk pressure'),
      make('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      make('Ready', ready, ready ? 'KubeletReady' : 'KubeletNotReady', message),
    ];
  }

  /** True when the last reported Ready condition is True. */
  isReady(): boolean {
    return this.lastConditions.find((c) => c.type === 'Ready')?.status === 'True';
  }

  private async images(): Promise<{ names: string[]; sizeBytes: number }[]> {
    try {
      const images = await this.cri.listImages(undefined, { timeoutMs: 5000 });
      return images
        .map((i) => ({ names: [...i.repo_digests, ...i.repo_tags], sizeBytes: Number(i.size) }))
        .filter((i) => i.names.length > 0)
        .sort((a, b) => b.sizeBytes - a.sizeBytes)
        .slice(0, 50);
    } catch {
      return [];
    }
  }

  private async status(now: number): Promise<Node['status']> {
    const { capacity, allocatable } = nodeResources(this.opts.dataDir);
    const conditions = await this.conditions(now);
    this.lastConditions = conditions;
    return {
      capacity, allocatable, conditions,
      addresses: nodeAddresses(this.opts.nodeIP, this.opts.nodeName),
      daemonEndpoints: { kubeletEndpoint: { Port: this.opts.kubeletPort } },
      nodeInfo: nodeSystemInfo(this.runtimeVersion),
      images: await this.images(),
    };
  }

  /** Creates the Node, or brings an existing one (an agent restart) up to date. Resolves once it is written. */
  async register(signal: AbortSignal): Promise<void> {
    const v = await this.cri.version({ timeoutMs: 10_000 });
    this.runtimeVersion = { name: v.runtime_name, version: v.runtime_version };
    const nodes = this.client.resource<Node>('', 'v1', 'nodes');
    const name = this.opts.nodeName;
    const labels = {
      'beta.kubernetes.io/arch': NODE_ARCH, 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': NODE_ARCH,
      'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
    };
    const annotations = { 'node.alpha.kubernetes.io/ttl': '0', ...this.opts.annotations };
    const now = Date.now();
    const status = await this.status(now);
    const node: Node = {
      apiVersion: 'v1', kind: 'Node', metadata: { name, labels, annotations },
      spec: this.opts.podCidr ? { podCIDR: this.opts.podCidr, podCIDRs: [this.opts.podCidr] } : {},
      status,
    };
    for (;;) {
      try {
        let created: Node;
        try {
          created = await nodes.create(node, { signal });
          // The create drops status on some servers (status is a subresource): write it as well.
          created = await nodes.patch(name, Buffer.from(JSON.stringify({ status })), 'merge', { subresource: 'status', signal });
        } catch (err) {
          if (!isCode(err, 409)) throw err;
          const existing = await nodes.get(name, { signal });
          const patch: Record<string, unknown> = { metadata: { labels, annotations } };
          if (this.opts.podCidr && !existing.spec?.podCIDR) patch.spec = { podCIDR: this.opts.podCidr, podCIDRs: [this.opts.podCidr] };
          await nodes.patch(name, Buffer.from(JSON.stringify(patch)), 'merge', { signal });
          created = await nodes.patch(name, Buffer.from(JSON.stringify({ status })), 'merge', { subresource: 'status', signal });
        }
        this.nodeUid = created.metadata?.uid ?? '';
        this.lastReport = now;
        log.info('node registered', { node: name, ready: this.isReady() });
        return;
      } catch (err) {
        if (signal.aborted) throw err;
        log.warn('cannot register node; retrying', { node: name, err });
        if (!(await sleep(2000, { signal }))) throw err;
      }
    }
  }

  /** Writes the node status now (after a change the caller knows about, or the periodic report). */
  async reportStatus(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const status = await this.status(now);
    await this.client.resource<Node>('', 'v1', 'nodes').patch(this.opts.nodeName, Buffer.from(JSON.stringify({ status })), 'merge', { subresource: 'status', signal });
    this.lastReport = now;
  }

  private async renewLease(signal: AbortSignal): Promise<void> {
    const leases = this.client.resource<Lease>('coordination.k8s.io', 'v1', 'leases').namespace(NODE_LEASE_NAMESPACE);
    const name = this.opts.nodeName;
    const renewTime = microTime(Date.now());
    if (this.lease) {
      try {
        this.lease = await leases.update({ ...this.lease, spec: { ...this.lease.spec, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S, renewTime } }, { signal });
        return;
      } catch (err) {
        if (!isCode(err, 409) && !isCode(err, 404)) throw err;
        this.lease = undefined;
      }
    }
    try {
      const current = await leases.get(name, { signal });
      this.lease = await leases.update({ ...current, spec: { ...current.spec, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S, renewTime } }, { signal });
    } catch (err) {
      if (!isCode(err, 404)) throw err;
      this.lease = await leases.create({
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name, namespace: NODE_LEASE_NAMESPACE,
          ...(this.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: this.nodeUid }] } : {}),
        },
        spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S, renewTime },
      }, { signal });
    }
  }

  /** Renews the lease and reports status until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    do {
      try {
        await this.renewLease(signal);
      } catch (err) {
        if (signal.aborted) return;
        log.warn('cannot renew node lease', { node: this.opts.nodeName, err });
      }
      try {
        const before = JSON.stringify(this.lastConditions.map((c) => [c.type, c.status, c.reason, c.message]));
        const next = await this.conditions(Date.now());
        const after = JSON.stringify(next.map((c) => [c.type, c.status, c.reason, c.message]));
        if (before !== after || Date.now() - this.lastReport >= STATUS_REPORT_MS) await this.reportStatus(signal);
      } catch (err) {
        if (signal.aborted) return;
        log.warn('cannot report node status', { node: this.opts.nodeName, err });
      }
    } while (await sleep(LEASE_RENEW_MS, { signal }));
  }
}
