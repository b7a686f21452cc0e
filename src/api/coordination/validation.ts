/** Validation of coordination.k8s.io/v1 Lease (kube-apiserver v1.32): positive duration, non-negative transitions. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { errInvalid, validateNonnegative } from '../../apimachinery/validation/field-errors.js';
import { fieldPath } from '../../apimachinery/validation/field-path.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';

function validateLeaseSpec(lease: Lease): FieldError[] {
  const spec = lease.spec ?? {};
  const p = fieldPath('spec');
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.push(errInvalid(p.child('leaseDurationSeconds'), spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...validateNonnegative(spec.leaseTransitions, p.child('leaseTransitions')));
  return errs;
}

/** Lease. */
export function validateLease(lease: Lease): FieldError[] {
  return [...validateObjectMeta(lease.metadata, { namespaced: true }), ...validateLeaseSpec(lease)];
}

/** Lease update. */
export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease)];
}
