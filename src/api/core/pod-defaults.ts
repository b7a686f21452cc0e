/**
 * Defaults for Pod specs and everything inside them (containers, ports, probes, volumes, env), as kube-apiserver's
 * core/v1 defaulting applies them. Workload kinds (Deployment, Job, …) reuse `defaultPodTemplateSpec`, which — like
 * upstream — applies the PodSpec defaults but not the Pod-only ones (enableServiceLinks, requests from limits).
 */
import type { Container, ContainerPort, EphemeralContainer, HTTPGetAction, PersistentVolumeClaimSpec, Pod, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js';

/** The file mode configMap, secret, downwardAPI and projected volumes get: 0644. */
export const DEFAULT_VOLUME_MODE = 0o644;

/**
 * The tag of an image reference as the defaulting sees it: `latest` when there is neither tag nor digest, `''` for a
 * digest-only reference, else the tag.
 */
export function imageTag(image: string): string {
  let ref = image;
  const at = ref.indexOf('@');
  const hasDigest = at >= 0;
  if (hasDigest) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : '';
  if (tag === '' && !hasDigest) return 'latest';
  return tag;
}

/** `Always` for `:latest` or untagged images, else `IfNotPresent`. */
export function defaultPullPolicy(image: string | undefined): string {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  h.path ||= '/';
  h.scheme ||= 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  defaultHTTPGet(p.httpGet);
}

function defaultPorts(ports: ContainerPort[] | undefined): void {
  for (const p of ports ?? []) p.protocol ||= 'TCP';
}

/** Defaults one container (also used for init and ephemeral containers). */
export function defaultContainer(c: Container | EphemeralContainer): void {
  c.imagePullPolicy ||= defaultPullPolicy(c.image);
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  // `resources` is a non-pointer struct upstream, so it always serialises, as `{}` when empty.
  c.resources ??= {};
  defaultPorts(c.ports);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
  for (const e of c.env ?? []) {
    const f = e.valueFrom?.fieldRef;
    if (f) f.apiVersion ||= 'v1';
    const r = e.valueFrom?.resourceFieldRef;
    if (r) r.divisor ??= '0';
  }
}

/** Defaults for a PersistentVolumeClaimSpec (volumeMode Filesystem). */
export function defaultPersistentVolumeClaimSpec(spec: PersistentVolumeClaimSpec | undefined): void {
  if (spec) spec.volumeMode ||= 'Filesystem';
}

const VOLUME_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image', 'iscsi',
  'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO',
  'secret', 'storageos', 'vsphereVolume',
] as const;

/** The names of the volume source fields a Volume may set (exactly one). */
export const VOLUME_SOURCE_FIELDS: readonly string[] = VOLUME_SOURCES;

/** Defaults one volume: no source means an emptyDir, and file modes default to 0644. */
export function defaultVolume(v: Volume): void {
  const rec = v as unknown as Record<string, unknown>;
  if (!VOLUME_SOURCES.some((k) => rec[k] != null)) v.emptyDir = {};
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.secret) v.secret.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of src.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ||= 'default';
  if (v.rbd) {
    v.rbd.pool ||= 'rbd';
    v.rbd.user ||= 'admin';
    v.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ||= 'ReadWrite';
    v.azureDisk.fsType ||= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ||= 'Shared';
  }
  if (v.ephemeral?.volumeClaimTemplate) defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
}

function defaultHostNetworkPorts(containers: Container[] | undefined): void {
  for (const c of containers ?? []) for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
}

/** PodSpec defaults shared by Pods and every pod template. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // The deprecated `serviceAccount` mirrors `serviceAccountName` (upstream's conversion keeps them in step).
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** Defaults a pod template (workload kinds): the PodSpec defaults only. */
export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  if (t) defaultPodSpec(t.spec);
}

function defaultRequestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  c.resources!.requests ??= {};
  for (const [k, v] of Object.entries(limits)) if (!(k in c.resources!.requests)) c.resources!.requests[k] = v;
}

/** Defaults a Pod: PodSpec defaults plus the Pod-only ones (service links, requests from limits, host ports). */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  defaultPodSpec(spec);
  // Requests default to limits only on Pods, never on templates, so a template keeps what its author wrote.
  for (const c of spec.containers ?? []) defaultRequestsFromLimits(c);
  for (const c of spec.initContainers ?? []) defaultRequestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
  // Set by the Priority admission plugin when no PriorityClass applies; every created Pod shows them.
  if (spec.priority == null && !spec.priorityClassName) spec.priority = 0;
  spec.preemptionPolicy ||= 'PreemptLowerPriority';
}
