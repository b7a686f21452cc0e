/**
 * The kubelet Summary API document (`GET /stats/summary`, stats/v1alpha1), limited to the fields kubelite fills.
 * Field names are upstream's; metrics-server and `kubectl top` read cpu.usageNanoCores and memory.workingSetBytes.
 */

/** CPU usage at a point in time. */
export interface CpuStats {
  time: string;
  /** Average usage over the sampling window, in billionths of a core. */
  usageNanoCores?: number;
  /** Cumulative usage since the container (or node) started. */
  usageCoreNanoSeconds?: number;
}

/** Memory usage at a point in time. */
export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Traffic of one network interface. */
export interface InterfaceStats {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

/** Network usage: the default interface's counters inline, plus every interface. */
export interface NetworkStats extends InterfaceStats {
  time: string;
  interfaces?: InterfaceStats[];
}

/** Filesystem usage. */
export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

/** One container of a pod. */
export interface ContainerStatsSummary {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
  rootfs?: FsStats;
}

/** One pod. */
export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStatsSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
}

/** The node. */
export interface NodeStatsSummary {
  nodeName: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  fs?: FsStats;
  runtime?: { imageFs?: FsStats };
}

/** The whole document. */
export interface Summary {
  node: NodeStatsSummary;
  pods: PodStatsSummary[];
}
