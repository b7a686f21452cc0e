/** Pod disruption budgets (policy/v1): MIN AVAILABLE, MAX UNAVAILABLE (`N/A` when unset), ALLOWED DISRUPTIONS. */
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';

function intOrString(v: number | string | undefined | null): string {
  return v === undefined || v === null ? 'N/A' : String(v);
}

/** The pod disruption budget printer. */
export const podDisruptionBudgetPrinter: Printer<PodDisruptionBudget> = {
  columns: [
    NAME_COLUMN,
    column('Min Available', 'string', 'Pods that must stay available, as a number or percentage.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable, as a number or percentage.'),
    column('Allowed Disruptions', 'integer', 'Pods that may be evicted right now.'),
    AGE_COLUMN,
  ],
  cells: (pdb, now) => [
    pdb.metadata?.name ?? '', intOrString(pdb.spec?.minAvailable), intOrString(pdb.spec?.maxUnavailable),
    pdb.status?.disruptionsAllowed ?? 0, translateTimestampSince(pdb.metadata?.creationTimestamp, now),
  ],
};
