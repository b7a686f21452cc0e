/**
 * Strategic merge patch, the body of `application/strategic-merge-patch+json`: what `kubectl apply` (client-side),
 * `edit`, `set`, `rollout restart` and `patch` send. It is a JSON merge patch that knows, from the schema, which
 * lists merge element by element (containers by `name`, ports by `containerPort`, finalizers as a set) and honours
 * the directives of upstream's strategicpatch package:
 * - `$patch: replace | delete | merge` on a map or a list element,
 * - `$setElementOrder/<list>` (the final order of a merged list),
 * - `$deleteFromPrimitiveList/<list>` (values to take out of a merged primitive list),
 * - `$retainKeys` (keys a map keeps; the rest are cleared, for union types such as Deployment `strategy`),
 * - `null` deletes a field.
 * Lists without a merge strategy, and everything UNTYPED, behave as in a JSON merge patch (replaced whole).
 *
 * Also the two-way and three-way diffs that produce such patches (kubectl computes them client-side; tests use them
 * to round-trip, and the server may use them for dry-run diffs).
 */
import { cloneJson, deepEqual, isObject, typeName, type JsonObject } from './json-value.js';
import { joinPath, malformedPatch, patchDoesNotApply } from './patch-error.js';
import { childOf, elemOf, hasMergeStrategy, type PatchSchema } from './schema-lookup.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Marker returned by mergeMap when a `$patch: delete` removes the map itself. */
const DELETED = Symbol('deleted');

/**
 * Applies a strategic merge patch to `original` and returns the patched object. Neither input is modified: the
 * original is copied once and merged in place. Throws a 400 StatusError for a malformed directive and a 422 one (whose
 * message names the field) when the patch does not apply.
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema): JsonObject {
  if (!isObject(patch)) throw malformedPatch(`strategic merge patch must be a JSON object, got ${typeName(patch)}`);
  const out = isObject(original) ? cloneJson(original) : {};
  const r = mergeMap(out, patch, schema, '');
  return r === DELETED ? {} : r;
}

function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE);
}

/** Merges `patch` into `orig` (owned by us, mutated) and returns it, or DELETED. */
function mergeMap(orig: JsonObject, patch: JsonObject, schema: PatchSchema, path: string): JsonObject | typeof DELETED {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'delete') return DELETED;
    if (directive === 'replace') {
      const rest = { ...patch };
      delete rest[DIRECTIVE];
      return mergeMap({}, rest, schema, path);
    }
    if (directive !== 'merge') throw malformedPatch(`unknown patch type: ${JSON.stringify(directive)} in map at ${path || '<root>'}`);
  }

  if (Object.hasOwn(patch, RETAIN_KEYS)) applyRetainKeys(orig, patch, path);

  // Remember each ordered list's keys before merging: $setElementOrder interleaves server-only items by them.
  const serverOrders = new Map<string, unknown[]>();
  for (const k of Object.keys(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    const cur = orig[field];
    serverOrders.set(field, Array.isArray(cur) ? cur.slice() : []);
  }

  for (const k of Object.keys(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE)) continue;
    const field = k.slice(DELETE_PRIMITIVE.length);
    const values = patch[k];
    if (!Array.isArray(values)) throw malformedPatch(`invalid patch format of ${k} at ${joinPath(path, field)}: must be a list of values`);
    const cur = orig[field];
    if (Array.isArray(cur)) orig[field] = cur.filter((v) => !values.some((d) => deepEqual(d, v)));
  }

  for (const k of Object.keys(patch)) {
    if (isDirectiveKey(k)) continue;
    const pv = patch[k];
    if (pv === undefined) continue;
    if (pv === null) {
      delete orig[k];
      continue;
    }
    const childPath = joinPath(path, k);
    const cs = childOf(schema, k);
    const ov = orig[k];
    if (isObject(pv)) {
      const r = mergeMap(isObject(ov) ? ov : {}, pv, cs, childPath);
      if (r === DELETED) delete orig[k];
      else orig[k] = r;
    } else if (Array.isArray(pv)) {
      orig[k] = mergeList(Array.isArray(ov) ? ov : [], pv, cs, childPath);
    } else {
      orig[k] = pv;
    }
  }

  for (const [field, serverOrder] of serverOrders) {
    const order = patch[SET_ORDER + field];
    const list = orig[field];
    const fieldPath = joinPath(path, field);
    if (!Array.isArray(order)) throw malformedPatch(`invalid patch format of setElementOrder list at ${fieldPath}: must be a list`);
    if (Array.isArray(list)) {
      const patchList = patch[field];
      orig[field] = reorder(list, order, serverOrder, Array.isArray(patchList) ? patchList : [], childOf(schema, field), fieldPath);
    }
  }
  return orig;
}

function applyRetainKeys(orig: JsonObject, patch: JsonObject, path: string): void {
  const keys = patch[RETAIN_KEYS];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw malformedPatch(`invalid patch format of $retainKeys at ${path || '<root>'}: must be a list of strings`);
  }
  const retain = new Set(keys as string[]);
  for (const k of Object.keys(patch)) {
    if (!isDirectiveKey(k) && patch[k] !== null && !retain.has(k)) {
      throw patchDoesNotApply(joinPath(path, k), "the patch content doesn't match retainKeys list: the field is not in $retainKeys");
    }
  }
  for (const k of Object.keys(orig)) if (!retain.has(k)) delete orig[k];
}

/** A patch value put where the original had nothing: merged into an empty value, so directives and nulls go. */
function fresh(v: unknown, schema: PatchSchema, path: string): unknown {
  if (isObject(v)) {
    const r = mergeMap({}, v, schema, path);
    return r === DELETED ? undefined : r;
  }
  if (Array.isArray(v)) return mergeList([], v, schema, path);
  return v;
}

/** Merges a patch list into `orig` (owned by us) per the list's strategy. */
function mergeList(orig: unknown[], patch: unknown[], schema: PatchSchema, path: string): unknown[] {
  const elem = elemOf(schema);
  if (!hasMergeStrategy(schema)) {
    return patch.map((v, i) => fresh(v, elem, `${path}[${i}]`)).filter((v) => v !== undefined);
  }
  // {"$patch":"replace"} inside a merging list: the rest of the patch list is the whole new list.
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === 'replace')) {
    return patch
      .filter((p) => !(isObject(p) && p[DIRECTIVE] === 'replace'))
      .map((v, i) => fresh(v, elem, `${path}[${i}]`))
      .filter((v) => v !== undefined);
  }
  const objectItems = patch.some(isObject) || orig.some(isObject);
  if (!objectItems) {
    // A merging list of primitives (finalizers): a union that keeps the original order, then new values.
    for (const v of patch) if (!orig.some((o) => deepEqual(o, v))) orig.push(v);
    return orig;
  }
  const mergeKey = schema.patchMergeKey;
  if (!mergeKey) throw patchDoesNotApply(path, 'list has merge strategy but no merge key is declared');
  for (let i = 0; i < patch.length; i++) {
    const p = patch[i];
    if (!isObject(p)) throw patchDoesNotApply(`${path}[${i}]`, `expected an object with merge key "${mergeKey}", got ${typeName(p)}`);
    const key = p[mergeKey];
    if (key === undefined || key === null) {
      throw patchDoesNotApply(`${path}[${i}]`, `map ${JSON.stringify(p)} does not contain declared merge key: ${mergeKey}`);
    }
    const itemPath = `${path}[${mergeKey}=${JSON.stringify(key)}]`;
    const d = p[DIRECTIVE];
    if (d === 'delete') {
      for (let j = orig.length - 1; j >= 0; j--) {
        const o = orig[j];
        if (isObject(o) && deepEqual(o[mergeKey], key)) orig.splice(j, 1);
      }
      continue;
    }
    if (d !== undefined && d !== 'merge') throw malformedPatch(`unknown patch type: ${JSON.stringify(d)} in list item at ${itemPath}`);
    const idx = orig.findIndex((o) => isObject(o) && deepEqual(o[mergeKey], key));
    if (idx >= 0) {
      const r = mergeMap(orig[idx] as JsonObject, p, elem, itemPath);
      if (r !== DELETED) orig[idx] = r;
    } else {
      const r = mergeMap({}, p, elem, itemPath);
      if (r !== DELETED) orig.push(r);
    }
  }
  return orig;
}

/**
 * Applies `$setElementOrder`: items named in the order list (or in the patch) take that order; items only the server
 * has keep their place relative to the others by the server's order, as upstream's normalizeElementOrder.
 */
function reorder(list: unknown[], order: unknown[], serverOrder: unknown[], patchList: unknown[], schema: PatchSchema, path: string): unknown[] {
  const mergeKey = schema.patchMergeKey;
  const objectItems = list.some(isObject) || order.some(isObject);
  const keyOf = (item: unknown): string => JSON.stringify(objectItems && mergeKey && isObject(item) ? item[mergeKey] : item);
  if (objectItems) {
    for (const o of order) {
      if (!mergeKey || !isObject(o) || o[mergeKey] === undefined) {
        throw malformedPatch(`invalid patch format of setElementOrder list at ${path}: each element must carry the merge key ${mergeKey ?? ''}`);
      }
    }
  }
  const orderIdx = new Map<string, number>();
  order.forEach((o, i) => { if (!orderIdx.has(keyOf(o))) orderIdx.set(keyOf(o), i); });
  const inPatch = new Set(patchList.filter((p) => !(isObject(p) && p[DIRECTIVE] !== undefined && p[DIRECTIVE] !== 'merge')).map(keyOf));
  const serverIdx = new Map<string, number>();
  serverOrder.forEach((o, i) => { if (!serverIdx.has(keyOf(o))) serverIdx.set(keyOf(o), i); });

  const left: unknown[] = [];
  const right: unknown[] = [];
  for (const item of list) (orderIdx.has(keyOf(item)) || inPatch.has(keyOf(item)) ? left : right).push(item);
  const pos = (m: Map<string, number>, item: unknown) => m.get(keyOf(item)) ?? Number.MAX_SAFE_INTEGER;
  left.sort((a, b) => pos(orderIdx, a) - pos(orderIdx, b));
  right.sort((a, b) => pos(serverIdx, a) - pos(serverIdx, b));

  // Merge the two sorted runs as upstream's mergeSortedSlice inserts server-only items into the patch list: a
  // server-only item goes first only when both are in the live list and it came earlier there; otherwise (say, the
  // patch item is new) the patch item does.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = serverIdx.get(keyOf(left[i]));
      const ri = serverIdx.get(keyOf(right[j]));
      if (li !== undefined && ri !== undefined && ri < li) out.push(right[j++]);
      else out.push(left[i++]);
    }
  }
  return out;
}

interface DiffOptions {
  /** Leave out deletions (nulls, `$patch: delete`, `$deleteFromPrimitiveList`). */
  ignoreDeletions: boolean;
  /** Leave out additions and changes. */
  ignoreChangesAndAdditions: boolean;
}

/**
 * The strategic merge patch that turns `original` into `modified` (a two-way diff, what `kubectl edit` sends):
 * `null` for removed fields, merging lists diffed item by item with `$patch: delete`, `$setElementOrder` and
 * `$deleteFromPrimitiveList`, `$retainKeys` for retainKeys maps. `{}` when nothing changed.
 */
export function createTwoWayMergePatch(original: unknown, modified: unknown, schema: PatchSchema): JsonObject {
  return diffMaps(asObject(original), asObject(modified), schema, { ignoreDeletions: false, ignoreChangesAndAdditions: false });
}

/**
 * The patch client-side `kubectl apply` computes: changes and additions from `current` (live) to `modified` (the new
 * file), plus deletions of what `original` (the last-applied configuration) had and `modified` no longer has. Fields
 * that others set on the live object and that were never applied are left alone.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown, schema: PatchSchema): JsonObject {
  const m = asObject(modified);
  const delta = diffMaps(asObject(current), m, schema, { ignoreDeletions: true, ignoreChangesAndAdditions: false });
  const deletions = diffMaps(asObject(original), m, schema, { ignoreDeletions: false, ignoreChangesAndAdditions: true });
  return combinePatches(deletions, delta, schema);
}

function asObject(v: unknown): JsonObject {
  return isObject(v) ? v : {};
}

function hasStrategy(schema: PatchSchema, strategy: string): boolean {
  return schema.patchStrategy !== undefined && schema.patchStrategy.split(',').includes(strategy);
}

/** Diffs two maps. `retainKeys`: the map is a union whose patch must list the keys it keeps (retainKeys strategy). */
function diffMaps(o: JsonObject, m: JsonObject, schema: PatchSchema, opts: DiffOptions, retainKeys = hasStrategy(schema, 'retainKeys')): JsonObject {
  const patch: JsonObject = {};
  if (!opts.ignoreDeletions) {
    for (const k of Object.keys(o)) if (o[k] !== undefined && m[k] === undefined) patch[k] = null;
  }
  for (const k of Object.keys(m)) {
    const mv = m[k];
    if (mv === undefined) continue;
    const ov = o[k];
    if (ov === undefined) {
      if (!opts.ignoreChangesAndAdditions) patch[k] = cloneJson(mv);
      continue;
    }
    if (deepEqual(ov, mv)) continue;
    const cs = childOf(schema, k);
    if (isObject(ov) && isObject(mv)) {
      const d = diffMaps(ov, mv, cs, opts);
      if (Object.keys(d).length > 0) patch[k] = d;
    } else if (Array.isArray(ov) && Array.isArray(mv) && hasMergeStrategy(cs)) {
      diffList(k, ov, mv, cs, opts, patch);
    } else if (!opts.ignoreChangesAndAdditions) {
      patch[k] = cloneJson(mv);
    }
  }
  if (!opts.ignoreChangesAndAdditions && retainKeys && Object.keys(patch).length > 0) {
    patch[RETAIN_KEYS] = Object.keys(m).filter((k) => m[k] !== undefined).sort();
  }
  return patch;
}

function diffList(k: string, o: unknown[], m: unknown[], schema: PatchSchema, opts: DiffOptions, patch: JsonObject): void {
  const mergeKey = schema.patchMergeKey;
  const objectItems = o.some(isObject) || m.some(isObject);
  if (objectItems && !mergeKey) {
    if (!opts.ignoreChangesAndAdditions) patch[k] = cloneJson(m);
    return;
  }
  if (!objectItems) {
    const added = m.filter((v) => !o.some((x) => deepEqual(x, v)));
    const removed = o.filter((v) => !m.some((x) => deepEqual(x, v)));
    if (added.length > 0 && !opts.ignoreChangesAndAdditions) patch[k] = cloneJson(added);
    if (removed.length > 0 && !opts.ignoreDeletions) patch[DELETE_PRIMITIVE + k] = cloneJson(removed);
    if (!opts.ignoreChangesAndAdditions) patch[SET_ORDER + k] = cloneJson(m);
    return;
  }
  const keyOf = (v: unknown) => JSON.stringify(isObject(v) ? v[mergeKey!] : undefined);
  const oByKey = new Map(o.map((v) => [keyOf(v), v]));
  const mKeys = new Set(m.map(keyOf));
  const items: unknown[] = [];
  for (const mv of m) {
    const ov = oByKey.get(keyOf(mv));
    if (ov === undefined) {
      if (!opts.ignoreChangesAndAdditions) items.push(cloneJson(mv));
    } else if (isObject(ov) && isObject(mv)) {
      // A `merge,retainKeys` list (volumes) makes each of its items a union.
      const d = diffMaps(ov, mv, elemOf(schema), opts, hasStrategy(schema, 'retainKeys'));
      if (Object.keys(d).length > 0) items.push({ ...d, [mergeKey!]: mv[mergeKey!] });
    }
  }
  if (!opts.ignoreDeletions) {
    for (const ov of o) {
      if (isObject(ov) && !mKeys.has(keyOf(ov))) items.push({ [DIRECTIVE]: 'delete', [mergeKey!]: ov[mergeKey!] });
    }
  }
  if (items.length > 0) patch[k] = items;
  if (!opts.ignoreChangesAndAdditions) {
    patch[SET_ORDER + k] = m.map((v) => ({ [mergeKey!]: isObject(v) ? v[mergeKey!] : undefined }));
  }
}

/** Combines two patches (deletions first, then changes) into one, merging list items by merge key. */
function combinePatches(a: JsonObject, b: JsonObject, schema: PatchSchema): JsonObject {
  const out: JsonObject = { ...a };
  for (const k of Object.keys(b)) {
    const av = out[k];
    const bv = b[k];
    if (isObject(av) && isObject(bv)) {
      out[k] = combinePatches(av, bv, k.startsWith('$') ? schema : childOf(schema, k));
    } else if (Array.isArray(av) && Array.isArray(bv) && !k.startsWith('$')) {
      const cs = childOf(schema, k);
      const mergeKey = cs.patchMergeKey;
      const merged = av.slice();
      for (const item of bv) {
        const idx = mergeKey && isObject(item) ? merged.findIndex((x) => isObject(x) && deepEqual(x[mergeKey], item[mergeKey])) : merged.findIndex((x) => deepEqual(x, item));
        if (idx < 0) merged.push(item);
        else if (isObject(merged[idx]) && isObject(item)) merged[idx] = combinePatches(merged[idx] as JsonObject, item, elemOf(cs));
      }
      out[k] = merged;
    } else {
      out[k] = bv;
    }
  }
  return out;
}
