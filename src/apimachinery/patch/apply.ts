/**
 * Server-side apply (`application/apply-patch+yaml`) and the managedFields bookkeeping of every other write, as
 * kube-apiserver's field manager over structured-merge-diff:
 * - `applyPatch` merges an applied configuration into the live object. The manager then owns exactly the fields of
 *   its configuration; fields it applied before and no longer applies are removed unless another manager owns them;
 *   changing a field that another manager owns is a conflict (409) unless `force`, which moves the ownership.
 * - `updateManagedFields` records a create/update/patch: the writer takes the fields it added or changed, away from
 *   the other managers.
 * Ownership is kept in `metadata.managedFields` in the Kubernetes wire format (FieldsV1).
 */
import { StatusError } from '../errors/status-error.js';
import { cloneJson, deepEqual, isObject, type JsonObject } from './json-value.js';
import { malformedPatch } from './patch-error.js';
import { FieldSet, compareObjects, fieldElement, fieldSetOf, formatPath, listItemElements, schemaAt } from './field-set.js';
import { childOf, elemOf, listSemantics, type PatchSchema } from './schema-lookup.js';
import { rfc3339 } from '../../util/time.js';

/** One `metadata.managedFields[]` entry, as on the wire. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339 time, seconds precision. */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** One field conflict of an apply. `field` is printed as structured-merge-diff does: `.spec.replicas`. */
export interface FieldConflict {
  /** The manager as printed in messages: `"kubectl"` or `"kube-controller-manager" using apps/v1`. */
  manager: string;
  field: string;
}

/** 409 Conflict of a server-side apply, with kube-apiserver's message and `FieldManagerConflict` causes. */
export class ConflictError extends StatusError {
  readonly conflicts: FieldConflict[];

  constructor(conflicts: FieldConflict[]) {
    super(409, 'Conflict', conflictMessage(conflicts), {
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: c.field })),
    });
    this.name = 'ConflictError';
    this.conflicts = conflicts;
  }
}

function conflictMessage(conflicts: FieldConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${conflicts[0].manager}: ${conflicts[0].field}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const f of byManager.get(m)!) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** Options shared by apply and update. */
export interface ManagedFieldsOptions {
  /** The field manager (`fieldManager` query parameter). */
  manager: string;
  /** The group/version the request was made in, e.g. `apps/v1`. */
  apiVersion: string;
  schema: PatchSchema;
  /** The write's time; defaults to now. */
  now?: Date;
  /** `status` or `scale` when writing a subresource. */
  subresource?: string;
  /**
   * Fields this endpoint resets (a strategy's ResetFields, e.g. `[['status']]` on the main resource, `[['spec']]` on
   * /status): nobody gains ownership of them here, and an apply leaves the live values alone.
   */
  ignore?: readonly (readonly string[])[];
}

/** Options of a server-side apply. */
export interface ApplyOptions extends ManagedFieldsOptions {
  /** `force=true`: take over conflicting fields instead of failing. */
  force?: boolean;
}

/** The result of apply and update: the object (with `metadata.managedFields` set) and its entries. */
export interface ManagedResult {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

/** Paths that are never owned (stripMeta in kube-apiserver's field manager). */
const STRIPPED = (() => {
  const s = new FieldSet();
  for (const p of [['apiVersion'], ['kind'], ['metadata'], ['metadata', 'name'], ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'], ['metadata', 'selfLink'], ['metadata', 'uid'], ['metadata', 'clusterName'],
    ['metadata', 'generation'], ['metadata', 'managedFields'], ['metadata', 'resourceVersion']]) {
    s.insert(p.map(fieldElement));
  }
  return s;
})();

/** A decoded managedFields entry: the manager's identity and the set of fields it owns. */
export interface FieldOwner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

function ignoredSet(ignore: ManagedFieldsOptions['ignore']): FieldSet {
  const set = new FieldSet();
  for (const p of ignore ?? []) set.insert(p.map(fieldElement));
  return set;
}

/** A copy of `obj` without the values at the ignored paths (only the containers on those paths are copied). */
function withoutPaths(obj: JsonObject, ignore: ManagedFieldsOptions['ignore']): JsonObject {
  if (!ignore || ignore.length === 0) return obj;
  const out = { ...obj };
  for (const p of ignore) {
    let cur: JsonObject = out;
    for (let i = 0; i < p.length - 1 && isObject(cur[p[i]]); i++) cur = cur[p[i]] = { ...(cur[p[i]] as JsonObject) };
    if (p.length > 0) delete cur[p[p.length - 1]];
  }
  return out;
}


/** How a manager is named in conflict messages (time left out, as in the manager's identity). */
function printManager(o: FieldOwner): string {
  let s = JSON.stringify(o.manager);
  if (o.subresource) s += ` with subresource ${JSON.stringify(o.subresource)}`;
  if (o.operation === 'Update') s += ` using ${o.apiVersion}`;
  return s;
}

function sameIdentity(a: FieldOwner, b: FieldOwner): boolean {
  return a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '') &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion);
}

/** Decodes `metadata.managedFields`; malformed entries are skipped, duplicate identities united. */
export function decodeManagedFields(entries: unknown): FieldOwner[] {
  const out: FieldOwner[] = [];
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) continue;
    const o: FieldOwner = {
      manager: e.manager, operation: e.operation, apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    if (typeof e.subresource === 'string' && e.subresource) o.subresource = e.subresource;
    if (typeof e.time === 'string') o.time = e.time;
    const same = out.find((x) => sameIdentity(x, o));
    if (same) same.set = same.set.union(o.set);
    else out.push(o);
  }
  return out;
}

/** Encodes owners as wire entries in kube-apiserver's order: Apply before Update, then by time, manager, version. */
export function encodeManagedFields(owners: FieldOwner[]): ManagedFieldsEntry[] {
  const sorted = owners.filter((o) => !o.set.isEmpty()).sort((a, b) =>
    a.operation !== b.operation ? (a.operation < b.operation ? -1 : 1)
      : (a.time ?? '') !== (b.time ?? '') ? ((a.time ?? '') < (b.time ?? '') ? -1 : 1)
        : a.manager !== b.manager ? (a.manager < b.manager ? -1 : 1)
          : a.apiVersion !== b.apiVersion ? (a.apiVersion < b.apiVersion ? -1 : 1)
            : (a.subresource ?? '') < (b.subresource ?? '') ? -1 : 1);
  return sorted.map((o) => {
    // Keys in the order kube-apiserver writes them.
    const e: Partial<ManagedFieldsEntry> = { manager: o.manager, operation: o.operation, apiVersion: o.apiVersion };
    if (o.time) e.time = o.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = o.set.toFieldsV1();
    if (o.subresource) e.subresource = o.subresource;
    return e as ManagedFieldsEntry;
  });
}

function metadataOf(obj: JsonObject): JsonObject {
  return isObject(obj.metadata) ? obj.metadata : {};
}

/** A shallow copy of `obj` with `metadata.managedFields` left out (only root and metadata are copied). */
function withoutManagedFields(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata) || !Object.hasOwn(obj.metadata, 'managedFields')) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/** Sets `metadata.managedFields` on `obj` (owned by the caller of this module), or removes it when empty. */
function setManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): void {
  const metadata = { ...metadataOf(obj) };
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
  obj.metadata = metadata;
}

/** Gives `owner` its new set, keeping its old time when the set did not change. */
function stamp(owner: FieldOwner, previous: FieldOwner | undefined, now: string): void {
  owner.time = previous && previous.set.equals(owner.set) && previous.time ? previous.time : now;
}

/**
 * Server-side apply: merges `applied` into `live` (undefined on create) for `opts.manager`. Returns the new object,
 * with `metadata.managedFields` updated, and the entries. Throws ConflictError (409) when the configuration changes
 * fields that other managers own and `force` is not set, and a 400 StatusError when `applied` is not an object or
 * carries `metadata.managedFields`.
 * Neither input is modified.
 */
export function applyPatch(live: unknown, applied: unknown, opts: ApplyOptions): ManagedResult {
  if (!isObject(applied)) throw malformedPatch('apply patch must be a JSON or YAML object');
  // As kube-apiserver: an applied configuration may not carry ownership (clients that re-send a GET result hit this).
  if (isObject(applied.metadata) && applied.metadata.managedFields != null) throw malformedPatch('metadata.managedFields must be nil');
  const { schema } = opts;
  const now = rfc3339(opts.now ?? new Date());
  const liveObj = isObject(live) ? cloneJson(live) : {};
  let owners = decodeManagedFields(metadataOf(liveObj).managedFields);
  const liveBody = withoutManagedFields(liveObj);
  const appliedBody = withoutPaths(withoutManagedFields(applied), opts.ignore);
  const ignored = ignoredSet(opts.ignore).union(STRIPPED);

  // An object written before anyone applied: its fields belong to "before-first-apply", as upstream.
  if (isObject(live) && owners.length === 0) {
    owners = [{ manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, set: fieldSetOf(liveBody, schema).difference(STRIPPED).recursiveDifference(ignored) }];
  }
  const me: FieldOwner = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, set: fieldSetOf(appliedBody, schema).difference(STRIPPED) };
  if (opts.subresource) me.subresource = opts.subresource;
  const previous = owners.find((o) => sameIdentity(o, me));
  const others = owners.filter((o) => o !== previous);

  // The merge works in place on our one copy of live; the caller's `live` stays as the "before" of the comparison.
  const merged = mergeApplied(liveBody, appliedBody, schema) as JsonObject;

  // Conflicts: fields this apply adds or changes that another manager owns.
  const cmp = compareObjects(isObject(live) ? withoutManagedFields(live) : {}, merged, schema);
  const changed = cmp.modified.union(cmp.added).difference(STRIPPED).recursiveDifference(ignored);
  const conflicts: { owner: FieldOwner; set: FieldSet }[] = [];
  for (const o of others) {
    const c = o.set.intersection(changed);
    if (!c.isEmpty()) conflicts.push({ owner: o, set: c });
  }
  if (conflicts.length > 0) {
    if (!opts.force) {
      throw new ConflictError(conflicts.flatMap(({ owner, set }) => set.paths().map((p) => ({ manager: printManager(owner), field: formatPath(p) }))));
    }
    for (const { owner, set } of conflicts) owner.set = owner.set.difference(set);
  }

  // Fields this manager applied before and no longer applies go, as structured-merge-diff's prune: a path goes unless
  // someone (this manager included) still owns it or something below it, and a map or list goes whole only when
  // everything in it was this manager's (so fields nobody tracked, and key fields of kept items, stay).
  if (previous) {
    const owned = others.reduce((acc, o) => acc.union(o.set), me.set);
    for (const p of previous.set.difference(me.set).paths()) {
      if (owned.hasAtOrBelow(p) || isKeyField(p)) continue;
      const v = valueAt(merged, p);
      if (v === undefined) continue;
      if ((isObject(v) || Array.isArray(v)) && !fieldSetOf(v, schemaAt(schema, p)).difference(previous.set.at(p)!).isEmpty()) continue;
      removePath(merged, p, 0, owned, []);
    }
  }

  stamp(me, previous, now);
  const entries = encodeManagedFields([me, ...others]);
  setManagedFields(merged, entries);
  return { object: merged, managedFields: entries };
}

/** True for a key field of a map-list item (`…k:{"name":"x"}, f:name`): it lives as long as the item. */
function isKeyField(path: string[]): boolean {
  if (path.length < 2) return false;
  const parent = path[path.length - 2];
  const last = path[path.length - 1];
  if (!parent.startsWith('k:') || !last.startsWith('f:')) return false;
  return Object.hasOwn(JSON.parse(parent.slice(2)) as JsonObject, last.slice(2));
}

/**
 * Removes the value at `path` from `container`. Containers emptied by the removal go too, unless someone owns them
 * (an explicitly applied `{}` stays).
 */
function removePath(container: unknown, path: string[], depth: number, owned: FieldSet, prefix: string[]): boolean {
  const pe = path[depth];
  let childKey: string | number | undefined;
  if (isObject(container) && pe.startsWith('f:')) {
    if (Object.hasOwn(container, pe.slice(2))) childKey = pe.slice(2);
  } else if (Array.isArray(container)) {
    if (pe.startsWith('i:')) childKey = Number(pe.slice(2));
    else {
      // Path elements of list items are computed without the schema here; match by canonical form.
      const idx = container.findIndex((item) => itemMatches(item, pe));
      if (idx >= 0) childKey = idx;
    }
  }
  if (childKey === undefined) return false;
  const here = [...prefix, pe];
  const del = () => {
    if (Array.isArray(container)) container.splice(childKey as number, 1);
    else delete (container as JsonObject)[childKey as string];
  };
  if (depth === path.length - 1) {
    del();
    return true;
  }
  const child = Array.isArray(container) ? container[childKey as number] : (container as JsonObject)[childKey as string];
  const removed = removePath(child, path, depth + 1, owned, here);
  const empty = (isObject(child) && Object.keys(child).length === 0) || (Array.isArray(child) && child.length === 0);
  if (removed && empty && !owned.has(here)) del();
  return removed;
}

/** The value at a path, if present. */
function valueAt(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const pe of path) {
    if (isObject(cur) && pe.startsWith('f:')) cur = cur[pe.slice(2)];
    else if (Array.isArray(cur)) cur = pe.startsWith('i:') ? cur[Number(pe.slice(2))] : cur.find((item) => itemMatches(item, pe));
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function itemMatches(item: unknown, pe: string): boolean {
  if (pe.startsWith('v:')) return deepEqual(item, JSON.parse(pe.slice(2)));
  if (pe.startsWith('k:') && isObject(item)) {
    const key = JSON.parse(pe.slice(2)) as JsonObject;
    // A key field missing from the item matches only if the key left it out too (defaults were filled in).
    return Object.keys(key).every((k) => item[k] === undefined || deepEqual(item[k], key[k]));
  }
  return false;
}

/**
 * Merges an applied configuration into the live object (owned, mutated) as structured-merge-diff does: maps key by
 * key, map-lists by key and set-lists by value (live order kept, new items appended in applied order), atomic lists
 * and scalars replaced by the applied value.
 */
function mergeApplied(live: unknown, applied: unknown, s: PatchSchema): unknown {
  if (applied === undefined) return live;
  if (live === undefined || live === null) return cloneJson(applied);
  if (isObject(live) && isObject(applied) && s.mapType !== 'atomic' && s.kind !== 'scalar' && s.kind !== 'list') {
    for (const k of Object.keys(applied)) {
      const v = applied[k];
      if (v === undefined) continue;
      if (v === null) delete live[k];
      else live[k] = mergeApplied(live[k], v, childOf(s, k));
    }
    return live;
  }
  if (Array.isArray(live) && Array.isArray(applied) && s.kind === 'list' && listSemantics(s).type !== 'atomic') {
    const lp = listItemElements(live, s);
    const ap = listItemElements(applied, s);
    if (lp && ap) {
      const elem = elemOf(s);
      const byKey = new Map(ap.map((pe, i) => [pe, applied[i]]));
      const out = live.map((item, i) => (byKey.has(lp[i]) ? mergeApplied(item, byKey.get(lp[i]), elem) : item));
      const seen = new Set(lp);
      ap.forEach((pe, i) => {
        if (!seen.has(pe)) {
          seen.add(pe);
          out.push(cloneJson(applied[i]));
        }
      });
      return out;
    }
  }
  return cloneJson(applied);
}

/**
 * Records a non-apply write (create, update, patch) by `opts.manager`: the writer takes the fields it added or
 * changed (on create, every field it set), other managers lose them, removed fields leave every set, and empty
 * entries are dropped. Update entries are kept per manager + apiVersion (+ subresource), at most
 * MAX_UPDATE_MANAGERS of them (older ones fold into "ancient-changes"). A request that carries
 * different managedFields replaces the live ones (`[{}]` clears them, as upstream). Returns a copy of `next` (only
 * the root and metadata are copied) with `metadata.managedFields` set.
 */
export function updateManagedFields(old: unknown, next: JsonObject, opts: ManagedFieldsOptions): ManagedResult {
  const { schema } = opts;
  const now = rfc3339(opts.now ?? new Date());
  const oldObj = isObject(old) ? old : undefined;
  const liveEntries = oldObj ? metadataOf(oldObj).managedFields : undefined;
  const requested = metadataOf(next).managedFields;
  const object = { ...next };

  let owners: FieldOwner[];
  if (Array.isArray(requested) && requested.length > 0 && !deepEqual(requested, liveEntries)) {
    owners = decodeManagedFields(requested);
    // The documented way to strip managedFields: send a list with one empty entry.
    if (owners.length === 0) {
      setManagedFields(object, []);
      return { object, managedFields: [] };
    }
  } else {
    owners = decodeManagedFields(liveEntries);
  }

  const cmp = compareObjects(oldObj ? withoutManagedFields(oldObj) : {}, withoutManagedFields(next), schema);
  const changed = cmp.modified.union(cmp.added).difference(STRIPPED).recursiveDifference(ignoredSet(opts.ignore));
  const me: FieldOwner = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, set: new FieldSet() };
  if (opts.subresource) me.subresource = opts.subresource;
  const previous = owners.find((o) => sameIdentity(o, me));
  for (const o of owners) {
    if (o !== previous) o.set = o.set.difference(changed).difference(cmp.removed);
  }
  me.set = (previous?.set ?? new FieldSet()).union(changed).difference(cmp.removed);
  stamp(me, previous, now);
  const entries = encodeManagedFields(capUpdateManagers([...owners.filter((o) => o !== previous && !o.set.isEmpty()), me]));
  setManagedFields(object, entries);
  return { object, managedFields: entries };
}

/** Most Update entries an object keeps, as kube-apiserver. */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * Keeps the number of Update entries at MAX_UPDATE_MANAGERS, as kube-apiserver's capManagers: oldest first, each
 * entry is folded into an "ancient-changes" bucket of its apiVersion once an older entry of that version was seen.
 */
function capUpdateManagers(owners: FieldOwner[]): FieldOwner[] {
  const updaters = owners.filter((o) => o.operation === 'Update' && !o.set.isEmpty());
  let count = updaters.length;
  if (count <= MAX_UPDATE_MANAGERS) return owners;
  updaters.sort((a, b) => ((a.time ?? '') !== (b.time ?? '') ? ((a.time ?? '') < (b.time ?? '') ? -1 : 1) : a.manager < b.manager ? -1 : 1));
  const dropped = new Set<FieldOwner>();
  const firstOfVersion = new Map<string, FieldOwner>();
  const buckets = new Map<string, FieldOwner>();
  for (const u of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const first = firstOfVersion.get(u.apiVersion);
    if (!first) {
      firstOfVersion.set(u.apiVersion, u);
      continue;
    }
    let bucket = buckets.get(u.apiVersion);
    if (!bucket) {
      bucket = { manager: 'ancient-changes', operation: 'Update', apiVersion: u.apiVersion, set: first.set };
      buckets.set(u.apiVersion, bucket);
      dropped.add(first);
    }
    bucket.set = bucket.set.union(u.set);
    bucket.time = u.time;
    dropped.add(u);
    count--;
  }
  return [...owners.filter((o) => !dropped.has(o)), ...buckets.values()];
}
