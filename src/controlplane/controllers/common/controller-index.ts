/**
 * An index of objects by their controller's uid, as kube-controller-manager's controllerUIDIndex: a controller
 * lists the pods it owns plus the orphans of its namespace (adoption candidates) without scanning every pod of the
 * namespace, which keeps a sync of one ReplicaSet O(its pods) however many pods the namespace holds.
 */
import type { Informer, KubeObject } from '../../../client/index.js';
import { getControllerOf } from './controller-ref.js';

/** Name of the index. */
export const CONTROLLER_UID_INDEX = 'controllerUID';

/** The index value for orphans (no controller reference) in `namespace`. */
export function orphanIndexKey(namespace: string): string {
  return `orphan/${namespace}`;
}

/** Files an object under its controller's uid, or under the orphan key of its namespace. */
export function indexByControllerUid(obj: KubeObject): string[] {
  const ref = getControllerOf(obj);
  return [ref ? ref.uid : orphanIndexKey(obj.metadata?.namespace ?? '')];
}

/** Adds the index to `informer` (idempotent). */
export function addControllerUidIndex<T extends KubeObject>(informer: Informer<T>): void {
  if (!informer.store.hasIndex(CONTROLLER_UID_INDEX)) informer.addIndexers({ [CONTROLLER_UID_INDEX]: indexByControllerUid });
}

/** The objects controlled by `owner` plus the orphans in its namespace: everything it may claim. */
export function ownedAndOrphans<T extends KubeObject>(informer: Informer<T>, owner: KubeObject): T[] {
  const m = owner.metadata ?? {};
  return [
    ...(m.uid ? informer.lister.byIndex(CONTROLLER_UID_INDEX, m.uid) : []),
    ...informer.lister.byIndex(CONTROLLER_UID_INDEX, orphanIndexKey(m.namespace ?? '')),
  ];
}
