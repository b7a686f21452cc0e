/**
 * The hash upstream controllers name objects with (a Deployment's pod-template-hash, a ControllerRevision's name):
 * FNV-32a, optionally salted with a collisionCount, its decimal digits mapped into SafeEncodeString's vowel-free
 * alphabet. kubelite hashes the canonical JSON of the data rather than Go's struct dump, so values differ from a real
 * cluster's but are as stable.
 */
import { canonicalJson } from './canonical-json.js';

/** Alphabet of upstream's SafeEncodeString: no vowels (no words) and no look-alike characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-32a of `bytes`. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** Upstream's SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/**
 * The encoded hash of `data`, salted when `collisionCount` is given: upstream appends the count as 8 little-endian
 * bytes (only the low four are set).
 */
export function objectHash(data: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(data)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}
