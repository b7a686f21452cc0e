/**
 * Key ranges for prefix reads and watches. Keys are compared as strings; kubelite's keys are ASCII paths, for which
 * string order, UTF-8 byte order (SQLite's BINARY collation) and etcd's byte order agree.
 */

/** The highest key any range can need: U+10FFFF encodes to the largest valid UTF-8 sequence. */
const TOP = '\u{10FFFF}\u{10FFFF}';

/**
 * The smallest string greater than every string starting with `prefix` (exclusive end of the prefix range), as
 * etcd's `clientv3.GetPrefixRangeEnd`. The empty prefix covers everything.
 */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return TOP;
}

/** The inclusive lower bound of a paginated read: the prefix itself, or just after `startAfter`. */
export function rangeStart(prefix: string, startAfter?: string): string {
  // Keys never contain NUL, so startAfter + '\0' is the first key strictly after startAfter.
  return startAfter && startAfter >= prefix ? startAfter + '\0' : prefix;
}
