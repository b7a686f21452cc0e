/**
 * The pod-template-hash: what names a Deployment's ReplicaSets (`web-5d4c7b8f9`) and keeps their pods apart.
 * Upstream hashes the Go struct with FNV-32a and encodes the decimal digits of the sum with SafeEncodeString; Go's
 * struct dump cannot be reproduced here, so kubelite hashes a canonical JSON form of the template instead (the same
 * FNV-32a, the same collisionCount suffix, the same encoding). Values differ from a real cluster's but are just as
 * stable, and a collision is resolved the same way: bump status.collisionCount and hash again.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonicalJson } from '../common/canonical-json.js';

/** The label (and selector key) that ties a ReplicaSet's pods to its template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Alphabet of upstream's SafeEncodeString: no vowels (no words) and no look-alike characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-32a of `bytes`. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Upstream's SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** The template with the pod-template-hash label removed (what two templates are compared on). */
export function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels && POD_TEMPLATE_HASH_LABEL in t.metadata.labels) {
    const { [POD_TEMPLATE_HASH_LABEL]: _, ...rest } = t.metadata.labels;
    t.metadata.labels = rest;
  }
  return t;
}

/** The hash of `template`, salted with `collisionCount` when set (upstream ComputeHash). */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(withoutHash(template))));
  if (collisionCount !== undefined && collisionCount !== null) {
    // Upstream appends the count as 8 little-endian bytes (only the low four are set).
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** True if two templates are equal ignoring the pod-template-hash label (upstream EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}
