/**
 * Canonical JSON for comparing API objects: keys sorted, null/undefined members and empty objects and arrays left
 * out. Two values the API treats as the same (keys in another order, `resources: {}` against no `resources`) give
 * the same text. Controllers compare templates and statuses with it, because a status that only *looks* different
 * would be written back on every sync, and each write triggers the next sync.
 */

/** Options of {@link canonicalJson}. */
export interface CanonicalOptions {
  /** Also leave out numeric zeros (Go's `omitempty` drops them on the wire, so 0 and absent mean the same). */
  dropZeros?: boolean;
}

/** The canonical text of `value`. */
export function canonicalJson(value: unknown, opts: CanonicalOptions = {}): string {
  return JSON.stringify(canonical(value, opts.dropZeros ?? false)) ?? 'null';
}

function canonical(value: unknown, dropZeros: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v, dropZeros) ?? null);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[k], dropZeros);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (value === null || (dropZeros && value === 0)) return undefined;
  return value;
}

/** True if `a` and `b` are the same as far as the API is concerned (zeros count as absent). */
export function sameObject(a: unknown, b: unknown): boolean {
  return canonicalJson(a, { dropZeros: true }) === canonicalJson(b, { dropZeros: true });
}
