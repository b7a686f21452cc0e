/**
 * Controller references and claiming, as apimachinery's GetControllerOf and kube-controller-manager's
 * ControllerRefManager: an object belongs to the owner named by its one ownerReference with `controller: true`. A
 * controller *claims* the objects it should own: it keeps those it owns that still match its selector, releases
 * owned ones that stopped matching, and adopts matching orphans — never objects another controller owns.
 * Adoption first re-reads the owner from the API (not the cache), so a deleted-and-recreated owner of the same name
 * never adopts for its predecessor.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import type { KubeObject, ResourceClient } from '../../../client/index.js';

/** The controlling ownerReference of `obj`, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** True if `obj` is controlled by the object with `uid`. */
export function isControlledBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && getControllerOf(obj)?.uid === uid;
}

/**
 * The ownerReference a controller puts on what it creates: `controller: true` and `blockOwnerDeletion: true`, so
 * foreground deletion of the owner waits for it.
 */
export function newControllerRef(owner: KubeObject, kind: { apiVersion: string; kind: string }): OwnerReference {
  return {
    apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '',
    controller: true, blockOwnerDeletion: true,
  };
}

/** True for a 404 StatusError. */
export function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

/**
 * The merge patch that sets `obj`'s ownerReferences to `refs`. It carries the object's uid and resourceVersion,
 * so it applies only to the exact version the decision was made on (a conflict makes the caller resync).
 */
export function ownerRefsPatch(obj: KubeObject, refs: OwnerReference[]): Record<string, unknown> {
  return {
    metadata: { uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion, ownerReferences: refs.length ? refs : null },
  };
}

/** Adopts `obj`: adds `ref` as its controller reference (keeping its other, non-controller references). */
export async function adopt<T extends KubeObject>(rc: ResourceClient<T>, obj: T, ref: OwnerReference): Promise<T> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return rc.namespace(obj.metadata?.namespace ?? '').patch(obj.metadata?.name ?? '', ownerRefsPatch(obj, [...refs, ref]), 'merge');
}

/** Releases `obj` from the owner with `ownerUid`: removes that ownerReference. */
export async function release<T extends KubeObject>(rc: ResourceClient<T>, obj: T, ownerUid: string): Promise<T> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return rc.namespace(obj.metadata?.namespace ?? '').patch(obj.metadata?.name ?? '', ownerRefsPatch(obj, refs), 'merge');
}

/**
 * A `canAdopt` check as upstream's RecheckDeletionTimestamp: reads the owner fresh (once, however many objects are
 * adopted) and refuses adoption if it is gone, was replaced (another uid) or is being deleted.
 */
export function recheckOwner(owner: KubeObject, getFresh: () => Promise<KubeObject>): () => Promise<void> {
  let checked: Promise<void> | undefined;
  return () => {
    checked ??= (async () => {
      const fresh = await getFresh();
      const m = owner.metadata ?? {};
      if (fresh.metadata?.uid !== m.uid) {
        throw new Error(`original ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`);
      }
      if (fresh.metadata?.deletionTimestamp) {
        throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
      }
    })();
    return checked;
  };
}

/** Options of {@link claimObjects}. */
export interface ClaimOptions<T extends KubeObject> {
  /** The would-be owner, as cached. */
  owner: KubeObject;
  /** The reference to add when adopting (see newControllerRef). */
  controllerRef: OwnerReference;
  /** Whether an object belongs to the owner by its labels (the owner's selector). */
  matches(obj: T): boolean;
  /** Client of the objects' resource, used for the adopt/release patches. */
  client: ResourceClient<T>;
  /** Called before the first adoption; throws to refuse (see recheckOwner). */
  canAdopt(): Promise<void>;
}

/** The outcome of a claim: the objects the owner now owns (including adopted ones), and any errors met. */
export interface ClaimResult<T> {
  claimed: T[];
  errors: unknown[];
}

/**
 * Claims among `objects` those the owner should control, adopting and releasing as needed (ClaimPods /
 * ClaimReplicaSets). Adopted objects are returned as patched. Objects that vanished meanwhile (404) are skipped
 * silently; other failures are collected so the caller can requeue.
 */
export async function claimObjects<T extends KubeObject>(objects: readonly T[], opts: ClaimOptions<T>): Promise<ClaimResult<T>> {
  const ownerUid = opts.owner.metadata?.uid ?? '';
  const ownerDeleting = Boolean(opts.owner.metadata?.deletionTimestamp);
  const claimed: T[] = [];
  const errors: unknown[] = [];
  const work: Promise<void>[] = [];
  for (const obj of objects) {
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue; // another controller's
      if (opts.matches(obj)) {
        claimed.push(obj);
        continue;
      }
      // Ours, but its labels no longer match: let it go (unless we are going away, when the GC handles it).
      if (ownerDeleting) continue;
      work.push(release(opts.client, obj, ownerUid).then(() => undefined, (err) => {
        if (!isNotFound(err)) errors.push(err);
      }));
      continue;
    }
    if (ownerDeleting || !opts.matches(obj) || obj.metadata?.deletionTimestamp) continue;
    work.push((async () => {
      try {
        await opts.canAdopt();
        claimed.push(await adopt(opts.client, obj, opts.controllerRef));
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    })());
  }
  await Promise.all(work);
  return { claimed, errors };
}
