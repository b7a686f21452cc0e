/**
 * Service validation on create and update (kube-apiserver v1.32): name as a DNS-1035 label, ports, type and
 * session affinity enums, cluster IPs and their immutability, traffic policies and the selector.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import {
  errDuplicate, errForbidden, errInvalid, errNotSupported, errRequired, goQuote, goStringSlice, GoValue,
} from '../../apimachinery/validation/field-errors.js';
import { fieldPath, type FieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabels } from '../../apimachinery/validation/labels.js';
import { INVALID_IP_MESSAGE, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, nameIsDNS1035Label } from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { validateDNS1123Label, validatePortNumOrName } from './pod-validation.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

// The Go rendering of the (protocol, port) key upstream reports for a duplicate port.
function goServicePortKey(protocol: string, port: number, nodePort = 0): GoValue {
  return new GoValue(`core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:${nodePort}}`);
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(errRequired(path.child('name')));
  else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, path.child('name')));
    if (names.has(sp.name)) errs.push(errDuplicate(path.child('name'), sp.name));
    else names.add(sp.name);
  }
  for (const m of isValidPortNum(sp.port)) errs.push(errInvalid(path.child('port'), sp.port ?? 0, m));
  if (!sp.protocol) errs.push(errRequired(path.child('protocol')));
  else if (!PROTOCOLS.includes(sp.protocol)) errs.push(errNotSupported(path.child('protocol'), sp.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol != null) for (const m of isQualifiedName(sp.appProtocol)) errs.push(errInvalid(path.child('appProtocol'), sp.appProtocol, m));
  return errs;
}

/** Validates a new Service (also run on update, after the update-only checks). */
export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDNS1035Label });
  const spec = svc.spec ?? {};
  const specPath = fieldPath('spec');
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !isHeadless(svc) && spec.type !== 'ExternalName') errs.push(errRequired(specPath.child('ports')));
  switch (spec.type) {
    case 'LoadBalancer': case 'NodePort':
      if (isHeadless(svc)) errs.push(errInvalid(specPath.child('clusterIPs').index(0), 'None', `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if (spec.clusterIPs?.length) errs.push(errForbidden(specPath.child('clusterIPs'), 'may not be set for ExternalName services'));
      if (spec.ipFamilies?.length) errs.push(errForbidden(specPath.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy != null) errs.push(errForbidden(specPath.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => errInvalid(specPath.child('externalName'), cname, m)));
      else errs.push(errRequired(specPath.child('externalName')));
      break;
    }
    default:
      break;
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, specPath.child('ports').index(i))));
  if (spec.selector) errs.push(...validateLabels(spec.selector, specPath.child('selector')));
  if (!spec.sessionAffinity) errs.push(errRequired(specPath.child('sessionAffinity')));
  else if (!['ClientIP', 'None'].includes(spec.sessionAffinity)) errs.push(errNotSupported(specPath.child('sessionAffinity'), spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t == null) errs.push(errRequired(specPath.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds')));
    else if (t <= 0 || t > 86400) errs.push(errInvalid(specPath.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds'), t, 'must be greater than 0 and less than 86400'));
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig != null) {
    errs.push(errForbidden(specPath.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }
  const cips = spec.clusterIPs ?? [];
  if (spec.clusterIP && cips.length > 0 && cips[0] !== spec.clusterIP) {
    errs.push(errInvalid(specPath.child('clusterIPs'), goStringSlice(cips), 'first value must match `clusterIP`'));
  }
  cips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (cips.length > 1) errs.push(errInvalid(specPath.child('clusterIPs'), goStringSlice(cips), "'None' must be the first and only value"));
      return;
    }
    for (const m of isValidIP(ip)) errs.push(errInvalid(specPath.child('clusterIPs').index(i), ip, m));
  });
  if (spec.ipFamilyPolicy != null && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(spec.ipFamilyPolicy)) {
    errs.push(errNotSupported(specPath.child('ipFamilyPolicy'), spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(errNotSupported(specPath.child('ipFamilies').index(i), f, ['IPv4', 'IPv6']));
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (isValidIP(ip).length) errs.push(errInvalid(specPath.child('externalIPs').index(i), ip, INVALID_IP_MESSAGE));
  });
  if (!spec.type) errs.push(errRequired(specPath.child('type')));
  else if (!TYPES.includes(spec.type)) errs.push(errNotSupported(specPath.child('type'), spec.type, TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(errForbidden(specPath.child('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(errDuplicate(specPath.child('ports').index(i).child('nodePort'), p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) errs.push(errDuplicate(specPath.child('ports').index(i), goServicePortKey(p.protocol ?? '', p.port)));
    seen.add(key);
  });
  const external = spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
  if (!external) {
    if (spec.externalTrafficPolicy) errs.push(errInvalid(specPath.child('externalTrafficPolicy'), spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!spec.externalTrafficPolicy) {
    errs.push(errRequired(specPath.child('externalTrafficPolicy')));
  } else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) {
    errs.push(errNotSupported(specPath.child('externalTrafficPolicy'), spec.externalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (spec.internalTrafficPolicy == null) {
    if (spec.type !== 'ExternalName') errs.push(errRequired(specPath.child('internalTrafficPolicy')));
  } else if (!['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) {
    errs.push(errNotSupported(specPath.child('internalTrafficPolicy'), spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  return errs;
}

/** Validates a Service update: cluster IPs may not change once set (except to or from ExternalName). */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  const ns = svc.spec ?? {};
  const os = old.spec ?? {};
  const p = fieldPath('spec', 'clusterIPs');
  if (ns.type !== 'ExternalName' && os.type !== 'ExternalName' && !(isHeadless(svc) && isHeadless(old))) {
    const n = ns.clusterIPs ?? [];
    const o = os.clusterIPs ?? [];
    if (o.length === n.length) {
      o.forEach((ip, i) => {
        if (ip !== n[i]) errs.push(errInvalid(p.index(i), goStringSlice(n), 'may not change once set'));
      });
    } else if (o.length > n.length) {
      if (n.length === 0) errs.push(errInvalid(p.index(0), goStringSlice(n), 'primary clusterIP can not be unset'));
      if (o.length > 0 && n.length > 0 && n[0] !== o[0]) errs.push(errInvalid(p.index(0), goStringSlice(n), 'may not change once set'));
      if (n.length === 1 && ns.ipFamilyPolicy !== 'SingleStack') {
        errs.push(errInvalid(p.index(0), goStringSlice(n), "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (o.length > 0 && n[0] !== o[0]) {
      errs.push(errInvalid(p.index(0), goStringSlice(n), 'may not change once set'));
    }
  }
  if (os.loadBalancerClass != null && ns.loadBalancerClass !== os.loadBalancerClass && os.type === 'LoadBalancer' && ns.type === 'LoadBalancer') {
    errs.push(errInvalid(fieldPath('spec', 'loadBalancerClass'), ns.loadBalancerClass ?? null, 'may not change once set'));
  }
  return [...errs, ...validateService(svc).filter((e) => !e.field.startsWith('metadata.'))];
}

/**
 * Carries allocated values from the stored Service into an update that omitted them (the service strategy's
 * "patch allocated values"), so `kubectl apply` of a manifest without clusterIP or nodePort keeps them. Also keeps
 * `clusterIP` and `clusterIPs` in step, as the strategy's normalisation does.
 */
export function preserveServiceAllocations(svc: Service, old: Service | undefined): void {
  if (old?.spec) dropTypeDependentFields(svc, old);
  const spec = (svc.spec ??= {});
  if (old?.spec && spec.type !== 'ExternalName' && old.spec.type !== 'ExternalName') {
    if (!spec.clusterIP && !spec.clusterIPs?.length) {
      if (old.spec.clusterIP) spec.clusterIP = old.spec.clusterIP;
      if (old.spec.clusterIPs) spec.clusterIPs = [...old.spec.clusterIPs];
    }
    if (!spec.ipFamilies?.length && old.spec.ipFamilies) spec.ipFamilies = [...old.spec.ipFamilies];
    if (spec.ipFamilyPolicy == null && old.spec.ipFamilyPolicy) spec.ipFamilyPolicy = old.spec.ipFamilyPolicy;
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        const prev = (old.spec.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (prev?.nodePort) p.nodePort = prev.nodePort;
      }
      if (spec.healthCheckNodePort == null && old.spec.healthCheckNodePort != null && spec.externalTrafficPolicy === 'Local') {
        spec.healthCheckNodePort = old.spec.healthCheckNodePort;
      }
    }
  }
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
}

function externallyAccessible(spec: NonNullable<Service['spec']>): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
}

/**
 * Drops what a Service no longer needs after a type change, when the update left it as it was (so the server, not
 * the user, set it): as kube-apiserver's dropTypeDependentFields. Without this, `kubectl apply` turning a NodePort
 * Service into ClusterIP carries the allocated nodePorts and `externalTrafficPolicy` over and fails validation.
 */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec;
  const os = old.spec;
  if (!spec || !os) return;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (os.type !== 'ExternalName' && spec.type === 'ExternalName') {
    if (same(spec.clusterIP, os.clusterIP) && same(spec.clusterIPs, os.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, os.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, os.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  const needsNodePorts = (t: string | undefined) => t === 'NodePort' || t === 'LoadBalancer';
  if (needsNodePorts(os.type) && !needsNodePorts(spec.type)) {
    // Ports may be added, removed or changed, as long as no node port is new.
    const oldPorts = new Set((os.ports ?? []).map((p) => p.nodePort).filter(Boolean));
    if ((spec.ports ?? []).every((p) => !p.nodePort || oldPorts.has(p.nodePort))) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  const needsHealthCheck = (x: typeof spec) => x.type === 'LoadBalancer' && x.externalTrafficPolicy === 'Local';
  if (needsHealthCheck(os) && !needsHealthCheck(spec) && same(spec.healthCheckNodePort, os.healthCheckNodePort)) delete spec.healthCheckNodePort;
  if (os.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts != null && spec.allocateLoadBalancerNodePorts === os.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (same(spec.loadBalancerClass, os.loadBalancerClass)) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(os) && !externallyAccessible(spec) && same(spec.externalTrafficPolicy, os.externalTrafficPolicy)) delete spec.externalTrafficPolicy;
}
