/**
 * Builds the Summary API document: the node's cpu, memory, network and filesystem from /proc and statfs, and each
 * running pod's and container's cpu and memory from the runtime's CRI stats. CPU rates (usageNanoCores) come from
 * an in-memory sampler that keeps the previous cumulative reading of each container, pod and the node, so a rate
 * covers the time between two samples, as cAdvisor's housekeeping does. A background sample every interval keeps a
 * window available for the first `kubectl top`.
 */
import { readFileSync, statfsSync } from 'node:fs';
import type { CriClient, ContainerStats, CpuUsage, MemoryUsage, NetworkUsage } from '../../cri/index.js';
import type { CpuStats, FsStats, MemoryStats, NetworkStats, NodeStatsSummary, PodStatsSummary, Summary } from './summary-types.js';

/** Produces the Summary document. */
export interface StatsProvider {
  summary(): Promise<Summary>;
  /** Stops background sampling. */
  close(): void;
}

/** Options of {@link CriStatsProvider}. */
export interface CriStatsProviderOptions {
  nodeName: string;
  /** The filesystem reported as the node's (the kubelet data dir). */
  fsPath: string;
  /** Background sampling interval (default 5 s; 0 disables). */
  intervalMs?: number;
  /** /proc root, for tests. */
  procRoot?: string;
}

/** Linux's USER_HZ: /proc/stat counts in 1/100 s. */
const NS_PER_JIFFY = 10_000_000;

interface Reading {
  /** Cumulative cpu ns. */
  cpu: number;
  /** When it was read, ns since the epoch. */
  at: number;
}

/** Keeps the previous reading per key and turns cumulative cpu into a rate. */
export class CpuRateSampler {
  private readonly last = new Map<string, { prev?: Reading; cur: Reading }>();

  /** Records a reading and returns the rate (nano-cores) since the previous one at least `minGapMs` older. */
  observe(key: string, cpuNs: number, atNs: number, minGapMs = 1000): number | undefined {
    const entry = this.last.get(key);
    const reading = { cpu: cpuNs, at: atNs };
    if (!entry) {
      this.last.set(key, { cur: reading });
      return undefined;
    }
    // Keep the older reading as the base while the new one is too close to it to give a stable rate.
    const base = atNs - entry.cur.at >= minGapMs * 1e6 ? entry.cur : entry.prev;
    if (base === entry.cur) this.last.set(key, { prev: entry.cur, cur: reading });
    if (!base || atNs <= base.at || cpuNs < base.cpu) return undefined;
    return Math.round(((cpuNs - base.cpu) / (atNs - base.at)) * 1e9);
  }

  /** Forgets keys not in `keep` (containers that went away). */
  prune(keep: Set<string>): void {
    for (const k of this.last.keys()) if (!keep.has(k)) this.last.delete(k);
  }
}

function num(v: { value: string | number } | null | undefined): number | undefined {
  return v ? Number(v.value) : undefined;
}

function nsToIso(ns: string | number): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

function readKv(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.includes(' kB') ? 1024 : 1));
  }
  return out;
}

/** A {@link StatsProvider} over a CRI runtime and the host's /proc. */
export class CriStatsProvider implements StatsProvider {
  private readonly sampler = new CpuRateSampler();
  private readonly timer?: NodeJS.Timeout;
  private readonly proc: string;
  private readonly bootMs: number;

  constructor(private readonly runtime: CriClient, private readonly opts: CriStatsProviderOptions) {
    this.proc = opts.procRoot ?? '/proc';
    const btime = /^btime (\d+)/m.exec(readFileSync(`${this.proc}/stat`, 'utf8'));
    this.bootMs = btime ? Number(btime[1]) * 1000 : Date.now();
    const interval = opts.intervalMs ?? 5000;
    if (interval > 0) {
      void this.summary().catch(() => undefined);
      this.timer = setInterval(() => void this.summary().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async summary(): Promise<Summary> {
    const [node, pods] = await Promise.all([this.nodeStats(), this.podStats()]);
    return { node, pods };
  }

  private cpuStats(key: string, cpu: CpuUsage | null | undefined): CpuStats | undefined {
    if (!cpu) return undefined;
    const total = num(cpu.usage_core_nano_seconds);
    const at = Number(cpu.timestamp) || Date.now() * 1e6;
    const out: CpuStats = { time: nsToIso(at) };
    if (total !== undefined) {
      out.usageCoreNanoSeconds = total;
      // Our rate is between our own samples. Until there are two, take the runtime's (containerd computes one
      // between any two callers' requests, 0 on its first); without either, leave it out: "not available yet".
      const rate = this.sampler.observe(key, total, at) ?? (num(cpu.usage_nano_cores) || undefined);
      if (rate !== undefined) out.usageNanoCores = rate;
    }
    return out;
  }

  private memoryStats(mem: MemoryUsage | null | undefined): MemoryStats | undefined {
    if (!mem) return undefined;
    return {
      time: nsToIso(Number(mem.timestamp) || Date.now() * 1e6),
      workingSetBytes: num(mem.working_set_bytes) ?? 0,
      usageBytes: num(mem.usage_bytes) ?? 0,
      rssBytes: num(mem.rss_bytes) ?? 0,
      ...(mem.available_bytes ? { availableBytes: num(mem.available_bytes) } : {}),
      ...(mem.page_faults ? { pageFaults: num(mem.page_faults) } : {}),
      ...(mem.major_page_faults ? { majorPageFaults: num(mem.major_page_faults) } : {}),
    };
  }

  private networkStats(net: NetworkUsage | null | undefined): NetworkStats | undefined {
    if (!net?.default_interface) return undefined;
    const iface = (i: NonNullable<NetworkUsage['default_interface']>) => ({
      name: i.name, rxBytes: num(i.rx_bytes), rxErrors: num(i.rx_errors), txBytes: num(i.tx_bytes), txErrors: num(i.tx_errors),
    });
    return { time: nsToIso(Number(net.timestamp) || Date.now() * 1e6), ...iface(net.default_interface), interfaces: net.interfaces.map(iface) };
  }

  private async podStats(): Promise<PodStatsSummary[]> {
    const [sandboxes, containers, cstats, pstats] = await Promise.all([
      this.runtime.listPodSandbox({ state: 'SANDBOX_READY' }),
      this.runtime.listContainers({ state: 'CONTAINER_RUNNING' }),
      this.runtime.listContainerStats(),
      this.runtime.listPodSandboxStats().catch(() => []),
    ]);
    const byId = new Map<string, ContainerStats>(cstats.filter((s) => s.attributes).map((s) => [s.attributes!.id, s]));
    const podStatsById = new Map(pstats.filter((s) => s.attributes).map((s) => [s.attributes!.id, s]));
    const keep = new Set<string>();
    const pods: PodStatsSummary[] = [];
    for (const sb of sandboxes) {
      if (!sb.metadata) continue;
      const summaries = containers.filter((c) => c.pod_sandbox_id === sb.id).map((c) => {
        keep.add(c.id);
        const s = byId.get(c.id);
        return {
          name: c.metadata?.name ?? c.id,
          startTime: nsToIso(c.created_at),
          cpu: this.cpuStats(c.id, s?.cpu),
          memory: this.memoryStats(s?.memory),
          ...(s?.writable_layer ? { rootfs: { time: nsToIso(s.writable_layer.timestamp), usedBytes: num(s.writable_layer.used_bytes), inodesUsed: num(s.writable_layer.inodes_used) } } : {}),
        };
      });
      keep.add(`pod:${sb.id}`);
      const ps = podStatsById.get(sb.id)?.linux;
      const pod: PodStatsSummary = {
        podRef: { name: sb.metadata.name, namespace: sb.metadata.namespace, uid: sb.metadata.uid },
        startTime: nsToIso(sb.created_at),
        containers: summaries,
      };
      pod.cpu = ps?.cpu ? this.cpuStats(`pod:${sb.id}`, ps.cpu) : sumCpu(summaries.map((c) => c.cpu));
      pod.memory = ps?.memory ? this.memoryStats(ps.memory) : sumMemory(summaries.map((c) => c.memory));
      const net = this.networkStats(ps?.network);
      if (net) pod.network = net;
      pods.push(pod);
    }
    keep.add('node');
    this.sampler.prune(keep);
    return pods;
  }

  private nodeStats(): NodeStatsSummary {
    const now = new Date();
    const time = now.toISOString();
    const node: NodeStatsSummary = { nodeName: this.opts.nodeName, startTime: new Date(this.bootMs).toISOString() };
    const cpuLine = readFileSync(`${this.proc}/stat`, 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // Busy time is everything but idle and iowait (fields 4 and 5).
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpuLine;
    const busyNs = (user + nice + system + irq + softirq + steal) * NS_PER_JIFFY;
    node.cpu = { time, usageCoreNanoSeconds: busyNs };
    const rate = this.sampler.observe('node', busyNs, now.getTime() * 1e6);
    if (rate !== undefined) node.cpu.usageNanoCores = rate;
    const mem = readKv(`${this.proc}/meminfo`);
    const total = mem.get('MemTotal') ?? 0;
    const available = mem.get('MemAvailable') ?? mem.get('MemFree') ?? 0;
    node.memory = {
      time, availableBytes: available, usageBytes: total - (mem.get('MemFree') ?? 0),
      workingSetBytes: total - available, rssBytes: mem.get('AnonPages') ?? 0,
    };
    const fs = fsStats(this.opts.fsPath, time);
    if (fs) {
      node.fs = fs;
      node.runtime = { imageFs: fs };
    }
    const net = hostNetwork(this.proc, time);
    if (net) node.network = net;
    return node;
  }
}

function sumCpu(list: (CpuStats | undefined)[]): CpuStats | undefined {
  const present = list.filter((c): c is CpuStats => !!c);
  if (present.length === 0) return undefined;
  return {
    time: present[0]!.time,
    ...(present.every((c) => c.usageNanoCores !== undefined) ? { usageNanoCores: present.reduce((a, c) => a + c.usageNanoCores!, 0) } : {}),
    usageCoreNanoSeconds: present.reduce((a, c) => a + (c.usageCoreNanoSeconds ?? 0), 0),
  };
}

function sumMemory(list: (MemoryStats | undefined)[]): MemoryStats | undefined {
  const present = list.filter((m): m is MemoryStats => !!m);
  if (present.length === 0) return undefined;
  const add = (k: 'workingSetBytes' | 'usageBytes' | 'rssBytes') => present.reduce((a, m) => a + (m[k] ?? 0), 0);
  return { time: present[0]!.time, workingSetBytes: add('workingSetBytes'), usageBytes: add('usageBytes'), rssBytes: add('rssBytes') };
}

function fsStats(path: string, time: string): FsStats | undefined {
  try {
    const s = statfsSync(path);
    return {
      time, capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files, inodesFree: s.ffree, inodesUsed: s.files - s.ffree,
    };
  } catch {
    return undefined;
  }
}

/** The host's network counters, with the default route's interface inline (as the Summary API does). */
function hostNetwork(proc: string, time: string): NetworkStats | undefined {
  try {
    const routes = readFileSync(`${proc}/net/route`, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const def = routes.find((r) => r[1] === '00000000')?.[0];
    const interfaces = readFileSync(`${proc}/net/dev`, 'utf8').split('\n').slice(2).filter((l) => l.includes(':')).map((l) => {
      const [name, rest] = l.split(':');
      const f = rest!.trim().split(/\s+/).map(Number);
      return { name: name!.trim(), rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] };
    }).filter((i) => i.name !== 'lo');
    const main = interfaces.find((i) => i.name === def) ?? interfaces[0];
    return main ? { time, ...main, interfaces } : undefined;
  } catch {
    return undefined;
  }
}
