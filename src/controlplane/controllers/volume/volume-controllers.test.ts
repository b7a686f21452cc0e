/**
 * Volumes: claim/volume matching by table, the binder's default class and binding steps, the local-path
 * provisioner waiting for the first consumer, and reclaiming a volume whose claim is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { NODES, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, STORAGE_CLASSES } from '../common/resources.js';
import { LocalPathProvisioner, localPathStorageClass } from './local-path-provisioner.js';
import { PvBinderController } from './pv-binder-controller.js';
import { findBestMatch } from './volume-matching.js';

const pv = (name: string, size: string, o: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume => ({
  metadata: { name, labels },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/data/${name}` }, ...o },
  status: { phase: 'Available' },
});
const pvc = (name: string, size: string, o: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'manual', ...o },
  status: { phase: 'Pending' },
});

test('matching: class, modes, size and selector; the smallest fit wins, a reserved volume wins outright', () => {
  const claim = { ...pvc('c', '2Gi', { selector: { matchLabels: { tier: 'db' } } }), metadata: { name: 'c', namespace: 'default', uid: 'u1' } };
  const vols = [
    pv('small', '1Gi', {}, { tier: 'db' }), pv('big', '10Gi', {}, { tier: 'db' }), pv('mid', '5Gi', {}, { tier: 'db' }),
    pv('other-class', '3Gi', { storageClassName: 'fast' }, { tier: 'db' }), pv('rwx-only', '3Gi', { accessModes: ['ReadWriteMany'] }, { tier: 'db' }),
    pv('unlabelled', '3Gi'), pv('taken', '3Gi', { claimRef: { namespace: 'default', name: 'x' } }, { tier: 'db' }),
  ];
  assert.equal(findBestMatch(vols, claim)?.metadata?.name, 'mid');
  const reserved = pv('reserved', '20Gi', { claimRef: { namespace: 'default', name: 'c', uid: 'u1' } }, { tier: 'db' });
  assert.equal(findBestMatch([...vols, reserved], claim)?.metadata?.name, 'reserved');
  assert.equal(findBestMatch(vols, claim, { onlyReserved: true }), undefined);
  assert.equal(findBestMatch([pv('a', '1Gi', { storageClassName: '' })], pvc('c', '1Gi', { storageClassName: '' }))?.metadata?.name, 'a');
});

test('binder: a claim without a class gets the default one; a claim binds to a matching volume, both Bound', async (t) => {
  const h = await startControllerHarness(t);
  const c = new PvBinderController(h.ctx);
  h.seed(STORAGE_CLASSES, { metadata: { name: 'manual', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kubernetes.io/no-provisioner' } as StorageClass);
  h.seed(PERSISTENT_VOLUMES, pv('vol', '5Gi'));
  h.seed(PERSISTENT_VOLUME_CLAIMS, pvc('data', '1Gi', { storageClassName: undefined }));
  await c.syncClaim('default/data');
  assert.equal(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS)[0].spec!.storageClassName, 'manual');
  h.refresh();
  await c.syncClaim('default/data');
  const [claim] = h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS);
  const [vol] = h.stored<PersistentVolume>(PERSISTENT_VOLUMES);
  assert.equal(claim.spec!.volumeName, 'vol');
  assert.equal(claim.metadata!.annotations!['pv.kubernetes.io/bind-completed'], 'yes');
  assert.deepEqual(claim.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } });
  assert.equal(vol.spec!.claimRef!.uid, claim.metadata!.uid);
  assert.equal(vol.status!.phase, 'Bound');
  h.refresh();
  h.clearRequests();
  await c.syncClaim('default/data');
  await c.syncVolume('vol');
  assert.deepEqual(h.requests('PUT'), [], 'a bound pair needs no writes');
});

test('local-path: the PV waits for the first consumer, lands on its node under the data dir, binds, and goes with its claim', async (t) => {
  const h = await startControllerHarness(t);
  const ctx = { ...h.ctx, settings: { localPathDir: '/var/lib/kubelite/storage' } };
  const prov = new LocalPathProvisioner(ctx);
  const binder = new PvBinderController(ctx);
  await prov.ensureStorageClass();
  h.refresh();
  const [cls] = h.stored<StorageClass>(STORAGE_CLASSES);
  assert.deepEqual([cls.metadata!.name, cls.provisioner, cls.volumeBindingMode, cls.reclaimPolicy], ['local-path', 'kubelite.io/local-path', 'WaitForFirstConsumer', 'Delete']);
  h.seed(NODES, { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } } as Node);
  h.seed(NODES, { metadata: { name: 'n2', labels: { 'kubernetes.io/hostname': 'n2' }, annotations: { 'kubelite.io/local-path-dir': '/tmp/agent2/storage' } } } as Node);
  const claim = h.seed(PERSISTENT_VOLUME_CLAIMS, pvc('www-web-0', '1Gi', { storageClassName: undefined }));
  await binder.syncClaim('default/www-web-0');
  h.refresh();
  await binder.syncClaim('default/www-web-0');
  await prov.sync('default/www-web-0');
  assert.equal(h.stored(PERSISTENT_VOLUMES).length, 0, 'no consumer yet');
  assert.equal(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS)[0].metadata!.annotations!['volume.kubernetes.io/storage-provisioner'], 'kubelite.io/local-path');
  h.seed(PODS, { metadata: { name: 'web-0', namespace: 'default' }, spec: { nodeName: 'n2', containers: [], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }] } } as Pod);
  h.refresh();
  await prov.sync('default/www-web-0');
  const [vol] = h.stored<PersistentVolume>(PERSISTENT_VOLUMES);
  assert.equal(vol.metadata!.name, `pvc-${claim.metadata!.uid}`);
  assert.deepEqual(vol.spec!.hostPath, { path: `/tmp/agent2/storage/pvc-${claim.metadata!.uid}_default_www-web-0`, type: 'DirectoryOrCreate' });
  assert.deepEqual(vol.spec!.nodeAffinity!.required!.nodeSelectorTerms[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }]);
  assert.equal(vol.spec!.persistentVolumeReclaimPolicy, 'Delete');
  h.refresh();
  await binder.syncClaim('default/www-web-0');
  assert.equal(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS)[0].status!.phase, 'Bound');
  assert.equal((await h.events()).find((e) => e.reason === 'ProvisioningSucceeded')?.message, `Successfully provisioned volume pvc-${claim.metadata!.uid}`);
  // The claim goes: the volume is released and, with reclaimPolicy Delete, deleted.
  await h.client.resource('', 'v1', 'persistentvolumeclaims').namespace('default').delete('www-web-0');
  h.refresh();
  await binder.syncVolume(vol.metadata!.name!);
  assert.deepEqual(h.stored(PERSISTENT_VOLUMES), []);
});

test('a Retain volume whose claim is gone stays, Released', async (t) => {
  const h = await startControllerHarness(t);
  const c = new PvBinderController(h.ctx);
  h.seed(PERSISTENT_VOLUMES, pv('keep', '1Gi', { persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'gone', uid: 'old' } }));
  await c.syncVolume('keep');
  assert.equal(h.stored<PersistentVolume>(PERSISTENT_VOLUMES)[0].status!.phase, 'Released');
  assert.equal(localPathStorageClass().metadata!.annotations!['storageclass.kubernetes.io/is-default-class'], 'true');
});
