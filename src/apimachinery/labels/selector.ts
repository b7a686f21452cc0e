/**
 * Label selectors: the string form used in `?labelSelector=` and `kubectl -l` (`a=b,c!=d,e in (x,y),f notin (z),g,!h`),
 * the structured metav1.LabelSelector of workload specs, and matching against an object's labels.
 *
 * Parsing follows apimachinery's lexer and grammar, including its error texts (`unable to parse requirement: …`,
 * `found ',', expected: identifier after ','`), because kube-apiserver answers a bad selector with a 400 carrying that
 * text and scripts grep for it.
 */
import type { FieldError } from '../errors/status-error.js';
import { errInvalid, errNotSupported, goStringSlice } from '../validation/field-errors.js';
import { FieldPath, type MaybePath } from '../validation/field-path.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** Selector operators, spelled as apimachinery's `selection.Operator` values. */
export type Operator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

const BINARY_OPS: readonly Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const ALL_OPS: readonly Operator[] = [...BINARY_OPS, 'exists', '!'];

/** One requirement: a key, an operator and (for set and equality operators) values. */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** Raised for a selector that cannot be parsed or is invalid; `message` is the text kube-apiserver returns. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** Joins field errors the way apimachinery's aggregate error does (one: as is; several: `[a, b]`, de-duplicated). */
export function aggregateMessage(errs: FieldError[]): string {
  const seen: string[] = [];
  for (const e of errs) {
    const msg = `${e.field}: ${e.detail}`;
    if (!seen.includes(msg)) seen.push(msg);
  }
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

function keyError(key: string, path: MaybePath): FieldError | undefined {
  const msgs = isQualifiedName(key);
  return msgs.length ? errInvalid(path, key, msgs.join('; ')) : undefined;
}

/**
 * Builds a validated requirement (apimachinery's NewRequirement). Throws a SelectorError whose message is the
 * aggregated field errors.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path?: FieldPath): Requirement {
  const errs: FieldError[] = [];
  const ke = keyError(key, path ? path.child('key') : FieldPath.root('key'));
  if (ke) errs.push(ke);
  const vp = path ? path.child('values') : FieldPath.root('values');
  const shown = goStringSlice(values);
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(errInvalid(vp, shown, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(errInvalid(vp, shown, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(errInvalid(vp, shown, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(errInvalid(vp, shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) errs.push(errInvalid(vp.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(errNotSupported(path ? path.child('operator') : FieldPath.root('operator'), operator, ALL_OPS));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(errInvalid(vp.index(i).key(key), v, msgs.join('; ')));
  });
  if (errs.length) throw new SelectorError(aggregateMessage(errs));
  return { key, operator, values: [...values] };
}

/** Labels as a plain map; `undefined` means no labels. */
export type Labels = Readonly<Record<string, string>> | null | undefined;

function has(labels: Labels, key: string): boolean {
  return labels != null && Object.prototype.hasOwnProperty.call(labels, key);
}

/** True if `labels` satisfy requirement `r` (absent keys satisfy `!=`, `notin` and `!`). */
export function requirementMatches(r: Requirement, labels: Labels): boolean {
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has(labels, r.key) && r.values.includes(labels![r.key]);
    case 'notin': case '!=':
      return !has(labels, r.key) || !r.values.includes(labels![r.key]);
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt': case 'lt': {
      if (!has(labels, r.key) || r.values.length !== 1) return false;
      const lv = labels![r.key];
      if (!/^[+-]?[0-9]+$/.test(lv) || !/^[+-]?[0-9]+$/.test(r.values[0])) return false;
      const a = BigInt(lv);
      const b = BigInt(r.values[0]);
      return r.operator === 'gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** The string form of one requirement (`a in (x,y)`, `!b`, `c!=d`); set values are printed sorted. */
export function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case 'exists': case '!': return s;
    case 'in': s += ' in ('; break;
    case 'notin': s += ' notin ('; break;
    case 'gt': s += '>'; break;
    case 'lt': s += '<'; break;
    default: s += r.operator;
  }
  s += r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  if (r.operator === 'in' || r.operator === 'notin') s += ')';
  return s;
}

/** A label selector: the AND of its requirements. Immutable. */
export class Selector {
  private static readonly all = new Selector([], false);
  private static readonly none = new Selector([], true);

  private constructor(
    /** The requirements, sorted by key. */
    readonly requirements: readonly Requirement[],
    private readonly matchesNothing: boolean,
  ) {}

  /** Matches every set of labels (an empty selector). */
  static everything(): Selector {
    return Selector.all;
  }

  /** Matches nothing (what a nil metav1.LabelSelector converts to). */
  static nothing(): Selector {
    return Selector.none;
  }

  /** A selector from requirements (sorted by key, as upstream keeps them). */
  static of(requirements: readonly Requirement[]): Selector {
    return new Selector(sortByKey(requirements), false);
  }

  /** True if every requirement matches `labels`. */
  matches(labels: Labels): boolean {
    if (this.matchesNothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True for a selector that selects everything. */
  empty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  /** True for the match-nothing selector. */
  isNothing(): boolean {
    return this.matchesNothing;
  }

  /** A new selector with more requirements. */
  add(...reqs: Requirement[]): Selector {
    if (this.matchesNothing) return this;
    return Selector.of([...this.requirements, ...reqs]);
  }

  /** If the selector pins `key` to one value (`key=v`, `key==v`, `key in (v)`), that value. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (!r) return undefined;
    return (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1 ? r.values[0] : undefined;
  }

  /** The canonical string form (`a=b,c in (x,y)`); empty for everything and for nothing. */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

function sortByKey(reqs: readonly Requirement[]): Requirement[] {
  return [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---- the parser ----

const enum Tok { Error, End, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan, NotEquals, NotIn, OpenPar }

const LITERALS: Record<string, Tok> = {
  ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.DoesNotExist, '==': Tok.DoubleEquals, '=': Tok.Equals, '>': Tok.GreaterThan,
  in: Tok.In, '<': Tok.LessThan, '!=': Tok.NotEquals, notin: Tok.NotIn, '(': Tok.OpenPar,
};

interface Item { tok: Tok; lit: string }

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms a known operator.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = LITERALS[buf];
        if (t !== undefined) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
    const t = LITERALS[buf];
    items.push({ tok: t !== undefined ? t : Tok.Identifier, lit: buf });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  // In value context the keywords `in` and `notin` are plain identifiers (`x in (in)`).
  private look(values: boolean): Item {
    const it = this.items[this.pos];
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }

  private take(values: boolean): Item {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.look(true);
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        let r: Requirement;
        try {
          r = this.requirement();
        } catch (e) {
          throw new SelectorError(`unable to parse requirement: ${(e as Error).message}`);
        }
        reqs.push(r);
        const next = this.take(true);
        if (next.tok === Tok.End) return reqs;
        if (next.tok === Tok.Comma) {
          const after = this.look(true);
          if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
            throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
          }
        } else {
          throw new SelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === Tok.End) {
        return reqs;
      } else {
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let it = this.take(true);
    if (it.tok === Tok.DoesNotExist) {
      op = '!';
      it = this.take(true);
    }
    if (it.tok !== Tok.Identifier) throw new Error(`found '${it.lit}', expected: identifier`);
    const key = it.lit;
    const ke = keyError(key, undefined);
    if (ke) throw new Error(`${ke.field}: ${ke.detail}`);
    const next = this.look(true).tok;
    if (next === Tok.End || next === Tok.Comma) {
      return newRequirement(key, op ?? 'exists', []);
    }
    // `!key` takes no operator; whatever follows is reported by the caller as an unexpected token.
    if (op === '!') return newRequirement(key, '!', []);
    const opTok = this.take(false);
    let bin: Operator;
    switch (opTok.tok) {
      case Tok.In: bin = 'in'; break;
      case Tok.Equals: bin = '='; break;
      case Tok.DoubleEquals: bin = '=='; break;
      case Tok.GreaterThan: bin = 'gt'; break;
      case Tok.LessThan: bin = 'lt'; break;
      case Tok.NotIn: bin = 'notin'; break;
      case Tok.NotEquals: bin = '!='; break;
      default: throw new Error(`found '${opTok.lit}', expected: ${BINARY_OPS.join(', ')}`);
    }
    const values = bin === 'in' || bin === 'notin' ? this.setValues() : this.exactValue();
    return newRequirement(key, bin, [...new Set(values)].sort());
  }

  private setValues(): string[] {
    const open = this.take(true);
    if (open.tok !== Tok.OpenPar) throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.look(true);
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const s = this.identifierList();
      if (this.take(true).tok !== Tok.ClosedPar) throw new Error(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === Tok.ClosedPar) {
      this.take(true);
      return [''];
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private identifierList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.take(true);
      if (tok === Tok.Identifier) {
        s.add(lit);
        const next = this.look(true);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return [...s];
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        // Empty values are allowed: `(,a)`, `(a,)`, `(a,,b)`.
        if (s.size === 0) s.add('');
        const next = this.look(true).tok;
        if (next === Tok.ClosedPar) {
          s.add('');
          return [...s];
        }
        if (next === Tok.Comma) s.add('');
      } else {
        throw new Error(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const next = this.look(true).tok;
    if (next === Tok.End || next === Tok.Comma) return [''];
    const it = this.take(true);
    if (it.tok === Tok.Identifier) return [it.lit];
    throw new Error(`found '${it.lit}', expected: identifier`);
  }
}

/** Parses the string form. Throws SelectorError with kube-apiserver's message on bad input. */
export function parseSelector(selector: string): Selector {
  return Selector.of(new Parser(lex(selector)).parse());
}

/** A selector requiring exactly these key=value pairs; empty or missing selects everything. Not validated. */
export function selectorFromSet(set: Labels): Selector {
  if (!set) return Selector.everything();
  return Selector.of(Object.entries(set).map(([key, v]) => ({ key, operator: '=' as Operator, values: [v] })));
}

/** Like selectorFromSet, but validates keys and values (throws SelectorError). */
export function validatedSelectorFromSet(set: Labels): Selector {
  if (!set) return Selector.everything();
  return Selector.of(Object.entries(set).map(([k, v]) => newRequirement(k, '=', [v])));
}

/** A metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Converts a metav1.LabelSelector (metav1.LabelSelectorAsSelector): a missing selector matches nothing, an empty one
 * everything. Throws SelectorError for an unknown operator or invalid keys/values.
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls == null) return Selector.nothing();
  const ml = ls.matchLabels ?? {};
  const me = ls.matchExpressions ?? [];
  if (Object.keys(ml).length + me.length === 0) return Selector.everything();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ml)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of me) {
    let op: Operator;
    switch (e.operator) {
      case 'In': op = 'in'; break;
      case 'NotIn': op = 'notin'; break;
      case 'Exists': op = 'exists'; break;
      case 'DoesNotExist': op = '!'; break;
      default: throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return Selector.of(reqs);
}

/** True if `ls` (a metav1.LabelSelector) matches `labels`; a missing or invalid selector matches nothing. */
export function labelSelectorMatches(ls: LabelSelector | null | undefined, labels: Labels): boolean {
  try {
    return selectorFromLabelSelector(ls).matches(labels);
  } catch {
    return false;
  }
}

/**
 * The string form of a metav1.LabelSelector as metav1.FormatLabelSelector gives it (what `kubectl describe` and
 * `-o wide` SELECTOR columns show): `app=web,tier in (a,b)`, `<none>` when it selects everything or nothing, `<error>`
 * when it is invalid.
 */
export function formatLabelSelector(ls: LabelSelector | null | undefined): string {
  try {
    return selectorFromLabelSelector(ls).toString() || '<none>';
  } catch {
    return '<error>';
  }
}
