/**
 * A restart keeps everything: data written before a kill -9 (acknowledged writes are durable), the certificates and
 * the admin kubeconfig, and allocations (a Service's cluster IP stays taken).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { startKubelite } from '../support/kubelite.js';
import { api, credsFrom } from '../support/https.js';

test('data and credentials survive kill -9 and restart', async (t) => {
  const first = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
  const dataDir = first.dataDir;
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const c = credsFrom(first.kubeconfig);
  const kubeconfigBefore = readFileSync(first.kubeconfig, 'utf8');
  assert.equal((await first.kubectl(['create', 'namespace', 'keep'])).code, 0);
  const names: string[] = [];
  // Concurrent acknowledged writes, then kill -9 right after the last acknowledgement.
  await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const r = await api(c, 'POST', '/api/v1/namespaces/keep/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }) });
    assert.equal(r.status, 201);
    names.push(`cm-${i}`);
  }));
  const svc = (await api(c, 'POST', '/api/v1/namespaces/keep/services', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }) })).json();
  await first.kill9();
  await first.stop({ keepData: true });

  const second = await startKubelite({ dataDir, args: ['--disable-controller-manager', '--disable-scheduler'] });
  t.after(() => second.stop());
  // The same CA and admin credentials: the old kubeconfig still works.
  const again = credsFrom(second.kubeconfig);
  assert.equal(again.ca, c.ca);
  assert.equal(again.cert, c.cert);
  assert.equal(readFileSync(second.kubeconfig, 'utf8').replace(/server: .*/, ''), kubeconfigBefore.replace(/server: .*/, ''));
  const list = (await api(again, 'GET', '/api/v1/namespaces/keep/configmaps')).json();
  assert.deepEqual(list.items.map((x: any) => x.metadata.name).sort(), names.sort());
  const out = await second.kubectl(['get', 'cm', 'cm-7', '-n', 'keep', '-o', 'jsonpath={.data.i}']);
  assert.equal(out.stdout, '7');
  const clash = await api(again, 'POST', '/api/v1/namespaces/keep/services', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 't' }, spec: { clusterIP: svc.spec.clusterIP, ports: [{ port: 80 }] } }) });
  assert.equal(clash.status, 422);
});
