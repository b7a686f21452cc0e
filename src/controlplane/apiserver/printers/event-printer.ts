/**
 * Events (core/v1): LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
 *
 * Events written through events.k8s.io carry `eventTime` and `series` instead of first/last timestamps and a count;
 * the printer falls back to those, and counts a singleton event as 1.
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import { parseTimestamp, translateTimestampSince } from './human-duration.js';
import { column, NAME_COLUMN, wideColumn, type Printer } from './printer.js';

/** `kubelet, node-1`: the source component and host, falling back to the reporting controller and instance. */
export function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** The event printer. */
export const eventPrinter: Printer<Event> = {
  columns: [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Normal or Warning.'),
    column('Reason', 'string', 'Short machine-readable reason for the event.'),
    column('Object', 'string', 'The object the event is about, as kind/name.'),
    wideColumn('Subobject', 'The part of the object the event is about, e.g. a container.'),
    wideColumn('Source', 'The component and host that reported the event.'),
    column('Message', 'string', 'Human-readable description of the event.'),
    wideColumn('First Seen', 'Time since the event was first observed.'),
    wideColumn('Count', 'How many times the event has occurred.'),
    { ...NAME_COLUMN, priority: 1 },
  ],
  cells(ev, now) {
    const first = parseTimestamp(ev.firstTimestamp) !== undefined
      ? translateTimestampSince(ev.firstTimestamp, now)
      : translateTimestampSince(ev.eventTime, now);
    let last = parseTimestamp(ev.lastTimestamp) !== undefined ? translateTimestampSince(ev.lastTimestamp, now) : first;
    let count = ev.count ?? 0;
    if (ev.series) {
      last = translateTimestampSince(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
    const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
    return [
      last, ev.type ?? '', ev.reason ?? '', target, ev.involvedObject?.fieldPath ?? '', eventSource(ev),
      (ev.message ?? '').trim(), first, count, ev.metadata?.name ?? '',
    ];
  },
};
