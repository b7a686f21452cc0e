/**
 * ObjectMeta validation on create and update, as apimachinery's `ValidateObjectMeta` / `ValidateObjectMetaUpdate`:
 * name or generateName, namespace presence for the resource's scope, labels, annotations, owner references,
 * finalizers, and the fields that may never change.
 */
import type { FieldError } from '../errors/status-error.js';
import { errForbidden, errInvalid, errRequired, goStringSlice, validateImmutableField, validateNonnegative } from './field-errors.js';
import { FieldPath, fieldPath } from './field-path.js';
import { validateAnnotations, validateLabels } from './labels.js';
import { isDNS1123Label, isQualifiedName, nameIsDNSSubdomain, type NameValidator } from './names.js';

/** The subset of metav1.ObjectMeta that validation reads. */
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean }[];
  finalizers?: string[];
}

/** How a kind's metadata is validated. */
export interface ObjectMetaOptions {
  /** The resource is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /** How names are checked; DNS-1123 subdomain when omitted. */
  nameFn?: NameValidator;
}

/** Finalizer names that need no domain prefix. */
export const STANDARD_FINALIZERS: ReadonlySet<string> = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Validates a namespace name (a DNS-1123 label). */
export function validateNamespaceName(name: string, prefix: boolean): string[] {
  return isDNS1123Label(prefix && name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name);
}

/** Checks one finalizer name. */
export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => errInvalid(path, name, m));
  if (errs.length > 0) return errs;
  if (!STANDARD_FINALIZERS.has(name) && !name.includes('/')) {
    return [errInvalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function validateFinalizers(finalizers: string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  list.forEach((f) => errs.push(...validateFinalizerName(f, path)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(errInvalid(path, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(refs: ObjectMetaLike['ownerReferences'], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  (refs ?? []).forEach((r, i) => {
    const p = path.index(i);
    if (!r.apiVersion) errs.push(errInvalid(p.child('apiVersion'), r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(errInvalid(p.child('kind'), r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(errInvalid(p.child('name'), r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(errInvalid(p.child('uid'), r.uid ?? '', 'uid must not be empty'));
    if (r.controller) controllers.push(`${r.kind}/${r.name}`);
  });
  if (controllers.length > 1) {
    errs.push(errInvalid(path, goStringSlice(controllers), `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return errs;
}

// The checks shared by create and update.
function validateCommonMeta(m: ObjectMetaLike, path: FieldPath): FieldError[] {
  return [
    ...validateNonnegative(m.generation, path.child('generation')),
    ...validateLabels(m.labels, path.child('labels')),
    ...validateAnnotations(m.annotations, path.child('annotations')),
    ...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')),
    ...validateFinalizers(m.finalizers, path.child('finalizers')),
  ];
}

/** Validates metadata of a new object. */
export function validateObjectMeta(meta: ObjectMetaLike | undefined, opts: ObjectMetaOptions, path: FieldPath = fieldPath('metadata')): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true)) errs.push(errInvalid(path.child('generateName'), m.generateName, msg));
  }
  if (!m.name) {
    errs.push(errRequired(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(m.name, false)) errs.push(errInvalid(path.child('name'), m.name, msg));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(errRequired(path.child('namespace')));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(errInvalid(path.child('namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(errForbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateCommonMeta(m, path));
  return errs;
}

/** Validates metadata of an updated object against the stored one. */
export function validateObjectMetaUpdate(meta: ObjectMetaLike | undefined, old: ObjectMetaLike | undefined, path: FieldPath = fieldPath('metadata')): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateImmutableField(m.name, o.name, path.child('name'), m.name ?? ''));
  errs.push(...validateImmutableField(m.namespace, o.namespace, path.child('namespace'), m.namespace ?? ''));
  errs.push(...validateImmutableField(m.uid, o.uid, path.child('uid'), m.uid ?? ''));
  errs.push(...validateImmutableField(m.creationTimestamp, o.creationTimestamp, path.child('creationTimestamp'), m.creationTimestamp ?? null));
  if (o.deletionGracePeriodSeconds != null && m.deletionGracePeriodSeconds !== o.deletionGracePeriodSeconds) {
    errs.push(errInvalid(path.child('deletionGracePeriodSeconds'), m.deletionGracePeriodSeconds ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (o.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp) {
    errs.push(errInvalid(path.child('deletionTimestamp'), m.deletionTimestamp ?? null, 'field is immutable; may only be changed via deletion'));
  }
  errs.push(...validateCommonMeta(m, path));
  return errs;
}
