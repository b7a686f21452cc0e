/**
 * Field selectors (`?fieldSelector=metadata.name=web,status.phase!=Running`): parsing, escaping and matching
 * against a flat map of an object's selectable fields. Which fields a resource supports is the API layer's table;
 * the apiserver reads `requirements` to answer `field label not supported: x`.
 *
 * Parsing mirrors apimachinery's fields package: terms split on unescaped commas, the first of `!=`, `==`, `=` in a
 * term is its operator, and values escape `\`, `,` and `=` with a backslash.
 */

/** One term: `field=value` (also written `==`) or `field!=value`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Raised for a malformed field selector; `message` is upstream's text. */
export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

/** Escapes `\`, `,` and `=` in a value. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => '\\' + c);
}

/** Reverses escapeFieldValue; throws on a bad escape or an unescaped `,`/`=`. */
export function unescapeFieldValue(v: string): string {
  if (!/[\\,=]/.test(v)) return v;
  let out = '';
  let inSlash = false;
  for (const c of v) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune with %v, i.e. its code point number.
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** The fields of one object that a field selector can test, e.g. `{ "metadata.name": "web", "status.phase": "Running" }`. */
export type FieldSet = Readonly<Record<string, string>>;

/** A parsed field selector: the AND of its requirements. */
export class FieldSelector {
  /** The terms, sorted like upstream sorts them. */
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: readonly FieldRequirement[]) {
    this.requirements = [...requirements];
  }

  /** True if every term holds; a field missing from `fields` counts as the empty string. */
  matches(fields: FieldSet): boolean {
    return this.requirements.every((r) => {
      const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }

  /** True when it selects everything. */
  empty(): boolean {
    return this.requirements.length === 0;
  }

  /** If a term pins `field` with `=`, its value (lets the apiserver turn `metadata.name=x` into a point read). */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  /** The string form with escaped values (`a=b,c!=d`). */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

/** Parses a field selector; an empty string selects everything. Throws FieldSelectorError with upstream's message. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    reqs.push({ field: t.lhs, operator: t.op === '!=' ? '!=' : '=', value });
  }
  return new FieldSelector(reqs);
}

/** A selector requiring each field to equal the given value. */
export function fieldSelectorFromSet(set: FieldSet): FieldSelector {
  return new FieldSelector(Object.keys(set).sort().map((field) => ({ field, operator: '=' as const, value: set[field] })));
}
