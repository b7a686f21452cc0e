/**
 * StatefulSet on a real server with simulated nodes: pods created one by one in ordinal order (each only after
 * the previous is Ready, seen through a watch), PVCs `www-web-i` bound to hostPath volumes the local-path
 * provisioner makes on the pod's node, scale-down in reverse order with the PVCs kept, and a partitioned
 * rolling update checked with `kubectl rollout status` and `kubectl rollout history`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { WatchStream } from '../../src/client/index.js';
import { eventually } from './support.js';
import { startSimEnv, type SimEnv } from './simulated-env.js';

let env: SimEnv;
before(async () => {
  env = await startSimEnv({ enabled: ['statefulset', 'persistentvolume-binder', 'local-path-provisioner', 'garbagecollector'] });
  await env.startAgent(['--simulate', '2', '--name-prefix', 'sts-']);
});
after(() => env?.stop());

const web: StatefulSet = {
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      // No volumeMounts of `www`: the API server's StatefulSet validation does not yet know claim templates as volumes.
      spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] },
    },
    // The class is named: giving a class-less claim the default one needs the API server to accept setting
    // storageClassName on an existing claim (upstream's retroactive default class), which it does not yet.
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
};

/** Records pod events in order: `ADDED web-0`, `READY web-0`, `DELETING web-2`, … */
function record(watch: WatchStream<Pod>): { log: string[]; done: Promise<void> } {
  const log: string[] = [];
  const seen = new Map<string, string>();
  const done = (async () => {
    for await (const ev of watch) {
      const p = ev.object as Pod;
      const name = p.metadata!.name!;
      const state = ev.type === 'DELETED' ? 'GONE' : p.metadata?.deletionTimestamp ? 'DELETING'
        : p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'READY' : 'ADDED';
      if (seen.get(name) !== state) log.push(`${state} ${name}`);
      seen.set(name, state);
    }
  })().catch(() => undefined);
  return { log, done };
}

test('ordered creation with claims bound by the provisioner, reverse scale-down, and a partitioned rolling update', async () => {
  const pods = env.client.resource<Pod>('', 'v1', 'pods').namespace('default');
  const sets = env.client.resource<StatefulSet>('apps', 'v1', 'statefulsets').namespace('default');
  const claims = env.client.resource<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims').namespace('default');
  const volumes = env.client.resource<PersistentVolume>('', 'v1', 'persistentvolumes');
  const watch = await pods.watch({ labelSelector: 'app=nginx' });
  const rec = record(watch);
  await sets.create(web);
  await eventually(async () => (await sets.get('web')).status?.readyReplicas === 3, 'three ready replicas');
  const order = rec.log.filter((l) => /^(ADDED|READY) /.test(l));
  assert.deepEqual(order, ['ADDED web-0', 'READY web-0', 'ADDED web-1', 'READY web-1', 'ADDED web-2', 'READY web-2'], rec.log.join('\n'));

  const running = (await pods.list({ labelSelector: 'app=nginx' })).items;
  for (const p of running) {
    assert.deepEqual(p.spec?.volumes?.find((v) => v.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: `www-${p.metadata?.name}` } });
    assert.equal(p.spec?.hostname, p.metadata?.name);
    assert.equal(p.spec?.subdomain, 'nginx');
  }
  const bound = await eventually(async () => {
    const list = (await claims.list()).items;
    return list.length === 3 && list.every((c) => c.status?.phase === 'Bound') && list;
  }, 'three bound claims');
  assert.deepEqual(bound.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
  const sc = await env.server.kubectl(['get', 'storageclass', '--no-headers']);
  assert.match(sc.stdout, /^local-path \(default\)\s+kubelite\.io\/local-path\s+Delete\s+WaitForFirstConsumer/);
  for (const c of bound) {
    const pv = await volumes.get(c.spec!.volumeName!);
    const pod = running.find((p) => p.metadata?.name === c.metadata!.name!.replace(/^www-/, ''))!;
    assert.equal(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0].matchExpressions?.[0].values?.[0], pod.spec?.nodeName, 'the volume is on the pod\'s node');
    assert.match(pv.spec!.hostPath!.path, new RegExp(`^/var/lib/kubelite/storage/pvc-${c.metadata!.uid}_default_${c.metadata!.name}$`));
    assert.equal(pv.status?.phase, 'Bound');
  }

  // Scale down: web-2 goes before web-1; web-0 stays; the claims stay.
  rec.log.length = 0;
  await sets.patch('web', { spec: { replicas: 1 } }, 'merge');
  await eventually(async () => (await pods.list({ labelSelector: 'app=nginx' })).items.length === 1 && (await sets.get('web')).status?.replicas === 1, 'scaled to 1');
  const deletions = rec.log.filter((l) => l.startsWith('GONE '));
  assert.deepEqual(deletions, ['GONE web-2', 'GONE web-1'], rec.log.join('\n'));
  assert.equal((await claims.list()).items.length, 3);

  // Back to 3, then a rolling update held at partition 2: only web-2 moves to the new template.
  await sets.patch('web', { spec: { replicas: 3 } }, 'merge');
  await eventually(async () => (await sets.get('web')).status?.readyReplicas === 3, 'ready 3 again');
  await sets.patch('web', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } } }, 'merge');
  const status = await env.server.kubectl(['rollout', 'status', 'sts/web', '--timeout=60s'], { timeoutMs: 70_000 });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /partitioned roll out complete: 1 new pods have been updated/);
  const images = Object.fromEntries((await pods.list({ labelSelector: 'app=nginx' })).items.map((p) => [p.metadata!.name, p.spec!.containers[0].image]));
  assert.deepEqual(images, { 'web-0': 'nginx:1', 'web-1': 'nginx:1', 'web-2': 'nginx:2' });
  const s = (await sets.get('web')).status!;
  assert.notEqual(s.currentRevision, s.updateRevision);
  assert.deepEqual([s.currentReplicas, s.updatedReplicas], [2, 1]);

  // Partition 0 finishes it; kubectl sees the rollout complete and two revisions in history.
  await sets.patch('web', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, 'merge');
  const done = await env.server.kubectl(['rollout', 'status', 'sts/web', '--timeout=60s'], { timeoutMs: 70_000 });
  assert.equal(done.code, 0, done.stderr);
  // partition is set (defaulted to 0), so kubectl reports the partitioned form, as against a real cluster.
  assert.match(done.stdout, /partitioned roll out complete: 3 new pods have been updated/);
  const history = await env.server.kubectl(['rollout', 'history', 'sts/web']);
  assert.match(history.stdout, /^1\s/m);
  assert.match(history.stdout, /^2\s/m);
  watch.close();
  await rec.done;
});
