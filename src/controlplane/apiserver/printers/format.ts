/**
 * Cell formatting shared by several printers: label maps and selectors, container lists, "+ N more..." lists,
 * access modes and optional booleans. Each mirrors the Kubernetes helper whose text kubectl users know
 * (`labels.FormatLabels`, `metav1.FormatLabelSelector`, …).
 */
import type { Container } from 'kubernetes-types/core/v1.js';
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

/** `a=1,b=2` with keys sorted, or `<none>` for an empty map (as labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

function requirementString(key: string, op: string, values: string[]): string {
  switch (op) {
    case 'Exists': return key;
    case 'DoesNotExist': return `!${key}`;
    case 'In': case 'NotIn': {
      // Several values are printed sorted, as labels.Requirement.String does; one value as given.
      const vals = values.length === 1 ? values[0] : [...values].sort().join(',');
      return `${key} ${op === 'In' ? 'in' : 'notin'} (${vals})`;
    }
    default: return `${key}=${values[0] ?? ''}`;
  }
}

/**
 * The selector string of a LabelSelector (`app=web,tier in (a,b),!legacy`), requirements sorted by key, or an empty
 * string for a missing or empty selector (as `LabelSelectorAsSelector(s).String()`).
 */
export function labelSelectorString(selector: LabelSelector | null | undefined): string {
  if (!selector) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key, text: requirementString(key, 'Equals', [value]) });
  }
  for (const e of (selector.matchExpressions ?? []) as LabelSelectorRequirement[]) {
    reqs.push({ key: e.key, text: requirementString(e.key, e.operator, e.values ?? []) });
  }
  // A stable sort by key: ties keep matchLabels before matchExpressions, in the order given.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** Like labelSelectorString, but `<none>` when there is nothing to show (as metav1.FormatLabelSelector). */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  return labelSelectorString(selector) || '<none>';
}

/** Container names and images, each joined with commas (the CONTAINERS and IMAGES wide cells). */
export function containerCells(containers: readonly Container[] | null | undefined): { names: string; images: string } {
  const list = containers ?? [];
  return { names: list.map((c) => c.name).join(','), images: list.map((c) => c.image ?? '').join(',') };
}

/**
 * Joins at most `max` shown items and appends ` + N more...` for the rest; `<unset>` when nothing is shown
 * (the endpoint slice and storage version style).
 */
export function listWithMore(shown: readonly string[], total: number, max: number): string {
  const text = shown.join(',');
  if (total > max) return `${text} + ${total - max} more...`;
  return text === '' ? '<unset>' : text;
}

/** `True`, `False`, or `<unset>` for a missing optional boolean. */
export function boolPtr(value: boolean | null | undefined): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

/** A Quantity cell: the stored string, or `0` for a missing quantity (a zero Quantity prints as "0"). */
export function quantity(value: string | number | null | undefined): string {
  return value === undefined || value === null || value === '' ? '0' : String(value);
}

/** Persistent volume access modes in their short form, always in the order RWO, ROX, RWX, RWOP. */
export function accessModes(modes: readonly string[] | null | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** Sorted, de-duplicated strings (Go's sets.String.List()). */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
