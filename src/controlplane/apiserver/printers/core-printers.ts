/**
 * Printers for the smaller core/v1 kinds: config maps, secrets, namespaces, service accounts, endpoints,
 * persistent volumes and claims, pod templates, resource quotas, component statuses and replication controllers.
 * Pods, services, nodes and events have files of their own.
 */
import type {
  ComponentStatus, ConfigMap, Endpoints, Namespace, PersistentVolume, PersistentVolumeClaim, PodTemplate,
  ReplicationController, ResourceQuota, Secret, ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import { accessModes, containerCells, formatLabels, quantity } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, REPLICA_COLUMNS, wideColumn, type Printer } from './printer.js';

type Meta = { metadata?: { name?: string; creationTimestamp?: string; annotations?: Record<string, string> } };

function name(obj: Meta): string {
  return obj.metadata?.name ?? '';
}
function age(obj: Meta, now: Date): string {
  return translateTimestampSince(obj.metadata?.creationTimestamp, now);
}

/** Config maps: DATA counts keys of `data` and `binaryData`. */
export const configMapPrinter: Printer<ConfigMap> = {
  columns: [NAME_COLUMN, column('Data', 'string', 'Number of keys in data and binaryData.'), AGE_COLUMN],
  cells: (cm, now) => [name(cm), Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
};

/** Secrets: TYPE and the number of data keys. */
export const secretPrinter: Printer<Secret> = {
  columns: [NAME_COLUMN, column('Type', 'string', 'The type of the secret.'), column('Data', 'string', 'Number of keys in data.'), AGE_COLUMN],
  cells: (s, now) => [name(s), s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
};

/** Namespaces: STATUS is the phase (Active or Terminating). */
export const namespacePrinter: Printer<Namespace> = {
  columns: [NAME_COLUMN, column('Status', 'string', 'Phase of the namespace: Active or Terminating.'), AGE_COLUMN],
  cells: (ns, now) => [name(ns), ns.status?.phase ?? '', age(ns, now)],
};

/** Service accounts: SECRETS counts the legacy `secrets` references (0 on clusters that mint tokens on demand). */
export const serviceAccountPrinter: Printer<ServiceAccount> = {
  columns: [NAME_COLUMN, column('Secrets', 'string', 'Number of secrets listed on the service account.'), AGE_COLUMN],
  cells: (sa, now) => [name(sa), (sa.secrets ?? []).length, age(sa, now)],
};

/** At most three `ip:port` pairs, then ` + N more...`; bare IPs for port-less (headless) subsets. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string): void => {
    if (list.length === max) more = true;
    else list.push(text);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if ((ss.ports ?? []).length === 0) {
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const p of ss.ports ?? []) {
      count += addresses.length;
      // IPv6 hosts are bracketed, as net.JoinHostPort does.
      for (const a of addresses) add(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

/** Endpoints: the ENDPOINTS summary. */
export const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME_COLUMN, column('Endpoints', 'string', 'Ready addresses and ports, at most three shown.'), AGE_COLUMN],
  cells: (ep, now) => [name(ep), formatEndpoints(ep), age(ep, now)],
};

const STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Persistent volumes. The beta storage-class annotation wins over `spec.storageClassName`, as upstream. */
export const persistentVolumePrinter: Printer<PersistentVolume> = {
  columns: [
    NAME_COLUMN,
    column('Capacity', 'string', 'Storage capacity of the volume.'),
    column('Access Modes', 'string', 'Access modes: RWO, ROX, RWX, RWOP.'),
    column('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    column('Status', 'string', 'Phase of the volume.'),
    column('Claim', 'string', 'The claim bound to the volume, as namespace/name.'),
    column('StorageClass', 'string', 'Storage class of the volume.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class of the volume.'),
    column('Reason', 'string', 'Why the volume is in its phase.'),
    AGE_COLUMN,
    wideColumn('VolumeMode', 'Filesystem or Block.'),
  ],
  cells(pv, now) {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
    const storageClass = pv.metadata?.annotations?.[STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      name(pv), quantity(spec.capacity?.storage), accessModes(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? '',
      phase, claim, storageClass, spec.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', age(pv, now),
      spec.volumeMode ?? '<unset>',
    ];
  },
};

/** Persistent volume claims. CAPACITY and ACCESS MODES are only shown once the claim is bound to a volume. */
export const persistentVolumeClaimPrinter: Printer<PersistentVolumeClaim> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Phase of the claim.'),
    column('Volume', 'string', 'The volume bound to the claim.'),
    column('Capacity', 'string', 'Capacity of the bound volume.'),
    column('Access Modes', 'string', 'Access modes of the bound volume.'),
    column('StorageClass', 'string', 'Storage class the claim asks for.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class the claim asks for.'),
    AGE_COLUMN,
    wideColumn('VolumeMode', 'Filesystem or Block.'),
  ],
  cells(pvc, now) {
    const spec = pvc.spec ?? {};
    const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
    const bound = !!spec.volumeName;
    const storageClass = pvc.metadata?.annotations?.[STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      name(pvc), phase, spec.volumeName ?? '', bound ? quantity(pvc.status?.capacity?.storage) : '',
      bound ? accessModes(pvc.status?.accessModes) : '', storageClass, spec.volumeAttributesClassName ?? '<unset>',
      age(pvc, now), spec.volumeMode ?? '<unset>',
    ];
  },
};

/** Pod templates: containers, images and pod labels; no AGE column upstream. */
export const podTemplatePrinter: Printer<PodTemplate> = {
  columns: [
    NAME_COLUMN,
    column('Containers', 'string', 'Names of the containers in the template.'),
    column('Images', 'string', 'Images of the containers in the template.'),
    column('Pod Labels', 'string', 'Labels of the pod template.'),
  ],
  cells(pt) {
    const { names, images } = containerCells(pt.template?.spec?.containers);
    return [name(pt), names, images, formatLabels(pt.template?.metadata?.labels)];
  },
};

/** `requests.cpu: 500m/1, pods: 3/10` for the REQUEST column and the `limits.*` ones for LIMIT. */
export function quotaColumns(rq: ResourceQuota): { request: string; limit: string } {
  const hard = rq.status?.hard ?? {};
  const used = rq.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const text = `${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`;
    const pieces = resource.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(text);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

/** Resource quotas: used/hard per resource, requests and limits apart. */
export const resourceQuotaPrinter: Printer<ResourceQuota> = {
  columns: [
    NAME_COLUMN,
    column('Request', 'string', 'Used and hard amounts of everything but limits.'),
    column('Limit', 'string', 'Used and hard amounts of the limits.* resources.'),
    AGE_COLUMN,
  ],
  cells(rq, now) {
    const { request, limit } = quotaColumns(rq);
    return [name(rq), request, limit, age(rq, now)];
  },
};

/** Component statuses: the Healthy condition. */
export const componentStatusPrinter: Printer<ComponentStatus> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Healthy, Unhealthy or Unknown.'),
    column('Message', 'string', 'Message of the Healthy condition.'),
    column('Error', 'string', 'Error of the Healthy condition.'),
  ],
  cells(cs) {
    const c = (cs.conditions ?? []).find((x) => x.type === 'Healthy');
    const status = !c ? 'Unknown' : c.status === 'True' ? 'Healthy' : 'Unhealthy';
    return [name(cs), status, c?.message ?? '', c?.error ?? ''];
  },
};

/** Replication controllers: DESIRED CURRENT READY, wide containers, images and the selector map. */
export const replicationControllerPrinter: Printer<ReplicationController> = {
  columns: [
    NAME_COLUMN,
    ...REPLICA_COLUMNS,
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    wideColumn('Selector', 'Labels of the pods the controller manages.'),
  ],
  cells(rc, now) {
    const { names, images } = containerCells(rc.spec?.template?.spec?.containers);
    return [
      name(rc), rc.spec?.replicas ?? 1, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, age(rc, now),
      names, images, formatLabels(rc.spec?.selector),
    ];
  },
};
