/**
 * The patch code's view of a type (apimachinery/patch's PatchSchema), built lazily from the project's type data:
 * list strategies and merge keys for strategic merge patch, list/map types for server-side apply.
 */
import type { PatchSchema } from '../apimachinery/patch/schema-lookup.js';
import { UNTYPED } from '../apimachinery/patch/schema-lookup.js';
import type { FieldSchema } from './schema/model.js';
import { getType, isScalar, jsonFields } from './schema/index.js';

const SCALAR: PatchSchema = Object.freeze({ kind: 'scalar' as const, field: () => undefined, elem: () => undefined });
const typeNodes = new Map<string, PatchSchema>();

/** The PatchSchema of a type id (e.g. `io.k8s.api.apps.v1.Deployment`), cached. Unknown ids are untyped. */
export function patchSchemaFor(typeId: string): PatchSchema {
  let node = typeNodes.get(typeId);
  if (node) return node;
  node = buildTypeNode(typeId);
  typeNodes.set(typeId, node);
  return node;
}

function buildTypeNode(typeId: string): PatchSchema {
  if (isScalar(typeId)) return SCALAR;
  const t = getType(typeId);
  if (!t) return UNTYPED;
  if (t.special) {
    // Quantities, times and int-or-strings are atomic values; raw JSON is untyped.
    return t.special === 'raw-extension' || t.special === 'fields-v1' || t.special === 'json' ? UNTYPED : SCALAR;
  }
  const fields = jsonFields(typeId);
  const cache = new Map<string, PatchSchema>();
  return {
    kind: 'object',
    mapType: t.structType,
    field(name) {
      let n = cache.get(name);
      if (n) return n;
      const f = fields.get(name);
      if (!f) return undefined;
      n = fieldNode(f);
      cache.set(name, n);
      return n;
    },
    elem: () => undefined,
  };
}

function fieldNode(f: FieldSchema): PatchSchema {
  const markers = {
    patchStrategy: f.patchStrategy,
    patchMergeKey: f.patchMergeKey,
    listType: f.listType,
    listMapKeys: f.listMapKeys,
    mapType: f.mapType,
    default: f.default,
  };
  if (f.repeated || f.map) {
    let elem: PatchSchema | undefined;
    return {
      kind: f.repeated ? 'list' : 'map',
      ...markers,
      field: () => undefined,
      elem: () => (elem ??= patchSchemaFor(f.type)),
    };
  }
  const inner = patchSchemaFor(f.type);
  if (!f.patchStrategy && !f.mapType && f.default === undefined) return inner;
  return { ...inner, ...markers, mapType: f.mapType ?? inner.mapType, kind: inner.kind, field: (n) => inner.field(n), elem: () => inner.elem() };
}
