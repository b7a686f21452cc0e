/**
 * EndpointSlice (discovery.k8s.io/v1) defaults and validation, as kube-apiserver v1.32: ports default to TCP with an
 * empty name; addressType is required, one of IPv4/IPv6/FQDN and immutable; addresses match the type; at most 1000
 * endpoints and 100 ports.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import {
  errDuplicate, errInvalid, errNotSupported, errRequired, errTooMany, validateImmutableField,
} from '../../apimachinery/validation/field-errors.js';
import { fieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabels } from '../../apimachinery/validation/labels.js';
import { ipFamilyOf, isDNS1123Label, isDNS1123Subdomain, isValidPortNum } from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

/** Defaults: port protocol TCP and name "". */
export function defaultEndpointSlice(es: EndpointSlice): void {
  for (const p of es.ports ?? []) {
    p.protocol ||= 'TCP';
    p.name ??= '';
  }
}

function validateSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const t = es.addressType as string | undefined;
  if (!t) errs.push(errRequired(fieldPath('addressType')));
  else if (!ADDRESS_TYPES.includes(t)) errs.push(errNotSupported(fieldPath('addressType'), t, ADDRESS_TYPES));
  const eps = es.endpoints ?? [];
  if (eps.length > MAX_ENDPOINTS) errs.push(errTooMany(fieldPath('endpoints'), eps.length, MAX_ENDPOINTS));
  eps.forEach((ep, i) => {
    const p = fieldPath('endpoints').index(i);
    const addrs = ep.addresses ?? [];
    if (addrs.length === 0) errs.push(errRequired(p.child('addresses'), 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(errTooMany(p.child('addresses'), addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => {
      const ap = p.child('addresses').index(j);
      if (t === 'IPv4' && ipFamilyOf(a) !== 4) errs.push(errInvalid(ap, a, 'must be a valid IPv4 address'));
      if (t === 'IPv6' && ipFamilyOf(a) !== 6) errs.push(errInvalid(ap, a, 'must be a valid IPv6 address'));
      if (t === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(errInvalid(ap, a, m));
    });
    if (ep.hostname) for (const m of isDNS1123Label(ep.hostname)) errs.push(errInvalid(p.child('hostname'), ep.hostname, m));
    if (ep.nodeName) for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(errInvalid(p.child('nodeName'), ep.nodeName, m));
    if (ep.deprecatedTopology) errs.push(...validateLabels(ep.deprecatedTopology, p.child('deprecatedTopology')));
  });
  const ports = es.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push(errTooMany(fieldPath('ports'), ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = fieldPath('ports').index(i);
    const name = port.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(errInvalid(p.child('name'), name, m));
    if (names.has(name)) errs.push(errDuplicate(p.child('name'), name));
    names.add(name);
    if (!port.protocol) errs.push(errRequired(p.child('protocol')));
    else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(errNotSupported(p.child('protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
    if (port.port != null) for (const m of isValidPortNum(port.port)) errs.push(errInvalid(p.child('port'), port.port, m));
  });
  return errs;
}

/** EndpointSlice. */
export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  return [...validateObjectMeta(es.metadata, { namespaced: true }), ...validateSlice(es)];
}

/** EndpointSlice update: addressType is immutable. */
export function validateEndpointSliceUpdate(es: EndpointSlice, old: EndpointSlice): FieldError[] {
  return [
    ...validateObjectMetaUpdate(es.metadata, old.metadata),
    ...validateSlice(es),
    ...validateImmutableField(es.addressType, old.addressType, fieldPath('addressType'), es.addressType ?? ''),
  ];
}
