/**
 * Printers for apps/v1: deployments, replica sets, stateful sets, daemon sets and controller revisions.
 *
 * Replica counts missing from `spec` read as the API default (1); counts missing from `status` read as 0, which is
 * what a freshly created object shows before its controller has reported.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { containerCells, formatLabels, formatLabelSelector, labelSelectorString } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, REPLICA_COLUMNS, wideColumn, type Printer } from './printer.js';

const SELECTOR_COLUMN = wideColumn('Selector', 'Label selector of the pods the controller manages.');

/** Deployments: READY "ready/desired", UP-TO-DATE, AVAILABLE; wide CONTAINERS IMAGES SELECTOR. */
export const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'Ready replicas out of desired replicas.'),
    column('Up-to-date', 'string', 'Replicas running the current pod template.'),
    column('Available', 'string', 'Replicas available to serve.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  cells(d, now) {
    const { names, images } = containerCells(d.spec?.template?.spec?.containers);
    return [
      d.metadata?.name ?? '', `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0, translateTimestampSince(d.metadata?.creationTimestamp, now),
      // Deployments print the bare selector string: empty, not <none>, for an empty selector.
      names, images, labelSelectorString(d.spec?.selector),
    ];
  },
};

/** Replica sets: DESIRED CURRENT READY. */
export const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME_COLUMN,
    ...REPLICA_COLUMNS,
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  cells(rs, now) {
    const { names, images } = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata?.name ?? '', rs.spec?.replicas ?? 1, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0,
      translateTimestampSince(rs.metadata?.creationTimestamp, now), names, images, formatLabelSelector(rs.spec?.selector),
    ];
  },
};

/** Stateful sets: READY "ready/desired"; wide CONTAINERS IMAGES (no selector column upstream). */
export const statefulSetPrinter: Printer<StatefulSet> = {
  columns: [NAME_COLUMN, column('Ready', 'string', 'Ready replicas out of desired replicas.'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  cells(s, now) {
    const { names, images } = containerCells(s.spec?.template?.spec?.containers);
    return [
      s.metadata?.name ?? '', `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
      translateTimestampSince(s.metadata?.creationTimestamp, now), names, images,
    ];
  },
};

/** Daemon sets: DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR. */
export const daemonSetPrinter: Printer<DaemonSet> = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'integer', 'Number of nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Number of nodes running the daemon pod.'),
    column('Ready', 'integer', 'Number of nodes with a ready daemon pod.'),
    column('Up-to-date', 'integer', 'Number of nodes running the current pod template.'),
    column('Available', 'integer', 'Number of nodes with an available daemon pod.'),
    column('Node Selector', 'string', 'Node selector of the pod template.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  cells(ds, now) {
    const st = ds.status;
    const { names, images } = containerCells(ds.spec?.template?.spec?.containers);
    return [
      ds.metadata?.name ?? '', st?.desiredNumberScheduled ?? 0, st?.currentNumberScheduled ?? 0, st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0, st?.numberAvailable ?? 0, formatLabels(ds.spec?.template?.spec?.nodeSelector),
      translateTimestampSince(ds.metadata?.creationTimestamp, now), names, images, formatLabelSelector(ds.spec?.selector),
    ];
  },
};

/** `statefulset.apps/web` from an owner reference's apiVersion, kind and name. */
export function ownerName(ref: { apiVersion?: string; kind?: string; name?: string }): string {
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const kind = ref.kind ?? '';
  if (!kind) return ref.name ?? '';
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${ref.name ?? ''}`;
}

/** Controller revisions: CONTROLLER (the controlling owner) and REVISION. */
export const controllerRevisionPrinter: Printer<ControllerRevision> = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'string', 'The object that owns the revision.'),
    column('Revision', 'string', 'Revision number.'),
    AGE_COLUMN,
  ],
  cells(cr, now) {
    const owner = (cr.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    return [
      cr.metadata?.name ?? '', owner ? ownerName(owner) : '<none>', cr.revision ?? 0,
      translateTimestampSince(cr.metadata?.creationTimestamp, now),
    ];
  },
};
