/**
 * ObjectMeta bookkeeping shared by every resource: names from generateName, uid, creationTimestamp, generation, and
 * the fields a client may not set or change. Mirrors kube-apiserver's rest.BeforeCreate/BeforeUpdate.
 */
import { randomUUID, randomInt } from 'node:crypto';
import type { FieldError } from '../../../apimachinery/errors/status-error.js';
import type { Obj } from './strategy.js';
import { rfc3339 } from '../../../util/time.js';

// apimachinery's SimpleNameGenerator alphabet: no vowels (no accidental words) and no confusable characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
const MAX_GENERATE_NAME_LENGTH = 63 - RANDOM_LENGTH;

/** A name generated from `generateName`, as kube-apiserver makes it. */
export function generateName(base: string): string {
  const prefix = base.length > MAX_GENERATE_NAME_LENGTH ? base.slice(0, MAX_GENERATE_NAME_LENGTH) : base;
  let s = prefix;
  for (let i = 0; i < RANDOM_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** RFC 3339 with second precision, the format of metav1.Time. */

/** RFC 3339 with microseconds, the format of metav1.MicroTime. */

/** Sets the server-owned metadata of a new object (after generateName has produced a name). */
export function initCreateMeta(obj: Obj, now: Date): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (obj.spec !== undefined) m.generation = 1;
  else delete m.generation;
}

/**
 * Carries server-owned metadata from the stored object into an update, so a client can neither forge nor lose it:
 * uid, creationTimestamp, deletionTimestamp, generation (bumped here when spec changed).
 */
export function carryUpdateMeta(obj: Obj, old: Obj): void {
  const m = obj.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (o.generation !== undefined) {
    m.generation = deepEqual(obj.spec, old.spec) ? o.generation : o.generation + 1;
  }
}

/** Checks immutable metadata on update (name/namespace mismatches are caught earlier against the URL). */
export function validateMetaUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata ?? {};
  if (m.uid !== undefined && m.uid !== '' && m.uid !== old.metadata.uid) {
    errs.push({ type: 'FieldValueInvalid', field: 'metadata.uid', detail: `Invalid value: "${m.uid}": field is immutable` });
  }
  return errs;
}

/** Structural equality of JSON values (key order insensitive). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** The timestamp formats live in util; re-exported for the registry's callers. */
export { rfc3339, rfc3339Micro } from '../../../util/time.js';
