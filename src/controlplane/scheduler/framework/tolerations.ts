/**
 * Taint/toleration matching (upstream's Toleration.ToleratesTaint), shared by the plugins that look at taints.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** True if `t` tolerates `taint`: same effect (or any), same key (or any, with Exists), and Equal values or Exists. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case '':
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

/** The first taint in `taints` that none of `tolerations` tolerates, or undefined. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  outer: for (const taint of taints) {
    for (const t of tolerations) if (toleratesTaint(t, taint)) continue outer;
    return taint;
  }
  return undefined;
}
