/**
 * Turns `?labelSelector=` and `?fieldSelector=` into one object filter for a resource. Field selectors may name
 * metadata.name, metadata.namespace and the fields the resource's strategy exposes; anything else is a 400
 * `field label not supported`, as kube-apiserver answers.
 */
import { parseSelector, SelectorError } from '../../../apimachinery/labels/selector.js';
import { parseFieldSelector, FieldSelectorError } from '../../../apimachinery/fields/selector.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';
import type { Obj, Strategy } from './strategy.js';

/** A predicate over stored objects. */
export type ObjectFilter = (obj: Obj) => boolean;

/** The filter of empty selectors. */
export const EVERYTHING: ObjectFilter = () => true;

/** Builds the filter, or throws 400 for a malformed selector or an unsupported field label. */
export function buildFilter(strategy: Strategy, labelSelector: string, fieldSelector: string): ObjectFilter {
  let labels;
  let fields;
  try {
    labels = parseSelector(labelSelector);
    fields = parseFieldSelector(fieldSelector);
  } catch (err) {
    if (err instanceof SelectorError || err instanceof FieldSelectorError) throw badRequest(err.message);
    throw err;
  }
  const labelReqs = labels.requirements.length > 0;
  const fieldReqs = !fields.empty();
  if (!labelReqs && !fieldReqs) return EVERYTHING;
  if (fieldReqs) {
    // Probe the supported field labels with an empty object: the strategy's table has every key it supports.
    const supported = new Set(['metadata.name', 'metadata.namespace', ...Object.keys(strategy.fieldValues?.({ metadata: {} }) ?? {})]);
    for (const r of fields.requirements) {
      if (!supported.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
    }
  }
  return (obj) => {
    if (labelReqs && !labels.matches(obj.metadata?.labels ?? {})) return false;
    if (!fieldReqs) return true;
    const values = { 'metadata.name': obj.metadata?.name ?? '', 'metadata.namespace': obj.metadata?.namespace ?? '', ...(strategy.fieldValues?.(obj) ?? {}) };
    return fields.matches(values);
  };
}
