/**
 * HorizontalPodAutoscaler (autoscaling/v2) defaults and validation, as kube-apiserver v1.32: minReplicas 1, an 80%
 * CPU utilization metric when none is given, scale-up/scale-down behavior defaults when `behavior` is set.
 */
import type { HorizontalPodAutoscaler, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';
import type { FieldError } from '../../apimachinery/errors/status-error.js';
import { errInvalid, errNotSupported, errRequired } from '../../apimachinery/validation/field-errors.js';
import { fieldPath } from '../../apimachinery/validation/field-path.js';
import { nameIsPathSegment } from '../../apimachinery/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation/object-meta.js';

function fillRules(r: HPAScalingRules | undefined, up: boolean): HPAScalingRules {
  const out: HPAScalingRules = { ...(r ?? {}) };
  out.stabilizationWindowSeconds ??= up ? 0 : 300;
  out.selectPolicy ||= 'Max';
  if (!out.policies || out.policies.length === 0) {
    out.policies = up
      ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]
      : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
  return out;
}

/** Defaults. */
export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  const spec = (hpa.spec ??= { maxReplicas: 0, scaleTargetRef: { kind: '', name: '' } });
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, true);
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, false);
  }
}

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateSpec(hpa: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  const spec = hpa.spec;
  const p = fieldPath('spec');
  const ref = spec?.scaleTargetRef;
  const rp = p.child('scaleTargetRef');
  if (!ref?.kind) errs.push(errRequired(rp.child('kind')));
  if (!ref?.name) errs.push(errRequired(rp.child('name')));
  else for (const m of nameIsPathSegment(ref.name, false)) errs.push(errInvalid(rp.child('name'), ref.name, m));
  const min = spec?.minReplicas;
  if (min != null && min < 1) errs.push(errInvalid(p.child('minReplicas'), min, 'must be greater than or equal to 1'));
  const max = spec?.maxReplicas ?? 0;
  if (max < 1) errs.push(errInvalid(p.child('maxReplicas'), max, 'must be greater than 0'));
  if (min != null && max < min) errs.push(errInvalid(p.child('maxReplicas'), max, 'must be greater than or equal to `minReplicas`'));
  (spec?.metrics ?? []).forEach((m, i) => {
    const mp = p.child('metrics').index(i);
    if (!m.type) errs.push(errRequired(mp.child('type'), 'must specify a metric source type'));
    else if (!METRIC_TYPES.includes(m.type)) errs.push(errNotSupported(mp.child('type'), m.type, METRIC_TYPES));
  });
  return errs;
}

/** HorizontalPodAutoscaler. */
export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): FieldError[] {
  return [...validateObjectMeta(hpa.metadata, { namespaced: true }), ...validateSpec(hpa)];
}

/** HorizontalPodAutoscaler update. */
export function validateHorizontalPodAutoscalerUpdate(hpa: HorizontalPodAutoscaler, old: HorizontalPodAutoscaler): FieldError[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateSpec(hpa)];
}
