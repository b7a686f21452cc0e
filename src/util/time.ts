/**
 * Kubernetes' timestamp formats: metav1.Time is RFC 3339 at second precision (`2024-01-02T03:04:05Z`), metav1.MicroTime
 * at microseconds (`2024-01-02T03:04:05.123000Z`, what Leases and events.k8s.io use).
 */

/** metav1.Time of a Date or of Unix milliseconds. */
export function rfc3339(t: Date | number): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** metav1.MicroTime of a Date or of Unix milliseconds. */
export function rfc3339Micro(t: Date | number): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString().replace(/Z$/, '000Z');
}
