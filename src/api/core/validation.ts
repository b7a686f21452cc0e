/**
 * Validation of the core/v1 kinds besides Pod and Service: ConfigMap, Secret, Namespace, Node,
 * ReplicationController, PodTemplate, PersistentVolume(Claim), ServiceAccount, Endpoints, Event, LimitRange and
 * ResourceQuota — create and update, with kube-apiserver v1.32's messages.
 */
import type {
  ConfigMap, Endpoints, Event, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, PodTemplate,
  ReplicationController, ResourceQuota, Secret, ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import {
  deepEqual, errDuplicate, errForbidden, errInvalid, errNotSupported, errRequired, errTooLong, FIELD_IMMUTABLE,
  goStringMap, goStringSlice, validateImmutableField, validateNonnegative,
} from '../../apimachinery/validation/field-errors.js';
import { fieldPath, type FieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabelName, validateLabels } from '../../apimachinery/validation/labels.js';
import {
  isConfigMapKey, isValidCIDR, isValidIP, isValidLabelValue, isValidPortNum, nameIsDNSLabel, nameIsPathSegment,
} from '../../apimachinery/validation/names.js';
import { validateFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { selectorFromSet } from '../../apimachinery/labels/selector.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import { validateDNS1123Label, validatePodTemplateSpec } from './pod-validation.js';

/** ConfigMaps and Secrets may hold at most 1 MiB of data. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const meta = (namespaced: boolean): { namespaced: boolean } => ({ namespaced });

function dataSize(values: Record<string, string> | undefined, base64: boolean): number {
  let n = 0;
  for (const v of Object.values(values ?? {})) n += base64 ? Buffer.from(String(v), 'base64').length : Buffer.byteLength(String(v));
  return n;
}

function configKeyErrors(keys: string[], path: FieldPath): FieldError[] {
  return keys.flatMap((k) => isConfigMapKey(k).map((m) => errInvalid(path.key(k), k, m)));
}

/** ConfigMap: valid keys, no key in both data and binaryData, at most 1 MiB. */
export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, meta(true));
  const data = cm.data ?? {};
  const bin = cm.binaryData ?? {};
  errs.push(...configKeyErrors(Object.keys(data), fieldPath('data')));
  for (const k of Object.keys(data)) if (k in bin) errs.push(errInvalid(fieldPath('data').key(k), k, 'duplicate of key present in binaryData'));
  errs.push(...configKeyErrors(Object.keys(bin), fieldPath('binaryData')));
  if (dataSize(data, false) + dataSize(bin, true) > MAX_SECRET_SIZE) errs.push(errTooLong(fieldPath(''), MAX_SECRET_SIZE));
  return errs;
}

function immutableDataErrors(isImmutable: boolean | undefined, nowImmutable: boolean | undefined, fields: [string, unknown, unknown][]): FieldError[] {
  if (!isImmutable) return [];
  const errs: FieldError[] = [];
  if (!nowImmutable) errs.push(errForbidden(fieldPath('immutable'), 'field is immutable when `immutable` is set'));
  for (const [name, a, b] of fields) if (!deepEqual(a, b)) errs.push(errForbidden(fieldPath(name), 'field is immutable when `immutable` is set'));
  return errs;
}

/** ConfigMap update: nothing in data may change once `immutable` is true. */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cm.metadata, old.metadata),
    ...immutableDataErrors(old.immutable, cm.immutable, [['data', cm.data, old.data], ['binaryData', cm.binaryData, old.binaryData]]),
    ...validateConfigMap(cm).filter((e) => !e.field.startsWith('metadata.')),
  ];
}

/** Secret: valid keys, ≤ 1 MiB, and the keys each built-in type requires. */
export function validateSecret(s: Secret): FieldError[] {
  const errs = validateObjectMeta(s.metadata, meta(true));
  const dataPath = fieldPath('data');
  const data = s.data ?? {};
  errs.push(...configKeyErrors(Object.keys(data), dataPath));
  if (dataSize(data, true) > MAX_SECRET_SIZE) errs.push(errTooLong(dataPath, MAX_SECRET_SIZE));
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(data, k);
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(errRequired(fieldPath('metadata', 'annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        errs.push(errRequired(dataPath.key(key)));
        break;
      }
      try {
        JSON.parse(Buffer.from(data[key], 'base64').toString('utf8'));
      } catch (e) {
        errs.push(errInvalid(dataPath.key(key), '<secret contents redacted>', (e as Error).message));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(errRequired(dataPath.key('username')), errRequired(dataPath.key('password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(errRequired(dataPath.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(errRequired(dataPath.key('tls.crt')));
      if (!has('tls.key')) errs.push(errRequired(dataPath.key('tls.key')));
      break;
    default:
      break;
  }
  return errs;
}

/** Secret update: type is immutable, and data too once `immutable` is true. */
export function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  if ((s.type ?? '') !== (old.type ?? '')) errs.push(errInvalid(fieldPath('type'), s.type ?? '', FIELD_IMMUTABLE));
  errs.push(...immutableDataErrors(old.immutable, s.immutable, [['data', s.data, old.data]]));
  return [...errs, ...validateSecret(s).filter((e) => !e.field.startsWith('metadata.'))];
}

/** Namespace: name a DNS-1123 label, finalizers qualified names. */
export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDNSLabel });
  (ns.spec?.finalizers ?? []).forEach((f, i) => errs.push(...validateFinalizerName(f, fieldPath('spec', 'finalizers').index(i))));
  return errs;
}

/** Namespace update: metadata rules only (spec.finalizers changes go through the finalize subresource). */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  return [...validateObjectMetaUpdate(ns.metadata, old.metadata), ...validateNamespace(ns).filter((e) => !e.field.startsWith('metadata.'))];
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Node: podCIDRs, taints (key, value, effect, no duplicates). */
export function validateNode(node: Node): FieldError[] {
  const errs = validateObjectMeta(node.metadata, meta(false));
  const spec = node.spec ?? {};
  (spec.podCIDRs ?? []).forEach((c, i) => {
    for (const m of isValidCIDR(c)) errs.push(errInvalid(fieldPath('spec', 'podCIDRs').index(i), c, m));
  });
  if (spec.podCIDR && spec.podCIDRs?.length && spec.podCIDRs[0] !== spec.podCIDR) {
    errs.push(errInvalid(fieldPath('spec', 'podCIDRs'), goStringSlice(spec.podCIDRs), 'the first value must match podCIDR'));
  }
  const seen = new Set<string>();
  (spec.taints ?? []).forEach((t, i) => {
    const p = fieldPath('spec', 'taints').index(i);
    errs.push(...validateLabelName(t.key ?? '', p.child('key')));
    if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(errInvalid(p.child('value'), t.value, m));
    if (!t.effect) errs.push(errRequired(p.child('effect')));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(errNotSupported(p.child('effect'), t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(errDuplicate(p, `${t.key}:${t.effect}`));
    seen.add(key);
  });
  return errs;
}

/** Node update: podCIDR(s) and providerID may only go from unset to set. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  const ns = node.spec ?? {};
  const os = old.spec ?? {};
  if (os.podCIDRs?.length && !deepEqual(ns.podCIDRs, os.podCIDRs)) {
    errs.push(errForbidden(fieldPath('spec', 'podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
  }
  if (os.providerID && ns.providerID !== os.providerID) {
    errs.push(errForbidden(fieldPath('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  return [...errs, ...validateNode(node).filter((e) => !e.field.startsWith('metadata.'))];
}

/** ReplicationController: a non-empty selector matching the template, restartPolicy Always, replicas ≥ 0. */
export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const errs = validateObjectMeta(rc.metadata, meta(true));
  const spec = rc.spec ?? {};
  const p = fieldPath('spec');
  const sel = spec.selector ?? {};
  if (Object.keys(sel).length === 0) errs.push(errRequired(p.child('selector')));
  errs.push(...validateLabels(sel, p.child('selector')));
  errs.push(...validateNonnegative(spec.replicas, p.child('replicas')));
  errs.push(...validateNonnegative(spec.minReadySeconds, p.child('minReadySeconds')));
  const t = spec.template;
  if (!t) {
    errs.push(errRequired(p.child('template')));
  } else {
    if (Object.keys(sel).length > 0 && !selectorFromSet(sel).matches(t.metadata?.labels)) {
      errs.push(errInvalid(p.child('template', 'metadata', 'labels'), goStringMap(t.metadata?.labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validatePodTemplateSpec(t, p.child('template')));
    if (t.spec?.restartPolicy && t.spec.restartPolicy !== 'Always') errs.push(errNotSupported(p.child('template', 'spec', 'restartPolicy'), t.spec.restartPolicy, ['Always']));
    if (t.spec?.activeDeadlineSeconds != null) {
      errs.push(errInvalid(p.child('template', 'spec', 'activeDeadlineSeconds'), t.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'));
    }
  }
  return errs;
}

/** ReplicationController update. */
export function validateReplicationControllerUpdate(rc: ReplicationController, old: ReplicationController): FieldError[] {
  return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateReplicationController(rc).filter((e) => !e.field.startsWith('metadata.'))];
}

/** PodTemplate. */
export function validatePodTemplate(pt: PodTemplate): FieldError[] {
  return [...validateObjectMeta(pt.metadata, meta(true)), ...validatePodTemplateSpec(pt.template, fieldPath('template'))];
}

/** PodTemplate update. */
export function validatePodTemplateUpdate(pt: PodTemplate, old: PodTemplate): FieldError[] {
  return [...validateObjectMetaUpdate(pt.metadata, old.metadata), ...validatePodTemplateSpec(pt.template, fieldPath('template'))];
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function validateAccessModes(modes: string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes?.length) errs.push(errRequired(path, 'at least 1 access mode is required'));
  for (const m of modes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(errNotSupported(path, m, ACCESS_MODES));
  if (modes?.includes('ReadWriteOncePod') && modes.length > 1) errs.push(errForbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** PersistentVolumeClaim: access modes and a positive storage request. */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const errs = validateObjectMeta(pvc.metadata, meta(true));
  const spec = pvc.spec ?? {};
  const p = fieldPath('spec');
  errs.push(...validateAccessModes(spec.accessModes, p.child('accessModes')));
  if (spec.selector) errs.push(...validateLabels(spec.selector.matchLabels, p.child('selector', 'matchLabels')));
  const storage = spec.resources?.requests?.storage;
  if (storage == null) {
    errs.push(errRequired(p.child('resources').key('storage')));
  } else {
    const q = tryParseQuantity(storage);
    if (!q || q.sign() <= 0) errs.push(errInvalid(p.child('resources', 'requests').key('storage'), q ? q.toString() : String(storage), 'must be greater than zero'));
  }
  if (spec.volumeMode != null && !['Block', 'Filesystem'].includes(spec.volumeMode)) errs.push(errNotSupported(p.child('volumeMode'), spec.volumeMode, ['Block', 'Filesystem']));
  return errs;
}

/** PersistentVolumeClaim update: the spec is immutable except storage requests (and binding by the controller). */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata);
  const a = structuredClone(pvc.spec ?? {});
  const b = structuredClone(old.spec ?? {});
  // Binding sets volumeName once; resizing changes requests. Everything else is fixed.
  if (!b.volumeName) b.volumeName = a.volumeName;
  // As upstream (the retroactive default StorageClass): a claim without a class may be given one, once.
  if (b.storageClassName == null) b.storageClassName = a.storageClassName;
  if (a.resources) a.resources = { ...a.resources, requests: undefined };
  if (b.resources) b.resources = { ...b.resources, requests: undefined };
  if (!deepEqual(a, b)) errs.push(errForbidden(fieldPath('spec'), 'spec is immutable after creation except resources.requests for bound claims'));
  return [...errs, ...validatePersistentVolumeClaim(pvc).filter((e) => !e.field.startsWith('metadata.'))];
}

const PV_SOURCES = ['awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'glusterfs', 'hostPath', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume'];

/** PersistentVolume: capacity, access modes, exactly one source, reclaim policy. */
export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const errs = validateObjectMeta(pv.metadata, { namespaced: false, nameFn: nameIsPathSegment });
  const spec = pv.spec ?? {};
  const p = fieldPath('spec');
  errs.push(...validateAccessModes(spec.accessModes, p.child('accessModes')));
  const cap = spec.capacity ?? {};
  if (Object.keys(cap).length === 0) errs.push(errRequired(p.child('capacity')));
  for (const k of Object.keys(cap)) if (k !== 'storage') errs.push(errNotSupported(p.child('capacity').key(k), k, ['storage']));
  const rec = spec as Record<string, unknown>;
  const sources = PV_SOURCES.filter((s) => rec[s] != null);
  if (sources.length === 0) errs.push(errRequired(p, 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(errForbidden(p.child(s), 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(errRequired(p.child('hostPath', 'path')));
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp && !['Delete', 'Recycle', 'Retain'].includes(rp)) errs.push(errNotSupported(p.child('persistentVolumeReclaimPolicy'), rp, ['Delete', 'Recycle', 'Retain']));
  return errs;
}

/** PersistentVolume update. */
export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validateObjectMetaUpdate(pv.metadata, old.metadata);
  if (old.spec?.volumeMode && pv.spec?.volumeMode !== old.spec.volumeMode) errs.push(...validateImmutableField(pv.spec?.volumeMode, old.spec.volumeMode, fieldPath('volumeMode')));
  return [...errs, ...validatePersistentVolume(pv).filter((e) => !e.field.startsWith('metadata.'))];
}

/** ServiceAccount. */
export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  return validateObjectMeta(sa.metadata, meta(true));
}

/** ServiceAccount update. */
export function validateServiceAccountUpdate(sa: ServiceAccount, old: ServiceAccount): FieldError[] {
  return validateObjectMetaUpdate(sa.metadata, old.metadata);
}

/** Endpoints: addresses are IPs, ports valid with unique names. */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, meta(true));
  (ep.subsets ?? []).forEach((s, i) => {
    const sp = fieldPath('subsets').index(i);
    if (!s.addresses?.length && !s.notReadyAddresses?.length) {
      errs.push(errRequired(sp, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const k of ['addresses', 'notReadyAddresses'] as const) {
      (s[k] ?? []).forEach((a, j) => {
        for (const m of isValidIP(a.ip)) errs.push(errInvalid(sp.child(k).index(j).child('ip'), a.ip, m));
      });
    }
    const names = new Set<string>();
    (s.ports ?? []).forEach((port, j) => {
      const pp = sp.child('ports').index(j);
      if ((s.ports?.length ?? 0) > 1 && !port.name) errs.push(errRequired(pp.child('name')));
      if (port.name) {
        errs.push(...validateDNS1123Label(port.name, pp.child('name')));
        if (names.has(port.name)) errs.push(errDuplicate(pp.child('name'), port.name));
        names.add(port.name);
      }
      for (const m of isValidPortNum(port.port)) errs.push(errInvalid(pp.child('port'), port.port, m));
      if (!port.protocol) errs.push(errRequired(pp.child('protocol')));
      else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(errNotSupported(pp.child('protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}

/** Endpoints update. */
export function validateEndpointsUpdate(ep: Endpoints, old: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateEndpoints(ep).filter((e) => !e.field.startsWith('metadata.'))];
}

/** Event (core/v1): the involved object's namespace must match the event's. */
export function validateEvent(ev: Event): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, meta(true));
  const ns = ev.metadata?.namespace ?? '';
  const ins = ev.involvedObject?.namespace ?? '';
  if (ins === '' ? ns !== '' && ns !== 'default' : ns !== ins) {
    errs.push(errInvalid(fieldPath('involvedObject', 'namespace'), ins, 'does not match event.namespace'));
  }
  if (ev.type && !['Normal', 'Warning'].includes(ev.type) && ev.reportingComponent) {
    errs.push(errNotSupported(fieldPath('type'), ev.type, ['Normal', 'Warning']));
  }
  return errs;
}

/** Event update. */
export function validateEventUpdate(ev: Event, old: Event): FieldError[] {
  return [...validateObjectMetaUpdate(ev.metadata, old.metadata), ...validateEvent(ev).filter((e) => !e.field.startsWith('metadata.'))];
}

/** LimitRange: item types and quantities. */
export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs = validateObjectMeta(lr.metadata, meta(true));
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const p = fieldPath('spec', 'limits').index(i);
    if (!['Container', 'Pod', 'PersistentVolumeClaim'].includes(item.type)) errs.push(errNotSupported(p.child('type'), item.type, ['Container', 'PersistentVolumeClaim', 'Pod']));
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      for (const [name, v] of Object.entries(item[k] ?? {})) {
        const q = tryParseQuantity(v);
        if (!q || q.sign() < 0) errs.push(errInvalid(p.child(k).key(name), String(v), 'must be greater than or equal to 0'));
      }
    }
  });
  return errs;
}

/** LimitRange update. */
export function validateLimitRangeUpdate(lr: LimitRange, old: LimitRange): FieldError[] {
  return [...validateObjectMetaUpdate(lr.metadata, old.metadata), ...validateLimitRange(lr).filter((e) => !e.field.startsWith('metadata.'))];
}

/** ResourceQuota: non-negative hard limits. */
export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  const errs = validateObjectMeta(rq.metadata, meta(true));
  for (const [name, v] of Object.entries(rq.spec?.hard ?? {})) {
    const q = tryParseQuantity(v);
    if (!q || q.sign() < 0) errs.push(errInvalid(fieldPath('spec', 'hard').key(name), String(v), 'must be greater than or equal to 0'));
  }
  return errs;
}

/** ResourceQuota update. */
export function validateResourceQuotaUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  return [...validateObjectMetaUpdate(rq.metadata, old.metadata), ...validateResourceQuota(rq).filter((e) => !e.field.startsWith('metadata.'))];
}

