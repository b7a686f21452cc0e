/**
 * The EndpointSlice reconciler, as upstream's k8s.io/endpointslice Reconciler, as a pure function: given a Service,
 * the pods it selects and the slices that exist, it plans which slices to create, update and delete. The plan keeps
 * churn low the way upstream does:
 *  - per address family (the Service's ipFamilies) and per distinct port set (named target ports can make pods
 *    expose different ports), existing slices keep the endpoints that still exist, updated in place;
 *  - slices that lost endpoints are updated (deleted when empty); new endpoints first fill slices already being
 *    updated, then the existing slice that ends up closest to full, then new slices of at most `maxEndpointsPerSlice`;
 *  - a Service with no endpoints of a family keeps one empty placeholder slice, never recreated;
 *  - a planned create and a planned delete of the same family become one update of the old slice.
 * Endpoint conditions: ready = publishNotReadyAddresses || (pod Ready && not terminating), serving = pod Ready,
 * terminating = pod being deleted (terminating pods stay listed so proxies can drain them).
 */
import type { EndpointConditions, Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { sameObject } from '../common/canonical-json.js';
import { isPodReady } from '../common/pods.js';
import { findPort, HEADLESS_LABEL, isIPv6, isServiceIPSet, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../common/endpoint-util.js';

/** Value of the managed-by label on slices this controller owns. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Label naming a slice's Service. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Label naming the controller that manages a slice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** Node label giving an endpoint's zone. */
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
/** kube-controller-manager's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** What the reconciler knows about a node. */
export interface NodeInfo {
  zone?: string;
}

/** Inputs besides the Service, its pods and its slices. */
export interface ReconcileOptions {
  maxEndpointsPerSlice?: number;
  /** The node named `name`, or undefined if the cache has no such node. */
  node(name: string): NodeInfo | undefined;
}

/** What to write. Updates carry the name and resourceVersion of the slice they replace. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out because their node is unknown (the sync retries later, as upstream). */
  errors: string[];
}

type AddressType = 'IPv4' | 'IPv6';

/** The address families a Service's slices cover (upstream getAddressTypesForService). */
export function addressTypesForService(svc: Service): AddressType[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  if (fams.length) return [...new Set(fams)];
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** The ports a pod offers for the Service (upstream getEndpointPorts). */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** The endpoint a pod contributes in one family (upstream podToEndpoint). */
export function podToEndpoint(pod: Pod, node: NodeInfo | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const conditions: EndpointConditions = { ready: svc.spec?.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating };
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (node?.zone) ep.zone = node.zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}

/** Labels of a slice of `svc`: the Service's labels (minus reserved keys), the headless marker, and ours. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY && k !== HEADLESS_LABEL) labels[k] = v;
  }
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

/** The controller reference slices carry (garbage collection removes them with their Service). */
export function serviceOwnerRef(svc: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** True if `slice` is owned by exactly this Service (same uid). */
export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === svc.metadata?.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

/** A generateName prefix for the Service's slices (upstream getEndpointSlicePrefix). */
function slicePrefix(svcName: string): string {
  return svcName.length + 1 <= 253 - 5 ? `${svcName}-` : svcName;
}

function newSlice(svc: Service, addressType: AddressType, ports: EndpointPort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata?.name ?? ''), namespace: svc.metadata?.namespace,
      labels: sliceLabels(svc), ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType, endpoints: [], ports: structuredClone(ports),
  };
}

/** Identity of an endpoint across syncs (upstream's endpoint hash): its addresses, hostname and pod. */
function endpointKey(ep: Endpoint): string {
  return `${[...(ep.addresses ?? [])].sort().join(',')}|${ep.hostname ?? ''}|${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}`;
}

/** Identity of a port set. */
function portsKey(ports: readonly EndpointPort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());
}

function equalLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  return sameObject(a ?? {}, b);
}

/** Plans the writes that bring the Service's slices in line with its pods. Never mutates its inputs. */
export function reconcileSlices(svc: Service, pods: readonly Pod[], existing: readonly EndpointSlice[], opts: ReconcileOptions): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], errors: [] };
  const types = addressTypesForService(svc);
  const byType = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!types.includes(s.addressType as AddressType)) {
      plan.delete.push(s);
      continue;
    }
    const list = byType.get(s.addressType) ?? [];
    list.push(s);
    byType.set(s.addressType, list);
  }
  for (const t of types) reconcileByAddressType(svc, pods, byType.get(t) ?? [], t, opts, plan);
  return plan;
}

function reconcileByAddressType(svc: Service, pods: readonly Pod[], existing: EndpointSlice[], addressType: AddressType, opts: ReconcileOptions, plan: SlicePlan): void {
  const max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  const toDelete: EndpointSlice[] = [];
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      toDelete.push(s);
      continue;
    }
    const k = portsKey(s.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
  }

  // Desired state: endpoints grouped by the port set their pod offers.
  const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
  const headlessNoPorts = (svc.spec?.ports ?? []).length === 0 && svc.spec?.clusterIP === 'None';
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = headlessNoPorts ? [] : endpointPorts(svc, pod);
    const pk = portsKey(ports);
    let group = desired.get(pk);
    if (!group) desired.set(pk, (group = { ports, endpoints: new Map() }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodeName ? opts.node(nodeName) : undefined;
    if (!node && svc.spec?.publishNotReadyAddresses !== true) {
      plan.errors.push(`skipping Pod ${pod.metadata?.name} for Service ${svc.metadata?.namespace}/${svc.metadata?.name}: Node ${nodeName || '(none)'} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses!.length > 0) group.endpoints.set(endpointKey(ep), ep);
  }
  // A group whose pods were all skipped still exists (upstream keeps the empty set), so its slices are not churned.

  const labels = sliceLabels(svc);
  for (const [pk, group] of desired) {
    reconcileByPorts(svc, existingByPorts.get(pk) ?? [], group.endpoints, group.ports, addressType, labels, max, { toCreate, toUpdate, toDelete });
  }
  for (const [pk, slices] of existingByPorts) if (!desired.has(pk)) toDelete.push(...slices);

  // No slices would remain: keep (or make) one empty placeholder.
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(svc, addressType, []);
    const only = toDelete.length === 1 ? toDelete[0] : undefined;
    if (only && ownedBy(only, svc) && only.metadata?.namespace === svc.metadata?.namespace && equalLabels(only.metadata?.labels, labels) &&
      sameObject(only.endpoints, []) && sameObject(only.ports, []) && only.addressType === addressType) {
      toDelete.length = 0;
    } else {
      toCreate.push(placeholder);
    }
  }

  // Turn create+delete pairs into updates of the old slice (fewer watch events, stable names).
  for (let i = 0; i < toDelete.length && toCreate.length > 0;) {
    const old = toDelete[i];
    if (old.addressType === addressType && ownedBy(old, svc)) {
      const s = toCreate.pop()!;
      s.metadata = { ...old.metadata, labels: s.metadata!.labels, ownerReferences: s.metadata!.ownerReferences };
      toUpdate.push(s);
      toDelete.splice(i, 1);
    } else {
      i++;
    }
  }
  plan.create.push(...toCreate);
  plan.update.push(...toUpdate);
  plan.delete.push(...toDelete);
}

function reconcileByPorts(
  svc: Service, existing: EndpointSlice[], desiredIn: Map<string, Endpoint>, ports: EndpointPort[], addressType: AddressType,
  labels: Record<string, string>, max: number, out: { toCreate: EndpointSlice[]; toUpdate: EndpointSlice[]; toDelete: EndpointSlice[] },
): void {
  const desired = new Map(desiredIn);
  const updating: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  // 1. Keep the endpoints of existing slices that are still wanted (refreshed); drop the others.
  for (const slice of existing) {
    let changed = false;
    const kept: Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (!want) {
        changed = true;
        continue;
      }
      desired.delete(k);
      if (!sameObject(ep, want)) changed = true;
      kept.push(want);
    }
    if (!equalLabels(slice.metadata?.labels, labels)) changed = true;
    if (!changed) {
      unchanged.push(slice);
      continue;
    }
    if (kept.length === 0) {
      out.toDelete.push(slice);
      continue;
    }
    const next = structuredClone(slice);
    next.endpoints = kept;
    next.metadata!.labels = { ...labels };
    updating.push(next);
  }
  // 2. New endpoints go first into slices already being updated, fullest first.
  const remaining = [...desired.values()];
  updating.sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
  for (const s of updating) {
    while (remaining.length > 0 && s.endpoints!.length < max) s.endpoints!.push(remaining.shift()!);
  }
  // 3. Then into the unchanged slice that ends up closest to full, else into new slices.
  while (remaining.length > 0) {
    let target: EndpointSlice | undefined;
    if (remaining.length < max && unchanged.length > 0) {
      let best = max;
      for (const s of unchanged) {
        const diff = max - (remaining.length + (s.endpoints?.length ?? 0));
        if (diff >= 0 && diff < best) {
          best = diff;
          target = s;
        }
      }
    }
    if (target) {
      unchanged.splice(unchanged.indexOf(target), 1);
      target = structuredClone(target);
      target.endpoints ??= [];
      target.metadata!.labels = { ...labels };
    } else {
      target = newSlice(svc, addressType, ports);
    }
    while (remaining.length > 0 && target.endpoints!.length < max) target.endpoints!.push(remaining.shift()!);
    (target.metadata?.name ? updating : out.toCreate).push(target);
  }
  out.toUpdate.push(...updating);
}
