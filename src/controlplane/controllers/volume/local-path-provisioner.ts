/**
 * The built-in local-path provisioner, after k3s' local-path-provisioner: the default StorageClass `local-path`
 * (provisioner `kubelite.io/local-path`, reclaimPolicy Delete, volumeBindingMode WaitForFirstConsumer) is created
 * when missing, and every claim of a class with that provisioner gets a hostPath PersistentVolume
 * `pvc-<claim uid>` at `<dir>/pvc-<uid>_<namespace>_<name>` (DirectoryOrCreate) on one node, pinned there by node
 * affinity on kubernetes.io/hostname and reserved for the claim by claimRef; the binder then binds the two.
 *
 * WaitForFirstConsumer: the node is the claim's `volume.kubernetes.io/selected-node` annotation when a scheduler
 * set it, else the node the first pod using the claim was bound to (so a StatefulSet pod's volume lands where the
 * pod runs). Immediate: the first Ready, schedulable node by name. `<dir>` is the node's
 * `kubelite.io/local-path-dir` annotation (an agent sets it to its data dir) or the configured default.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { objectKey, RateLimitingQueue, splitKey, type EventRecorder, type Informer, type ResourceClient } from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller } from '../common/controller.js';
import { settingsOf, type ContextWithSettings } from '../common/controller-settings.js';
import { clientOf, informerOf, NODES, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, STORAGE_CLASSES } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { IS_DEFAULT_CLASS_ANNOTATION } from './volume-matching.js';

const COMPONENT = 'local-path-provisioner';
const log = logger(COMPONENT);

/** The provisioner name in StorageClasses. */
export const LOCAL_PATH_PROVISIONER = 'kubelite.io/local-path';
/** The default class's name. */
export const LOCAL_PATH_CLASS = 'local-path';
/** Node annotation with the directory local-path volumes go under on that node. */
export const LOCAL_PATH_DIR_ANNOTATION = 'kubelite.io/local-path-dir';
/** Claim annotation a scheduler sets to the node chosen for a WaitForFirstConsumer claim. */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
/** PV annotation naming who provisioned it. */
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';

/** The default StorageClass this provisioner serves. */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The hostPath PV for `pvc` on `node` under `dir`. */
export function localPathVolume(pvc: PersistentVolumeClaim, cls: StorageClass, node: Node, dir: string): PersistentVolume {
  const m = pvc.metadata ?? {};
  const hostname = node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata?.name ?? '';
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: `pvc-${m.uid}`, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata?.name,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: `${dir.replace(/\/+$/, '')}/pvc-${m.uid}_${m.namespace}_${m.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid },
    },
  };
}

function isReadySchedulable(n: Node): boolean {
  return !n.spec?.unschedulable && (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/** Creates hostPath volumes for claims of local-path classes. */
export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner';
  readonly queue: RateLimitingQueue<string>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly volumeClient: ResourceClient<PersistentVolume>;
  private readonly classClient: ResourceClient<StorageClass>;
  private readonly recorder: EventRecorder;
  private readonly dir: string;
  private readonly createClass: boolean;

  constructor(private readonly ctx: ContextWithSettings) {
    const s = settingsOf(ctx);
    this.dir = s.localPathDir;
    this.createClass = s.createDefaultStorageClass;
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.claims = informerOf<PersistentVolumeClaim>(ctx.informers, PERSISTENT_VOLUME_CLAIMS);
    this.volumes = informerOf<PersistentVolume>(ctx.informers, PERSISTENT_VOLUMES);
    this.classes = informerOf<StorageClass>(ctx.informers, STORAGE_CLASSES);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.volumeClient = clientOf<PersistentVolume>(ctx.client, PERSISTENT_VOLUMES);
    this.classClient = clientOf<StorageClass>(ctx.client, STORAGE_CLASSES);
    this.recorder = ctx.recorder(COMPONENT);
    const claim = (c: PersistentVolumeClaim) => this.queue.add(objectKey(c));
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_, c) => claim(c) });
    // A pod bound to a node picks the node of its WaitForFirstConsumer claims.
    const pod = (p: Pod) => {
      if (!p.spec?.nodeName) return;
      for (const v of p.spec.volumes ?? []) {
        if (v.persistentVolumeClaim?.claimName) this.queue.add(`${p.metadata?.namespace ?? ''}/${v.persistentVolumeClaim.claimName}`);
      }
    };
    this.pods.addEventHandler({ onAdd: pod, onUpdate: (_, p) => pod(p) });
  }

  /** Creates the default class if missing, then runs workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.createClass) await this.ensureStorageClass();
    await runQueue(this.queue, (k) => this.sync(k), { name: COMPONENT, workers: this.ctx.workers, signal });
  }

  /** Creates the `local-path` StorageClass unless a class of that name exists. */
  async ensureStorageClass(): Promise<void> {
    if (this.classes.lister.get('', LOCAL_PATH_CLASS)) return;
    try {
      await this.classClient.create(localPathStorageClass());
      log.info('created the default StorageClass', { name: LOCAL_PATH_CLASS });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) log.warn('cannot create the default StorageClass', { error: err });
    }
  }

  /** The node a claim's volume should live on, or undefined to wait. */
  private nodeFor(pvc: PersistentVolumeClaim, cls: StorageClass): Node | undefined {
    const selected = pvc.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    if (selected) return this.nodes.lister.get('', selected);
    if (cls.volumeBindingMode === 'WaitForFirstConsumer') {
      const consumer = this.pods.lister.listNamespace(pvc.metadata?.namespace ?? '').find((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp
        && p.spec.volumes?.some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata?.name));
      return consumer ? this.nodes.lister.get('', consumer.spec!.nodeName!) : undefined;
    }
    return this.nodes.lister.list().filter(isReadySchedulable).sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))[0];
  }

  /** Provisions a volume for claim `key` if it needs one. Idempotent (the PV name is fixed by the claim's uid). */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pvc = this.claims.lister.get(namespace, name);
    if (!pvc || pvc.metadata?.deletionTimestamp || pvc.spec?.volumeName || !pvc.spec?.storageClassName) return;
    const cls = this.classes.lister.get('', pvc.spec.storageClassName);
    if (cls?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    if (this.volumes.lister.get('', `pvc-${pvc.metadata?.uid}`)) return;
    const node = this.nodeFor(pvc, cls);
    if (!node) return;
    const dir = node.metadata?.annotations?.[LOCAL_PATH_DIR_ANNOTATION] ?? this.dir;
    const pv = localPathVolume(pvc, cls, node, dir);
    try {
      await this.volumeClient.create(pv);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) return;
      this.recorder.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata?.name}": ${(err as Error).message}`);
      throw err;
    }
    log.info('provisioned volume', { claim: key, volume: pv.metadata?.name, node: node.metadata?.name, path: pv.spec?.hostPath?.path });
    this.recorder.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata?.name}`);
  }
}

/** Factory for the registry. */
export function newLocalPathProvisioner(ctx: ContextWithSettings): LocalPathProvisioner {
  return new LocalPathProvisioner(ctx);
}
