/**
 * The pod-template-hash: what names a Deployment's ReplicaSets (`web-5d4c7b8f9`) and keeps their pods apart.
 * Upstream hashes the Go struct with FNV-32a and encodes the decimal digits of the sum with SafeEncodeString; Go's
 * struct dump cannot be reproduced here, so kubelite hashes a canonical JSON form of the template instead (the same
 * FNV-32a, the same collisionCount suffix, the same encoding). Values differ from a real cluster's but are just as
 * stable, and a collision is resolved the same way: bump status.collisionCount and hash again.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonicalJson } from '../common/canonical-json.js';
import { objectHash } from '../common/object-hash.js';

/** The label (and selector key) that ties a ReplicaSet's pods to its template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

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
  return objectHash(withoutHash(template), collisionCount);
}

/** True if two templates are equal ignoring the pod-template-hash label (upstream EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}
