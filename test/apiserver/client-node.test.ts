/**
 * The official JavaScript client (@kubernetes/client-node) drives kubelite unchanged: typed CRUD, and an informer on
 * pods that sees add, update and delete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startKubelite } from '../support/kubelite.js';

test('@kubernetes/client-node: CRUD and a pod informer see add, update and delete', async (t) => {
  const k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
  t.after(() => k.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = await core.listNamespace();
  assert.ok(ns.items.some((n) => n.metadata?.name === 'kube-system'));

  const seen: string[] = [];
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
  informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
  informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`));
  informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
  await informer.start();
  t.after(() => informer.stop());

  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'inf' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  await core.patchNamespacedPod({ namespace: 'default', name: 'inf', body: { metadata: { labels: { v: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const got = await core.readNamespacedPod({ namespace: 'default', name: 'inf' });
  assert.equal(got.metadata?.labels?.v, '2');
  await core.deleteNamespacedPod({ namespace: 'default', name: 'inf' });
  for (let i = 0; i < 50 && !seen.includes('delete inf'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(seen, ['add inf', 'update inf 2', 'delete inf']);
});
