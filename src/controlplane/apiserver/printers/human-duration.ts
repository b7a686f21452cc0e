/**
 * Human-readable ages and durations, as every `kubectl get` column shows them ("5m10s", "3h", "2d3h").
 *
 * `humanDuration` follows k8s.io/apimachinery's `duration.HumanDuration` rule for rule, so AGE cells read exactly
 * as they would from a real kube-apiserver. `describe` reuses it.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Formats a duration in milliseconds with two or three significant figures, the way kubectl prints ages:
 * seconds below 2 minutes, minutes+seconds below 10 minutes, minutes below 3 hours, hours+minutes below 8 hours,
 * hours below 2 days, days+hours below 8 days, days below 2 years, years+days below 8 years, then years.
 * Up to 2 seconds in the future reads "0s" (clock skew); further in the future reads "<invalid>".
 */
export function humanDuration(ms: number): string {
  // Go truncates toward zero when it turns a Duration into whole units; Math.trunc does the same.
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * Parses an RFC 3339 timestamp (metav1.Time or MicroTime) to epoch milliseconds. Missing, unparsable and Go's zero
 * time (year 1) count as unset, because a zero Time serialises as null or "0001-01-01T00:00:00Z".
 */
export function parseTimestamp(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  if (Number.isNaN(t) || new Date(t).getUTCFullYear() <= 1) return undefined;
  return t;
}

/** The age of a timestamp at `now` ("5m10s"), or `<unknown>` when the timestamp is unset. */
export function translateTimestampSince(ts: string | null | undefined, now: Date): string {
  const t = parseTimestamp(ts);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

/** The time left until a timestamp at `now`, or `<unknown>` when the timestamp is unset. */
export function translateTimestampUntil(ts: string | null | undefined, now: Date): string {
  const t = parseTimestamp(ts);
  return t === undefined ? '<unknown>' : humanDuration(t - now.getTime());
}
