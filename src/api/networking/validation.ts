/**
 * Validation of networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy (kube-apiserver v1.32): rules or a
 * default backend, hosts, paths with a required pathType, backends naming a service and a port.
 */
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { errInvalid, errNotSupported, errRequired, GoValue } from '../../apimachinery/validation/field-errors.js';
import { fieldPath, type FieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabelSelector } from '../../apimachinery/validation/labels.js';
import {
  ipFamilyOf, isDNS1035Label, isDNS1123Subdomain, isValidCIDR, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain,
} from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { validatePortNumOrName } from '../core/pod-validation.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];

function withoutMeta(errs: FieldError[]): FieldError[] {
  return errs.filter((e) => !e.field.startsWith('metadata.'));
}

function validateBackend(b: IngressBackend | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = b?.resource != null;
  const svc = b?.service;
  if (hasResource && svc) return [errInvalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = b!.resource!;
    if (!r.kind) errs.push(errRequired(path.child('resource', 'kind')));
    if (!r.name) errs.push(errRequired(path.child('resource', 'name')));
    return errs;
  }
  if (!svc) return [errInvalid(path, '', 'resource or service backend is required')];
  if (!svc.name) errs.push(errRequired(path.child('service', 'name')));
  else errs.push(...isDNS1035Label(svc.name).map((m) => errInvalid(path.child('service', 'name'), svc.name, m)));
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  if (portName && portNumber) errs.push(errInvalid(path, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...isValidPortName(portName).map((m) => errInvalid(path.child('service', 'port', 'name'), portName, m)));
  else if (portNumber) errs.push(...isValidPortNum(portNumber).map((m) => errInvalid(path.child('service', 'port', 'number'), portNumber, m)));
  else errs.push(errRequired(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: FieldPath): FieldError[] {
  if (p.pathType == null || (p.pathType as string) === '') return [errRequired(path.child('pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = p.path ?? '';
  switch (p.pathType) {
    case 'Exact': case 'Prefix':
      if (!value.startsWith('/')) errs.push(errInvalid(path.child('path'), value, 'must be an absolute path'));
      if (value) {
        for (const s of INVALID_SEQUENCES) if (value.includes(s)) errs.push(errInvalid(path.child('path'), value, `must not contain '${s}'`));
        for (const s of INVALID_SUFFIXES) if (value.endsWith(s)) errs.push(errInvalid(path.child('path'), value, `cannot end with '${s}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(errInvalid(path.child('path'), value, 'must be an absolute path'));
      break;
    default:
      errs.push(errNotSupported(path.child('pathType'), p.pathType, PATH_TYPES));
  }
  return [...errs, ...validateBackend(p.backend, path.child('backend'))];
}

function validateHost(host: string, path: FieldPath): FieldError[] {
  if (ipFamilyOf(host) !== 0) return [errInvalid(path, host, 'must be a DNS name, not an IP address')];
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  return msgs.map((m) => errInvalid(path, host, m));
}

/** Ingress. */
export function validateIngress(ing: Ingress): FieldError[] {
  const errs = validateObjectMeta(ing.metadata, { namespaced: true });
  const spec = ing.spec ?? {};
  const p = fieldPath('spec');
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(errInvalid(p, new GoValue('[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, p.child('defaultBackend')));
  rules.forEach((r, i) => {
    const rp = p.child('rules').index(i);
    if (r.host) errs.push(...validateHost(r.host, rp.child('host')));
    if (r.http) {
      const paths = r.http.paths ?? [];
      if (paths.length === 0) errs.push(errRequired(rp.child('http', 'paths')));
      paths.forEach((hp, j) => errs.push(...validatePath(hp, rp.child('http', 'paths').index(j))));
    }
  });
  (spec.tls ?? []).forEach((t, i) => {
    (t.hosts ?? []).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(errInvalid(p.child('tls').index(i).child('hosts').index(j), h, m));
    });
  });
  if (spec.ingressClassName != null) {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(errInvalid(p.child('ingressClassName'), spec.ingressClassName, m));
  }
  return errs;
}

/** Ingress update. */
export function validateIngressUpdate(ing: Ingress, old: Ingress): FieldError[] {
  return [...validateObjectMetaUpdate(ing.metadata, old.metadata), ...withoutMeta(validateIngress(ing))];
}

/** IngressClass: a controller name (domain-prefixed path, ≤ 250 characters). */
export function validateIngressClass(ic: IngressClass): FieldError[] {
  const errs = validateObjectMeta(ic.metadata, { namespaced: false });
  const c = ic.spec?.controller ?? '';
  const p = fieldPath('spec', 'controller');
  if (!c) errs.push(errRequired(p));
  else if (c.length > 250) errs.push(errInvalid(p, c, 'must be no more than 250 characters'));
  else if (!/^[^/]+\/.+$/.test(c)) errs.push(errInvalid(p, c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  return errs;
}

/** IngressClass update: the controller is immutable. */
export function validateIngressClassUpdate(ic: IngressClass, old: IngressClass): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ic.metadata, old.metadata), ...withoutMeta(validateIngressClass(ic))];
  if ((ic.spec?.controller ?? '') !== (old.spec?.controller ?? '')) errs.push(errInvalid(fieldPath('spec', 'controller'), ic.spec?.controller ?? '', 'field is immutable'));
  return errs;
}

/** NetworkPolicy: selectors, ports, peers and policy types. */
export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const errs = validateObjectMeta(np.metadata, { namespaced: true });
  const spec: NetworkPolicySpec = np.spec ?? { podSelector: {} };
  const p = fieldPath('spec');
  errs.push(...validateLabelSelector(spec.podSelector, p.child('podSelector')));
  for (const dir of ['ingress', 'egress'] as const) {
    (spec[dir] ?? []).forEach((rule, i) => {
      const rp = p.child(dir).index(i);
      (rule.ports ?? []).forEach((port, j) => {
        const pp = rp.child('ports').index(j);
        if (port.protocol && !['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(errNotSupported(pp.child('protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
        if (port.port != null) errs.push(...validatePortNumOrName(port.port, pp.child('port')));
        if (port.endPort != null && typeof port.port !== 'number') errs.push(errRequired(pp.child('port'), 'must specify port when endPort is specified'));
      });
      const peers = (dir === 'ingress' ? (rule as { from?: unknown[] }).from : (rule as { to?: unknown[] }).to) ?? [];
      (peers as { podSelector?: object; namespaceSelector?: object; ipBlock?: { cidr: string } }[]).forEach((peer, j) => {
        const pp = rp.child(dir === 'ingress' ? 'from' : 'to').index(j);
        const n = (peer.podSelector ? 1 : 0) + (peer.namespaceSelector ? 1 : 0) + (peer.ipBlock ? 1 : 0);
        if (n === 0) errs.push(errRequired(pp, 'must specify a peer'));
        else if (peer.ipBlock && n > 1) errs.push(errInvalid(pp, '', 'may not specify both ipBlock and another peer'));
        if (peer.ipBlock) for (const m of isValidCIDR(peer.ipBlock.cidr ?? '')) errs.push(errInvalid(pp.child('ipBlock', 'cidr'), peer.ipBlock.cidr ?? '', m));
      });
    });
  }
  (spec.policyTypes ?? []).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(errNotSupported(p.child('policyTypes').index(i), t, ['Ingress', 'Egress']));
  });
  return errs;
}

/** NetworkPolicy update. */
export function validateNetworkPolicyUpdate(np: NetworkPolicy, old: NetworkPolicy): FieldError[] {
  return [...validateObjectMetaUpdate(np.metadata, old.metadata), ...withoutMeta(validateNetworkPolicy(np))];
}
