/** StorageClass (storage.k8s.io/v1) defaults and validation, as kube-apiserver v1.32. */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { deepEqual, errForbidden, errInvalid, errNotSupported, errRequired } from '../../apimachinery/validation/field-errors.js';
import { fieldPath } from '../../apimachinery/validation/field-path.js';
import { isQualifiedName } from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';

/** Defaults: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}

/** StorageClass. */
export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs = validateObjectMeta(sc.metadata, { namespaced: false });
  if (!sc.provisioner) errs.push(errRequired(fieldPath('provisioner')));
  else for (const m of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(errInvalid(fieldPath('provisioner'), sc.provisioner, m));
  if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(errNotSupported(fieldPath('reclaimPolicy'), sc.reclaimPolicy, ['Delete', 'Retain']));
  if (sc.volumeBindingMode && !['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode)) {
    errs.push(errNotSupported(fieldPath('volumeBindingMode'), sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  return errs;
}

/** StorageClass update: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed. */
export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sc.metadata, old.metadata), ...validateStorageClass(sc).filter((e) => !e.field.startsWith('metadata.'))];
  if (!deepEqual(sc.parameters, old.parameters)) errs.push(errForbidden(fieldPath('parameters'), 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(errForbidden(fieldPath('provisioner'), 'updates to provisioner are forbidden.'));
  if ((sc.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) errs.push(errForbidden(fieldPath('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  if ((sc.volumeBindingMode ?? '') !== (old.volumeBindingMode ?? '')) errs.push(errForbidden(fieldPath('volumeBindingMode'), 'field is immutable'));
  return errs;
}
