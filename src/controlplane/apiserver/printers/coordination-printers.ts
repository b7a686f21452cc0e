/** Leases (coordination.k8s.io/v1): HOLDER is the holder identity, empty when the lease is free. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';

/** The lease printer. */
export const leasePrinter: Printer<Lease> = {
  columns: [NAME_COLUMN, column('Holder', 'string', 'Identity of the current holder.'), AGE_COLUMN],
  cells: (l, now) => [l.metadata?.name ?? '', l.spec?.holderIdentity ?? '', translateTimestampSince(l.metadata?.creationTimestamp, now)],
};
