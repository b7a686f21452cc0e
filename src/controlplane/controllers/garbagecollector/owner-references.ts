/**
 * Pure helpers over ownerReferences and the garbage collector's two finalizers, shared by the collector's sync
 * paths: which references are dangling, solid or waiting for a foreground deletion, and the patches that drop
 * references or finalizers.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../../client/index.js';

/** Finalizer asking the collector to orphan an owner's dependents before the owner goes. */
export const ORPHAN_FINALIZER = 'orphan';
/** Finalizer asking the collector to delete an owner's (blocking) dependents before the owner goes. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** How an owner reference resolved. */
export type OwnerState =
  /** The owner exists (same uid) and is not being deleted in the foreground. */
  | 'solid'
  /** No object with that uid exists any more. */
  | 'dangling'
  /** The owner exists and is being deleted in the foreground: it waits for its dependents. */
  | 'waiting';

/** True when `obj` carries finalizer `f`. */
export function hasFinalizer(obj: KubeObject, f: string): boolean {
  return (obj.metadata?.finalizers ?? []).includes(f);
}

/** True for an owner being deleted in the foreground (deletionTimestamp + foregroundDeletion finalizer). */
export function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/** The state of an owner reference given the owner as found (undefined when it does not exist). */
export function ownerState(ref: OwnerReference, owner: KubeObject | undefined): OwnerState {
  if (!owner || owner.metadata?.uid !== ref.uid) return 'dangling';
  return isDeletingDependents(owner) ? 'waiting' : 'solid';
}

/** The group of an ownerReference's apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The reference from `dependent` to the owner with `uid`, if any. */
export function referenceTo(dependent: KubeObject, uid: string): OwnerReference | undefined {
  return (dependent.metadata?.ownerReferences ?? []).find((r) => r.uid === uid);
}

/**
 * A JSON merge patch removing the references to `uids` from `obj`, guarded by its resourceVersion so a concurrent
 * change (say, a controller adopting it) makes the patch fail with 409 instead of being overwritten.
 */
export function dropOwnerReferencesPatch(obj: KubeObject, uids: ReadonlySet<string>): { metadata: ObjectMeta } {
  const kept = (obj.metadata?.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
  return { metadata: { resourceVersion: obj.metadata?.resourceVersion, ownerReferences: kept.length ? kept : (null as unknown as undefined) } };
}

/** A JSON merge patch removing finalizer `f`, guarded by the object's resourceVersion. */
export function dropFinalizerPatch(obj: KubeObject, f: string): { metadata: ObjectMeta } {
  const kept = (obj.metadata?.finalizers ?? []).filter((x) => x !== f);
  return { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: kept.length ? kept : (null as unknown as undefined) } };
}

/** The propagation policy the collector uses to delete `obj`, keeping the deletion mode its own finalizers ask for. */
export function propagationFor(obj: KubeObject): 'Orphan' | 'Foreground' | 'Background' {
  if (hasFinalizer(obj, ORPHAN_FINALIZER)) return 'Orphan';
  if (hasFinalizer(obj, FOREGROUND_FINALIZER)) return 'Foreground';
  return 'Background';
}
