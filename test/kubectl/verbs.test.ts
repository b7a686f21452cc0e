/**
 * The everyday write verbs against a real server, for kubectl 1.27, 1.32 and 1.33: edit (through KUBE_EDITOR),
 * label, annotate, patch of every type (and bad patches that change nothing), scale through the scale subresource,
 * wait for a condition / a JSONPath value / deletion, delete with each cascade policy, and apply -k.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_VERSIONS, nsName, useServer, versionName } from './harness.js';

const deployment = (name: string, replicas = 2) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'busybox' }] },
    },
  },
});

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });


describe('kubectl edit, label, annotate, patch, scale, wait, delete, apply -k', { concurrency: false }, () => {
  const h = useServer();

  for (const v of ALL_VERSIONS) {
    describe(`kubectl ${versionName(v)}`, { concurrency: false }, () => {
      const ns = nsName('verbs', v);
      const D = `/apis/apps/v1/namespaces/${ns}/deployments`;
      const P = `/api/v1/namespaces/${ns}/pods`;

      test('edit through KUBE_EDITOR changes the object; an unchanged edit is cancelled', async () => {
        await h.namespace(ns);
        await h.create(D, deployment('web'));
        const out = await h.ok(v, ['-n', ns, 'edit', 'deploy', 'web'], { env: { KUBE_EDITOR: 'sed -i -e s/nginx:1.25/nginx:1.26/ -e s/replicas:\\ 2/replicas:\\ 4/' } });
        assert.match(out, /^deployment\.apps\/web edited$/m);
        const dep = await h.get(`${D}/web`);
        assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:1.26');
        assert.equal(dep.spec.replicas, 4);
        assert.equal(dep.spec.template.spec.containers.length, 2, 'the other container is untouched');
        assert.equal(dep.metadata.generation, 2);
        const noop = await h.run(v, ['-n', ns, 'edit', 'deploy', 'web'], { env: { KUBE_EDITOR: 'true' } });
        assert.equal(noop.code, 0);
        assert.match(noop.stdout + noop.stderr, /Edit cancelled, no changes made\./);
        assert.equal((await h.get(`${D}/web`)).metadata.resourceVersion, dep.metadata.resourceVersion);
      });

      test('edit refused by validation stores nothing and keeps a copy with the error', async () => {
        const before = await h.get(`${D}/web`);
        // kubectl leaves its edit files behind on failure: give it a temp dir of its own.
        const tmp = mkdtempSync(join(tmpdir(), 'kubectl-edit-'));
        try {
          const r = await h.fails(v, ['-n', ns, 'edit', 'deploy', 'web'], { env: { TMPDIR: tmp, KUBE_EDITOR: 'sed -i s/replicas:\\ 4/replicas:\\ -1/' } });
          assert.match(r.stderr, /deployments\.apps "web" is invalid/);
          assert.match(r.stderr, /Edit cancelled, no valid changes were saved\./);
          const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(r.stderr)?.[1];
          assert.ok(copy && copy.startsWith(tmp), r.stderr);
          assert.match(readFileSync(copy, 'utf8'), /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
        assert.equal((await h.get(`${D}/web`)).metadata.resourceVersion, before.metadata.resourceVersion);
      });

      // (kubectl 1.27 prints `annotate`, later versions `annotated`.)
      test('label and annotate: add, refuse to overwrite, --overwrite, remove with key-', async () => {
        for (const [verb, field, done, undone] of [['label', 'labels', 'labeled', 'unlabeled'], ['annotate', 'annotations', 'annotated?', 'annotated?']] as const) {
          assert.match(await h.ok(v, ['-n', ns, verb, 'deploy', 'web', 'tier=front']), new RegExp(`^deployment\\.apps/web ${done}$`, 'm'));
          const refused = await h.fails(v, ['-n', ns, verb, 'deploy', 'web', 'tier=back']);
          // The wording differs between label and annotate and across versions; the facts do not.
          assert.match(refused.stderr, /'tier' already has a value \(front\)/);
          assert.match(refused.stderr, /--overwrite is false/);
          assert.equal((await h.get(`${D}/web`)).metadata[field].tier, 'front');
          await h.ok(v, ['-n', ns, verb, '--overwrite', 'deploy', 'web', 'tier=back']);
          assert.equal((await h.get(`${D}/web`)).metadata[field].tier, 'back');
          assert.match(await h.ok(v, ['-n', ns, verb, 'deploy', 'web', 'tier-']), new RegExp(`^deployment\\.apps/web ${undone}$`, 'm'));
          const after = await h.get(`${D}/web`);
          assert.equal(after.metadata[field]?.tier, undefined);
          assert.equal(after.metadata.generation, 2, `${verb} does not bump the generation`);
        }
        assert.deepEqual((await h.get(`${D}/web`)).metadata.labels, { app: 'web' });
      });

      test('patch --type strategic merges by key and honours $patch and $setElementOrder', async () => {
        const env = async () => (await h.get(`${D}/web`)).spec.template.spec.containers[0].env.map((e: any) => `${e.name}=${e.value}`);
        assert.match(await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"B","value":"2"}]}]}}}}']), /^deployment\.apps\/web patched$/m);
        assert.deepEqual(await env(), ['A=1', 'B=2']);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'strategic', '-p',
          '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","$setElementOrder/env":[{"name":"C"},{"name":"B"},{"name":"A"}],"env":[{"name":"C","value":"3"}]}]}}}}']);
        assert.deepEqual(await env(), ['C=3', 'B=2', 'A=1']);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"B","$patch":"delete"}]}]}}}}']);
        assert.deepEqual(await env(), ['C=3', 'A=1']);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"Z","value":"9"},{"$patch":"replace"}]}]}}}}']);
        assert.deepEqual(await env(), ['Z=9']);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']);
        assert.deepEqual((await h.get(`${D}/web`)).spec.template.spec.containers.map((c: any) => c.name), ['nginx']);
      });

      test('patch --type merge and --type json', async () => {
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"m":"1"}},"spec":{"minReadySeconds":5}}']);
        let dep = await h.get(`${D}/web`);
        assert.equal(dep.metadata.labels.m, '1');
        assert.equal(dep.spec.minReadySeconds, 5);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3},{"op":"remove","path":"/metadata/labels/m"},{"op":"add","path":"/metadata/annotations","value":{"j":"1"}}]']);
        dep = await h.get(`${D}/web`);
        assert.equal(dep.spec.replicas, 3);
        assert.equal(dep.metadata.labels.m, undefined);
        assert.equal(dep.metadata.annotations.j, '1');
        // A patch that changes nothing returns the object untouched, which kubectl reports as such.
        assert.match(await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}']), /^deployment\.apps\/web patched \(no change\)$/m);
        assert.equal((await h.get(`${D}/web`)).metadata.resourceVersion, dep.metadata.resourceVersion);
      });

      test('a patch that does not apply is refused with the field named, and nothing is stored', async () => {
        const before = await h.get(`${D}/web`);
        const cases: [string, string, RegExp][] = [
          ['json', '[{"op":"replace","path":"/spec/nope/x","value":1}]', /\/spec\/nope\/x/],
          ['json', '[{"op":"replace","path":"/spec/replicas","value":3},{"op":"test","path":"/spec/minReadySeconds","value":7}]', /\/spec\/minReadySeconds/],
          ['json', '[{"op":"replace","path":"/spec/replicas","value":"many"}]', /spec\.replicas/],
          ['merge', '{"spec":{"replicas":"many"}}', /spec\.replicas/],
          ['strategic', '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}', /does not contain declared merge key: name/],
          ['strategic', '{"spec":{"template":{"spec":{"containers":{"name":"x"}}}}}', /spec\.template\.spec\.containers/],
          ['merge', '{"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}}', /spec\.template\.spec\.containers\[0\]\.image: Required value/],
        ];
        for (const [type, patch, re] of cases) {
          const r = await h.fails(v, ['-n', ns, 'patch', 'deploy', 'web', '--type', type, '-p', patch]);
          assert.match(r.stderr, re, `${type} ${patch}`);
          assert.match(r.stderr, /BadRequest|Invalid|invalid/);
        }
        const after = await h.get(`${D}/web`);
        assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'no bad patch was stored, not even half of one');
      });

      test('scale through the scale subresource, with --current-replicas preconditions', async () => {
        assert.match(await h.ok(v, ['-n', ns, 'scale', 'deploy', 'web', '--replicas=5']), /^deployment\.apps\/web scaled$/m);
        assert.equal((await h.get(`${D}/web`)).spec.replicas, 5);
        // --current-replicas makes kubectl GET the Scale and PUT it back without a Content-Type.
        const put = await h.run(v, ['-n', ns, 'scale', 'deploy', 'web', '--current-replicas=5', '--replicas=6']);
        assert.equal(put.code, 0, put.stderr);
        assert.equal(put.stderr, '', 'the Scale kubectl sends back (status.selector included) draws no warning');
        assert.equal((await h.get(`${D}/web`)).spec.replicas, 6);
        const wrong = await h.fails(v, ['-n', ns, 'scale', 'deploy', 'web', '--current-replicas=5', '--replicas=7']);
        assert.match(wrong.stderr, /Expected replicas to be 5, was 6/);
        assert.equal((await h.get(`${D}/web`)).spec.replicas, 6);
        const scale = await h.get(`${D}/web/scale`);
        assert.deepEqual([scale.kind, scale.apiVersion, scale.spec.replicas, scale.status.selector], ['Scale', 'autoscaling/v1', 6, 'app=web']);
      });

      test('wait --for=condition, --for=jsonpath and --for=delete', async () => {
        await h.create(P, pod('w1'));
        const ready = h.run(v, ['-n', ns, 'wait', '--for=condition=Ready', 'pod/w1', '--timeout=30s']);
        const running = h.run(v, ['-n', ns, 'wait', `--for=jsonpath={.status.phase}=Running`, 'pod/w1', '--timeout=30s']);
        await new Promise((r) => setTimeout(r, 700));
        await h.ok(v, ['-n', ns, 'patch', 'pod', 'w1', '--subresource=status', '--type=merge', '-p',
          '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}}']);
        for (const r of [await ready, await running]) {
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /^pod\/w1 condition met$/m);
        }
        const timeout = await h.fails(v, ['-n', ns, 'wait', '--for=condition=Initialized', 'pod/w1', '--timeout=1s']);
        assert.match(timeout.stderr, /timed out waiting for the condition on pods\/w1/);

        // A Deployment's Available condition, set through the status subresource as the controller would.
        const available = h.run(v, ['-n', ns, 'wait', '--for=condition=Available', 'deploy/web', '--timeout=30s']);
        await new Promise((r) => setTimeout(r, 700));
        const st = await h.req('PATCH', `${D}/web/status`, { status: { conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] } }, { 'content-type': 'application/merge-patch+json' });
        assert.equal(st.status, 200, st.body);
        const av = await available;
        assert.equal(av.code, 0, av.stderr);
        assert.match(av.stdout, /^deployment\.apps\/web condition met$/m);

        const gone = h.run(v, ['-n', ns, 'wait', '--for=delete', 'pod/w1', '--timeout=30s']);
        await new Promise((r) => setTimeout(r, 700));
        assert.equal((await h.req('DELETE', `${P}/w1`, { gracePeriodSeconds: 0 })).status, 200);
        const g = await gone;
        assert.equal(g.code, 0, g.stderr);
        assert.match(g.stdout, /^pod\/w1 condition met$/m);
        assert.equal((await h.run(v, ['-n', ns, 'wait', '--for=delete', 'pod/never', '--timeout=2s'])).code, 0, 'waiting for a missing object to go is immediate');
      });

      test('rollout status follows the deployment status until it is rolled out', async () => {
        await h.create(D, deployment('roll', 2));
        const status = h.run(v, ['-n', ns, 'rollout', 'status', 'deploy/roll', '--timeout=30s']);
        await new Promise((r) => setTimeout(r, 700));
        await h.setStatus(`${D}/roll`, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 0, unavailableReplicas: 2 });
        await new Promise((r) => setTimeout(r, 500));
        await h.setStatus(`${D}/roll`, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: null,
          conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] });
        const r = await status;
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Waiting for deployment "roll" rollout to finish: 0 of 2 updated replicas are available\.\.\./);
        assert.match(r.stdout, /deployment "roll" successfully rolled out/);
      });

      test('delete --cascade stores the propagation policy: foreground and orphan finalizers, background removes', async () => {
        for (const name of ['fg', 'or', 'bg']) await h.create(D, deployment(name, 1));
        assert.match(await h.ok(v, ['-n', ns, 'delete', 'deploy', 'fg', '--cascade=foreground', '--wait=false']), /deployment\.apps "fg" deleted/);
        const fg = await h.get(`${D}/fg`);
        assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
        assert.ok(fg.metadata.deletionTimestamp);
        await h.ok(v, ['-n', ns, 'delete', 'deploy', 'or', '--cascade=orphan', '--wait=false']);
        const or = await h.get(`${D}/or`);
        assert.deepEqual(or.metadata.finalizers, ['orphan']);
        assert.ok(or.metadata.deletionTimestamp);
        await h.ok(v, ['-n', ns, 'delete', 'deploy', 'bg', '--cascade=background']);
        assert.equal((await h.req('GET', `${D}/bg`)).status, 404);
        // The held objects go once their finalizer is removed (the garbage collector's job).
        for (const name of ['fg', 'or']) {
          const r = await h.req('PATCH', `${D}/${name}`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
          assert.equal(r.status, 200, r.body);
          assert.equal((await h.req('GET', `${D}/${name}`)).status, 404);
        }
      });

      test('apply -k builds the kustomization and applies it; a second run changes nothing', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
        try {
          writeFileSync(join(dir, 'kustomization.yaml'), `namespace: ${ns}\nnamePrefix: dev-\ncommonLabels:\n  env: dev\nresources:\n- app.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - mode=fast\n`);
          writeFileSync(join(dir, 'app.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: c
        image: busybox
        envFrom:
        - configMapRef: {name: settings}
`);
          const out = await h.ok(v, ['apply', '-k', dir]);
          const cmName = /^configmap\/(dev-settings-[a-z0-9]+) created$/m.exec(out)?.[1];
          assert.ok(cmName, out);
          assert.match(out, /^deployment\.apps\/dev-app created$/m);
          const dep = await h.get(`${D}/dev-app`);
          assert.equal(dep.metadata.labels.env, 'dev');
          assert.deepEqual(dep.spec.selector.matchLabels, { app: 'app', env: 'dev' });
          assert.equal(dep.spec.template.spec.containers[0].envFrom[0].configMapRef.name, cmName, 'the generated name is substituted');
          const cm = await h.get(`/api/v1/namespaces/${ns}/configmaps/${cmName}`);
          assert.deepEqual(cm.data, { mode: 'fast' });
          const again = await h.ok(v, ['apply', '-k', dir]);
          assert.match(again, /^deployment\.apps\/dev-app unchanged$/m);
          assert.match(again, new RegExp(`^configmap/${cmName} unchanged$`, 'm'));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
