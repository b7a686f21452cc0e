/**
 * The schema registry: loads the type data (data/*.json, one file per protobuf package) once, on first use, and
 * answers lookups by type id, by group/version/kind and by JSON path. OpenAPI, unknown-field checks, protobuf
 * decoding, strategic merge patch, server-side apply and `kubectl explain` all read the types through here.
 */
import { readFileSync } from 'node:fs';
import type { FieldSchema, SchemaFile, TypeSchema } from './model.js';

/** The data files, in dependency order (apimachinery first). Explicit, so a missing file fails loudly. */
const DATA_FILES = [
  'meta-v1', 'resource', 'intstr', 'runtime',
  'core-v1', 'apps-v1', 'batch-v1', 'networking-v1', 'coordination-v1', 'discovery-v1',
  'autoscaling-v1', 'autoscaling-v2', 'policy-v1', 'storage-v1', 'authentication-v1', 'authorization-v1',
  'metrics-v1beta1',
] as const;

interface Loaded {
  files: SchemaFile[];
  types: Map<string, TypeSchema>;
  byGvk: Map<string, TypeSchema>;
  /** JSON-visible fields per type (inline members flattened), built on demand. */
  jsonFields: Map<string, Map<string, FieldSchema>>;
}

let loaded: Loaded | undefined;

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

function load(): Loaded {
  if (loaded) return loaded;
  const files: SchemaFile[] = [];
  const types = new Map<string, TypeSchema>();
  const byGvk = new Map<string, TypeSchema>();
  for (const name of DATA_FILES) {
    // Read with fs rather than `import` so the ~300 kB of data is parsed only when something asks for it.
    const file = JSON.parse(readFileSync(new URL(`./data/${name}.json`, import.meta.url), 'utf8')) as SchemaFile;
    files.push(file);
    for (const t of file.types) {
      types.set(t.id, t);
      for (const g of t.gvk ?? []) byGvk.set(gvkKey(g.group, g.version, g.kind), t);
    }
  }
  loaded = { files, types, byGvk, jsonFields: new Map() };
  return loaded;
}

/** Every schema file, one per protobuf package. */
export function schemaFiles(): readonly SchemaFile[] {
  return load().files;
}

/** Every type, keyed by id. */
export function allTypes(): ReadonlyMap<string, TypeSchema> {
  return load().types;
}

/** The type with this id (e.g. `io.k8s.api.core.v1.Pod`), or undefined. */
export function getType(id: string): TypeSchema | undefined {
  return load().types.get(id);
}

/** The type served as group/version/kind (core group is ''), or undefined. */
export function typeForKind(group: string, version: string, kind: string): TypeSchema | undefined {
  return load().byGvk.get(gvkKey(group, version, kind));
}

/** True when `type` names a scalar (string, int32, …) rather than another type. */
export function isScalar(type: string): boolean {
  return !type.includes('.');
}

/**
 * The fields of a type as they appear in JSON, keyed by JSON name: inline members (Go `json:",inline"`, such as
 * Probe's handler) are replaced by the fields of their type. Empty for special kinds and unknown ids.
 */
export function jsonFields(typeId: string): ReadonlyMap<string, FieldSchema> {
  const l = load();
  let out = l.jsonFields.get(typeId);
  if (out) return out;
  out = new Map();
  const t = l.types.get(typeId);
  for (const f of t?.fields ?? []) {
    if (f.inline) for (const [k, v] of jsonFields(f.type)) out.set(k, v);
    else out.set(f.name, f);
  }
  l.jsonFields.set(typeId, out);
  return out;
}

/** The field `name` (a JSON name) of a type, looking through inline members; undefined if there is none. */
export function fieldOf(typeId: string, name: string): FieldSchema | undefined {
  return jsonFields(typeId).get(name);
}

/** Where a JSON path leads inside a type. */
export interface PathTarget {
  /** The type at the end of the path: a type id or a scalar name. */
  type: string;
  /** The field the path ends on; absent for the root and for a map value (the path ended on a map key). */
  field?: FieldSchema;
}

/**
 * Follows a JSON path of object keys from a type. Lists are transparent: after a list field the path continues
 * inside its elements (no indexes), as strategic merge patch walks them. After a map field the next segment is a
 * map key and the path continues in the value type. Undefined when the path leaves the schema.
 */
export function resolvePath(typeId: string, path: readonly string[]): PathTarget | undefined {
  let target: PathTarget = { type: typeId };
  let mapPending = false;
  for (const seg of path) {
    if (mapPending) {
      target = { type: target.type };
      mapPending = false;
      continue;
    }
    if (isScalar(target.type) || getType(target.type)?.special) return undefined;
    const f = fieldOf(target.type, seg);
    if (!f) return undefined;
    target = { type: f.type, field: f };
    mapPending = !!f.map;
  }
  return target;
}

/** Strategic merge patch metadata at a path. */
export interface PatchMeta {
  /** `merge`, `replace`, `retainKeys` or `merge,retainKeys`; absent means the default for the shape. */
  patchStrategy?: string;
  /** The key identifying list elements, for lists merged by key. */
  patchMergeKey?: string;
  /** The type at the path (for a list: its element type; for a map: its value type). */
  type: string;
  /** A list (JSON array). */
  list: boolean;
  /** A map (JSON object with free-form keys). */
  map: boolean;
}

/** Strategic merge patch metadata for the value at `path` in `typeId`, or undefined when the schema does not know it. */
export function patchMetaAt(typeId: string, path: readonly string[]): PatchMeta | undefined {
  const t = resolvePath(typeId, path);
  if (!t) return undefined;
  const f = t.field;
  const out: PatchMeta = { type: t.type, list: !!f?.repeated, map: !!f?.map };
  if (f?.patchStrategy) out.patchStrategy = f.patchStrategy;
  if (f?.patchMergeKey) out.patchMergeKey = f.patchMergeKey;
  return out;
}

/** Server-side apply metadata at a path. */
export interface ListMeta {
  /** The type at the path (for a list: its element type; for a map: its value type). */
  type: string;
  list: boolean;
  map: boolean;
  /** `atomic`, `set` or `map` for lists (marker, else derived from the patch strategy); unset lists are atomic. */
  listType?: 'atomic' | 'set' | 'map';
  /** The keys of a `map` list. */
  listMapKeys?: string[];
  /** `atomic` or `granular` for maps (field-level marker, or the value type's). */
  mapType?: 'atomic' | 'granular';
  /** `atomic` or `granular` for the struct type at the path. */
  structType?: 'atomic' | 'granular';
}

/** Server-side apply metadata (list type, map keys, map/struct type) for the value at `path`, or undefined. */
export function listMetaAt(typeId: string, path: readonly string[]): ListMeta | undefined {
  const t = resolvePath(typeId, path);
  if (!t) return undefined;
  const f = t.field;
  const out: ListMeta = { type: t.type, list: !!f?.repeated, map: !!f?.map };
  if (f?.listType) {
    out.listType = f.listType;
    if (f.listMapKeys) out.listMapKeys = f.listMapKeys;
  } else if (f?.repeated && f.patchStrategy?.split(',').includes('merge')) {
    // No list-type marker: derive it from the patch strategy, as kube-openapi's schemaconv does when it builds
    // the server-side apply schema (merge + key → map list keyed by it, merge alone → set).
    out.listType = f.patchMergeKey ? 'map' : 'set';
    if (f.patchMergeKey) out.listMapKeys = [f.patchMergeKey];
  }
  if (f?.mapType) out.mapType = f.mapType;
  const st = isScalar(t.type) ? undefined : getType(t.type)?.structType;
  if (st) out.structType = st;
  return out;
}
