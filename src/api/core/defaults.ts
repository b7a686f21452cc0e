/**
 * Defaults for core/v1 kinds other than the pod spec itself (see pod-defaults.ts): Service, ReplicationController,
 * Namespace, Node, PersistentVolume(Claim), Secret, Endpoints, LimitRange, PodTemplate. Each mutates the object it is
 * given, which the caller owns. Field values are kube-apiserver v1.32's defaults.
 */
import type {
  Endpoints, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, PodTemplate, ReplicationController,
  Secret, Service,
} from 'kubernetes-types/core/v1.js';
import { ipFamilyOf } from '../../apimachinery/validation/names.js';
import { defaultPersistentVolumeClaimSpec, defaultPodTemplateSpec } from './pod-defaults.js';

/** `T` without kubernetes-types' readonly markers (on `status`), for defaulting a copy the caller owns. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Service: type ClusterIP, sessionAffinity None, port protocol TCP and targetPort = port, traffic policies. */
export function defaultService(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ||= 'ClusterIP';
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    // A zero or empty targetPort means "the same as port".
    if (p.targetPort == null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type !== 'ExternalName' && !spec.internalTrafficPolicy) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  // clusterIP and clusterIPs[0] are one value in two fields; the service strategy keeps them in step.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (spec.type !== 'ExternalName') {
    // Single-stack IPv4 unless the user asked otherwise (what the service REST storage settles on a one-family cluster).
    spec.ipFamilyPolicy ||= 'SingleStack';
    if (!spec.ipFamilies || spec.ipFamilies.length === 0) {
      const ip = spec.clusterIPs?.[0] ?? spec.clusterIP;
      spec.ipFamilies = [ip && ipFamilyOf(ip) === 6 ? 'IPv6' : 'IPv4'];
    }
  }
  // status.loadBalancer is a non-pointer struct upstream and always serialises.
  const st = ((svc as Writable<Service>).status ??= {});
  st.loadBalancer ??= {};
}

/** ReplicationController: selector and object labels from the template labels, replicas 1. */
export function defaultReplicationController(rc: ReplicationController): void {
  rc.spec ??= {};
  const labels = rc.spec.template?.metadata?.labels;
  if (labels) {
    if (!rc.spec.selector || Object.keys(rc.spec.selector).length === 0) rc.spec.selector = { ...labels };
    rc.metadata ??= {};
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  rc.spec.replicas ??= 1;
  defaultPodTemplateSpec(rc.spec.template);
}

/** PodTemplate: the pod spec defaults. */
export function defaultPodTemplate(pt: PodTemplate): void {
  defaultPodTemplateSpec(pt.template);
}

/**
 * Namespace: the `kubernetes.io/metadata.name` label, the `kubernetes` finalizer and phase Active (the finalizer and
 * phase come from the namespace strategy upstream; applying them here gives the same stored object).
 */
export function defaultNamespace(ns: Namespace): void {
  ns.metadata ??= {};
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
  ns.status ??= {};
  ns.status.phase ||= 'Active';
}

/** Node: allocatable defaults to capacity. */
export function defaultNode(node: Node): void {
  if (node.status?.capacity && !node.status.allocatable) node.status.allocatable = { ...node.status.capacity };
}

/** PersistentVolume: reclaimPolicy Retain, volumeMode Filesystem, phase Pending. */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  pv.spec ??= {};
  pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
  pv.spec.volumeMode ||= 'Filesystem';
  const st = ((pv as Writable<PersistentVolume>).status ??= {});
  st.phase ||= 'Pending';
}

/** PersistentVolumeClaim: volumeMode Filesystem, phase Pending. */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  pvc.spec ??= {};
  defaultPersistentVolumeClaimSpec(pvc.spec);
  const st = ((pvc as Writable<PersistentVolumeClaim>).status ??= {});
  st.phase ||= 'Pending';
}

/**
 * Secret: type Opaque, and `stringData` folded into `data` (base64), which is what upstream's conversion does on
 * write, so `stringData` is never stored.
 */
export function defaultSecret(secret: Secret): void {
  secret.type ||= 'Opaque';
  if (secret.stringData) {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret.stringData;
  }
}

/** Endpoints: port protocol TCP. */
export function defaultEndpoints(ep: Endpoints): void {
  for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) p.protocol ||= 'TCP';
}

/** LimitRange: for Container items, default ← max, defaultRequest ← default, then ← min. */
export function defaultLimitRange(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    item.default ??= {};
    item.defaultRequest ??= {};
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in item.default)) item.default[k] = v;
    for (const [k, v] of Object.entries(item.default)) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
  }
}
