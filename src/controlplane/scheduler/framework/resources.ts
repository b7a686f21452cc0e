/**
 * Resource arithmetic of the scheduler in plain numbers: cpu in millicores, memory and ephemeral-storage in bytes,
 * extended resources (`example.com/gpu`) as whole units. Quantities are parsed once per pod and per node, so the
 * per-node filter and score work compares numbers only.
 *
 * A pod's request is counted the Kubernetes way: max(largest init container, sum of app containers) + overhead,
 * where restartable init containers (sidecars) run alongside everything started after them, so they are added to
 * the app sum and to every later init container (as upstream's resource helpers).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../../apimachinery/quantity.js';

/** Amounts of the resources the scheduler accounts for. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and hugepages resources by name; absent when there are none (the common case). */
  scalar?: Map<string, number>;
}

/** What a node offers: Resources plus the number of pods allowed. */
export interface Allocatable extends Resources {
  pods: number;
}

/** The cpu request assumed for a container without one, for scoring only (upstream DefaultMilliCPURequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** The memory request assumed for a container without one, for scoring only (upstream DefaultMemoryRequest, 200Mi). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A new zero amount. */
export function zeroResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0 };
}

function isScalarResource(name: string): boolean {
  // Extended resources are domain-prefixed (not kubernetes.io/); hugepages-* are node-level scalars too.
  return name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/'))
    || name.startsWith('attachable-volumes-');
}

/** Parses a ResourceList into numbers; unparsable values count as zero (validation rejects them upstream). */
export function parseResourceList(list: Record<string, unknown> | undefined): Allocatable {
  const r: Allocatable = { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0 };
  if (!list) return r;
  for (const [name, raw] of Object.entries(list)) {
    const q = tryParseQuantity(raw);
    if (!q) continue;
    switch (name) {
      case 'cpu': r.milliCPU = q.milliValue(); break;
      case 'memory': r.memory = q.value(); break;
      case 'ephemeral-storage': r.ephemeralStorage = q.value(); break;
      case 'pods': r.pods = q.value(); break;
      default:
        if (isScalarResource(name)) (r.scalar ??= new Map()).set(name, q.value());
    }
  }
  return r;
}

/** a += b (in place). */
export function addResources(a: Resources, b: Resources, sign = 1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, (a.scalar.get(k) ?? 0) + sign * v);
  }
}

function maxInto(a: Resources, b: Resources): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v));
  }
}

function cloneResources(r: Resources): Resources {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar ? new Map(r.scalar) : undefined };
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const req = c.resources?.requests as Record<string, unknown> | undefined;
  const r: Resources = parseResourceList(req);
  if (nonZero) {
    // Only a missing request gets the default; an explicit 0 stays 0 (upstream's non-missing container requests).
    if (req?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  delete (r as Partial<Allocatable>).pods;
  return r;
}

/**
 * The pod's effective request. With `nonZero`, containers without a cpu/memory request count the defaults above,
 * which is what scoring uses so that request-less pods still spread.
 */
export function podRequests(pod: Pod, opts: { nonZero?: boolean } = {}): Resources {
  const nonZero = opts.nonZero ?? false;
  const spec = pod.spec;
  const total = zeroResources();
  for (const c of spec?.containers ?? []) addResources(total, containerRequests(c, nonZero));
  const sidecars = zeroResources();
  const initMax = zeroResources();
  for (const c of spec?.initContainers ?? []) {
    const req = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addResources(total, req);
      addResources(sidecars, req);
      maxInto(initMax, sidecars);
    } else {
      const during = cloneResources(req);
      addResources(during, sidecars);
      maxInto(initMax, during);
    }
  }
  maxInto(total, initMax);
  if (spec?.overhead) {
    const o = parseResourceList(spec.overhead as Record<string, unknown>);
    delete (o as Partial<Allocatable>).pods;
    addResources(total, o);
  }
  return total;
}

/** True when nothing is requested. */
export function isZero(r: Resources): boolean {
  if (r.milliCPU !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  if (r.scalar) for (const v of r.scalar.values()) if (v !== 0) return false;
  return true;
}
