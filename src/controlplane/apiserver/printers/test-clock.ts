/**
 * A fixed "now" for the printer tests, and timestamps relative to it, so that expected AGE cells are exact.
 * Test support only; nothing in the server imports it.
 */

/** The instant every printer test measures ages against. */
export const NOW = new Date('2024-05-01T12:00:00Z');

/** The RFC 3339 timestamp `seconds` before NOW, as the API stores it (whole seconds). */
export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString().replace('.000Z', 'Z');
}
