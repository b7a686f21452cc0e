/**
 * Which PersistentVolume a claim may bind to, as kube-controller-manager's PV controller findBestMatchForClaim:
 * the same storage class ("" only with ""), the same volumeMode, every access mode the claim asks for, at least
 * the requested capacity, and the claim's label selector; a volume already reserved for the claim (claimRef)
 * wins, otherwise the smallest that fits.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { labelSelectorMatches } from '../../../apimachinery/labels/selector.js';
import { parseQuantity, type Quantity } from '../../../apimachinery/quantity.js';

/** Annotation naming the class default for claims without one. */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

function storage(q: string | number | undefined): Quantity | undefined {
  if (q === undefined) return undefined;
  try {
    return parseQuantity(String(q));
  } catch {
    return undefined;
  }
}

/** True if the volume's claimRef names this claim (by namespace/name, and uid when it has one). */
export function isReservedFor(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  return ref.namespace === pvc.metadata?.namespace && ref.name === pvc.metadata?.name && (!ref.uid || ref.uid === pvc.metadata?.uid);
}

/** True if `pv` satisfies everything `pvc` asks for, ignoring who it is reserved for. */
export function volumeSatisfiesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if ((pv.spec?.storageClassName ?? '') !== (pvc.spec?.storageClassName ?? '')) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  const want = storage(pvc.spec?.resources?.requests?.storage);
  const have = storage(pv.spec?.capacity?.storage);
  if (want && (!have || have.cmp(want) < 0)) return false;
  if (pvc.spec?.selector && !labelSelectorMatches(pvc.spec.selector, pv.metadata?.labels ?? {})) return false;
  return true;
}

/** The volume to bind `pvc` to among `volumes`, or undefined. `onlyReserved` skips volumes not reserved for it. */
export function findBestMatch(volumes: readonly PersistentVolume[], pvc: PersistentVolumeClaim, opts: { onlyReserved?: boolean } = {}): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    const phase = pv.status?.phase;
    if (phase === 'Released' || phase === 'Failed') continue;
    const reserved = isReservedFor(pv, pvc);
    if (pv.spec?.claimRef && !reserved) continue;
    if (!volumeSatisfiesClaim(pv, pvc)) continue;
    if (reserved) return pv;
    if (opts.onlyReserved) continue;
    const size = storage(pv.spec?.capacity?.storage);
    const bestSize = best && storage(best.spec?.capacity?.storage);
    if (!best || (size && bestSize && size.cmp(bestSize) < 0)) best = pv;
  }
  return best;
}
