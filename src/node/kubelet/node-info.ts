/**
 * Facts about this machine that the Node object reports, read from /proc, /sys, /etc and statfs: capacity
 * (cpu, memory, pods, ephemeral-storage), allocatable (capacity less the kubelet's default hard eviction
 * thresholds: memory.available 100Mi, nodefs.available 10%), nodeInfo, and the node's addresses.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, networkInterfaces, release } from 'node:os';
import type { NodeAddress, NodeSystemInfo } from 'kubernetes-types/core/v1.js';

/** The kubelet version this kubelet reports. */
export const KUBELET_VERSION = 'v1.32.0+kubelite';
/** Pods per node, the kubelet's default maxPods. */
export const MAX_PODS = 110;
/** The kubelet's default hard eviction threshold for memory.available. */
export const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
/** The kubelet's default hard eviction threshold for nodefs.available, as a fraction. */
export const EVICTION_NODEFS_FRACTION = 0.1;

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
/** GOARCH-style architecture of this machine. */
export const NODE_ARCH = ARCH[process.arch] ?? process.arch;

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** /proc/meminfo as bytes per key (MemTotal, MemAvailable, …). */
export function memInfo(text = readTrim('/proc/meminfo')): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (line.endsWith('kB') ? 1024 : 1);
  }
  return out;
}

/** Size and free space of the filesystem holding `dir`, in bytes. */
export function fsInfo(dir: string): { capacity: number; available: number; inodes: number; inodesFree: number } {
  const s = statfsSync(dir);
  return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize, inodes: s.files, inodesFree: s.ffree };
}

/** Capacity and allocatable of this node, as Kubernetes quantities. */
export function nodeResources(dataDir: string, maxPods = MAX_PODS): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const memTotal = memInfo().MemTotal ?? 0;
  const fs = fsInfo(dataDir);
  const capacity = {
    cpu: String(cpus().length),
    'ephemeral-storage': `${Math.floor(fs.capacity / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(memTotal / 1024)}Ki`,
    pods: String(maxPods),
  };
  const allocatable = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(fs.capacity * (1 - EVICTION_NODEFS_FRACTION))),
    memory: `${Math.floor(Math.max(0, memTotal - EVICTION_MEMORY_BYTES) / 1024)}Ki`,
  };
  return { capacity, allocatable };
}

/** The OS image name (`Debian GNU/Linux 12 (bookworm)`) from /etc/os-release. */
function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readTrim('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

/** nodeInfo of this machine with the runtime's name and version (`containerd`, `1.6.20`). */
export function nodeSystemInfo(runtime: { name: string; version: string }): NodeSystemInfo {
  return {
    machineID: readTrim('/etc/machine-id'),
    systemUUID: readTrim('/sys/class/dmi/id/product_uuid') || readTrim('/etc/machine-id'),
    bootID: readTrim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: osImage(),
    containerRuntimeVersion: `${runtime.name}://${runtime.version}`,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: NODE_ARCH,
  };
}

/**
 * The node's IPv4 address: the first non-internal IPv4 address of an interface that is not a bridge of ours
 * (kl*, cni*, veth*), else 127.0.0.1.
 */
export function defaultNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(kl|cni|veth|docker|br-)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** InternalIP and Hostname addresses. */
export function nodeAddresses(nodeIP: string, hostname: string): NodeAddress[] {
  return [{ type: 'InternalIP', address: nodeIP }, { type: 'Hostname', address: hostname }];
}
