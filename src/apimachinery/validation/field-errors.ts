/**
 * Constructors for validation field errors, with the message shapes of kube-apiserver v1.32
 * (`Required value`, `Invalid value: "X": msg`, `Unsupported value: "X": supported values: "A", "B"`, …).
 * kubectl prints these verbatim (`* spec.replicas: Invalid value: -1: must be greater than or equal to 0`), so
 * the rendering of the bad value follows Go's: strings quoted like `%q`, numbers and booleans bare, nil as `null`,
 * and structured values as Go's `%#v` (`map[string]string{"app":"web"}`), which callers supply through GoValue.
 */
import type { FieldError } from '../errors/status-error.js';
import { pathString, type MaybePath } from './field-path.js';

/** Machine-readable error types, as in `Status.details.causes[].reason`. */
export const ErrorType = {
  NotFound: 'FieldValueNotFound',
  Required: 'FieldValueRequired',
  Duplicate: 'FieldValueDuplicate',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Internal: 'InternalError',
  TypeInvalid: 'FieldValueTypeInvalid',
} as const;

const TYPE_TEXT: Record<string, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** The message upstream uses for a changed immutable field. */
export const FIELD_IMMUTABLE = 'field is immutable';
/** The message upstream uses for a negative value where ≥ 0 is required. */
export const IS_NEGATIVE = 'must be greater than or equal to 0';

/** A value already rendered in Go's `%#v` form, e.g. `map[string]string{"app":"web"}`. */
export class GoValue {
  constructor(readonly repr: string) {}
}

/** What a field error can report as the offending value. Plain objects and arrays fall back to JSON. */
export type BadValue = string | number | bigint | boolean | null | undefined | GoValue | object;

/** Quotes a string the way Go's `%q` does (escapes `"`, `\` and control characters; keeps printable Unicode). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      default:
        if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
        else if (c >= 0x80 && c < 0xa0) out += '\\u' + c.toString(16).padStart(4, '0');
        else out += ch;
    }
  }
  return out + '"';
}

/** Renders a bad value as the v1.32 `ErrorBody` does. */
export function formatBadValue(v: BadValue): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof GoValue) return v.repr;
  switch (typeof v) {
    case 'string': return goQuote(v);
    case 'number': case 'bigint': case 'boolean': return String(v);
    default: return JSON.stringify(v);
  }
}

function make(type: string, path: MaybePath, body: string, detail: string): FieldError {
  return { type, field: pathString(path), detail: detail ? `${body}: ${detail}` : body };
}

function withValue(type: string, path: MaybePath, value: BadValue, detail: string): FieldError {
  return make(type, path, `${TYPE_TEXT[type]}: ${formatBadValue(value)}`, detail);
}

/** `Required value` (with an optional detail: `Required value: name or generateName is required`). */
export function errRequired(path: MaybePath, detail = ''): FieldError {
  return make(ErrorType.Required, path, TYPE_TEXT[ErrorType.Required], detail);
}

/** `Invalid value: "X": detail`. */
export function errInvalid(path: MaybePath, value: BadValue, detail: string): FieldError {
  return withValue(ErrorType.Invalid, path, value, detail);
}

/** `Unsupported value: "X": supported values: "A", "B"` (the list in the order given). */
export function errNotSupported(path: MaybePath, value: BadValue, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? 'supported values: ' + supported.map(goQuote).join(', ') : '';
  return withValue(ErrorType.NotSupported, path, value, detail);
}

/** `Duplicate value: "X"`. */
export function errDuplicate(path: MaybePath, value: BadValue): FieldError {
  return withValue(ErrorType.Duplicate, path, value, '');
}

/** `Not found: "X"`. */
export function errNotFound(path: MaybePath, value: BadValue): FieldError {
  return withValue(ErrorType.NotFound, path, value, '');
}

/** `Forbidden: detail`. */
export function errForbidden(path: MaybePath, detail: string): FieldError {
  return make(ErrorType.Forbidden, path, TYPE_TEXT[ErrorType.Forbidden], detail);
}

/** `Too long: must have at most N bytes` (v1.32 wording; the value is never shown). */
export function errTooLong(path: MaybePath, maxLength: number): FieldError {
  return make(ErrorType.TooLong, path, TYPE_TEXT[ErrorType.TooLong], maxLength >= 0 ? `must have at most ${maxLength} bytes` : 'value is too long');
}

/** `Too many: 3: must have at most 2 items`. */
export function errTooMany(path: MaybePath, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return withValue(ErrorType.TooMany, path, actual, detail);
}

/** `Internal error: msg`. */
export function errInternal(path: MaybePath, err: unknown): FieldError {
  return make(ErrorType.Internal, path, TYPE_TEXT[ErrorType.Internal], err instanceof Error ? err.message : String(err));
}

/** `Invalid value: X: field is immutable` when `newValue` differs (deeply) from `oldValue`. */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: MaybePath, shown?: BadValue): FieldError[] {
  if (deepEqual(newValue, oldValue)) return [];
  return [errInvalid(path, shown !== undefined ? shown : (newValue as BadValue), FIELD_IMMUTABLE)];
}

/** `Invalid value: -1: must be greater than or equal to 0` for negative numbers. */
export function validateNonnegative(value: number | undefined | null, path: MaybePath): FieldError[] {
  return value != null && value < 0 ? [errInvalid(path, value, IS_NEGATIVE)] : [];
}

/**
 * Semantic deep equality of decoded JSON values. Like apimachinery's semantic equality for API objects, an absent
 * key, `null`, and (for our purposes) the absence itself compare equal.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  if (typeof a !== typeof b || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

// ---- Go `%#v` renderers for the structured values that appear in well-known messages ----

/** `map[string]string{"a":"b", "c":"d"}` (keys sorted, as Go prints maps), or `map[string]string(nil)`. */
export function goStringMap(m: Record<string, string> | null | undefined): GoValue {
  if (m == null) return new GoValue('map[string]string(nil)');
  const keys = Object.keys(m).sort();
  return new GoValue(`map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k])}`).join(', ')}}`);
}

/** `[]string{"a", "b"}`, or `[]string(nil)`. */
export function goStringSlice(a: readonly string[] | null | undefined): GoValue {
  if (a == null) return new GoValue('[]string(nil)');
  return new GoValue(`[]string{${a.map(goQuote).join(', ')}}`);
}

/** A metav1.LabelSelector as `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}`. */
export function goLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | null | undefined): GoValue {
  if (sel == null) return new GoValue('null');
  const exprs = sel.matchExpressions == null
    ? '[]v1.LabelSelectorRequirement(nil)'
    : `[]v1.LabelSelectorRequirement{${sel.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(e.key)}, Operator:${goQuote(e.operator)}, Values:${goStringSlice(e.values).repr}}`).join(', ')}}`;
  return new GoValue(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels).repr}, MatchExpressions:${exprs}}`);
}

/** An IntOrString as `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`. */
export function goIntOrString(v: number | string | null | undefined): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`);
}
