/**
 * The official clients drive kubelite unchanged: @kubernetes/client-node 1.4 (typed CRUD on a Deployment, a raw
 * watch, an informer with a label selector, and KubernetesObjectApi.patch as server-side apply with conflicts), and
 * the Python client (Debian's python3-kubernetes under /usr/bin/python3: list, watch and create).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { run } from '../support/kubelite.js';
import { eventually, useServer } from './harness.js';

const PYTHON = '/usr/bin/python3';

const deployment = (name: string, replicas: number): k8s.V1Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } },
});

/** The status code of a client-node ApiException (1.x throws those for non-2xx answers). */
function codeOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

describe('official clients', { concurrency: false }, () => {
  const h = useServer();
  const kc = () => {
    const c = new k8s.KubeConfig();
    c.loadFromFile(h.k.kubeconfig);
    return c;
  };

  test('client-node: typed CRUD on a Deployment, with a conflict on a stale replace', async () => {
    const apps = kc().makeApiClient(k8s.AppsV1Api);
    const ns = 'default';
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('cn', 1) });
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate', 'server defaults come back typed');
    const read = await apps.readNamespacedDeployment({ namespace: ns, name: 'cn' });
    read.spec!.replicas = 3;
    const replaced = await apps.replaceNamespacedDeployment({ namespace: ns, name: 'cn', body: read });
    assert.equal(replaced.spec?.replicas, 3);
    await assert.rejects(apps.replaceNamespacedDeployment({ namespace: ns, name: 'cn', body: read }), (e) => codeOf(e) === 409);
    const patched = await apps.patchNamespacedDeployment({ namespace: ns, name: 'cn', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
    assert.equal(patched.spec?.replicas, 4);
    const scale = await apps.readNamespacedDeploymentScale({ namespace: ns, name: 'cn' });
    assert.equal(scale.spec?.replicas, 4);
    const list = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: 'app=cn' });
    assert.deepEqual(list.items.map((d) => d.metadata?.name), ['cn']);
    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'cn' });
    await assert.rejects(apps.readNamespacedDeployment({ namespace: ns, name: 'cn' }), (e) => codeOf(e) === 404);
  });

  test('client-node: Watch streams ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    const config = kc();
    const core = config.makeApiClient(k8s.CoreV1Api);
    const rv = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion;
    const seen: string[] = [];
    let ended: unknown = 'open';
    const ctl = await new k8s.Watch(config).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: rv, labelSelector: 'w=1' },
      (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.data?.k ?? ''}`.trim()), (err) => (ended = err));
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1', labels: { w: '1' } }, data: { k: 'a' } } });
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w1', body: { data: { k: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w1' });
      await eventually('the DELETED event', () => seen.length >= 3);
      assert.deepEqual(seen, ['ADDED w1 a', 'MODIFIED w1 b', 'DELETED w1 b']);
      assert.equal(ended, 'open', 'the watch stays open');
    } finally {
      ctl.abort();
    }
  });

  test('client-node: an informer with a label selector tracks its deployments', async () => {
    const config = kc();
    const apps = config.makeApiClient(k8s.AppsV1Api);
    const informer = k8s.makeInformer(config, '/apis/apps/v1/namespaces/default/deployments',
      () => apps.listNamespacedDeployment({ namespace: 'default', labelSelector: 'tier=inf' }), 'tier=inf');
    const events: string[] = [];
    informer.on('add', (d) => events.push(`add ${d.metadata?.name}`));
    informer.on('update', (d) => events.push(`update ${d.metadata?.name} ${d.spec?.replicas}`));
    informer.on('delete', (d) => events.push(`delete ${d.metadata?.name}`));
    await apps.createNamespacedDeployment({ namespace: 'default', body: { ...deployment('inf-a', 1), metadata: { name: 'inf-a', labels: { tier: 'inf' } } } });
    await informer.start();
    try {
      await eventually('the initial list', () => events.includes('add inf-a'));
      await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('not-mine', 1) });
      await apps.createNamespacedDeployment({ namespace: 'default', body: { ...deployment('inf-b', 1), metadata: { name: 'inf-b', labels: { tier: 'inf' } } } });
      await apps.patchNamespacedDeploymentScale({ namespace: 'default', name: 'inf-b', body: { spec: { replicas: 5 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'inf-a' });
      await eventually('delete inf-a', () => events.includes('delete inf-a'));
      assert.deepEqual(events, ['add inf-a', 'add inf-b', 'update inf-b 5', 'delete inf-a']);
      assert.deepEqual(informer.list().map((d) => d.metadata?.name), ['inf-b']);
    } finally {
      await informer.stop();
    }
  });

  test('client-node: KubernetesObjectApi.patch as server-side apply (create, update, conflict, force)', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc());
    const cm = (data: Record<string, string>): k8s.KubernetesObject & { data: Record<string, string> } =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data });
    const first = await objects.patch(cm({ a: '1' }), undefined, undefined, 'deployer', undefined, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((first as any).data, { a: '1' });
    const second = await objects.patch(cm({ a: '1', b: '2' }), undefined, undefined, 'deployer', undefined, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((second as any).data, { a: '1', b: '2' });
    assert.deepEqual(second.metadata?.managedFields?.map((m) => [m.manager, m.operation]), [['deployer', 'Apply']]);
    await assert.rejects(objects.patch(cm({ a: 'x' }), undefined, undefined, 'intruder', undefined, k8s.PatchStrategy.ServerSideApply), (e) => codeOf(e) === 409);
    const forced = await objects.patch(cm({ a: 'x' }), undefined, undefined, 'intruder', true, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((forced as any).data, { a: 'x', b: '2' });
    const read = await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' } });
    assert.deepEqual(read.metadata?.managedFields?.map((m) => m.manager).sort(), ['deployer', 'intruder']);
  });

  test('python3-kubernetes: list, create and watch', { skip: existsSync(PYTHON) ? false : `${PYTHON} not installed` }, async () => {
    const script = `
import json, sys, threading, time
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
out = {}
out["namespaces"] = sorted(n.metadata.name for n in v1.list_namespace().items)
v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
rv = v1.list_namespaced_config_map("py").metadata.resource_version
def later():
    time.sleep(0.5)
    v1.create_namespaced_config_map("py", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="from-python", labels={"src": "py"}), data={"k": "v"}))
    v1.patch_namespaced_config_map("from-python", "py", {"data": {"k": "w"}})
threading.Thread(target=later).start()
events = []
w = watch.Watch()
for e in w.stream(v1.list_namespaced_config_map, "py", resource_version=rv, timeout_seconds=5):
    events.append([e["type"], e["object"].metadata.name, e["object"].data["k"]])
    if len(events) == 2:
        w.stop()
out["events"] = events
apps = client.AppsV1Api()
apps.create_namespaced_deployment("py", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "pyd"},
  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "pyd"}}, "template": {"metadata": {"labels": {"app": "pyd"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
d = apps.read_namespaced_deployment("pyd", "py")
out["deployment"] = [d.spec.replicas, d.spec.strategy.type, d.metadata.generation]
out["labelled"] = [c.metadata.name for c in v1.list_namespaced_config_map("py", label_selector="src=py").items]
try:
    v1.read_namespaced_pod("nope", "py")
except client.exceptions.ApiException as e:
    out["missing"] = [e.status, json.loads(e.body)["reason"]]
print(json.dumps(out))
`;
    const r = await run(PYTHON, ['-c', script, h.k.kubeconfig], { timeoutMs: 30_000 });
    assert.doesNotMatch(r.stderr, /No module named 'kubernetes'/, 'python3-kubernetes must be installed (apt-get install -y python3-kubernetes)');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(['default', 'kube-system'].every((n) => out.namespaces.includes(n)), r.stdout);
    assert.deepEqual(out.events, [['ADDED', 'from-python', 'v'], ['MODIFIED', 'from-python', 'w']]);
    assert.deepEqual(out.deployment, [2, 'RollingUpdate', 1]);
    assert.deepEqual(out.labelled, ['from-python']);
    assert.deepEqual(out.missing, [404, 'NotFound']);
  });
});
