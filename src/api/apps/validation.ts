/**
 * Validation of apps/v1 kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision) on create and
 * update, with kube-apiserver v1.32's messages — notably the selector/template check users meet through
 * `kubectl create deployment` (`spec.template.metadata.labels: Invalid value: map[string]string{…}: `selector` does
 * not match template `labels``) and the immutable selector (`spec.selector: Invalid value: v1.LabelSelector{…}:
 * field is immutable`).
 */
import type { ControllerRevision, DaemonSet, Deployment, DeploymentStrategy, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { intValue, type IntOrString } from '../../apimachinery/intstr.js';
import { selectorFromLabelSelector, type Selector } from '../../apimachinery/labels/selector.js';
import {
  deepEqual, errForbidden, errInvalid, errNotSupported, errRequired, goIntOrString, goLabelSelector, goStringMap,
  validateImmutableField, validateNonnegative,
} from '../../apimachinery/validation/field-errors.js';
import { fieldPath, type FieldPath } from '../../apimachinery/validation/field-path.js';
import { validateLabelSelector } from '../../apimachinery/validation/labels.js';
import { isValidPercent } from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';

const SPEC = fieldPath('spec');

/** Checks an int-or-percent (maxSurge, maxUnavailable, minAvailable): ≥ 0, or a valid percent. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => errInvalid(path, goIntOrString(v), m));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [];
}

function percentValue(v: IntOrString | undefined): number | undefined {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : undefined;
}

/** `must not be greater than 100%`. */
export function isNotMoreThan100Percent(v: IntOrString | undefined, path: FieldPath): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [errInvalid(path, goIntOrString(v), 'must not be greater than 100%')] : [];
}

function intOrPercentNumber(v: IntOrString | undefined): number {
  return percentValue(v) ?? intValue(v);
}

/**
 * The shared selector + template checks of the replica-managing kinds: selector required and non-empty, valid,
 * matching the template labels, template valid with restartPolicy Always.
 */
function validateSelectorAndTemplate(
  selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, kindWord: string,
  opts: { noActiveDeadline?: string } = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector) {
    errs.push(errRequired(SPEC.child('selector')));
  } else {
    errs.push(...validateLabelSelector(selector, SPEC.child('selector')));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      errs.push(errInvalid(SPEC.child('selector'), goLabelSelector(selector), `empty selector is invalid for ${kindWord}`));
    }
  }
  let sel: Selector | undefined;
  try {
    sel = selectorFromLabelSelector(selector);
  } catch {
    errs.push(errInvalid(SPEC.child('selector'), goLabelSelector(selector), 'invalid label selector'));
  }
  const tp = SPEC.child('template');
  if (sel && !template) {
    errs.push(errRequired(tp));
  } else if (sel && template) {
    if (!sel.empty() && !sel.matches(template.metadata?.labels)) {
      errs.push(errInvalid(tp.child('metadata', 'labels'), goStringMap(template.metadata?.labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validatePodTemplateSpec(template, tp));
    const rp = template.spec?.restartPolicy;
    if (rp && rp !== 'Always') errs.push(errNotSupported(tp.child('spec', 'restartPolicy'), rp, ['Always']));
    if (opts.noActiveDeadline && template.spec?.activeDeadlineSeconds != null) {
      errs.push(errInvalid(tp.child('spec', 'activeDeadlineSeconds'), template.spec.activeDeadlineSeconds, opts.noActiveDeadline));
    }
  }
  return errs;
}

function validateDeploymentStrategy(s: DeploymentStrategy | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  switch (s?.type) {
    case 'Recreate':
      if (s.rollingUpdate != null) errs.push(errForbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!ru) {
        errs.push(errRequired(path.child('rollingUpdate'), 'this should be defaulted and never be nil'));
        break;
      }
      const rp = path.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      if (intOrPercentNumber(ru.maxUnavailable) === 0 && intOrPercentNumber(ru.maxSurge) === 0) {
        errs.push(errInvalid(rp.child('maxUnavailable'), goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      break;
    }
    default:
      errs.push(errNotSupported(path, s?.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

/** Deployment. */
export function validateDeployment(d: Deployment): FieldError[] {
  const errs = validateObjectMeta(d.metadata, { namespaced: true });
  const spec = d.spec ?? ({} as NonNullable<Deployment['spec']>);
  errs.push(...validateNonnegative(spec.replicas, SPEC.child('replicas')));
  errs.push(...validateSelectorAndTemplate(spec.selector, spec.template, 'deployment'));
  errs.push(...validateDeploymentStrategy(spec.strategy, SPEC.child('strategy')));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  if (spec.progressDeadlineSeconds != null) {
    errs.push(...validateNonnegative(spec.progressDeadlineSeconds, SPEC.child('progressDeadlineSeconds')));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(errInvalid(SPEC.child('progressDeadlineSeconds'), spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function selectorImmutable(sel: LabelSelector | undefined, oldSel: LabelSelector | undefined): FieldError[] {
  return validateImmutableField(sel, oldSel, SPEC.child('selector'), goLabelSelector(sel));
}

function withoutMeta(errs: FieldError[]): FieldError[] {
  return errs.filter((e) => !e.field.startsWith('metadata.'));
}

/** Deployment update: the selector is immutable in apps/v1. */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...withoutMeta(validateDeployment(d)),
    ...selectorImmutable(d.spec?.selector, old.spec?.selector),
  ];
}

/** ReplicaSet. */
export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const errs = validateObjectMeta(rs.metadata, { namespaced: true });
  const spec = rs.spec ?? ({} as NonNullable<ReplicaSet['spec']>);
  errs.push(...validateNonnegative(spec.replicas, SPEC.child('replicas')));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  // Upstream reuses the Deployment wording here.
  errs.push(...validateSelectorAndTemplate(spec.selector, spec.template, 'deployment', { noActiveDeadline: 'activeDeadlineSeconds in ReplicaSet is not Supported' }));
  return errs;
}

/** ReplicaSet update: the selector is immutable in apps/v1. */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...withoutMeta(validateReplicaSet(rs)),
    ...selectorImmutable(rs.spec?.selector, old.spec?.selector),
  ];
}

/** StatefulSet. */
export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  const errs = validateObjectMeta(ss.metadata, { namespaced: true });
  const spec = ss.spec ?? ({} as NonNullable<StatefulSet['spec']>);
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(errRequired(SPEC.child('podManagementPolicy'), ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(errInvalid(SPEC.child('podManagementPolicy'), pmp, `must be 'OrderedReady' or 'Parallel'`));
  }
  const us = spec.updateStrategy;
  switch (us?.type) {
    case '':
    case undefined:
      errs.push(errRequired(SPEC.child('updateStrategy'), ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate != null) {
        errs.push(errInvalid(SPEC.child('updateStrategy', 'rollingUpdate'), 'OnDelete', "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate) {
        errs.push(...validateNonnegative(us.rollingUpdate.partition, SPEC.child('updateStrategy', 'rollingUpdate', 'partition')));
      }
      break;
    default:
      errs.push(errInvalid(SPEC.child('updateStrategy'), us?.type ?? '', "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const pr = spec.persistentVolumeClaimRetentionPolicy;
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    const v = pr?.[k];
    if (v != null && v !== 'Retain' && v !== 'Delete') errs.push(errNotSupported(SPEC.child('persistentVolumeClaimRetentionPolicy', k), v, ['Retain', 'Delete']));
  }
  errs.push(...validateNonnegative(spec.replicas, SPEC.child('replicas')));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  if (spec.ordinals?.start != null) errs.push(...validateNonnegative(spec.ordinals.start, SPEC.child('ordinals', 'start')));
  // The controller adds one volume per claim template to every pod, so mounts may name a template (the docs' `web`
  // example mounts `www`): validate the template as the pods will be.
  const claimVolumes = (spec.volumeClaimTemplates ?? []).filter((t) => t.metadata?.name).map((t) => ({ name: t.metadata!.name!, persistentVolumeClaim: { claimName: t.metadata!.name! } }));
  const template = claimVolumes.length === 0 || !spec.template?.spec ? spec.template
    : { ...spec.template, spec: { ...spec.template.spec, volumes: [...(spec.template.spec.volumes ?? []), ...claimVolumes.filter((v) => !(spec.template!.spec!.volumes ?? []).some((x) => x.name === v.name))] } };
  errs.push(...validateSelectorAndTemplate(spec.selector, template, 'statefulset', { noActiveDeadline: 'activeDeadlineSeconds in StatefulSet is not Supported' }));
  (spec.volumeClaimTemplates ?? []).forEach((t, i) => {
    if (!t.metadata?.name) errs.push(errRequired(SPEC.child('volumeClaimTemplates').index(i).child('metadata', 'name')));
  });
  return errs;
}

/** StatefulSet update: only replicas, ordinals, template, updateStrategy, retention policy and minReadySeconds may change. */
export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ss.metadata, old.metadata), ...withoutMeta(validateStatefulSet(ss))];
  const strip = (s: StatefulSet['spec']): Record<string, unknown> => {
    const c: Record<string, unknown> = { ...(s ?? {}) };
    for (const k of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']) delete c[k];
    return c;
  };
  if (!deepEqual(strip(ss.spec), strip(old.spec))) {
    errs.push(errForbidden(SPEC, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

/** DaemonSet. */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const errs = validateObjectMeta(ds.metadata, { namespaced: true });
  const spec = ds.spec ?? ({} as NonNullable<DaemonSet['spec']>);
  errs.push(...validateSelectorAndTemplate(spec.selector, spec.template, 'daemonset', { noActiveDeadline: 'activeDeadlineSeconds in DaemonSet is not Supported' }));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  const us = spec.updateStrategy;
  const up = SPEC.child('updateStrategy');
  switch (us?.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (!ru) {
        errs.push(errRequired(up.child('rollingUpdate')));
        break;
      }
      const rp = up.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      const mu = intOrPercentNumber(ru.maxUnavailable);
      const ms = intOrPercentNumber(ru.maxSurge);
      if (mu === 0 && ms === 0) errs.push(errInvalid(rp.child('maxUnavailable'), goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      if (mu !== 0 && ms !== 0) errs.push(errInvalid(rp.child('maxSurge'), goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, rp.child('maxSurge')));
      break;
    }
    default:
      errs.push(errNotSupported(up.child('type'), us?.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  return errs;
}

/** DaemonSet update: the selector is immutable in apps/v1. */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ds.metadata, old.metadata),
    ...withoutMeta(validateDaemonSet(ds)),
    ...selectorImmutable(ds.spec?.selector, old.spec?.selector),
  ];
}

/** ControllerRevision: a revision number ≥ 0 and data present. */
export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, { namespaced: true });
  errs.push(...validateNonnegative(cr.revision, fieldPath('revision')));
  if (cr.data == null) errs.push(errRequired(fieldPath('data'), 'data is mandatory'));
  return errs;
}

/** ControllerRevision update: data is immutable. */
export function validateControllerRevisionUpdate(cr: ControllerRevision, old: ControllerRevision): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cr.metadata, old.metadata),
    ...withoutMeta(validateControllerRevision(cr)),
    ...validateImmutableField(cr.data, old.data, fieldPath('data'), null),
  ];
}
