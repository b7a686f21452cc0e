/**
 * Unknown-field and JSON-type checks of a decoded request body against the schema, for kube-apiserver's
 * fieldValidation: Strict rejects unknown fields, Warn reports them as warnings, Ignore drops them silently.
 *
 * Paths and messages mirror kube-apiserver's strict decoding: `unknown field "spec.template.spec.containers[0].foo"`
 * (no leading dot, list indexes in brackets), and type errors in Go's encoding/json shape:
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
 */
import { getType, isScalar, jsonFields } from './schema-registry.js';
import type { FieldSchema } from './model.js';

/** The result of checking one object. */
export interface CheckResult {
  /** Paths of fields the schema does not know, e.g. `spec.containers[0].imagePullPolicyy`. */
  unknown: string[];
  /** Messages for values of the wrong JSON type. */
  typeErrors: string[];
}

type Json = unknown;

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // 'string' | 'object'
}

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go type name a field decodes into, as encoding/json prints it (`int32`, `[]v1.Container`, `map[string]string`). */
function goTypeName(f: Pick<FieldSchema, 'type' | 'repeated' | 'map'>): string {
  let base: string;
  if (isScalar(f.type)) base = f.type === 'bytes' ? '[]uint8' : f.type === 'double' ? 'float64' : f.type;
  else {
    const parts = f.type.split('.');
    base = `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  if (f.repeated) return `[]${base}`;
  if (f.map) return `map[string]${base}`;
  return base;
}

function shortName(typeId: string): string {
  return typeId.slice(typeId.lastIndexOf('.') + 1);
}

const INT_LIMITS: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

interface Walk {
  unknown: string[];
  typeErrors: string[];
  /** When set, unknown fields are removed from the objects walked (in place, on a copy the caller owns). */
  prune: boolean;
}

/** The state needed to word a type error: the innermost struct and the dotted path of JSON names (no indexes). */
interface Where {
  path: string;
  goPath: string;
  struct: string;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function typeError(w: Walk, v: Json, where: Where, goType: string): void {
  w.typeErrors.push(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${where.struct}.${where.goPath} of type ${goType}`);
}

/** Checks a scalar value; returns false when its JSON type is wrong. */
function scalarOk(type: string, v: Json): boolean {
  switch (type) {
    case 'string':
    case 'bytes':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'double':
      return typeof v === 'number';
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) return false;
      const lim = INT_LIMITS[type];
      return !lim || (v >= lim[0] && v <= lim[1]);
    }
  }
}

/** Checks one value of a field's element type (not the list or map around it). */
function walkValue(w: Walk, type: string, v: Json, where: Where, goType: string): void {
  if (v === null) return; // Go's JSON decoder accepts null anywhere and leaves the zero value.
  if (isScalar(type)) {
    if (!scalarOk(type, v)) typeError(w, v, where, goType);
    return;
  }
  const t = getType(type);
  if (!t) return;
  switch (t.special) {
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number') w.typeErrors.push(`${where.path}: quantities must be a string or a number`);
      return;
    case 'int-or-string':
      if (typeof v === 'number' ? !Number.isInteger(v) : typeof v !== 'string') {
        w.typeErrors.push(`${where.path}: json: cannot unmarshal ${jsonKind(v)} into Go value of type intstr.IntOrString`);
      }
      return;
    case 'time':
    case 'micro-time':
      if (typeof v !== 'string') w.typeErrors.push(`${where.path}: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
      return;
    case 'duration':
      if (typeof v !== 'string') w.typeErrors.push(`${where.path}: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
      return;
    case 'string-list':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) typeError(w, v, where, '[]string');
      return;
    case 'raw-extension':
    case 'fields-v1':
    case 'json':
      return; // any JSON
    case undefined:
      break;
  }
  if (!isPlainObject(v)) {
    typeError(w, v, where, goType);
    return;
  }
  walkObject(w, type, v, where);
}

function walkObject(w: Walk, typeId: string, obj: Record<string, Json>, at: Where): void {
  const fields = jsonFields(typeId);
  const struct = shortName(typeId);
  for (const key of Object.keys(obj)) {
    const path = join(at.path, key);
    const f = fields.get(key);
    if (!f) {
      w.unknown.push(path);
      if (w.prune) delete obj[key];
      continue;
    }
    const v = obj[key];
    const where: Where = { path, goPath: join(at.goPath, key), struct };
    if (v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v)) {
        typeError(w, v, where, goTypeName(f));
        continue;
      }
      const elemGo = goTypeName({ type: f.type });
      v.forEach((x, i) => walkValue(w, f.type, x, { ...where, path: `${path}[${i}]` }, elemGo));
    } else if (f.map) {
      if (!isPlainObject(v)) {
        typeError(w, v, where, goTypeName(f));
        continue;
      }
      const elemGo = goTypeName({ type: f.type });
      for (const [k, x] of Object.entries(v)) walkValue(w, f.type, x, { ...where, path: join(path, k) }, elemGo);
    } else {
      walkValue(w, f.type, v, where, goTypeName(f));
    }
  }
}

function walkRoot(w: Walk, typeId: string, value: Json): void {
  if (getType(typeId)?.special || isPlainObject(value)) {
    walkValue(w, typeId, value, { path: '', goPath: '', struct: shortName(typeId) }, shortName(typeId));
  } else {
    w.typeErrors.push(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goTypeName({ type: typeId })}`);
  }
}

/**
 * Checks a decoded JSON object against type `typeId`: unknown fields (apiVersion, kind and metadata included) and
 * values of the wrong JSON type. Special kinds accept their JSON forms (a quantity as string or number, an
 * int-or-string as either, a raw extension as anything).
 */
export function checkObject(typeId: string, value: unknown): CheckResult {
  const w: Walk = { unknown: [], typeErrors: [], prune: false };
  walkRoot(w, typeId, value);
  return { unknown: w.unknown, typeErrors: w.typeErrors };
}

/**
 * Returns a copy of `value` without the fields type `typeId` does not know, plus their paths, for
 * fieldValidation Ignore (drop silently) and Warn (drop and warn), as kube-apiserver's non-strict decoding does.
 */
export function pruneUnknown<T>(typeId: string, value: T): { value: T; unknown: string[] } {
  const copy = structuredClone(value);
  const w: Walk = { unknown: [], typeErrors: [], prune: true };
  walkRoot(w, typeId, copy);
  return { value: copy, unknown: w.unknown };
}

/** kube-apiserver's strict decoding message: `strict decoding error: unknown field "spec.a", unknown field "spec.b"`. */
export function strictDecodingMessage(unknown: readonly string[]): string {
  return `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`;
}

/** The warning text kube-apiserver sends (one `Warning:` header each) under fieldValidation=Warn: `unknown field "spec.a"`. */
export function unknownFieldWarnings(unknown: readonly string[]): string[] {
  return unknown.map((p) => `unknown field "${p}"`);
}
