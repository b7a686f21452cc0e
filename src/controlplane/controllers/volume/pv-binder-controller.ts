/**
 * The PersistentVolume binder, as kube-controller-manager's persistentvolume-binder:
 *  - a claim without `storageClassName` gets the default StorageClass (upstream's retroactive default class
 *    assignment; kube-apiserver's DefaultStorageClass admission does it at create time);
 *  - an unbound claim binds to the best matching volume (volume-matching.ts): the volume's claimRef is set and its
 *    phase Bound, then the claim's volumeName and bind-completed annotation, then the claim's status Bound with the
 *    volume's capacity and access modes. Each step is re-checked on the next sync, so a crash between them heals;
 *  - under WaitForFirstConsumer only a volume reserved for the claim (by the provisioner) is bound;
 *  - a volume whose claim is gone is Released, and deleted when its reclaimPolicy is Delete (the data directory
 *    of a hostPath volume is the node's to remove).
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { objectKey, RateLimitingQueue, splitKey, type EventRecorder, type Informer, type ResourceClient } from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, informerOf, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { findBestMatch, IS_DEFAULT_CLASS_ANNOTATION, isReservedFor } from './volume-matching.js';

const COMPONENT = 'persistentvolume-controller';
const log = logger(COMPONENT);

/** Annotations upstream's binder writes on a claim. */
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';

/** The default StorageClass: the newest with the is-default-class annotation (upstream GetDefaultClass). */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  return classes.filter((c) => c.metadata?.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true')
    .sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))[0];
}

/** Binds claims to volumes and releases volumes whose claims are gone. */
export class PvBinderController implements Controller {
  readonly name = 'persistentvolume-binder';
  readonly claimQueue: RateLimitingQueue<string>;
  readonly volumeQueue: RateLimitingQueue<string>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly claimClient: ResourceClient<PersistentVolumeClaim>;
  private readonly volumeClient: ResourceClient<PersistentVolume>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.claimQueue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.volumeQueue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.claims = informerOf<PersistentVolumeClaim>(ctx.informers, PERSISTENT_VOLUME_CLAIMS);
    this.volumes = informerOf<PersistentVolume>(ctx.informers, PERSISTENT_VOLUMES);
    this.classes = informerOf<StorageClass>(ctx.informers, STORAGE_CLASSES);
    this.claimClient = clientOf<PersistentVolumeClaim>(ctx.client, PERSISTENT_VOLUME_CLAIMS);
    this.volumeClient = clientOf<PersistentVolume>(ctx.client, PERSISTENT_VOLUMES);
    this.recorder = ctx.recorder(COMPONENT);
    const claim = (c: PersistentVolumeClaim) => this.claimQueue.add(objectKey(c));
    this.claims.addEventHandler({
      onAdd: claim,
      onUpdate: (_, c) => claim(c),
      // A claim gone: its volume is released.
      onDelete: () => this.enqueueAllVolumes(),
    });
    const volume = (v: PersistentVolume) => {
      this.volumeQueue.add(objectKey(v));
      const ref = v.spec?.claimRef;
      if (ref?.name) this.claimQueue.add(`${ref.namespace ?? ''}/${ref.name}`);
    };
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_, v) => volume(v), onDelete: () => this.enqueueAllClaims() });
    // A new default class adopts the claims waiting without one.
    this.classes.addEventHandler({ onAdd: () => this.enqueueAllClaims(), onUpdate: () => this.enqueueAllClaims() });
  }

  private enqueueAllClaims(): void {
    for (const c of this.claims.lister.list()) if (!c.spec?.volumeName || !this.volumes.lister.get('', c.spec.volumeName)) this.claimQueue.add(objectKey(c));
  }

  private enqueueAllVolumes(): void {
    for (const v of this.volumes.lister.list()) if (v.spec?.claimRef) this.volumeQueue.add(objectKey(v));
  }

  /** Runs the claim and volume workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      runQueue(this.claimQueue, (k) => this.syncClaim(k), { name: `${COMPONENT}-claims`, workers: this.ctx.workers, signal }),
      runQueue(this.volumeQueue, (k) => this.syncVolume(k), { name: `${COMPONENT}-volumes`, workers: this.ctx.workers, signal }),
    ]);
  }

  /** Brings claim `key` to Bound if a volume fits. Idempotent. */
  async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pvc = this.claims.lister.get(namespace, name);
    if (!pvc || pvc.metadata?.deletionTimestamp) return;
    const api = this.claimClient.namespace(namespace);
    if (!pvc.spec?.volumeName) {
      if (pvc.spec?.storageClassName === undefined || pvc.spec.storageClassName === null) {
        const def = defaultStorageClass(this.classes.lister.list());
        if (def) {
          await api.patch(name, { metadata: { resourceVersion: pvc.metadata?.resourceVersion }, spec: { storageClassName: def.metadata?.name } }, 'merge');
          log.info('assigned the default storage class', { claim: key, class: def.metadata?.name });
        }
        return;
      }
      const cls = pvc.spec.storageClassName ? this.classes.lister.get('', pvc.spec.storageClassName) : undefined;
      const waitForConsumer = cls?.volumeBindingMode === 'WaitForFirstConsumer';
      const pv = findBestMatch(this.volumes.lister.list(), pvc, { onlyReserved: waitForConsumer });
      if (pv) return this.bind(pv, pvc);
      if (cls?.provisioner && pvc.metadata?.annotations?.[STORAGE_PROVISIONER_ANNOTATION] !== cls.provisioner) {
        // Tell provisioners which of them should act, as upstream does before dynamic provisioning.
        await api.patch(name, { metadata: { annotations: { [STORAGE_PROVISIONER_ANNOTATION]: cls.provisioner, [BETA_STORAGE_PROVISIONER_ANNOTATION]: cls.provisioner } } }, 'merge');
      }
      return;
    }
    const pv = this.volumes.lister.get('', pvc.spec.volumeName);
    if (!pv) {
      if (pvc.metadata?.annotations?.[BIND_COMPLETED_ANNOTATION] && pvc.status?.phase !== 'Lost') {
        await api.updateStatus({ ...pvc, status: { ...pvc.status, phase: 'Lost' } });
        this.recorder.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    if (!pv.spec?.claimRef || isReservedFor(pv, pvc)) return this.bind(pv, pvc);
    if (pvc.status?.phase !== 'Lost') {
      await api.updateStatus({ ...pvc, status: { ...pvc.status, phase: 'Lost' } });
      this.recorder.event(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
  }

  /** Completes whatever steps of binding `pv` to `pvc` are not done yet. */
  private async bind(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
    const pvName = pv.metadata?.name ?? '';
    const ns = pvc.metadata?.namespace ?? '';
    let volume = pv;
    const ref = volume.spec?.claimRef;
    if (!ref?.uid || ref.uid !== pvc.metadata?.uid) {
      volume = await this.volumeClient.update({
        ...volume,
        spec: {
          ...volume.spec,
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: pvc.metadata?.name, uid: pvc.metadata?.uid, resourceVersion: pvc.metadata?.resourceVersion },
        },
      });
    }
    if (volume.status?.phase !== 'Bound') volume = await this.volumeClient.updateStatus({ ...volume, status: { ...volume.status, phase: 'Bound' } });
    let claim = pvc;
    const ann = claim.metadata?.annotations ?? {};
    if (claim.spec?.volumeName !== pvName || ann[BIND_COMPLETED_ANNOTATION] !== 'yes') {
      claim = await this.claimClient.namespace(ns).update({
        ...claim,
        metadata: { ...claim.metadata, annotations: { ...ann, [BIND_COMPLETED_ANNOTATION]: 'yes', ...(claim.spec?.volumeName ? {} : { [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' }) } },
        spec: { ...claim.spec, volumeName: pvName },
      });
    }
    const want = { phase: 'Bound', accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity };
    const st = claim.status ?? {};
    if (st.phase !== 'Bound' || JSON.stringify(st.capacity) !== JSON.stringify(want.capacity) || JSON.stringify(st.accessModes) !== JSON.stringify(want.accessModes)) {
      await this.claimClient.namespace(ns).updateStatus({ ...claim, status: { ...st, ...want } });
      log.info('bound claim to volume', { claim: objectKey(claim), volume: pvName });
    }
  }

  /** Keeps volume `key`'s phase right; releases (and reclaims) it when its claim is gone. Idempotent. */
  async syncVolume(key: string): Promise<void> {
    const pv = this.volumes.lister.get('', splitKey(key).name);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available') await this.volumeClient.updateStatus({ ...pv, status: { ...pv.status, phase: 'Available' } });
      return;
    }
    const cached = this.claims.lister.get(ref.namespace ?? '', ref.name ?? '');
    if (cached && (!ref.uid || cached.metadata?.uid === ref.uid)) {
      if (cached.spec?.volumeName === pv.metadata?.name && pv.status?.phase !== 'Bound') {
        await this.volumeClient.updateStatus({ ...pv, status: { ...pv.status, phase: 'Bound' } });
      }
      return;
    }
    // The cache says the claim is gone; ask the API before releasing anything (the cache may be behind).
    try {
      const fresh = await this.claimClient.namespace(ref.namespace ?? '').get(ref.name ?? '');
      if (!ref.uid || fresh.metadata?.uid === ref.uid) return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.reclaim(pv);
  }

  private async reclaim(pv: PersistentVolume): Promise<void> {
    const name = pv.metadata?.name ?? '';
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    let volume = pv;
    if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') {
      volume = await this.volumeClient.updateStatus({ ...volume, status: { ...volume.status, phase: 'Released' } });
      log.info('volume released', { volume: name, reclaimPolicy: policy });
    }
    if (policy === 'Delete') {
      try {
        await this.volumeClient.delete(name, { preconditions: { uid: volume.metadata?.uid } });
        log.info('deleted released volume', { volume: name });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    } else if (policy === 'Recycle' && volume.status?.phase !== 'Failed') {
      await this.volumeClient.updateStatus({ ...volume, status: { ...volume.status, phase: 'Failed', message: 'Recycle is not supported' } });
      this.recorder.event(volume, 'Warning', 'VolumeFailedRecycle', 'Recycle is not supported by kubelite');
    }
  }
}

/** Factory for the registry. */
export function newPvBinderController(ctx: ControllerContext): PvBinderController {
  return new PvBinderController(ctx);
}
