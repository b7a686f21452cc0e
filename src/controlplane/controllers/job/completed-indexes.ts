/**
 * Completion indexes of an Indexed Job: a pod's index from its annotation, and `status.completedIndexes` in the
 * API's compressed form (`1,3-5,7`).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { COMPLETION_INDEX_ANNOTATION } from './job-constants.js';

/** The pod's completion index, or undefined when missing or not a non-negative decimal integer. */
export function podCompletionIndex(pod: Pod): number | undefined {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses `1,3-5` into the set of indexes below `completions` (malformed parts are skipped, as upstream). */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= Math.min(hi, completions - 1); i++) out.add(i);
  }
  return out;
}

/** Formats indexes as sorted, comma-separated intervals: {1,3,4,5,7} → `1,3-5,7`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
    parts.push(start === sorted[i] ? `${start}` : `${start}-${sorted[i]}`);
  }
  return parts.join(',');
}
