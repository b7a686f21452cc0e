import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createThreeWayMergePatch, createTwoWayMergePatch, strategicMergePatch } from './strategic-merge-patch.js';
import { deploymentSchema, podSchema } from './fixture-schema.js';
import { StatusError } from '../errors/status-error.js';

/** A Deployment as the server holds it (defaults filled in, a sidecar injected by someone else). */
function liveDeployment(): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'd1', namespace: 'default', labels: { app: 'web' }, finalizers: ['a.io/x'], annotations: { keep: 'me' } },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web', image: 'nginx:1',
              ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'envoy:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }],
          imagePullSecrets: [{ name: 'reg1' }],
        },
      },
    },
    status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] },
  };
}

const containers = (d: any) => d.spec.template.spec.containers;

describe('strategicMergePatch', () => {
  const cases: { name: string; patch: unknown; check: (out: any) => void }[] = [
    {
      // The exact shape kubectl 1.32 sends for `apply` after changing an image.
      name: 'kubectl apply: $setElementOrder + merge by name',
      patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'nginx:2', name: 'web' }] } } } },
      check: (o) => {
        assert.deepEqual(containers(o).map((c: any) => [c.name, c.image]), [['web', 'nginx:2'], ['sidecar', 'envoy:1']]);
        assert.equal(containers(o)[0].env.length, 2, 'unmentioned fields of the merged item are kept');
      },
    },
    {
      name: 'nested $setElementOrder/env with a changed value',
      patch: { spec: { template: { spec: { containers: [{ '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }], env: [{ name: 'A', value: '9' }], name: 'web' }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].env, [{ name: 'B', value: '2' }, { name: 'A', value: '9' }]),
    },
    {
      name: '$patch: delete removes a list item (kubectl apply removing env A)',
      patch: { spec: { template: { spec: { containers: [{ env: [{ $patch: 'delete', name: 'A' }], name: 'web' }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].env, [{ name: 'B', value: '2' }]),
    },
    {
      name: '$patch: delete of a whole container',
      patch: { spec: { template: { spec: { containers: [{ $patch: 'delete', name: 'sidecar' }] } } } },
      check: (o) => assert.deepEqual(containers(o).map((c: any) => c.name), ['web']),
    },
    {
      name: 'a new list item is appended',
      patch: { spec: { template: { spec: { containers: [{ name: 'log', image: 'busybox' }] } } } },
      check: (o) => assert.deepEqual(containers(o).map((c: any) => c.name), ['web', 'sidecar', 'log']),
    },
    {
      // Upstream's mergeSortedSlice: a server-only item (sidecar) precedes a patch item only when both are live and
      // it came first there; the new init is not live, so the patch order runs first.
      name: '$setElementOrder puts a new item where the patch says',
      patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'init' }, { name: 'web' }], containers: [{ name: 'init', image: 'busybox' }] } } } },
      check: (o) => assert.deepEqual(containers(o).map((c: any) => c.name), ['init', 'web', 'sidecar']),
    },
    {
      // kubectl apply of a file with only C after A and B were added outside it: the new C leads, the live A and B
      // follow in their live order (the old tie-break put them first).
      name: '$setElementOrder puts new patch items before server-only ones',
      patch: { spec: { template: { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'C' }], env: [{ name: 'C', value: '3' }] }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].env.map((e: any) => e.name), ['C', 'A', 'B']),
    },
    {
      name: '$setElementOrder interleaves a server-only item that came first live',
      patch: { spec: { template: { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'B' }, { name: 'N' }], env: [{ name: 'N', value: 'n' }] }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].env.map((e: any) => e.name), ['A', 'B', 'N']),
    },
    {
      name: '$setElementOrder on primitives: a new value precedes the server-only ones',
      patch: { metadata: { '$setElementOrder/finalizers': ['n.io/new'], finalizers: ['n.io/new'] } },
      check: (o) => assert.deepEqual(o.metadata.finalizers, ['n.io/new', 'a.io/x']),
    },
    {
      name: 'ports merge by containerPort',
      patch: { spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }] }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP', name: 'https' }, { containerPort: 8080 }]),
    },
    {
      name: 'volumeMounts merge by mountPath',
      patch: { spec: { template: { spec: { containers: [{ name: 'web', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } } } },
      check: (o) => assert.deepEqual(containers(o)[0].volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }]),
    },
    {
      name: 'null deletes a field',
      patch: { metadata: { annotations: { keep: null } }, spec: { strategy: { rollingUpdate: { maxSurge: null } } } },
      check: (o) => { assert.deepEqual(o.metadata.annotations, {}); assert.deepEqual(o.spec.strategy.rollingUpdate, { maxUnavailable: '25%' }); },
    },
    {
      name: 'a list without a strategy (tolerations) is replaced whole',
      patch: { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }] } } } },
      check: (o) => assert.deepEqual(o.spec.template.spec.tolerations, [{ key: 'c', operator: 'Exists' }]),
    },
    {
      name: 'a merging primitive list (finalizers) is a union',
      patch: { metadata: { finalizers: ['b.io/y', 'a.io/x'] } },
      check: (o) => assert.deepEqual(o.metadata.finalizers, ['a.io/x', 'b.io/y']),
    },
    {
      name: '$deleteFromPrimitiveList',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.io/x'] } },
      check: (o) => assert.deepEqual(o.metadata.finalizers, []),
    },
    {
      name: '$setElementOrder on a primitive list',
      patch: { metadata: { '$setElementOrder/finalizers': ['c.io/z', 'a.io/x'], finalizers: ['c.io/z'] } },
      check: (o) => assert.deepEqual(o.metadata.finalizers, ['c.io/z', 'a.io/x']),
    },
    {
      name: '$patch: replace on a map',
      patch: { spec: { strategy: { $patch: 'replace', type: 'Recreate' } } },
      check: (o) => assert.deepEqual(o.spec.strategy, { type: 'Recreate' }),
    },
    {
      name: '$patch: replace inside a list replaces the list',
      patch: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } },
      check: (o) => assert.deepEqual(containers(o), [{ name: 'only', image: 'x' }]),
    },
    {
      name: '$patch: delete on a map removes it',
      patch: { spec: { strategy: { $patch: 'delete' } } },
      check: (o) => assert.equal('strategy' in o.spec, false),
    },
    {
      name: '$patch: merge is the default',
      patch: { spec: { strategy: { $patch: 'merge', type: 'RollingUpdate' } } },
      check: (o) => assert.deepEqual(o.spec.strategy.rollingUpdate, { maxSurge: '25%', maxUnavailable: '25%' }),
    },
    {
      name: '$retainKeys clears the other members of a union (Recreate drops rollingUpdate)',
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      check: (o) => assert.deepEqual(o.spec.strategy, { type: 'Recreate' }),
    },
    {
      name: '$retainKeys on list items (volumes switch source)',
      patch: { spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cm' } }] } } } },
      check: (o) => assert.deepEqual(o.spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]),
    },
    {
      name: 'imagePullSecrets merge by name',
      patch: { spec: { template: { spec: { imagePullSecrets: [{ name: 'reg2' }] } } } },
      check: (o) => assert.deepEqual(o.spec.template.spec.imagePullSecrets, [{ name: 'reg1' }, { name: 'reg2' }]),
    },
    {
      name: 'status conditions merge by type',
      patch: { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'Stuck' }] } },
      check: (o) => assert.deepEqual(o.status.conditions, [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'False', reason: 'Stuck' }]),
    },
    {
      name: 'untyped parts merge like a JSON merge patch',
      patch: { spec: { extension: { a: { b: 1 }, list: [3] } } },
      check: (o) => assert.deepEqual(o.spec.extension, { a: { b: 1 }, list: [3] }),
    },
    {
      name: 'directives inside a new field are processed, not stored',
      patch: { spec: { template: { spec: { initContainers: [{ name: 'i', image: 'busybox', env: [{ name: 'X', value: null }] }, { name: 'gone', $patch: 'delete' }] } } } },
      check: (o) => assert.deepEqual(o.spec.template.spec.initContainers, [{ name: 'i', image: 'busybox', env: [{ name: 'X' }] }]),
    },
    {
      name: 'kubectl rollout restart',
      patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } } },
      check: (o) => assert.deepEqual(o.spec.template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } }),
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const live = liveDeployment();
      const before = JSON.stringify(live);
      const patchBefore = JSON.stringify(c.patch);
      c.check(strategicMergePatch(live, c.patch, deploymentSchema));
      assert.equal(JSON.stringify(live), before, 'original mutated');
      assert.equal(JSON.stringify(c.patch), patchBefore, 'patch mutated');
    });
  }

  const failures: { name: string; patch: unknown; code: number; message: RegExp }[] = [
    { name: 'list item without its merge key', patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, code: 422, message: /^spec\.template\.spec\.containers\[0\]: map \{"image":"x"\} does not contain declared merge key: name$/ },
    { name: 'unknown $patch', patch: { spec: { strategy: { $patch: 'frob' } } }, code: 400, message: /unknown patch type: "frob" in map at spec\.strategy/ },
    { name: 'bad $setElementOrder', patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ image: 'x' }] } } } }, code: 400, message: /setElementOrder list at spec\.template\.spec\.containers/ },
    { name: '$setElementOrder not a list', patch: { metadata: { '$setElementOrder/finalizers': 'x' } }, code: 400, message: /setElementOrder/ },
    { name: '$deleteFromPrimitiveList not a list', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, code: 400, message: /deleteFromPrimitiveList\/finalizers at metadata\.finalizers/ },
    { name: '$retainKeys not a list', patch: { spec: { strategy: { $retainKeys: 'type' } } }, code: 400, message: /retainKeys at spec\.strategy/ },
    { name: 'patch field not in $retainKeys', patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, code: 422, message: /^spec\.strategy\.rollingUpdate: the patch content doesn't match retainKeys list/ },
    { name: 'object item in a container list that is a string', patch: { spec: { template: { spec: { containers: ['web'] } } } }, code: 422, message: /containers\[0\]: expected an object/ },
    { name: 'patch is not an object', patch: [1], code: 400, message: /must be a JSON object/ },
  ];
  for (const f of failures) {
    test(`fails: ${f.name}`, () => {
      const live = liveDeployment();
      const before = JSON.stringify(live);
      assert.throws(() => strategicMergePatch(live, f.patch, deploymentSchema), (e: unknown) => {
        assert.ok(e instanceof StatusError, String(e));
        assert.equal(e.code, f.code);
        assert.match(e.message, f.message);
        return true;
      });
      assert.equal(JSON.stringify(live), before, 'original mutated by a failed patch');
    });
  }

  test('a patch whose later part fails leaves the original as it was', () => {
    const live = liveDeployment();
    assert.throws(() => strategicMergePatch(live, { spec: { replicas: 7, template: { spec: { containers: [{ image: 'no-name' }] } } } }, deploymentSchema));
    assert.equal(live.spec.replicas, 1);
  });

  test('kubectl set image on a Pod', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }] } };
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'b', image: 'y:2' }] } }, podSchema) as any;
    assert.deepEqual(out.spec.containers, [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }]);
  });
});

describe('createTwoWayMergePatch', () => {
  const edits: { name: string; edit: (d: any) => void; want?: unknown }[] = [
    { name: 'no change', edit: () => {}, want: {} },
    {
      name: 'image change under spec.template.spec', edit: (d) => { containers(d)[0].image = 'nginx:2'; },
      want: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'nginx:2', name: 'web' }] } } } },
    },
    {
      name: 'remove an env var', edit: (d) => { containers(d)[0].env.shift(); },
      want: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ '$setElementOrder/env': [{ name: 'B' }], env: [{ $patch: 'delete', name: 'A' }], name: 'web' }] } } } },
    },
    { name: 'remove a field', edit: (d) => { delete d.spec.replicas; }, want: { spec: { replicas: null } } },
    { name: 'reorder containers', edit: (d) => { containers(d).reverse(); } },
    { name: 'add a container', edit: (d) => { containers(d).push({ name: 'log', image: 'busybox' }); } },
    { name: 'remove a finalizer, add another', edit: (d) => { d.metadata.finalizers = ['b.io/y']; } },
    { name: 'switch strategy to Recreate', edit: (d) => { d.spec.strategy = { type: 'Recreate' }; } },
    { name: 'replace tolerations', edit: (d) => { d.spec.template.spec.tolerations = [{ key: 'z' }]; } },
    { name: 'change a port', edit: (d) => { containers(d)[0].ports[1].name = 'https'; } },
    { name: 'switch a volume source', edit: (d) => { d.spec.template.spec.volumes[0] = { name: 'data', configMap: { name: 'cm' } }; } },
  ];
  for (const e of edits) {
    test(`round-trips: ${e.name}`, () => {
      const original = liveDeployment();
      const modified = liveDeployment();
      e.edit(modified);
      const patch = createTwoWayMergePatch(original, modified, deploymentSchema);
      if (e.want !== undefined) assert.deepEqual(patch, e.want);
      assert.deepEqual(strategicMergePatch(original, JSON.parse(JSON.stringify(patch)), deploymentSchema), modified);
    });
  }

  test('switching strategy sends $retainKeys', () => {
    const original = liveDeployment();
    const modified = liveDeployment();
    modified.spec.strategy = { type: 'Recreate' };
    const patch = createTwoWayMergePatch(original, modified, deploymentSchema) as any;
    assert.deepEqual(patch.spec.strategy, { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' });
  });

  test('items of a merge,retainKeys list (volumes) carry $retainKeys', () => {
    const original = liveDeployment();
    const modified = liveDeployment();
    modified.spec.template.spec.volumes[0] = { name: 'data', configMap: { name: 'cm' } };
    const patch = createTwoWayMergePatch(original, modified, deploymentSchema) as any;
    assert.deepEqual(patch.spec.template.spec.volumes, [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, emptyDir: null, name: 'data' }]);
  });
});

describe('createThreeWayMergePatch (client-side apply)', () => {
  test('deletes what was applied before, changes what differs from live, leaves others\' fields alone', () => {
    const lastApplied = { metadata: { name: 'd1', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1', env: [{ name: 'A', value: '1' }] }] } } } };
    const file = { metadata: { name: 'd1', labels: { app: 'web' } }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2', env: [{ name: 'C', value: '3' }] }] } } } };
    const live = liveDeployment();
    live.metadata.labels.tier = 'fe';
    live.spec.replicas = 2;
    containers(live)[0].env = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }];
    const patch = createThreeWayMergePatch(lastApplied, file, live, deploymentSchema);
    const out = strategicMergePatch(live, patch, deploymentSchema) as any;
    assert.deepEqual(out.metadata.labels, { app: 'web' }, 'label dropped from the file is removed');
    assert.equal(out.spec.replicas, 3);
    assert.equal(containers(out)[0].image, 'nginx:2');
    // C is new, so it leads; B (never applied, only live) follows, as upstream's mergeSortedSlice orders them.
    assert.deepEqual(containers(out)[0].env, [{ name: 'C', value: '3' }, { name: 'B', value: '2' }], 'env A was applied before and is now gone; B was never applied');
    assert.deepEqual(containers(out).map((c: any) => c.name), ['web', 'sidecar'], 'the injected sidecar stays');
    assert.equal(out.metadata.annotations.keep, 'me');
  });

  test('a list dropped from the file is removed whole, as upstream sends null', () => {
    const lastApplied = { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } } } };
    const file = { spec: { template: { spec: { containers: [{ name: 'web' }] } } } };
    const live = liveDeployment();
    const patch = createThreeWayMergePatch(lastApplied, file, live, deploymentSchema) as any;
    assert.equal(patch.spec.template.spec.containers[0].env, null);
    assert.equal('env' in containers(strategicMergePatch(live, patch, deploymentSchema))[0], false);
  });

  test('nothing to do gives an empty patch (kubectl prints "unchanged")', () => {
    const file = { metadata: { name: 'd1' }, spec: { replicas: 1 } };
    assert.deepEqual(createThreeWayMergePatch(file, file, liveDeployment(), deploymentSchema), {});
  });
});
