/**
 * Pod and pod template validation, as kube-apiserver v1.32's core validation does it: containers, ports, env,
 * resources, probes, volumes and mounts, scheduling fields, and the Pod update rule that only images, the active
 * deadline, added tolerations and a few more may change. Messages and field paths match upstream's so that kubectl
 * shows the same `* spec.containers[0].image: Required value` lines.
 */
import type { Container, EnvVar, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Toleration, Volume, VolumeMount, Pod, LifecycleHandler } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import {
  deepEqual, errDuplicate, errForbidden, errInvalid, errNotFound, errNotSupported, errRequired, validateNonnegative,
} from '../../apimachinery/validation/field-errors.js';
import { FieldPath, fieldPath } from '../../apimachinery/validation/field-path.js';
import { validateAnnotations, validateLabelName, validateLabels } from '../../apimachinery/validation/labels.js';
import {
  inclusiveRangeError, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isHTTPHeaderName, isQualifiedName,
  isRelaxedEnvVarName, isValidLabelValue, isValidPortName, isValidPortNum,
} from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import { VOLUME_SOURCE_FIELDS } from './pod-defaults.js';

const MAX_INT32 = 2147483647;
const FILE_MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Checks a DNS-1123 label field. */
export function validateDNS1123Label(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Label(value).map((m) => errInvalid(path, value, m));
}

/** Checks an int-or-string port: a number 1–65535 or an IANA service name. */
export function validatePortNumOrName(port: number | string | undefined, path: FieldPath): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => errInvalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => errInvalid(path, port, m));
  return [errRequired(path)];
}

function validateFileMode(mode: number | undefined, path: FieldPath): FieldError[] {
  return mode != null && (mode > 0o777 || mode < 0) ? [errInvalid(path, mode, FILE_MODE_MESSAGE)] : [];
}

function validateKeyToPaths(items: { key?: string; path?: string; mode?: number }[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((it, i) => {
    const p = path.index(i);
    if (!it.key) errs.push(errRequired(p.child('key')));
    if (!it.path) errs.push(errRequired(p.child('path')));
    else errs.push(...validateLocalNonReservedPath(it.path, p.child('path')));
    errs.push(...validateFileMode(it.mode, p.child('mode')));
  });
  return errs;
}

function validateLocalDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(errInvalid(path, target, 'must be a relative path'));
  if (target.split('/').includes('..')) errs.push(errInvalid(path, target, "must not contain '..'"));
  return errs;
}

function validateLocalNonReservedPath(target: string, path: FieldPath): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..')) errs.push(errInvalid(path, target, "must not start with '..'"));
  return errs;
}

function validateVolumeSource(v: Volume, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rec = v as unknown as Record<string, unknown>;
  let n = 0;
  for (const src of VOLUME_SOURCE_FIELDS) {
    if (rec[src] == null) continue;
    if (n > 0) {
      errs.push(errForbidden(path.child(src), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const p = path.child(src);
    switch (src) {
      case 'hostPath': {
        const hp = v.hostPath!;
        if (!hp.path) errs.push(errRequired(p.child('path')));
        const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
        if (hp.type != null && !types.includes(hp.type)) errs.push(errNotSupported(p.child('type'), hp.type, types));
        break;
      }
      case 'emptyDir': {
        const q = v.emptyDir!.sizeLimit;
        if (q != null && (tryParseQuantity(q)?.sign() ?? -1) < 0) errs.push(errForbidden(p.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
        break;
      }
      case 'secret':
        if (!v.secret!.secretName) errs.push(errRequired(p.child('secretName')));
        else errs.push(...isDNS1123Subdomain(v.secret!.secretName).map((m) => errInvalid(p.child('secretName'), v.secret!.secretName, m)));
        errs.push(...validateFileMode(v.secret!.defaultMode, p.child('defaultMode')));
        errs.push(...validateKeyToPaths(v.secret!.items, p.child('items')));
        break;
      case 'configMap':
        if (!v.configMap!.name) errs.push(errRequired(p.child('name')));
        else errs.push(...isDNS1123Subdomain(v.configMap!.name).map((m) => errInvalid(p.child('name'), v.configMap!.name, m)));
        errs.push(...validateFileMode(v.configMap!.defaultMode, p.child('defaultMode')));
        errs.push(...validateKeyToPaths(v.configMap!.items, p.child('items')));
        break;
      case 'persistentVolumeClaim':
        if (!v.persistentVolumeClaim!.claimName) errs.push(errRequired(p.child('claimName')));
        break;
      case 'nfs':
        if (!v.nfs!.server) errs.push(errRequired(p.child('server')));
        if (!v.nfs!.path) errs.push(errRequired(p.child('path')));
        else if (!v.nfs!.path.startsWith('/')) errs.push(errInvalid(p.child('path'), v.nfs!.path, 'must be an absolute path'));
        break;
      case 'downwardAPI':
        errs.push(...validateFileMode(v.downwardAPI!.defaultMode, p.child('defaultMode')));
        (v.downwardAPI!.items ?? []).forEach((it, i) => {
          if (!it.path) errs.push(errRequired(p.child('items').index(i).child('path')));
          else errs.push(...validateLocalNonReservedPath(it.path, p.child('items').index(i).child('path')));
        });
        break;
      case 'projected':
        errs.push(...validateFileMode(v.projected!.defaultMode, p.child('defaultMode')));
        (v.projected!.sources ?? []).forEach((s, i) => {
          const sp = p.child('sources').index(i);
          const kinds = (['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle'] as const).filter((k) => s[k as keyof typeof s] != null);
          if (kinds.length > 1) errs.push(errForbidden(sp, 'may not specify more than 1 volume type per source'));
          if (s.serviceAccountToken) {
            const es = s.serviceAccountToken.expirationSeconds;
            if (es != null && es < 600) errs.push(errInvalid(sp.child('serviceAccountToken', 'expirationSeconds'), es, 'may not specify a duration less than 10 minutes'));
            if (!s.serviceAccountToken.path) errs.push(errRequired(sp.child('serviceAccountToken', 'path')));
          }
        });
        break;
      case 'csi':
        if (!v.csi!.driver) errs.push(errRequired(p.child('driver')));
        break;
      default:
        break;
    }
  }
  if (n === 0) errs.push(errRequired(path, 'must specify a volume type'));
  return errs;
}

/** Validates `spec.volumes`; returns the errors and the set of declared names. */
export function validateVolumes(volumes: Volume[] | undefined, path: FieldPath): { errors: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = path.index(i);
    errs.push(...validateVolumeSource(v, p));
    if (!v.name) errs.push(errRequired(p.child('name')));
    else errs.push(...validateDNS1123Label(v.name, p.child('name')));
    if (names.has(v.name)) errs.push(errDuplicate(p.child('name'), v.name));
    else names.add(v.name);
  });
  return { errors: errs, names };
}

function validateVolumeMounts(mounts: VolumeMount[] | undefined, volumes: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const points = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = path.index(i);
    if (!m.name) errs.push(errRequired(p.child('name')));
    if (!volumes.has(m.name)) errs.push(errNotFound(p.child('name'), m.name));
    if (!m.mountPath) errs.push(errRequired(p.child('mountPath')));
    if (points.has(m.mountPath)) errs.push(errInvalid(p.child('mountPath'), m.mountPath, 'must be unique'));
    points.add(m.mountPath);
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
    if (m.subPathExpr) {
      if (m.subPath) errs.push(errInvalid(p.child('subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, path.child('subPathExpr')));
    }
    if (m.mountPropagation != null) {
      const modes = ['Bidirectional', 'HostToContainer', 'None'];
      if (!modes.includes(m.mountPropagation)) errs.push(errNotSupported(p.child('mountPropagation'), m.mountPropagation, modes));
    }
  });
  return errs;
}

function validateEnv(vars: EnvVar[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = path.index(i);
    if (!ev.name) errs.push(errRequired(p.child('name')));
    for (const m of isRelaxedEnvVarName(ev.name ?? '')) errs.push(errInvalid(p.child('name'), ev.name ?? '', m));
    const vf = ev.valueFrom;
    if (!vf) return;
    const vp = p.child('valueFrom');
    let n = 0;
    if (vf.fieldRef) {
      n++;
      if (!vf.fieldRef.fieldPath) errs.push(errRequired(vp.child('fieldRef', 'fieldPath')));
    }
    if (vf.resourceFieldRef) {
      n++;
      if (!vf.resourceFieldRef.resource) errs.push(errRequired(vp.child('resourceFieldRef', 'resource')));
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = vf[k];
      if (!ref) continue;
      n++;
      const rp = vp.child(k);
      if (ref.name) errs.push(...isDNS1123Subdomain(ref.name).map((m) => errInvalid(rp.child('name'), ref.name, m)));
      if (!ref.key) errs.push(errRequired(rp.child('key')));
      else errs.push(...isConfigMapKey(ref.key).map((m) => errInvalid(rp.child('key'), ref.key, m)));
    }
    if (n === 0) errs.push(errInvalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (ev.value) errs.push(errInvalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(errInvalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.startsWith('kubernetes.io/');
}

function overcommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => errInvalid(path, name, m));
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) errs.push(errInvalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && name.startsWith('requests.')) {
    errs.push(errInvalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function validateQuantityValue(name: string, value: unknown, path: FieldPath): FieldError[] {
  const q = tryParseQuantity(value);
  if (!q) return [errInvalid(path, String(value), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(errInvalid(path, q.toString(), 'must be greater than or equal to 0'));
  if (!overcommitAllowed(name) && q.milliValue() % 1000 !== 0) errs.push(errInvalid(path, q.toString(), 'must be an integer'));
  return errs;
}

/** Validates container resources: names, quantities, and requests ≤ limits. */
export function validateResourceRequirements(r: ResourceRequirements | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = r?.limits ?? {};
  const requests = r?.requests ?? {};
  for (const [name, v] of Object.entries(limits)) {
    errs.push(...validateResourceName(name, limPath.key(name)));
    errs.push(...validateQuantityValue(name, v, limPath.key(name)));
  }
  for (const [name, v] of Object.entries(requests)) {
    errs.push(...validateResourceName(name, reqPath.key(name)));
    errs.push(...validateQuantityValue(name, v, reqPath.key(name)));
    const req = tryParseQuantity(v);
    const lim = name in limits ? tryParseQuantity(limits[name]) : undefined;
    if (req && lim) {
      if (!overcommitAllowed(name) && req.cmp(lim) !== 0) errs.push(errInvalid(reqPath, req.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      else if (req.cmp(lim) > 0) errs.push(errInvalid(reqPath, req.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
    } else if (!(name in limits) && !overcommitAllowed(name)) {
      errs.push(errRequired(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

function validateHandler(h: LifecycleHandler & { grpc?: unknown } | undefined, path: FieldPath): FieldError[] {
  if (!h) return [];
  const errs: FieldError[] = [];
  let n = 0;
  const take = (name: string): boolean => {
    if (n > 0) {
      errs.push(errForbidden(path.child(name), 'may not specify more than 1 handler type'));
      return false;
    }
    n++;
    return true;
  };
  if (h.exec && take('exec') && !(h.exec.command?.length)) errs.push(errRequired(path.child('exec', 'command')));
  if (h.httpGet && take('httpGet')) {
    const g = h.httpGet;
    const p = path.child('httpGet');
    if (!g.path) errs.push(errRequired(p.child('path')));
    errs.push(...validatePortNumOrName(g.port, p.child('port')));
    if (g.scheme && g.scheme !== 'HTTP' && g.scheme !== 'HTTPS') errs.push(errNotSupported(p.child('scheme'), g.scheme, ['HTTP', 'HTTPS']));
    (g.httpHeaders ?? []).forEach((hd, i) => {
      for (const m of isHTTPHeaderName(hd.name)) errs.push(errInvalid(p.child('httpHeaders').index(i).child('name'), hd.name, m));
    });
  }
  if (h.tcpSocket && take('tcpSocket')) errs.push(...validatePortNumOrName(h.tcpSocket.port, path.child('tcpSocket', 'port')));
  const grpc = (h as { grpc?: { port: number } }).grpc;
  if (grpc && take('grpc')) errs.push(...isValidPortNum(grpc.port).map((m) => errInvalid(path.child('grpc', 'port'), grpc.port, m)));
  const sleep = (h as { sleep?: { seconds: number } }).sleep;
  if (sleep && take('sleep') && sleep.seconds < 0) errs.push(errInvalid(path.child('sleep', 'seconds'), sleep.seconds, 'must be greater than or equal to 0'));
  if (n === 0) errs.push(errRequired(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(p: Probe | undefined, path: FieldPath, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!p) return [];
  const errs = validateHandler(p, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...validateNonnegative(p[f], path.child(f)));
  }
  if (p.terminationGracePeriodSeconds != null) {
    if (kind === 'readiness') errs.push(errInvalid(path.child('terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    else if (p.terminationGracePeriodSeconds <= 0) errs.push(errInvalid(path.child('terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (kind !== 'readiness' && p.successThreshold != null && p.successThreshold !== 1) {
    errs.push(errInvalid(path.child('successThreshold'), p.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateContainerCommon(c: Container, volumes: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(errRequired(path.child('name')));
  else errs.push(...validateDNS1123Label(c.name, path.child('name')));
  if (!c.image) errs.push(errRequired(path.child('image')));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(errRequired(path.child('terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(errNotSupported(path.child('terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = path.child('ports').index(i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) for (const m of msgs) errs.push(errInvalid(p.child('name'), port.name, m));
      else if (portNames.has(port.name)) errs.push(errDuplicate(p.child('name'), port.name));
      else portNames.add(port.name);
    }
    if (!port.containerPort) errs.push(errRequired(p.child('containerPort')));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(errInvalid(p.child('containerPort'), port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(errInvalid(p.child('hostPort'), port.hostPort, m));
    if (!port.protocol) errs.push(errRequired(p.child('protocol')));
    else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(errNotSupported(p.child('protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  errs.push(...validateEnv(c.env, path.child('env')));
  (c.envFrom ?? []).forEach((ef, i) => {
    const p = path.child('envFrom').index(i);
    if (ef.prefix) for (const m of isRelaxedEnvVarName(ef.prefix)) errs.push(errInvalid(p.child('prefix'), ef.prefix, m));
    const n = (ef.configMapRef ? 1 : 0) + (ef.secretRef ? 1 : 0);
    if (n === 0) errs.push(errInvalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(errInvalid(p, '', 'may not have more than one field specified at a time'));
  });
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, path.child('volumeMounts')));
  const pp = c.imagePullPolicy;
  if (!pp) errs.push(errRequired(path.child('imagePullPolicy')));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pp)) errs.push(errNotSupported(path.child('imagePullPolicy'), pp, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResourceRequirements(c.resources, path.child('resources')));
  return errs;
}

function validateContainers(containers: Container[] | undefined, volumes: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = containers ?? [];
  if (list.length === 0) errs.push(errRequired(path));
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(errDuplicate(p.child('name'), c.name));
    else names.add(c.name);
    errs.push(...validateHandler(c.lifecycle?.postStart, p.child('lifecycle', 'postStart')));
    errs.push(...validateHandler(c.lifecycle?.preStop, p.child('lifecycle', 'preStop')));
    errs.push(...validateProbe(c.livenessProbe, p.child('livenessProbe'), 'liveness'));
    errs.push(...validateProbe(c.readinessProbe, p.child('readinessProbe'), 'readiness'));
    errs.push(...validateProbe(c.startupProbe, p.child('startupProbe'), 'startup'));
    if ((c as { restartPolicy?: string }).restartPolicy != null) errs.push(errForbidden(p.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(list, path));
  return errs;
}

function hostPortConflicts(containers: Container[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => (c.ports ?? []).forEach((p, pi) => {
    if (!p.hostPort) return;
    const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
    if (seen.has(key)) errs.push(errDuplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
    seen.add(key);
  }));
  return errs;
}

function validateInitContainers(inits: Container[] | undefined, containers: Container[] | undefined, volumes: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((containers ?? []).map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(errDuplicate(p.child('name'), c.name));
    else names.add(c.name);
    const sidecar = (c as { restartPolicy?: string }).restartPolicy;
    if (sidecar != null && sidecar !== 'Always') errs.push(errNotSupported(p.child('restartPolicy'), sidecar, ['Always']));
    if (sidecar === 'Always') {
      errs.push(...validateProbe(c.livenessProbe, p.child('livenessProbe'), 'liveness'));
      errs.push(...validateProbe(c.readinessProbe, p.child('readinessProbe'), 'readiness'));
      errs.push(...validateProbe(c.startupProbe, p.child('startupProbe'), 'startup'));
    } else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[k] != null) errs.push(errForbidden(p.child(k), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

/** Validates tolerations (key, operator, value, effect, tolerationSeconds). */
export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = path.index(i);
    if (t.key) errs.push(...validateLabelName(t.key, p.child('key')));
    if (!t.key && t.operator !== 'Exists') errs.push(errInvalid(p.child('operator'), t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') errs.push(errInvalid(p.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (t.operator ?? '') {
      case 'Equal': case '':
        for (const m of isValidLabelValue(t.value ?? '')) errs.push(errInvalid(p.child('operator'), t.value ?? '', m));
        break;
      case 'Exists':
        if (t.value) errs.push(errInvalid(p.child('operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(errNotSupported(p.child('operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      errs.push(errNotSupported(p.child('effect'), t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

/** Validates a PodSpec at `path` (`spec`, or `spec.template.spec` for workloads). */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  const s = spec ?? ({ containers: [] } as PodSpec);
  const { errors, names } = validateVolumes(s.volumes, path.child('volumes'));
  const errs = [...errors];
  errs.push(...validateContainers(s.containers, names, path.child('containers')));
  errs.push(...validateInitContainers(s.initContainers, s.containers, names, path.child('initContainers')));
  const rp = s.restartPolicy;
  if (!rp) errs.push(errRequired(path.child('restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(errNotSupported(path.child('restartPolicy'), rp, ['Always', 'OnFailure', 'Never']));
  const dp = s.dnsPolicy;
  if (!dp) errs.push(errRequired(path.child('dnsPolicy')));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dp)) {
    errs.push(errNotSupported(path.child('dnsPolicy'), dp, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  if (dp === 'None' && !s.dnsConfig) errs.push(errRequired(path.child('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateLabels(s.nodeSelector, path.child('nodeSelector')));
  (s.imagePullSecrets ?? []).forEach((r, i) => {
    if (!r.name) errs.push(errRequired(path.child('imagePullSecrets').index(i).child('name')));
  });
  if (s.serviceAccountName) for (const m of isDNS1123Subdomain(s.serviceAccountName)) errs.push(errInvalid(path.child('serviceAccountName'), s.serviceAccountName, m));
  if (s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) errs.push(errInvalid(path.child('nodeName'), s.nodeName, m));
  if (s.activeDeadlineSeconds != null && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(errInvalid(path.child('activeDeadlineSeconds'), s.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  }
  errs.push(...validateNonnegative(s.terminationGracePeriodSeconds, path.child('terminationGracePeriodSeconds')));
  if (s.hostname) errs.push(...validateDNS1123Label(s.hostname, path.child('hostname')));
  if (s.subdomain) errs.push(...validateDNS1123Label(s.subdomain, path.child('subdomain')));
  errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  if (s.priorityClassName) for (const m of isDNS1123Subdomain(s.priorityClassName)) errs.push(errInvalid(path.child('priorityClassName'), s.priorityClassName, m));
  if (s.preemptionPolicy != null && !['Never', 'PreemptLowerPriority'].includes(s.preemptionPolicy)) {
    errs.push(errNotSupported(path.child('preemptionPolicy'), s.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  }
  (s.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = path.child('topologySpreadConstraints').index(i);
    if (!(c.maxSkew > 0)) errs.push(errInvalid(p.child('maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(errRequired(p.child('topologyKey'), 'can not be empty'));
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable)) {
      errs.push(errNotSupported(p.child('whenUnsatisfiable'), c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    }
  });
  return errs;
}

/** Validates a pod template (labels, annotations, spec) at `path` (e.g. `spec.template`). */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: FieldPath): FieldError[] {
  if (!t) return [errRequired(path)];
  const errs = [
    ...validateLabels(t.metadata?.labels, path.child('labels')),
    ...validateAnnotations(t.metadata?.annotations, path.child('annotations')),
    ...validatePodSpec(t.spec, path.child('spec')),
  ];
  if (t.spec?.ephemeralContainers?.length) errs.push(errForbidden(path.child('spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  return errs;
}

/** Validates a new Pod. */
export function validatePod(pod: Pod): FieldError[] {
  return [...validateObjectMeta(pod.metadata, { namespaced: true }), ...validatePodSpec(pod.spec, fieldPath('spec'))];
}

/** The fields a Pod update may change, as upstream lists them in its Forbidden message. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function containerUpdates(next: Container[] | undefined, prev: Container[] | undefined, path: FieldPath): { errors: FieldError[]; stop: boolean } {
  const n = next ?? [];
  if (n.length !== (prev ?? []).length) return { errors: [errForbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    if (!c.image) errs.push(errRequired(path.index(i).child('image')));
    else if (c.image.trim() !== c.image) errs.push(errInvalid(path.index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
  });
  return { errors: errs, stop: false };
}

// A short, readable account of what changed, standing in for upstream's go-cmp diff.
function specDiff(oldSpec: Record<string, unknown>, newSpec: Record<string, unknown>): string {
  const lines = ['  core.PodSpec{'];
  for (const k of [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])]) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(newSpec[k])},`);
  }
  lines.push('  }');
  return lines.join('\n') + '\n';
}

/** Validates a Pod update: the new object must be valid and only the updatable spec fields may change. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePodSpec(pod.spec, fieldPath('spec'))];
  const specPath = fieldPath('spec');
  const ns = pod.spec ?? ({ containers: [] } as PodSpec);
  const os = old.spec ?? ({ containers: [] } as PodSpec);
  for (const k of ['containers', 'initContainers'] as const) {
    const r = containerUpdates(ns[k], os[k], specPath.child(k));
    errs.push(...r.errors);
    if (r.stop) return errs;
  }
  if (ns.activeDeadlineSeconds != null) {
    if (ns.activeDeadlineSeconds < 0 || ns.activeDeadlineSeconds > MAX_INT32) {
      errs.push(errInvalid(specPath.child('activeDeadlineSeconds'), ns.activeDeadlineSeconds, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (os.activeDeadlineSeconds != null && os.activeDeadlineSeconds < ns.activeDeadlineSeconds) {
      errs.push(errInvalid(specPath.child('activeDeadlineSeconds'), ns.activeDeadlineSeconds, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (os.activeDeadlineSeconds != null) {
    errs.push(errInvalid(specPath.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  (os.tolerations ?? []).forEach((t, i) => {
    const kept = (ns.tolerations ?? []).some((n) => deepEqual({ ...n, tolerationSeconds: undefined }, { ...t, tolerationSeconds: undefined }));
    if (!kept) errs.push(errForbidden(specPath.child('tolerations').index(i), 'existing toleration can not be modified except its tolerationSeconds'));
  });
  if (deepEqual(ns, os)) return errs;
  // Copy the updatable fields from the old spec, then anything still different is a forbidden change.
  const munged: PodSpec = structuredClone(ns);
  munged.containers = (munged.containers ?? []).map((c, i) => ({ ...c, image: os.containers?.[i]?.image }) as Container);
  if (munged.initContainers) munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: os.initContainers?.[i]?.image }) as Container);
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.schedulingGates = os.schedulingGates;
  munged.tolerations = os.tolerations;
  if (os.terminationGracePeriodSeconds != null && os.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  if (!deepEqual(munged, os)) {
    const diff = specDiff(os as unknown as Record<string, unknown>, munged as unknown as Record<string, unknown>);
    errs.push(errForbidden(specPath, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`));
  }
  return errs;
}
