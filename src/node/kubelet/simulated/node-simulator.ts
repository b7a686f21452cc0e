/**
 * NodeSimulator: many kwok-like nodes from one process, for scale work. It registers the Node objects and their
 * Leases, keeps them Ready the way the kubelet does (a Lease renewal every leaseDuration/4 = 10 s, a node status
 * heartbeat every 5 min), and runs the pods bound to them through a PodSimulator. It runs no containers.
 *
 * Holding 5,000 nodes means 500 lease renewals a second. They are spread evenly over the renewal period
 * (SpreadTicker) with a bounded number of requests in flight, each renewal a PUT of the last Lease it got back
 * (optimistic concurrency, as the kubelet's lease controller), and the ticker measures the lag.
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { microTime, type Client, type ResourceClient } from '../../../client/index.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { realClock, type Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import { nodeIp, PodIpPool, MAX_SIMULATED_NODES } from './address-plan.js';
import { forEachLimit } from './for-each-limit.js';
import { nodeConditions, nodeLabels, nodeLease, NODE_LEASE_NAMESPACE, simulatedNode } from './node-template.js';
import { PodSimulator, type PodSimulatorStats, type SimulatedNodeRef } from './pod-simulator.js';
import { jsonEqual } from './pod-status.js';
import { nodeNames, type SimulatedNodeSpec } from './simulation-spec.js';
import { SpreadTicker, type SpreadTickerStats } from './spread-ticker.js';

const log = logger('simulated-nodes');

/** Options of a NodeSimulator. */
export interface NodeSimulatorOptions {
  spec: SimulatedNodeSpec;
  /** Lease duration; renewals happen every quarter of it (kubelet: 40 s → 10 s). */
  leaseDurationSeconds?: number;
  /** Node status heartbeat period (kubelet's nodeStatusReportFrequency: 5 min). */
  statusReportMs?: number;
  /** Most requests in flight per activity (registration, leases, node status, pod writers). */
  concurrency?: number;
  /** Run time of Never/OnFailure pods without the duration annotation (ms, default 1000). */
  defaultPodDurationMs?: number;
  /**
   * false: leave bound pods alone (they stay Pending, as on scheduler_perf's kubelet-less nodes), so a benchmark
   * measures the scheduler without the status writes of running pods. Default true.
   */
  simulatePods?: boolean;
  clock?: Clock;
}

/** Result of registration. */
export interface RegistrationResult {
  created: number;
  /** Nodes that existed already (an agent restart) and were brought up to date. */
  updated: number;
  ms: number;
}

/** Everything the simulator measured. */
export interface NodeSimulatorStats {
  leases: SpreadTickerStats;
  nodeStatus: SpreadTickerStats;
  pods: PodSimulatorStats;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof StatusError && err.code === code;
}

/** Simulates a fleet of nodes against one API server. */
export class NodeSimulator {
  /** Node names, in index order. */
  readonly names: string[];
  private readonly spec: SimulatedNodeSpec;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly leaseSeconds: number;
  private readonly nodes: ResourceClient<Node>;
  private readonly leaseClient: ResourceClient<Lease>;
  private readonly leases: (Lease | undefined)[];
  private readonly nodeUids: (string | undefined)[];
  private readonly conditions: (NodeCondition[] | undefined)[];
  private readonly leaseTicker: SpreadTicker;
  private readonly statusTicker: SpreadTicker;
  private readonly podSim: PodSimulator | undefined;

  constructor(client: Client, opts: NodeSimulatorOptions) {
    this.spec = opts.spec;
    if (this.spec.startIndex + this.spec.count > MAX_SIMULATED_NODES) {
      throw new RangeError(`Cannot simulate nodes up to index ${this.spec.startIndex + this.spec.count - 1}: the address plan holds ${MAX_SIMULATED_NODES}`);
    }
    this.clock = opts.clock ?? realClock;
    this.concurrency = opts.concurrency ?? 32;
    this.leaseSeconds = opts.leaseDurationSeconds ?? 40;
    this.names = nodeNames(this.spec);
    this.nodes = client.resource<Node>('', 'v1', 'nodes');
    this.leaseClient = client.resource<Lease>('coordination.k8s.io', 'v1', 'leases').namespace(NODE_LEASE_NAMESPACE);
    const n = this.names.length;
    this.leases = new Array(n);
    this.nodeUids = new Array(n);
    this.conditions = new Array(n);
    const onError = (what: string) => (i: number, err: unknown) => log.warn(`${what} failed; retrying`, { node: this.names[i], error: err });
    this.leaseTicker = new SpreadTicker(n, (i) => this.renewLease(i), {
      periodMs: (this.leaseSeconds * 1000) / 4, concurrency: this.concurrency, clock: this.clock, onError: onError('lease renewal'),
    });
    this.statusTicker = new SpreadTicker(n, (i) => this.reportStatus(i), {
      periodMs: opts.statusReportMs ?? 300_000, concurrency: Math.max(1, this.concurrency >> 2), clock: this.clock, retryMs: 5000,
      onError: onError('node status heartbeat'),
    });
    const refs = new Map<string, SimulatedNodeRef>();
    this.names.forEach((name, i) => refs.set(name, { hostIP: nodeIp(this.spec.startIndex + i), pool: new PodIpPool(this.spec.startIndex + i) }));
    this.podSim = opts.simulatePods === false ? undefined : new PodSimulator(client, {
      nodes: refs, workers: this.concurrency, defaultDurationMs: opts.defaultPodDurationMs ?? 1000, clock: this.clock,
    });
  }

  /** Creates (or, after a restart, updates) every Node and its Lease. */
  async register(signal?: AbortSignal): Promise<RegistrationResult> {
    const started = this.clock.now();
    let created = 0;
    let updated = 0;
    // One paged list of each tells which nodes and leases an earlier run left, instead of a failed create apiece.
    const existingNodes = new Map((await this.nodes.listAll({ signal })).items.map((n) => [n.metadata?.name ?? '', n]));
    const existingLeases = new Map((await this.leaseClient.listAll({ signal })).items.map((l) => [l.metadata?.name ?? '', l]));
    // After a restart the leases of existing nodes are renewed first, in a pass of their own: they are what keeps
    // the nodes Ready, and the status refresh of thousands of nodes would otherwise hold the last ones back.
    const leaseTaken = new Uint8Array(this.names.length);
    await forEachLimit(this.names, this.concurrency, async (name, i) => {
      const known = existingNodes.get(name);
      if (!known?.metadata?.uid) return;
      this.nodeUids[i] = known.metadata.uid;
      await this.ensureLease(i, existingLeases.get(name));
      this.leaseTicker.markDone(i, this.clock.now());
      leaseTaken[i] = 1;
    }, signal);
    await forEachLimit(this.names, this.concurrency, async (name, i) => {
      if (await this.registerNode(i, existingNodes.get(name))) created++;
      else updated++;
      if (!leaseTaken[i]) {
        await this.ensureLease(i, existingLeases.get(name));
        this.leaseTicker.markDone(i, this.clock.now());
      }
      this.statusTicker.markDone(i, this.clock.now());
    }, signal);
    return { created, updated, ms: this.clock.now() - started };
  }

  /** Keeps the nodes Ready and runs their pods until `signal` aborts. Call `register` first. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.leaseTicker.run(signal), this.statusTicker.run(signal), this.podSim?.run(signal)]);
  }

  /** Resolves true once the pod informer has listed the pods already bound to these nodes. */
  podsSynced(signal?: AbortSignal): Promise<boolean> {
    return this.podSim?.waitForSync(signal) ?? Promise.resolve(true);
  }

  /** Measurements; `reset` starts a new window for the tickers. */
  stats(reset = false): NodeSimulatorStats {
    return { leases: this.leaseTicker.stats(reset), nodeStatus: this.statusTicker.stats(reset), pods: this.podSim?.stats() ?? { active: 0, statusWrites: 0, deletions: 0, failures: 0 } };
  }

  /** Deletes the nodes and their leases (for `--cleanup`). Returns how many nodes were deleted. */
  async cleanup(): Promise<number> {
    let deleted = 0;
    await forEachLimit(this.names, this.concurrency, async (name) => {
      try {
        await this.nodes.delete(name);
        deleted++;
      } catch (err) {
        if (!isCode(err, 404)) throw err;
      }
      await this.leaseClient.delete(name).catch((err: unknown) => {
        if (!isCode(err, 404)) throw err;
      });
    });
    return deleted;
  }

  /** Registers node i (`known`: as listed, if it existed); true when it was created, false when it was updated. */
  private async registerNode(i: number, known?: Node): Promise<boolean> {
    const index = this.spec.startIndex + i;
    const now = this.clock.now();
    const node = simulatedNode(this.spec, index, now);
    if (!known) {
      try {
        const created = await this.nodes.create(node);
        this.nodeUids[i] = created.metadata?.uid;
        this.conditions[i] = created.status?.conditions;
        return true;
      } catch (err) {
        if (!isCode(err, 409)) throw err;
      }
    }
    // As the kubelet on restart: keep the node, refresh our labels, taints and the whole status.
    const existing = known ?? await this.nodes.get(node.metadata!.name!);
    const ours = new Set(this.spec.taints.map((t) => `${t.key}:${t.effect}`));
    const taints = [...(existing.spec?.taints ?? []).filter((t) => !ours.has(`${t.key}:${t.effect}`)), ...this.spec.taints];
    const labels = nodeLabels(node.metadata!.name!, this.spec);
    const have = existing.metadata?.labels ?? {};
    // Skipped when nothing changed: a restart of 5,000 nodes should cost 5,000 writes fewer.
    if (Object.entries(labels).some(([k, v]) => have[k] !== v) || !jsonEqual(existing.spec?.taints ?? [], taints)) {
      await this.nodes.patch(node.metadata!.name!, { metadata: { labels }, spec: { taints } }, 'merge');
    }
    const status = { ...node.status, conditions: nodeConditions(now, existing.status?.conditions) };
    const patched = await this.nodes.patch(node.metadata!.name!, { status }, 'strategic', { subresource: 'status' });
    this.nodeUids[i] = patched.metadata?.uid;
    this.conditions[i] = patched.status?.conditions;
    return false;
  }

  /** Creates node i's Lease, or takes over the existing one (`known`: as listed). */
  private async ensureLease(i: number, known?: Lease): Promise<void> {
    const name = this.names[i];
    const lease = nodeLease(name, this.nodeUids[i], microTime(this.clock.now()), this.leaseSeconds);
    if (!known) {
      try {
        this.leases[i] = await this.leaseClient.create(lease);
        return;
      } catch (err) {
        if (!isCode(err, 409)) throw err;
      }
    }
    const takeOver = (existing: Lease) =>
      this.leaseClient.update({ ...existing, metadata: { ...existing.metadata, ownerReferences: lease.metadata!.ownerReferences }, spec: lease.spec });
    try {
      this.leases[i] = await takeOver(known ?? await this.leaseClient.get(name));
    } catch (err) {
      // The listed copy went stale (someone else wrote it since): read it again, once.
      if (!known || !isCode(err, 409)) throw err;
      this.leases[i] = await takeOver(await this.leaseClient.get(name));
    }
  }

  /** One lease renewal: PUT the last lease seen with a new renewTime; on a conflict read it and try once more. */
  private async renewLease(i: number): Promise<void> {
    const renew = async (base: Lease) => {
      const next: Lease = { ...base, spec: { ...base.spec, holderIdentity: this.names[i], leaseDurationSeconds: this.leaseSeconds, renewTime: microTime(this.clock.now()) } };
      this.leases[i] = await this.leaseClient.update(next);
    };
    const cached = this.leases[i];
    try {
      if (cached) return await renew(cached);
    } catch (err) {
      if (isCode(err, 404)) return this.ensureLease(i);
      if (!isCode(err, 409)) throw err;
    }
    this.leases[i] = undefined;
    try {
      await renew(await this.leaseClient.get(this.names[i]));
    } catch (err) {
      if (isCode(err, 404)) return this.ensureLease(i);
      throw err;
    }
  }

  /** The periodic node status heartbeat; a node deleted behind our back is registered again. */
  private async reportStatus(i: number): Promise<void> {
    const conditions = nodeConditions(this.clock.now(), this.conditions[i]);
    try {
      const node = await this.nodes.patch(this.names[i], { status: { conditions } }, 'strategic', { subresource: 'status' });
      this.conditions[i] = node.status?.conditions;
    } catch (err) {
      if (!isCode(err, 404)) throw err;
      log.warn('node was deleted; registering it again', { node: this.names[i] });
      await this.registerNode(i);
      await this.ensureLease(i);
    }
  }
}
