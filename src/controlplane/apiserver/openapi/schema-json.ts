/**
 * One type of the schema data as an OpenAPI schema object, in the shapes kube-apiserver publishes: v3 wraps a `$ref`
 * that carries a description in `allOf` (a bare `$ref` may have no siblings in OpenAPI 3.0), v2 keeps the siblings
 * beside the `$ref`; Quantity and IntOrString are `oneOf` unions in v3 but plain strings in v2, which is what
 * kubectl's v2 parser accepts.
 */
import { isScalar, type FieldSchema, type ScalarType, type TypeSchema } from '../../../api/schema/index.js';
import type { TypeIndex } from './type-index.js';

/** Which OpenAPI dialect to produce. */
export type Dialect = 'v2' | 'v3';

/** A JSON schema object. */
export type JsonSchema = Record<string, unknown>;

/** The `$ref` prefix of each dialect. */
export const REF_PREFIX: Record<Dialect, string> = { v2: '#/definitions/', v3: '#/components/schemas/' };

const SCALAR_SCHEMA: Record<ScalarType, JsonSchema> = {
  string: { type: 'string' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  bool: { type: 'boolean' },
  bytes: { type: 'string', format: 'byte' },
  double: { type: 'number', format: 'double' },
};

const TYPE_META_FIELDS: Record<string, JsonSchema> = {
  apiVersion: { description: 'The versioned schema of this object, e.g. `v1` or `apps/v1`.', type: 'string' },
  kind: { description: 'The kind of this object, in CamelCase, e.g. `Pod`.', type: 'string' },
};

/**
 * The schema of one value of `type` (no description): a scalar schema, a bare reference, or, for Go's named string
 * slices (ExtraValue, Verbs), the array itself, which Kubernetes inlines rather than naming.
 */
function valueSchema(type: string, dialect: Dialect, index: TypeIndex): JsonSchema {
  if (isScalar(type)) return { ...SCALAR_SCHEMA[type as ScalarType] };
  if (index.get(type).special === 'string-list') return { type: 'array', items: { type: 'string' } };
  return { $ref: REF_PREFIX[dialect] + type };
}

/** A field's schema, with its description and the list/map/patch markers. */
export function fieldSchema(f: FieldSchema, dialect: Dialect, index: TypeIndex): JsonSchema {
  let out: JsonSchema;
  const item = valueSchema(f.type, dialect, index);
  if (f.enum && !f.repeated && !f.map) item.enum = f.enum;
  if (f.map) {
    const value = f.repeated ? { type: 'array', items: item } : item;
    out = { description: f.description, type: 'object', additionalProperties: value };
  } else if (f.repeated) {
    if (f.enum) item.enum = f.enum;
    out = { description: f.description, type: 'array', items: item };
  } else if (item.$ref !== undefined && dialect === 'v3') {
    out = { allOf: [item], description: f.description };
  } else {
    out = { ...item, description: f.description };
  }
  if (f.default !== undefined) out.default = f.default;
  if (f.listType) out['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) out['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.mapType) out['x-kubernetes-map-type'] = f.mapType;
  if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return out;
}

/** The schema of a special-kind type (Quantity, IntOrString, Time, …) as Kubernetes publishes it. */
function specialSchema(t: TypeSchema, dialect: Dialect): JsonSchema {
  const d = { description: t.description };
  switch (t.special) {
    case 'quantity':
      return dialect === 'v3' ? { ...d, oneOf: [{ type: 'string' }, { type: 'number' }] } : { ...d, type: 'string' };
    case 'int-or-string':
      return dialect === 'v3'
        ? { ...d, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] }
        : { ...d, type: 'string', format: 'int-or-string' };
    case 'time':
    case 'micro-time':
      return { ...d, type: 'string', format: 'date-time' };
    case 'duration':
      return { ...d, type: 'string' };
    case 'raw-extension':
    case 'fields-v1':
      return { ...d, type: 'object' };
    case 'string-list':
      return { ...d, type: 'array', items: { type: 'string' } };
    default:
      // Arbitrary JSON: no type at all, which both kubectl parsers read as "any value".
      return d;
  }
}

/** The schema of a whole type, with `x-kubernetes-group-version-kind` on kinds. */
export function typeSchema(t: TypeSchema, dialect: Dialect, index: TypeIndex): JsonSchema {
  if (t.special) {
    const out = specialSchema(t, dialect);
    if (t.gvk) out['x-kubernetes-group-version-kind'] = t.gvk;
    return out;
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  // Kinds carry apiVersion/kind in JSON although their protobuf messages do not.
  if (t.gvk) for (const [name, s] of Object.entries(TYPE_META_FIELDS)) properties[name] = s;
  for (const f of index.jsonFields(t.id)) {
    properties[f.name] = fieldSchema(f, dialect, index);
    if (f.required) required.push(f.name);
  }
  const out: JsonSchema = { description: t.description, type: 'object', properties };
  if (required.length > 0) out.required = required;
  if (t.structType === 'atomic') out['x-kubernetes-map-type'] = 'atomic';
  if (t.gvk) out['x-kubernetes-group-version-kind'] = t.gvk;
  return out;
}
