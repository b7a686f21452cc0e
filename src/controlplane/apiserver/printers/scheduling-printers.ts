/** Priority classes (scheduling.k8s.io/v1): VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';

/** The priority class printer. */
export const priorityClassPrinter: Printer<PriorityClass> = {
  columns: [
    NAME_COLUMN,
    column('Value', 'integer', 'Priority of pods that use the class.'),
    column('Global-Default', 'boolean', 'Whether pods without a class get this one.'),
    AGE_COLUMN,
    column('PreemptionPolicy', 'string', 'Whether pods of the class may preempt others.'),
  ],
  cells: (pc, now) => [
    pc.metadata?.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, translateTimestampSince(pc.metadata?.creationTimestamp, now),
    pc.preemptionPolicy ?? '',
  ],
};
