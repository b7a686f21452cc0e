/**
 * Horizontal pod autoscalers (autoscaling/v2): REFERENCE TARGETS MINPODS MAXPODS REPLICAS.
 *
 * TARGETS shows "current/target" per metric, e.g. `cpu: 45%/80%`, at most two metrics then ` + N more...`. A
 * current value the autoscaler has not measured yet reads `<unknown>`.
 */
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';

/** A Quantity pointer's String(): Go prints a nil Quantity as `<nil>`. */
function q(value: string | number | undefined | null): string {
  return value === undefined || value === null ? '<nil>' : String(value);
}

/** current/target for one value or average-value target. */
function valueTarget(target: MetricTarget | undefined, current: { value?: string; averageValue?: string } | undefined, hasStatus: boolean): string {
  if (target?.averageValue !== undefined && target.averageValue !== null) {
    const cur = hasStatus && current?.averageValue !== undefined ? String(current.averageValue) : '<unknown>';
    return `${cur}/${target.averageValue} (avg)`;
  }
  const cur = hasStatus ? q(current?.value) : '<unknown>';
  return `${cur}/${q(target?.value)}`;
}

/** current/target for a resource (or container resource) metric. */
function resourceTarget(
  name: string, target: MetricTarget | undefined,
  current: { averageValue?: string; averageUtilization?: number } | undefined, hasStatus: boolean,
): string {
  if (target?.averageValue !== undefined && target.averageValue !== null) {
    const cur = hasStatus ? q(current?.averageValue) : '<unknown>';
    return `${name}: ${cur}/${target.averageValue}`;
  }
  const cur = hasStatus && current?.averageUtilization !== undefined && current.averageUtilization !== null
    ? `${current.averageUtilization}%` : '<unknown>';
  const tgt = target?.averageUtilization !== undefined && target.averageUtilization !== null ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${cur}/${tgt}`;
}

/** The TARGETS cell. Specs and statuses are matched by position, as upstream. */
export function formatHPAMetrics(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | undefined): string {
  const list = specs ?? [];
  if (list.length === 0) return '<none>';
  const st = statuses ?? [];
  const parts = list.map((spec, i) => {
    const s = st[i];
    switch (spec.type) {
      case 'External':
        return valueTarget(spec.external?.target, s?.external?.current, !!s?.external);
      case 'Pods': {
        const cur = s?.pods ? q(s.pods.current?.averageValue) : '<unknown>';
        return `${cur}/${q(spec.pods?.target?.averageValue)}`;
      }
      case 'Object':
        return valueTarget(spec.object?.target, s?.object?.current, !!s?.object);
      case 'Resource':
        return resourceTarget(spec.resource?.name ?? '', spec.resource?.target, s?.resource?.current, !!s?.resource);
      case 'ContainerResource':
        return resourceTarget(spec.containerResource?.name ?? '', spec.containerResource?.target, s?.containerResource?.current, !!s?.containerResource);
      default:
        return '<unknown type>';
    }
  });
  const max = 2;
  if (parts.length > max) return `${parts.slice(0, max).join(', ')} + ${parts.length - max} more...`;
  return parts.join(', ');
}

/** The horizontal pod autoscaler printer. */
export const horizontalPodAutoscalerPrinter: Printer<HorizontalPodAutoscaler> = {
  columns: [
    NAME_COLUMN,
    column('Reference', 'string', 'The scaled object, as Kind/name.'),
    column('Targets', 'string', 'Current and target value of each metric.'),
    column('MinPods', 'string', 'Lowest replica count the autoscaler may set.'),
    column('MaxPods', 'string', 'Highest replica count the autoscaler may set.'),
    column('Replicas', 'string', 'Current number of replicas.'),
    AGE_COLUMN,
  ],
  cells(hpa, now) {
    const ref = hpa.spec?.scaleTargetRef;
    const min = hpa.spec?.minReplicas;
    return [
      hpa.metadata?.name ?? '', `${ref?.kind ?? ''}/${ref?.name ?? ''}`, formatHPAMetrics(hpa.spec?.metrics, hpa.status?.currentMetrics),
      min === undefined || min === null ? '<unset>' : String(min), hpa.spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0,
      translateTimestampSince(hpa.metadata?.creationTimestamp, now),
    ];
  },
};
