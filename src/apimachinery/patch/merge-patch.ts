/**
 * JSON Merge Patch (RFC 7386), the body of `application/merge-patch+json` (`kubectl label`, `annotate`, `scale`, and
 * every patch of a custom resource). Objects merge key by key, `null` deletes a key, anything else (lists included)
 * replaces the old value whole.
 */
import { cloneJson, deepEqual, isObject, type JsonObject } from './json-value.js';

/**
 * Applies a merge patch and returns the result; neither argument is modified. The target is copied once and the
 * patch's values are copied as they are inserted, so the result shares nothing with either input.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const out = isObject(target) ? cloneJson(target) : {};
  mergeInto(out, patch);
  return out;
}

/** Merges `patch` into `out` in place. Values taken from the patch are copied (nulls inside them dropped). */
function mergeInto(out: JsonObject, patch: JsonObject): void {
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === null) {
      delete out[k];
    } else if (isObject(pv)) {
      const cur = out[k];
      const child = isObject(cur) ? cur : {};
      mergeInto(child, pv);
      out[k] = child;
    } else if (pv !== undefined) {
      out[k] = cloneJson(pv);
    }
  }
}

/**
 * The merge patch that turns `original` into `modified` (a two-way diff): removed keys become `null`, changed objects
 * are diffed recursively, other changed values (lists included) are sent whole. `{}` when they are equal.
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObject(original) || !isObject(modified)) return deepEqual(original, modified) ? {} : cloneJson(modified);
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) {
    if (original[k] !== undefined && (!Object.hasOwn(modified, k) || modified[k] === undefined)) patch[k] = null;
  }
  for (const k of Object.keys(modified)) {
    const m = modified[k];
    if (m === undefined) continue;
    const o = original[k];
    if (deepEqual(o, m)) continue;
    if (isObject(o) && isObject(m)) {
      const d = diffObjects(o, m);
      if (Object.keys(d).length > 0) patch[k] = d;
    } else {
      patch[k] = cloneJson(m);
    }
  }
  return patch;
}
