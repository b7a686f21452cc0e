/**
 * JSON Patch (RFC 6902), the body of `application/json-patch+json` (`kubectl rollout undo`, `kubectl patch --type
 * json`). Operations run in order on one private copy of the document, so a failing operation leaves the caller's
 * object untouched and nothing is half-applied. JSON pointers follow RFC 6901 (`~1` is `/`, `~0` is `~`), and `-`
 * names the end of an array for `add`.
 */
import { cloneJson, deepEqual, isObject, type JsonObject } from './json-value.js';
import { malformedPatch, patchDoesNotApply } from './patch-error.js';

/** One JSON patch operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Splits a JSON pointer into unescaped tokens; `""` is the whole document. Throws 400 for a malformed pointer. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw malformedPatch(`invalid JSON pointer "${pointer}": must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((t) => {
    if (/~[^01]|~$/.test(t)) throw malformedPatch(`invalid JSON pointer "${pointer}": bad escape in "${t}"`);
    return t.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

/** Checks the shape of a patch body and returns it typed. Throws 400 BadRequest naming the bad operation. */
export function parseJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw malformedPatch('json patch must be a JSON array of operations');
  return body.map((op, i) => {
    if (!isObject(op)) throw malformedPatch(`json patch operation ${i} is not an object`);
    if (typeof op.op !== 'string' || !OPS.has(op.op)) throw malformedPatch(`json patch operation ${i}: unknown op ${JSON.stringify(op.op)}`);
    if (typeof op.path !== 'string') throw malformedPatch(`json patch ${op.op} operation ${i}: missing "path"`);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw malformedPatch(`json patch ${op.op} operation ${i} at "${op.path}": missing "from"`);
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !Object.hasOwn(op, 'value')) {
      throw malformedPatch(`json patch ${op.op} operation ${i} at "${op.path}": missing "value"`);
    }
    return op as unknown as JsonPatchOperation;
  });
}

/**
 * Applies a JSON patch to `doc` and returns the result; `doc` and `patch` are not modified. Throws a 400 StatusError
 * for a malformed patch and a 422 one, naming the op and the path, for an operation that does not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = parseJsonPatch(patch);
  const root = { v: cloneJson(doc) } as JsonObject;
  for (const op of ops) apply(root, op);
  return root.v;
}

/** The container that holds the target of a pointer, and the key (string) or index (number) inside it. */
interface Slot {
  parent: JsonObject | unknown[];
  key: string | number;
}

function fail(op: JsonPatchOperation, pointer: string, why: string): never {
  const detail = `jsonpatch ${op.op} operation does not apply: ${why}`;
  throw patchDoesNotApply(pointer, detail, `${detail}: "${pointer}"`);
}

/** Resolves a pointer to its slot inside `root.v`. `forAdd` allows `-` and index == length on arrays. */
function resolve(root: JsonObject, op: JsonPatchOperation, pointer: string, forAdd: boolean): Slot {
  const tokens = parseJsonPointer(pointer);
  let parent: JsonObject | unknown[] = root;
  let key: string | number = 'v';
  for (let i = 0; i < tokens.length; i++) {
    const cur: unknown = Array.isArray(parent) ? parent[key as number] : (parent as JsonObject)[key as string];
    const t = tokens[i];
    const last = i === tokens.length - 1;
    if (Array.isArray(cur)) {
      let idx: number;
      if (t === '-' && last && forAdd) idx = cur.length;
      else if (/^(0|[1-9][0-9]*)$/.test(t)) idx = Number(t);
      else fail(op, pointer, `invalid array index "${t}"`);
      const max = last && forAdd ? cur.length : cur.length - 1;
      if (idx > max) fail(op, pointer, `array index ${idx} out of bounds (length ${cur.length})`);
      parent = cur;
      key = idx;
    } else if (isObject(cur)) {
      if (!last && !Object.hasOwn(cur, t)) fail(op, pointer, 'doc is missing path');
      parent = cur;
      key = t;
    } else {
      fail(op, pointer, cur === undefined ? 'doc is missing path' : `cannot descend into a ${cur === null ? 'null' : typeof cur} value`);
    }
  }
  return { parent, key };
}

function exists(s: Slot): boolean {
  return Array.isArray(s.parent) ? (s.key as number) < s.parent.length : Object.hasOwn(s.parent, s.key as string);
}

function get(s: Slot): unknown {
  return Array.isArray(s.parent) ? s.parent[s.key as number] : (s.parent as JsonObject)[s.key as string];
}

function insert(s: Slot, v: unknown): void {
  if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 0, v);
  else (s.parent as JsonObject)[s.key as string] = v;
}

function set(s: Slot, v: unknown): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
  else (s.parent as JsonObject)[s.key as string] = v;
}

function remove(s: Slot): unknown {
  if (Array.isArray(s.parent)) return s.parent.splice(s.key as number, 1)[0];
  const v = (s.parent as JsonObject)[s.key as string];
  delete (s.parent as JsonObject)[s.key as string];
  return v;
}

function apply(root: JsonObject, op: JsonPatchOperation): void {
  switch (op.op) {
    case 'add':
      insert(resolve(root, op, op.path, true), cloneJson(op.value));
      return;
    case 'remove': {
      const s = resolve(root, op, op.path, false);
      if (!exists(s)) fail(op, op.path, 'doc is missing path');
      remove(s);
      return;
    }
    case 'replace': {
      const s = resolve(root, op, op.path, false);
      if (!exists(s)) fail(op, op.path, 'doc is missing path');
      set(s, cloneJson(op.value));
      return;
    }
    case 'test': {
      const s = resolve(root, op, op.path, false);
      if (!exists(s)) fail(op, op.path, 'doc is missing path');
      if (!deepEqual(get(s), op.value)) fail(op, op.path, 'testing value failed');
      return;
    }
    case 'copy': {
      const from = resolve(root, op, op.from!, false);
      if (!exists(from)) fail(op, op.from!, 'doc is missing from path');
      insert(resolve(root, op, op.path, true), cloneJson(get(from)));
      return;
    }
    case 'move': {
      const from = op.from!;
      if (op.path !== from && op.path.startsWith(from + '/')) fail(op, op.path, `cannot move "${from}" into its own child`);
      const src = resolve(root, op, from, false);
      if (!exists(src)) fail(op, from, 'doc is missing from path');
      const v = remove(src);
      insert(resolve(root, op, op.path, true), v);
      return;
    }
  }
}
