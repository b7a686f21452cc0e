/**
 * Storage classes (storage.k8s.io/v1): PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION. The default
 * class is marked `name (default)`, from the GA or beta is-default-class annotation.
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type Printer } from './printer.js';

const DEFAULT_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

/** The storage class printer. */
export const storageClassPrinter: Printer<StorageClass> = {
  columns: [
    NAME_COLUMN,
    column('Provisioner', 'string', 'The volume plugin that provisions volumes of the class.'),
    column('ReclaimPolicy', 'string', 'Reclaim policy of provisioned volumes.'),
    column('VolumeBindingMode', 'string', 'When volumes are bound: Immediate or WaitForFirstConsumer.'),
    column('AllowVolumeExpansion', 'string', 'Whether claims of the class may grow.'),
    AGE_COLUMN,
  ],
  cells(sc, now) {
    const isDefault = DEFAULT_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === 'true');
    return [
      `${sc.metadata?.name ?? ''}${isDefault ? ' (default)' : ''}`, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, translateTimestampSince(sc.metadata?.creationTimestamp, now),
    ];
  },
};
