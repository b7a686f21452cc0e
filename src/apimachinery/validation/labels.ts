/**
 * Validation of label maps, annotation maps and metav1.LabelSelector values, as apimachinery's
 * `metav1/validation` does it. Note that label errors point at the map (`metadata.labels`), not at the key,
 * exactly as upstream reports them.
 */
import type { FieldError } from '../errors/status-error.js';
import { errForbidden, errInvalid, errRequired, errTooLong } from './field-errors.js';
import type { FieldPath } from './field-path.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** The total size limit for a single object's annotations (keys + values), 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Checks a label key. */
export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => errInvalid(path, name, m));
}

/** Checks every key and value of a label map. */
export function validateLabels(labels: Record<string, string> | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(String(v))) errs.push(errInvalid(path, v, m));
  }
  return errs;
}

/** Checks annotation keys (qualified names, case-insensitively) and the 256 KiB total size. */
export function validateAnnotations(annotations: Record<string, string> | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(errInvalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(errTooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** A metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirementLike {
  key: string;
  operator: string;
  values?: string[];
}

/** A metav1.LabelSelector. */
export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementLike[];
}

/** Options for validateLabelSelector. */
export interface LabelSelectorValidationOptions {
  /** Skip label-value checks on matchExpressions values (kept for objects stored before the check existed). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** Checks one matchExpressions entry. */
export function validateLabelSelectorRequirement(sr: LabelSelectorRequirementLike, path: FieldPath, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const values = sr.values ?? [];
  switch (sr.operator) {
    case 'In': case 'NotIn':
      if (values.length === 0) errs.push(errRequired(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length > 0) errs.push(errForbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(errInvalid(path.child('operator'), sr.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(sr.key ?? '', path.child('key')));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(errInvalid(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

/** Checks a metav1.LabelSelector (matchLabels and matchExpressions). A missing selector is valid here. */
export function validateLabelSelector(sel: LabelSelectorLike | null | undefined, path: FieldPath, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (sel == null) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  (sel.matchExpressions ?? []).forEach((e, i) => errs.push(...validateLabelSelectorRequirement(e, path.child('matchExpressions').index(i), opts)));
  return errs;
}
