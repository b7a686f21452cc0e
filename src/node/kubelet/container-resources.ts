/**
 * From a container's resources to the cgroup settings CRI applies, with the kubelet's formulas:
 * cpu.shares = requests.cpu in millicores × 1024 / 1000 (at least 2), a CFS quota of limits.cpu over a 100 ms
 * period (at least 1 ms), memory.limit_in_bytes = limits.memory, and oom_score_adj by QoS class (Guaranteed -997,
 * BestEffort 1000, Burstable 1000 − 1000 × request / node memory, kept within 2…999).
 */
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import type { DeepPartial, LinuxContainerResources } from '../cri/index.js';

/** The CFS period the kubelet uses, in µs. */
export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const MIN_QUOTA_US = 1000;

/** The pod's QoS class. */
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

function milli(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return tryParseQuantity(String(v))?.milliValue();
}

function bytes(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return tryParseQuantity(String(v))?.value();
}

/** The QoS class of a pod, as the API server computes status.qosClass. */
export function qosClass(pod: Pod): QosClass {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const rq = req[r] !== undefined ? String(req[r]) : undefined;
      const lm = lim[r] !== undefined ? String(lim[r]) : undefined;
      if (rq !== undefined || lm !== undefined) anySet = true;
      if (lm === undefined || (rq !== undefined && tryParseQuantity(rq)?.cmp(tryParseQuantity(lm)!) !== 0)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The pod's cgroup (cgroupfs path) under `root`, in the kubelet's QoS layout. */
export function podCgroupParent(root: string, pod: Pod): string {
  const uid = pod.metadata?.uid ?? '';
  const qos = qosClass(pod);
  const base = root.replace(/\/+$/, '') || '';
  if (qos === 'Guaranteed') return `${base}/pod${uid}`;
  return `${base}/${qos.toLowerCase()}/pod${uid}`;
}

/** oom_score_adj of a container, by its pod's QoS class and its memory request. */
export function oomScoreAdj(pod: Pod, c: Container, memoryCapacity: number): number {
  const qos = qosClass(pod);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = bytes(c.resources?.requests?.memory as string | undefined) ?? 0;
  let adj = 1000 - Math.floor((1000 * req) / Math.max(1, memoryCapacity));
  if (adj < 2) adj = 2;
  if (adj >= 1000) adj = 999;
  return adj;
}

/** CRI linux resources of a container. */
export function linuxResources(pod: Pod, c: Container, memoryCapacity: number): DeepPartial<LinuxContainerResources> {
  const r: ResourceRequirements = c.resources ?? {};
  const reqCpu = milli(r.requests?.cpu as string | undefined) ?? milli(r.limits?.cpu as string | undefined);
  const limCpu = milli(r.limits?.cpu as string | undefined);
  const limMem = bytes(r.limits?.memory as string | undefined);
  const shares = reqCpu === undefined ? MIN_SHARES : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((reqCpu * 1024) / 1000)));
  const out: DeepPartial<LinuxContainerResources> = { cpu_shares: String(shares), oom_score_adj: String(oomScoreAdj(pod, c, memoryCapacity)) };
  if (limCpu !== undefined && limCpu > 0) {
    out.cpu_period = String(CPU_PERIOD_US);
    out.cpu_quota = String(Math.max(MIN_QUOTA_US, Math.floor((limCpu * CPU_PERIOD_US) / 1000)));
  }
  if (limMem !== undefined && limMem > 0) out.memory_limit_in_bytes = String(limMem);
  return out;
}
