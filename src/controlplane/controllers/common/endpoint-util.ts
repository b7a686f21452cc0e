/**
 * What the Endpoints and EndpointSlice controllers judge alike, as upstream's shared endpoint utilities
 * (k8s.io/endpointslice/util and pkg/controller/util/endpoint): which pods belong in a Service's endpoints, how a
 * Service port resolves on one pod (named target ports), when a pod's hostname is published, which Services select
 * a pod, and whether a pod change can matter to its Services at all.
 *
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../../apimachinery/labels/selector.js';
import type { Lister } from '../../../client/index.js';
import { isPodReady } from './pods.js';

/** Label put on the Endpoints and EndpointSlices of a headless Service (value ""). */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** True unless the Service is headless or has no cluster IP yet (upstream IsServiceIPSet). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/** The pod's IPs (status.podIPs, falling back to status.podIP). */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** True for an IPv6 address string. */
export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/**
 * Whether a pod belongs in endpoints at all (upstream ShouldPodBeInEndpoints): not terminal (Succeeded/Failed), has
 * an IP, and — unless `includeTerminating` — is not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/**
 * Whether the pod's hostname is published on this Service's endpoints (upstream ShouldSetHostname): the pod sets
 * spec.hostname and its spec.subdomain names this Service in the same namespace — the StatefulSet DNS pattern.
 */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return Boolean(pod.spec?.hostname) && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/**
 * The port number `svcPort` reaches on `pod` (upstream FindPort): a numeric targetPort as is (missing means the
 * Service port, as the API server defaults it); a named one looked up among the container ports — and ports of
 * sidecar init containers (restartPolicy Always) — with the same name and protocol. Undefined when the pod has no
 * such port, in which case that Service port is left out for this pod.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = svcPort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** The pods a Service with a selector selects, from the pod cache (no selector: none — its endpoints are the user's). */
export function podsForService(pods: Lister<Pod>, svc: Service): Pod[] {
  const sel = svc.spec?.selector;
  if (!sel) return [];
  const s = selectorFromSet(sel);
  return pods.listNamespace(svc.metadata?.namespace ?? '', (p) => s.matches(p.metadata?.labels ?? {}));
}

/** Keys (`ns/name`) of the Services in the pod's namespace whose selector matches the pod's labels. */
export function serviceKeysForPod(services: Lister<Service>, pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  const keys: string[] = [];
  for (const svc of services.listNamespace(ns)) {
    const sel = svc.spec?.selector;
    if (!sel) continue;
    if (selectorFromSet(sel).matches(labels)) keys.push(`${ns}/${svc.metadata?.name}`);
  }
  return keys;
}

/** The parts of a pod endpoints are made of; two pods with equal fingerprints give equal endpoints. */
function fingerprint(pod: Pod): string {
  return JSON.stringify([
    podIPs(pod), isPodReady(pod), Boolean(pod.metadata?.deletionTimestamp), pod.status?.phase, pod.spec?.nodeName,
    pod.spec?.hostname, pod.spec?.subdomain, pod.metadata?.uid,
    (pod.spec?.containers ?? []).map((c) => c.ports ?? []), (pod.spec?.initContainers ?? []).map((c) => [c.restartPolicy, c.ports ?? []]),
  ]);
}

/**
 * The Services a pod update must resync (upstream GetServicesToUpdateOnPodChange): none if nothing that endpoints
 * are made of changed; the Services matching the old or the new labels otherwise.
 */
export function serviceKeysForPodUpdate(services: Lister<Service>, old: Pod, cur: Pod): string[] {
  if (old.metadata?.resourceVersion !== undefined && old.metadata.resourceVersion === cur.metadata?.resourceVersion) return [];
  const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
  if (!labelsChanged && fingerprint(old) === fingerprint(cur)) return [];
  const keys = new Set(serviceKeysForPod(services, cur));
  if (labelsChanged) for (const k of serviceKeysForPod(services, old)) keys.add(k);
  return [...keys];
}
