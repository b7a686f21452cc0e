/**
 * The move from client-side to server-side apply, as kube-apiserver's last-applied manager: when the manager
 * `kubectl` server-side applies an object that `kubectl apply` managed before, conflicts on fields of the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation whose values still match the live object are not
 * conflicts — kubectl owned them already, through its old manager `kubectl-client-side-apply`. So the documented
 * upgrade (`kubectl apply --server-side` on a client-side applied object) works without `--force-conflicts`.
 */
import { compareObjects, fieldSetOf, formatPath } from '../../apimachinery/patch/field-set.js';
import type { PatchSchema } from '../../apimachinery/patch/schema-lookup.js';
import type { Obj } from './registry/strategy.js';

/** The annotation kubectl's client-side apply keeps its last applied manifest in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The only manager whose applies take over client-side apply's fields (others opt out by using another name). */
export const CSA_UPGRADING_MANAGER = 'kubectl';

/**
 * The fields (printed as in conflict messages, `.spec.replicas`) that an apply by `kubectl` may take from the
 * client-side apply manager: those of the last-applied manifest that the live object still has, unchanged.
 * Undefined when the object has no usable annotation (none, unparsable, or of another apiVersion).
 */
export function allowedConflictsFromLastApplied(live: Obj | undefined, schema: PatchSchema, apiVersion: string): Set<string> | undefined {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof lastApplied !== 'object' || lastApplied === null || (lastApplied as Obj).apiVersion !== apiVersion) return undefined;
  const cmp = compareObjects(lastApplied, live, schema);
  const still = fieldSetOf(lastApplied, schema).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  return new Set(still.paths().map(formatPath));
}
