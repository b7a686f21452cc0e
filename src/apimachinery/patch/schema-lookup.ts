/**
 * PatchSchema: the little a patch needs to know about a type, as an interface that the API layer implements from the
 * project's type data (src/api/schema). apimachinery may not import api, so the dependency is turned around: patch
 * code asks a PatchSchema, and the API layer hands one in.
 *
 * Field-level markers (patch strategy, merge key, list type, map type) sit on the schema node of the field that
 * carries them: `podSpec.field('containers')` is a list node with `patchStrategy: 'merge'`, `patchMergeKey: 'name'`.
 *
 * Parts without a schema (RawExtension, unknown fields, CRDs for now) use {@link UNTYPED}: maps merge key by key,
 * lists are replaced whole, exactly as a JSON merge patch would, which is what upstream falls back to.
 */

/** What kind of JSON value a schema node describes. `object` is a struct with named fields; `map` a string-keyed map. */
export type PatchSchemaKind = 'object' | 'list' | 'map' | 'scalar' | 'any';

/** One node of a type, as patch code sees it. */
export interface PatchSchema {
  readonly kind: PatchSchemaKind;
  /** The schema of a named field of an `object` node; `undefined` for an unknown field (then treated as untyped). */
  field(name: string): PatchSchema | undefined;
  /** The element schema of a `list`, or the value schema of a `map`. */
  elem(): PatchSchema | undefined;
  /** Strategic merge patch strategy of this field: `merge`, `replace`, `retainKeys`, `merge,retainKeys`. */
  readonly patchStrategy?: string;
  /** Strategic merge patch merge key of a list of objects, e.g. `name`, `containerPort`. */
  readonly patchMergeKey?: string;
  /** Server-side apply list semantics. When absent it is derived from the patch strategy, as upstream does. */
  readonly listType?: 'atomic' | 'set' | 'map';
  /** Keys of a `listType: map` list. */
  readonly listMapKeys?: readonly string[];
  /** Server-side apply map (and struct) semantics. */
  readonly mapType?: 'atomic' | 'granular';
  /** The default of this field, used for list-map keys that an applied config leaves out (ports' `protocol`). */
  readonly default?: unknown;
}

/** The schema of anything unknown: maps merge granularly, lists are atomic. */
export const UNTYPED: PatchSchema = Object.freeze({
  kind: 'any' as const,
  field: () => UNTYPED,
  elem: () => UNTYPED,
});

/** A field's schema, or UNTYPED when the schema does not know it. */
export function childOf(schema: PatchSchema, key: string): PatchSchema {
  if (schema.kind === 'map') return schema.elem() ?? UNTYPED;
  return schema.field(key) ?? UNTYPED;
}

/** A list's element schema, or UNTYPED. */
export function elemOf(schema: PatchSchema): PatchSchema {
  return schema.elem() ?? UNTYPED;
}

/** True when a list merges element-wise under strategic merge patch (`patchStrategy` contains `merge`). */
export function hasMergeStrategy(schema: PatchSchema): boolean {
  return schema.patchStrategy !== undefined && schema.patchStrategy.split(',').includes('merge');
}

/**
 * The server-side apply semantics of a list, as upstream's OpenAPI conversion derives it: an explicit listType wins;
 * otherwise a `merge` strategy list is a map keyed by its merge key (or a set without one); everything else is atomic.
 */
export function listSemantics(schema: PatchSchema): { type: 'atomic' | 'set' | 'map'; keys: readonly string[] } {
  if (schema.listType === 'map') return { type: 'map', keys: schema.listMapKeys ?? (schema.patchMergeKey ? [schema.patchMergeKey] : []) };
  if (schema.listType) return { type: schema.listType, keys: [] };
  if (hasMergeStrategy(schema)) return schema.patchMergeKey ? { type: 'map', keys: [schema.patchMergeKey] } : { type: 'set', keys: [] };
  return { type: 'atomic', keys: [] };
}

/**
 * A literal description of a schema, for tests and for callers that build schemas by hand:
 * `'scalar'`, `'any'`, `{ object: { name: 'scalar', … } }`, `{ list: elem, patchStrategy, patchMergeKey, … }`,
 * `{ map: value }`. A function may stand for a node to allow recursive types.
 */
export type SchemaSpec =
  | 'scalar'
  | 'any'
  | (() => SchemaSpec)
  | ({ object: Record<string, SchemaSpec> } & Markers)
  | ({ list: SchemaSpec } & Markers)
  | ({ map: SchemaSpec } & Markers)
  | ({ scalar: true } & Markers);

/** Field-level markers a SchemaSpec node may carry. */
interface Markers {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  default?: unknown;
}

/** Builds a PatchSchema from a SchemaSpec. Child nodes are built lazily, so specs may be recursive. */
export function schemaFromSpec(spec: SchemaSpec): PatchSchema {
  if (typeof spec === 'function') return schemaFromSpec(spec());
  if (spec === 'any') return UNTYPED;
  if (spec === 'scalar') return { kind: 'scalar', field: () => undefined, elem: () => undefined };
  const { patchStrategy, patchMergeKey, listType, listMapKeys, mapType } = spec;
  const markers = { patchStrategy, patchMergeKey, listType, listMapKeys, mapType, default: spec.default };
  if ('object' in spec) {
    const cache = new Map<string, PatchSchema>();
    const fields = spec.object;
    return {
      kind: 'object', ...markers,
      field(name) {
        if (!Object.hasOwn(fields, name)) return undefined;
        let s = cache.get(name);
        if (!s) cache.set(name, (s = schemaFromSpec(fields[name])));
        return s;
      },
      elem: () => undefined,
    };
  }
  if ('list' in spec || 'map' in spec) {
    const inner = 'list' in spec ? spec.list : spec.map;
    let e: PatchSchema | undefined;
    return {
      kind: 'list' in spec ? 'list' : 'map', ...markers,
      field: () => undefined,
      elem: () => (e ??= schemaFromSpec(inner)),
    };
  }
  return { kind: 'scalar', ...markers, field: () => undefined, elem: () => undefined };
}
