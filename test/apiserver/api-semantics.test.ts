/**
 * API semantics users rely on, checked on the wire against a real server: authentication, bad input answered with
 * a Status that changes nothing, dry run, pagination, generation, status split, finalizers, graceful deletion,
 * field selectors, Service IP allocation and watch behaviour.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { api, credsFrom, type Creds } from '../support/https.js';

const pod = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra,
});

describe('API semantics', { concurrency: false }, () => {
  let k: KubeliteProcess;
  let c: Creds;
  const P = '/api/v1/namespaces/default/pods';
  before(async () => {
    k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    c = credsFrom(k.kubeconfig);
  });
  after(async () => k?.stop());

  test('only health and version are open; everything else needs credentials', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await api(c, 'GET', p, { auth: false })).status, 200, p);
    assert.equal((await api(c, 'GET', '/readyz?verbose', { auth: false })).body.includes('readyz check passed'), true);
    const r = await api(c, 'GET', '/api/v1/namespaces', { auth: false });
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'Unauthorized');
    const bad = await api(c, 'GET', '/api/v1/namespaces', { auth: false, headers: { authorization: 'Bearer nope' } });
    assert.equal(bad.status, 401);
  });

  test('bad input gets a clear Status and changes nothing', async () => {
    const malformed = await api(c, 'POST', P, { body: '{"apiVersion":"v1",' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json().reason, 'BadRequest');
    const wrongKind = await api(c, 'POST', P, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }) });
    assert.equal(wrongKind.status, 400);
    const wrongNs = await api(c, 'POST', P, { body: JSON.stringify({ ...JSON.parse(pod('y')), metadata: { name: 'y', namespace: 'other' } }) });
    assert.equal(wrongNs.status, 400);
    assert.match(wrongNs.json().message, /does not match the namespace/);
    const big = await api(c, 'POST', P, { body: Buffer.alloc(3 * 1024 * 1024 + 10, 32) });
    assert.equal(big.status, 413);
    const strict = await api(c, 'POST', `${P}?fieldValidation=Strict`, { body: pod('s', { spec: { containers: [{ name: 'c', image: 'b', bogus: 1 }] } }) });
    assert.equal(strict.status, 400);
    assert.match(strict.json().message, /unknown field "spec\.containers\[0\]\.bogus"/);
    const typeErr = await api(c, 'POST', P, { body: pod('t', { spec: { containers: 'nope' } }) });
    assert.equal(typeErr.status, 400);
    const missingNs = await api(c, 'POST', '/api/v1/namespaces/nowhere/pods', { body: pod('m') });
    assert.equal(missingNs.status, 404);
    assert.equal(missingNs.json().message, 'namespaces "nowhere" not found');
    const badSel = await api(c, 'GET', `${P}?labelSelector=${encodeURIComponent('a in (b')}`);
    assert.equal(badSel.status, 400);
    const badField = await api(c, 'GET', `${P}?fieldSelector=spec.bogus=1`);
    assert.equal(badField.status, 400);
    assert.equal(badField.json().message, 'field label not supported: spec.bogus');
    const list = (await api(c, 'GET', P)).json();
    assert.deepEqual(list.items.map((p: any) => p.metadata.name), []);
  });

  test('YAML bodies, warnings for unknown fields under Warn, and dry run stores nothing', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y1\ndata:\n  a: "1"\n';
    const r = await api(c, 'POST', '/api/v1/namespaces/default/configmaps', { body: yaml, headers: { 'content-type': 'application/yaml' } });
    assert.equal(r.status, 201);
    const warn = await api(c, 'POST', `${P}?fieldValidation=Warn`, { body: pod('w', { spec: { containers: [{ name: 'c', image: 'b', bogus: 1 }] } }) });
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /299 - "unknown field \\"spec\.containers\[0\]\.bogus\\""/);
    assert.equal(warn.json().spec.containers[0].bogus, undefined);
    const dry = await api(c, 'POST', `${P}?dryRun=All`, { body: pod('dry') });
    assert.equal(dry.status, 201);
    assert.equal((await api(c, 'GET', `${P}/dry`)).status, 404);
    const dryDel = await api(c, 'DELETE', `${P}/w?dryRun=All`);
    assert.equal(dryDel.status, 200);
    assert.equal((await api(c, 'GET', `${P}/w`)).status, 200);
  });

  test('generation follows spec, status is split, uid and creationTimestamp are the server\'s', async () => {
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'g', uid: 'forged' },
      spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      status: { replicas: 99 } };
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const created = (await api(c, 'POST', D, { body: JSON.stringify(dep) })).json();
    assert.equal(created.metadata.generation, 1);
    assert.notEqual(created.metadata.uid, 'forged');
    assert.deepEqual(created.status, {});
    const lbl = (await api(c, 'PATCH', `${D}/g`, { body: '{"metadata":{"labels":{"x":"y"}}}', headers: { 'content-type': 'application/merge-patch+json' } })).json();
    assert.equal(lbl.metadata.generation, 1);
    const spec = (await api(c, 'PATCH', `${D}/g`, { body: '{"spec":{"replicas":3}}', headers: { 'content-type': 'application/merge-patch+json' } })).json();
    assert.equal(spec.metadata.generation, 2);
    const st = (await api(c, 'PATCH', `${D}/g/status`, { body: '{"status":{"replicas":3},"spec":{"replicas":7}}', headers: { 'content-type': 'application/merge-patch+json' } })).json();
    assert.equal(st.status.replicas, 3);
    assert.equal(st.spec.replicas, 3);
    const main = (await api(c, 'PATCH', `${D}/g`, { body: '{"status":{"replicas":1}}', headers: { 'content-type': 'application/merge-patch+json' } })).json();
    assert.equal(main.status.replicas, 3);
    const scale = (await api(c, 'GET', `${D}/g/scale`)).json();
    assert.deepEqual([scale.kind, scale.spec.replicas, scale.status.selector], ['Scale', 3, 'a=b']);
  });

  test('pagination with limit and continue is consistent', async () => {
    for (let i = 0; i < 7; i++) {
      assert.equal((await api(c, 'POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `p${i}` } }) })).status, 201);
    }
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = (await api(c, 'GET', `/api/v1/namespaces/default/configmaps?limit=3${cont ? '&continue=' + encodeURIComponent(cont) : ''}`)).json();
      names.push(...page.items.map((x: any) => x.metadata.name));
      cont = page.metadata.continue ?? '';
      pages++;
    } while (cont);
    assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'y1']);
    assert.equal(pages, 3);
    assert.equal((await api(c, 'GET', '/api/v1/namespaces/default/configmaps?limit=3&continue=garbage')).status, 400);
  });

  test('finalizers hold a deleted object until removed; bound pods are deleted gracefully', async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    await api(c, 'POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fin', finalizers: ['example.com/hold'] } }) });
    const del = await api(c, 'DELETE', `${CM}/fin`);
    assert.equal(del.status, 200);
    const held = (await api(c, 'GET', `${CM}/fin`)).json();
    assert.ok(held.metadata.deletionTimestamp);
    await api(c, 'PATCH', `${CM}/fin`, { body: '{"metadata":{"finalizers":null}}', headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal((await api(c, 'GET', `${CM}/fin`)).status, 404);

    await api(c, 'POST', P, { body: pod('bound') });
    const bind = await api(c, 'POST', `${P}/bound/binding`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } }) });
    assert.equal(bind.status, 201);
    const again = await api(c, 'POST', `${P}/bound/binding`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n2' } }) });
    assert.equal(again.status, 409);
    const bound = (await api(c, 'GET', `${P}/bound`)).json();
    assert.equal(bound.spec.nodeName, 'n1');
    assert.equal(bound.status.conditions.find((x: any) => x.type === 'PodScheduled').status, 'True');
    const onNode = (await api(c, 'GET', `${P}?fieldSelector=spec.nodeName%3Dn1`)).json();
    assert.deepEqual(onNode.items.map((p: any) => p.metadata.name), ['bound']);
    const graceful = (await api(c, 'DELETE', `${P}/bound`)).json();
    assert.equal(graceful.metadata.deletionGracePeriodSeconds, 30);
    assert.equal((await api(c, 'GET', `${P}/bound`)).status, 200);
    await api(c, 'DELETE', `${P}/bound`, { body: '{"gracePeriodSeconds":0}' });
    assert.equal((await api(c, 'GET', `${P}/bound`)).status, 404);
  });

  test('Services get a cluster IP and node ports from the configured ranges', async () => {
    const S = '/api/v1/namespaces/default/services';
    const svc = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }], ...spec } });
    const a = (await api(c, 'POST', S, { body: svc('a', { type: 'NodePort' }) })).json();
    assert.match(a.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.ok(a.spec.ports[0].nodePort >= 30000 && a.spec.ports[0].nodePort <= 32767);
    assert.equal(a.spec.ports[0].targetPort, 80);
    const taken = await api(c, 'POST', S, { body: svc('b', { clusterIP: a.spec.clusterIP }) });
    assert.equal(taken.status, 422);
    assert.match(taken.json().message, /provided IP is already allocated/);
    const out = await api(c, 'POST', S, { body: svc('b', { clusterIP: '192.168.0.1' }) });
    assert.equal(out.status, 422);
    assert.match(out.json().message, /not in the valid range/);
    const portTaken = await api(c, 'POST', S, { body: svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: a.spec.ports[0].nodePort }] }) });
    assert.equal(portTaken.status, 422);
    const headless = (await api(c, 'POST', S, { body: svc('h', { clusterIP: 'None' }) })).json();
    assert.equal(headless.spec.clusterIP, 'None');
    // Deleting frees the IP for reuse.
    await api(c, 'DELETE', `${S}/a`);
    const reuse = await api(c, 'POST', S, { body: svc('c', { clusterIP: a.spec.clusterIP }) });
    assert.equal(reuse.status, 201);
  });

  test('watch: initial state for RV 0, changes after a list RV, selector transitions, timeout', async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    const rv = (await api(c, 'GET', CM)).json().metadata.resourceVersion;
    const watchP = api(c, 'GET', `${CM}?watch=true&resourceVersion=${rv}&labelSelector=w%3Dyes&timeoutSeconds=2`);
    await new Promise((r) => setTimeout(r, 200));
    await api(c, 'POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wa', labels: { w: 'no' } } }) });
    await api(c, 'PATCH', `${CM}/wa`, { body: '{"metadata":{"labels":{"w":"yes"}}}', headers: { 'content-type': 'application/merge-patch+json' } });
    await api(c, 'PATCH', `${CM}/wa`, { body: '{"data":{"k":"v"}}', headers: { 'content-type': 'application/merge-patch+json' } });
    await api(c, 'PATCH', `${CM}/wa`, { body: '{"metadata":{"labels":{"w":"no"}}}', headers: { 'content-type': 'application/merge-patch+json' } });
    const events = (await watchP).body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED wa', 'MODIFIED wa', 'DELETED wa']);
    const initial = (await api(c, 'GET', `${CM}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dwa&timeoutSeconds=1`)).body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(initial.map((e) => e.type), ['ADDED']);
  });
});

describe('default classes', () => {
  test('a PVC and an Ingress without a class get the default one', async (t) => {
    const k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    t.after(() => k.stop());
    const c = credsFrom(k.kubeconfig);
    await api(c, 'POST', '/apis/storage.k8s.io/v1/storageclasses', { body: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'x' }) });
    await api(c, 'POST', '/apis/networking.k8s.io/v1/ingressclasses', { body: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'edge', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'x/y' } }) });
    const pvc = (await api(c, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', { body: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) })).json();
    assert.equal(pvc.spec.storageClassName, 'fast');
    const none = (await api(c, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', { body: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'e' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) })).json();
    assert.equal(none.spec.storageClassName, '');
    const ing = (await api(c, 'POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', { body: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } } }) })).json();
    assert.equal(ing.spec.ingressClassName, 'edge');
  });
});
