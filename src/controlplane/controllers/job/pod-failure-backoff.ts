/**
 * The back-off between a Job's pod failures and the creation of replacements, as upstream's backoffRecord: after n
 * failures since the last success, wait base·2^(n-1) (capped) from the last failure. Records live in memory (as
 * upstream's backoff store) and count each failed pod once, by uid.
 */

/** One Job's failure history. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number;
  /** Pods already counted (so a pod seen in several syncs counts once). */
  seen: Set<string>;
}

/** A new, empty record. */
export function newBackoffRecord(): BackoffRecord {
  return { failuresAfterLastSuccess: 0, lastFailureTime: 0, seen: new Set() };
}

/** Records newly finished pods at time `now`: a success resets the count; each new failure adds one. */
export function observeFinished(rec: BackoffRecord, finished: readonly { uid: string; succeeded: boolean }[], now: number): void {
  for (const p of finished) {
    if (rec.seen.has(p.uid)) continue;
    rec.seen.add(p.uid);
    if (p.succeeded) {
      rec.failuresAfterLastSuccess = 0;
    } else {
      rec.failuresAfterLastSuccess++;
      rec.lastFailureTime = now;
    }
  }
}

/** Milliseconds to wait before creating pods at `now` (0 when no failure is pending). */
export function remainingBackoff(rec: BackoffRecord | undefined, now: number, baseMs: number, maxMs: number): number {
  if (!rec || rec.failuresAfterLastSuccess === 0) return 0;
  const backoff = Math.min(baseMs * 2 ** (rec.failuresAfterLastSuccess - 1), maxMs);
  return Math.max(0, rec.lastFailureTime + backoff - now);
}
