/**
 * FieldSet: a set of field paths, the unit of ownership in server-side apply, and its FieldsV1 wire form
 * (`metadata.managedFields[].fieldsV1`). Mirrors structured-merge-diff's encoding exactly:
 * - a path element is `f:<field>`, `k:<key fields as a JSON object, keys sorted>` (an item of a map-type list),
 *   `v:<JSON value>` (an item of a set-type list) or `i:<index>`;
 * - a node that is itself in the set, and also has children, carries `".": {}`, written after its children;
 * - children are written in structured-merge-diff's order: fields by name, then keys, then values, then indices.
 *
 * Also `fieldSetOf` (the fields an object sets, as the applier's ownership is computed) and `compareObjects` (which
 * fields a write added, changed or removed, as an Update's ownership is computed).
 */
import { deepEqual, isObject, type JsonObject } from './json-value.js';
import { childOf, elemOf, listSemantics, type PatchSchema } from './schema-lookup.js';

/** A set of paths stored as a tree keyed by serialized path elements. */
export class FieldSet {
  /** Children by serialized path element. */
  readonly children = new Map<string, FieldSet>();
  /** This node's own path is in the set. Meaningless at the root. */
  member = false;

  /** The child for a path element, created when missing. */
  ensure(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  /** Adds a path. */
  insert(path: readonly string[]): void {
    let n: FieldSet = this;
    for (const pe of path) n = n.ensure(pe);
    if (path.length > 0) n.member = true;
  }

  /** The node at a path, if any. */
  at(path: readonly string[]): FieldSet | undefined {
    let n: FieldSet | undefined = this;
    for (const pe of path) {
      n = n.children.get(pe);
      if (!n) return undefined;
    }
    return n;
  }

  /** True if the path itself is in the set. */
  has(path: readonly string[]): boolean {
    return path.length > 0 && this.at(path)?.member === true;
  }

  /** True if the path or any path below it is in the set. */
  hasAtOrBelow(path: readonly string[]): boolean {
    const n = this.at(path);
    return n !== undefined && (n.member || !n.isEmpty());
  }

  /** True if the set has no paths. */
  isEmpty(): boolean {
    for (const c of this.children.values()) if (c.member || !c.isEmpty()) return false;
    return true;
  }

  /** Every path in the set, depth first. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (n: FieldSet, prefix: string[]) => {
      for (const [pe, c] of n.children) {
        const p = [...prefix, pe];
        if (c.member) out.push(p);
        walk(c, p);
      }
    };
    walk(this, []);
    return out;
  }

  /** A new set with the paths of both. */
  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member || other.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.union(other.children.get(pe) ?? EMPTY));
    for (const [pe, c] of other.children) if (!this.children.has(pe)) out.children.set(pe, c.union(EMPTY));
    return out.pruned();
  }

  /** A new set with the paths of this set that `other` lacks. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.difference(other.children.get(pe) ?? EMPTY));
    return out.pruned();
  }

  /** A new set without the paths of `other` and everything below them. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (o?.member) continue;
      out.children.set(pe, o ? c.recursiveDifference(o) : c.union(EMPTY));
    }
    return out.pruned();
  }

  /** A new set with the paths in both. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (o) out.children.set(pe, c.intersection(o));
    }
    return out.pruned();
  }

  /** True if both sets hold the same paths. */
  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /**
   * Drops children that hold no paths. Only called on the results of the set operations above, whose children were
   * pruned when they were built: such a child is empty exactly when it is no member and has no children, so the check
   * is O(1) per child instead of a walk of its subtree at every level.
   */
  private pruned(): this {
    for (const [pe, c] of this.children) if (!c.member && c.children.size === 0) this.children.delete(pe);
    return this;
  }

  /** The FieldsV1 JSON of this set, in structured-merge-diff's order. */
  toFieldsV1(): JsonObject {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    const keys = [...this.children.keys()].sort(comparePathElements);
    for (const pe of keys) {
      const c = this.children.get(pe)!;
      if (c.isEmpty()) {
        if (c.member) out[pe] = {};
      } else {
        out[pe] = c.emit(c.member);
      }
    }
    if (includeSelf && keys.length > 0) out['.'] = {};
    return out;
  }

  /** Parses FieldsV1 JSON. Path elements are re-serialized canonically; unknown element types are dropped. */
  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    const read = (node: FieldSet, obj: unknown) => {
      if (!isObject(obj)) return;
      for (const [k, v] of Object.entries(obj)) {
        if (k === '.') {
          node.member = true;
          continue;
        }
        const pe = canonicalPathElement(k);
        if (pe === undefined) continue;
        const child = node.ensure(pe);
        if (!isObject(v) || Object.keys(v).length === 0) child.member = true;
        else read(child, v);
      }
    };
    read(set, json);
    return set;
  }
}

const EMPTY = new FieldSet();

/** JSON the way Go's encoder writes it: compact, with `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** `f:<name>`. */
export function fieldElement(name: string): string {
  return 'f:' + name;
}

/** `k:{...}` for a map-list item, with key fields sorted. Missing keys fall back to their schema default. */
export function keyElement(item: JsonObject, keys: readonly string[], elem: PatchSchema): string | undefined {
  const sorted = [...keys].sort();
  const key: JsonObject = {};
  let any = false;
  for (const k of sorted) {
    const v = item[k] ?? elem.field(k)?.default;
    if (v === undefined || v === null) continue;
    key[k] = v;
    any = true;
  }
  return any ? 'k:' + goJson(key) : undefined;
}

/** `v:<json>` for a set-list item. */
export function valueElement(v: unknown): string {
  return 'v:' + goJson(v);
}

function canonicalPathElement(s: string): string | undefined {
  const type = s.slice(0, 2);
  const body = s.slice(2);
  try {
    switch (type) {
      case 'f:':
        return s;
      case 'i:':
        return /^-?[0-9]+$/.test(body) ? 'i:' + Number(body) : undefined;
      case 'v:':
        return valueElement(JSON.parse(body));
      case 'k:': {
        const obj = JSON.parse(body) as unknown;
        if (!isObject(obj)) return undefined;
        const sorted: JsonObject = {};
        for (const k of Object.keys(obj).sort()) sorted[k] = obj[k];
        return 'k:' + goJson(sorted);
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

const TYPE_RANK: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };

/** structured-merge-diff's order of path elements. */
export function comparePathElements(a: string, b: string): number {
  const ta = TYPE_RANK[a.slice(0, 2)] ?? 4;
  const tb = TYPE_RANK[b.slice(0, 2)] ?? 4;
  if (ta !== tb) return ta - tb;
  switch (ta) {
    case 0:
      return a < b ? -1 : a > b ? 1 : 0;
    case 3:
      return Number(a.slice(2)) - Number(b.slice(2));
    default:
      return compareValues(JSON.parse(a.slice(2)), JSON.parse(b.slice(2)));
  }
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isObject(v)) return 4;
  return 5;
}

/** structured-merge-diff's total order of values: numbers, strings, bools, lists, maps, null. */
function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  if (ra === 1) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 2) return Number(a) - Number(b);
  if (ra === 3 || ra === 4) {
    const ea = ra === 3 ? (a as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(a as JsonObject).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    const eb = ra === 3 ? (b as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(b as JsonObject).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
      if (ra === 4 && ea[i][0] !== eb[i][0]) return ea[i][0] < eb[i][0] ? -1 : 1;
      const c = compareValues(ea[i][1], eb[i][1]);
      if (c !== 0) return c;
    }
    return ea.length - eb.length;
  }
  return 0;
}

function valueToString(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(valueToString).join(',') + ']';
  if (isObject(v)) return '{' + Object.entries(v).map(([k, x]) => `${k}=${valueToString(x)}`).join(',') + '}';
  return String(v);
}

/** A path as structured-merge-diff prints it: `.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`. */
export function formatPath(path: readonly string[]): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe.slice(0, 2)) {
      case 'f:':
        return '.' + body;
      case 'i:':
        return `[${body}]`;
      case 'v:':
        return `[=${valueToString(JSON.parse(body))}]`;
      case 'k:':
        return '[' + Object.entries(JSON.parse(body) as JsonObject).map(([k, v]) => `${k}=${valueToString(v)}`).join(',') + ']';
      default:
        return pe;
    }
  }).join('');
}

/** True when an object node merges key by key (not atomic, not a scalar or list in the schema). */
function granularMap(s: PatchSchema): boolean {
  return s.mapType !== 'atomic' && (s.kind === 'object' || s.kind === 'map' || s.kind === 'any');
}

/**
 * The path element of each item of a non-atomic list, or undefined when the list must be treated as atomic
 * (atomic by schema, or items that cannot be keyed).
 */
export function listItemElements(list: unknown[], s: PatchSchema): string[] | undefined {
  if (s.kind !== 'list') return undefined;
  const sem = listSemantics(s);
  if (sem.type === 'atomic') return undefined;
  const elem = elemOf(s);
  const out: string[] = [];
  for (const item of list) {
    let pe: string | undefined;
    if (sem.type === 'map') pe = isObject(item) ? keyElement(item, sem.keys, elem) : undefined;
    else pe = isObject(item) || Array.isArray(item) ? undefined : valueElement(item);
    if (pe === undefined) return undefined;
    out.push(pe);
  }
  return out;
}

/** Records, under `node`, every path that value `v` sets; a leaf value makes `node` itself a member. */
function walk(v: unknown, s: PatchSchema, node: FieldSet): void {
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (!granularMap(s) || keys.length === 0) {
      node.member = true;
      return;
    }
    for (const k of keys) {
      const known = s.kind === 'object' && s.field(k) !== undefined;
      const child = node.ensure(fieldElement(k));
      walk(v[k], childOf(s, k), child);
      // Struct fields are only members when they are leaves; map entries (and unknown fields) always are.
      if (!known) child.member = true;
    }
    return;
  }
  if (Array.isArray(v)) {
    const pes = v.length === 0 ? undefined : listItemElements(v, s);
    if (!pes) {
      node.member = true;
      return;
    }
    const elem = elemOf(s);
    pes.forEach((pe, i) => {
      const child = node.ensure(pe);
      child.member = true;
      if (pe.startsWith('k:')) walk(v[i], elem, child);
    });
    return;
  }
  node.member = true;
}

/**
 * The set of fields a value sets (what an applier owns after applying it), as structured-merge-diff's ToFieldSet.
 * Paths are relative to the value; for an object, that is the object's fields.
 */
export function fieldSetOf(obj: unknown, schema: PatchSchema): FieldSet {
  const set = new FieldSet();
  if (obj !== undefined) walk(obj, schema, set);
  return set;
}

/** The schema at a path below `schema`. */
export function schemaAt(schema: PatchSchema, path: readonly string[]): PatchSchema {
  let s = schema;
  for (const pe of path) s = pe.startsWith('f:') ? childOf(s, pe.slice(2)) : elemOf(s);
  return s;
}

/** What a write changed: fields added, modified and removed between two versions of an object. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Compares two versions of an object field by field, as structured-merge-diff's Compare. */
export function compareObjects(lhs: unknown, rhs: unknown, schema: PatchSchema): Comparison {
  const res: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNodes(isObject(lhs) ? lhs : {}, isObject(rhs) ? rhs : {}, schema, [], res, true);
  return res;
}

/**
 * Records a subtree that appeared (or disappeared) whole: every node is a member, as structured-merge-diff's Compare
 * inserts each node it finds on one side only, except non-empty structs (Go's zero structs always exist, so upstream
 * never sees them appear). List items are always members.
 */
function addSubtree(target: FieldSet, path: string[], v: unknown, s: PatchSchema, item: boolean): void {
  target.insert(path);
  markAll(v, s, target.at(path)!, item);
}

function markAll(v: unknown, s: PatchSchema, node: FieldSet, item: boolean): void {
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    const granular = granularMap(s) && keys.length > 0;
    node.member = item || !(granular && s.kind === 'object');
    if (granular) for (const k of keys) markAll(v[k], childOf(s, k), node.ensure(fieldElement(k)), false);
    return;
  }
  node.member = true;
  if (Array.isArray(v)) {
    const pes = v.length === 0 ? undefined : listItemElements(v, s);
    if (pes) pes.forEach((pe, i) => markAll(v[i], elemOf(s), node.ensure(pe), true));
  }
}

function compareNodes(l: unknown, r: unknown, s: PatchSchema, path: string[], res: Comparison, root = false, item = false): void {
  if (l === undefined && r === undefined) return;
  if (l === undefined) return addSubtree(res.added, path, r, s, item);
  if (r === undefined) return addSubtree(res.removed, path, l, s, item);
  if (isObject(l) && isObject(r) && granularMap(s) && (root || Object.keys(l).length > 0 || Object.keys(r).length > 0)) {
    for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) {
      path.push(fieldElement(k));
      compareNodes(l[k], r[k], childOf(s, k), path, res);
      path.pop();
    }
    return;
  }
  if (Array.isArray(l) && Array.isArray(r) && (l.length > 0 || r.length > 0)) {
    const lp = listItemElements(l, s);
    const rp = listItemElements(r, s);
    if (lp && rp) {
      const elem = elemOf(s);
      const lm = new Map(lp.map((pe, i) => [pe, l[i]]));
      const rm = new Map(rp.map((pe, i) => [pe, r[i]]));
      for (const pe of new Set([...lp, ...rp])) {
        path.push(pe);
        compareNodes(lm.get(pe), rm.get(pe), elem, path, res, false, true);
        path.pop();
      }
      return;
    }
  }
  if (!deepEqual(l, r)) res.modified.insert(path);
}
