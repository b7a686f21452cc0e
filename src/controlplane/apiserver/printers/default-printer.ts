/**
 * The fallback for kinds without a printer: NAME and CREATED AT, as kube-apiserver's default table convertor
 * prints them (the creation time in UTC, RFC 3339, whole seconds).
 */
import { parseTimestamp } from './human-duration.js';
import { column, NAME_COLUMN, type Printer } from './printer.js';
import { rfc3339 as formatTime } from '../../../util/time.js';

/** RFC 3339 in UTC with whole seconds (Go's `time.RFC3339`); Go's zero time when unset. */
export function rfc3339(ts: string | null | undefined): string {
  const t = parseTimestamp(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return formatTime(t);
}

/** The default printer. */
export const defaultPrinter: Printer<{ metadata?: { name?: string; creationTimestamp?: string } }> = {
  columns: [NAME_COLUMN, column('Created At', 'date', 'When the object was created.')],
  cells: (obj) => [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)],
};
