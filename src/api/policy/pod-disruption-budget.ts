/** Validation of policy/v1 PodDisruptionBudget (kube-apiserver v1.32). PDBs have no defaults in policy/v1. */
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { errInvalid, errNotSupported, GoValue } from '../../apimachinery/validation/field-errors.js';
import { fieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabelSelector } from '../../apimachinery/validation/labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../apps/validation.js';

function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const p = fieldPath('spec');
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    errs.push(errInvalid(p, new GoValue('policy.PodDisruptionBudgetSpec{...}'), 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const k of ['minAvailable', 'maxUnavailable'] as const) {
    errs.push(...validatePositiveIntOrPercent(spec[k], p.child(k)));
    errs.push(...isNotMoreThan100Percent(spec[k], p.child(k)));
  }
  errs.push(...validateLabelSelector(spec.selector, p.child('selector')));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy != null && policy !== 'AlwaysAllow' && policy !== 'IfHealthyBudget') {
    errs.push(errNotSupported(p.child('unhealthyPodEvictionPolicy'), policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

/** PodDisruptionBudget. */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  return [...validateObjectMeta(pdb.metadata, { namespaced: true }), ...validateSpec(pdb)];
}

/** PodDisruptionBudget update (the spec is mutable in policy/v1). */
export function validatePodDisruptionBudgetUpdate(pdb: PodDisruptionBudget, old: PodDisruptionBudget): FieldError[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validateSpec(pdb)];
}
