import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, applyPatch, updateManagedFields, type ManagedFieldsEntry } from './apply.js';
import { deploymentSchema } from './fixture-schema.js';
import { StatusError } from '../errors/status-error.js';

const T0 = new Date('2024-05-01T10:00:00.123Z');
const T1 = new Date('2024-05-01T11:00:00Z');
const base = { apiVersion: 'apps/v1', schema: deploymentSchema, now: T0 };

function config(overrides: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: unknown[] } = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'd1', namespace: 'default', labels: overrides.labels ?? { app: 'web' } },
    spec: {
      ...(overrides.replicas !== undefined ? { replicas: overrides.replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: overrides.containers ?? [{ name: 'web', image: overrides.image ?? 'nginx:1' }] },
      },
    },
  };
}

const entry = (mf: ManagedFieldsEntry[], manager: string) => mf.find((e) => e.manager === manager);

describe('applyPatch (server-side apply)', () => {
  test('create: the applier owns exactly its fields, in the Kubernetes wire format', () => {
    const { object, managedFields } = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'kubectl' });
    assert.equal(object.spec && (object.spec as any).replicas, 2);
    assert.deepEqual(managedFields, [{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {}, 'f:selector': {},
          'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {}, 'f:name': {}, '.': {} } } } },
        },
      },
    }]);
    assert.deepEqual((object.metadata as any).managedFields, managedFields);
  });

  test('two managers own different fields; both survive each other\'s applies', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'a' });
    const b = applyPatch(a.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1', labels: { team: 'x' } } }, { ...base, manager: 'b' });
    assert.deepEqual((b.object.metadata as any).labels, { app: 'web', team: 'x' });
    assert.deepEqual(entry(b.managedFields, 'b')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
    const a2 = applyPatch(b.object, config({ replicas: 3 }), { ...base, manager: 'a' });
    assert.deepEqual((a2.object.metadata as any).labels, { app: 'web', team: 'x' });
    assert.equal((a2.object.spec as any).replicas, 3);
  });

  test('conflict with another applier: 409 with kube-apiserver\'s message and causes', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'kubectl' });
    assert.throws(() => applyPatch(a.object, config({ replicas: 5 }), { ...base, manager: 'other' }), (e: unknown) => {
      assert.ok(e instanceof ConflictError && e instanceof StatusError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
      assert.deepEqual(e.status.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
      return true;
    });
  });

  test('conflict with an Update manager names its apiVersion; several conflicts are listed per manager', () => {
    const created = updateManagedFields(undefined, config({ replicas: 1 }), { ...base, manager: 'kubectl-client-side-apply' });
    assert.throws(() => applyPatch(created.object, config({ replicas: 3 }), { ...base, manager: 'kubectl' }),
      { message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' });
    try {
      applyPatch(created.object, config({ replicas: 3, image: 'nginx:2' }), { ...base, manager: 'kubectl' });
      assert.fail('expected a conflict');
    } catch (e) {
      assert.ok(e instanceof ConflictError);
      assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
        '- .spec.replicas\n- .spec.template.spec.containers[name="web"].image');
    }
  });

  test('force takes ownership of the conflicting fields only', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'a' });
    const b = applyPatch(a.object, config({ replicas: 5 }), { ...base, manager: 'b', force: true, now: T1 });
    assert.equal((b.object.spec as any).replicas, 5);
    const fa = entry(b.managedFields, 'a')!.fieldsV1 as any;
    const fb = entry(b.managedFields, 'b')!.fieldsV1 as any;
    assert.equal(fa['f:spec']['f:replicas'], undefined, 'a lost .spec.replicas');
    assert.deepEqual(fb['f:spec']['f:replicas'], {});
    assert.deepEqual(fa['f:spec']['f:selector'], {}, 'same-valued fields stay shared');
    assert.deepEqual(fb['f:spec']['f:selector'], {});
    assert.equal(entry(b.managedFields, 'a')!.time, '2024-05-01T10:00:00Z');
  });

  test('a field the applier stops applying is removed', () => {
    const a = applyPatch(undefined, config({ replicas: 2, labels: { app: 'web', tier: 'fe' } }), { ...base, manager: 'a' });
    const a2 = applyPatch(a.object, config({ labels: { app: 'web' } }), { ...base, manager: 'a' });
    assert.deepEqual((a2.object.metadata as any).labels, { app: 'web' });
    assert.equal('replicas' in (a2.object.spec as any), false);
  });

  test('a list item the applier stops applying is removed; items of others stay', () => {
    const two = [{ name: 'web', image: 'nginx:1' }, { name: 'log', image: 'busybox' }];
    const a = applyPatch(undefined, config({ containers: two }), { ...base, manager: 'a' });
    const injected = applyPatch(a.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy' }] } } } }, { ...base, manager: 'injector' });
    const names = (o: any) => o.spec.template.spec.containers.map((c: any) => c.name);
    assert.deepEqual(names(injected.object), ['web', 'log', 'sidecar']);
    const a2 = applyPatch(injected.object, config(), { ...base, manager: 'a' });
    assert.deepEqual(names(a2.object), ['web', 'sidecar']);
  });

  test('shared ownership keeps a field when one owner lets go', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'a' });
    const b = applyPatch(a.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' }, spec: { replicas: 2 } }, { ...base, manager: 'b' });
    const a2 = applyPatch(b.object, config(), { ...base, manager: 'a' });
    assert.equal((a2.object.spec as any).replicas, 2, 'b still owns it');
    const b2 = applyPatch(a2.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' } }, { ...base, manager: 'b' });
    assert.equal('replicas' in (b2.object.spec as any), false, 'nobody owns it any more');
    assert.equal(entry(b2.managedFields, 'b'), undefined, 'an entry with an empty set is dropped');
  });

  test('re-applying after kubectl migrated client-side-apply ownership keeps lists and maps (self members in the old set)', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'kubectl' });
    // What kubectl's csaupgrade writes: the Update entry's set (maps, lists and list items carry ".") under Apply.
    const migrated = structuredClone(a.object) as any;
    (migrated.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'other': 'x' });
    migrated.status = {};
    migrated.metadata.managedFields[0].fieldsV1 = {
      'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': { 'f:containers': { '.': {}, 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
      'f:status': {},
    };
    const again = applyPatch(migrated, config({ replicas: 2 }), { ...base, manager: 'kubectl' }).object as any;
    assert.deepEqual(again.spec.template.spec.containers, [{ name: 'web', image: 'nginx:1' }]);
    assert.deepEqual(again.metadata.labels, { app: 'web' });
    assert.deepEqual(again.metadata.annotations, { other: 'x' }, 'only the annotation it owned goes; one nobody tracked stays');
    assert.equal('status' in again, false);
  });

  test('fields written by Update managers are kept when not applied', () => {
    const created = updateManagedFields(undefined, { ...config(), spec: { ...config().spec, paused: true } }, { ...base, manager: 'kubectl-create' });
    const a = applyPatch(created.object, config({ image: 'nginx:1' }), { ...base, manager: 'kubectl' });
    assert.equal((a.object.spec as any).paused, true);
  });

  test('an object that predates apply belongs to before-first-apply', () => {
    const live = config({ replicas: 1 });
    assert.throws(() => applyPatch(live, config({ replicas: 4 }), { ...base, manager: 'kubectl' }), /conflict with "before-first-apply" using apps\/v1: \.spec\.replicas/);
  });

  test('atomic lists are replaced, keyed lists merged, defaulted key fields match', () => {
    const live = config({ containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }] });
    live.spec.template.spec.tolerations = [{ key: 'a' }, { key: 'b' }];
    const first = applyPatch(undefined, live, { ...base, manager: 'a' });
    const next = config({ containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }] });
    next.spec.template.spec.tolerations = [{ key: 'c' }];
    const out = applyPatch(first.object, next, { ...base, manager: 'a' }).object as any;
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'c' }]);
    assert.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  test('ignored (reset) fields are neither merged nor owned: status on the main resource', () => {
    const live = { ...config({ replicas: 1 }), status: { replicas: 1 } };
    const cfg = { ...config({ replicas: 1 }), status: { replicas: 9 } };
    const out = applyPatch(live, cfg, { ...base, manager: 'a', ignore: [['status']] });
    assert.deepEqual((out.object as any).status, { replicas: 1 });
    assert.equal((entry(out.managedFields, 'a')!.fieldsV1 as any)['f:status'], undefined);
    assert.equal((cfg as any).status.replicas, 9, 'the applied config is not modified');
    const upd = updateManagedFields(live, { ...live, status: { replicas: 2 } }, { ...base, manager: 'ctl', ignore: [['status']] });
    assert.equal(entry(upd.managedFields, 'ctl'), undefined);
  });

  test('inputs are not mutated', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'a' });
    const live = JSON.stringify(a.object);
    const cfg = config({ replicas: 2, labels: { x: 'y' } });
    const cfgBefore = JSON.stringify(cfg);
    applyPatch(a.object, cfg, { ...base, manager: 'a' });
    assert.equal(JSON.stringify(a.object), live);
    assert.equal(JSON.stringify(cfg), cfgBefore);
  });

  test('a non-object body is a 400', () => {
    assert.throws(() => applyPatch(undefined, 'nope', { ...base, manager: 'a' }), (e: unknown) => e instanceof StatusError && e.code === 400);
  });

  test('an applied configuration carrying managedFields is a 400, as kube-apiserver', () => {
    const a = applyPatch(undefined, config(), { ...base, manager: 'a' });
    assert.throws(() => applyPatch(a.object, a.object, { ...base, manager: 'a' }), (e: unknown) =>
      e instanceof StatusError && e.code === 400 && e.message === 'metadata.managedFields must be nil');
  });

  test('re-applying the same configuration changes nothing, not even the time', () => {
    const a = applyPatch(undefined, config({ replicas: 2 }), { ...base, manager: 'a' });
    const again = applyPatch(a.object, config({ replicas: 2 }), { ...base, manager: 'a', now: T1 });
    assert.deepEqual(again.object, a.object);
  });

  test('a status-like list merged by key keeps items another manager owns', () => {
    const ctrl = updateManagedFields(config(), { ...config(), status: { conditions: [{ type: 'Available', status: 'True' }] } }, { ...base, manager: 'kube-controller-manager', subresource: 'status' });
    const me = applyPatch(ctrl.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }, { ...base, manager: 'probe', subresource: 'status' });
    assert.deepEqual((me.object.status as any).conditions.map((c: any) => c.type), ['Available', 'Ready']);
    assert.equal(entry(me.managedFields, 'kube-controller-manager')!.subresource, 'status');
  });
});

describe('updateManagedFields', () => {
  test('create: the writer owns every field it set; maps and list items carry "."', () => {
    const { managedFields } = updateManagedFields(undefined, config({ replicas: 1 }), { ...base, manager: 'kubectl-create' });
    assert.deepEqual(managedFields, [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } },
        'f:spec': {
          'f:replicas': {}, 'f:selector': {},
          'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {}, 'f:name': {}, '.': {} }, '.': {} } } },
        },
      },
    }]);
  });

  test('a later writer takes the fields it changed; removed fields leave every set; entries merge per manager', () => {
    const created = updateManagedFields(undefined, config({ replicas: 1 }), { ...base, manager: 'kubectl-create' });
    const scaled = { ...created.object, spec: { ...(created.object.spec as any), replicas: 3 } };
    const s1 = updateManagedFields(created.object, scaled, { ...base, manager: 'kubectl-scale', now: T1 });
    assert.deepEqual(entry(s1.managedFields, 'kubectl-scale')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal((entry(s1.managedFields, 'kubectl-create')!.fieldsV1 as any)['f:spec']['f:replicas'], undefined);
    assert.equal(entry(s1.managedFields, 'kubectl-create')!.time, '2024-05-01T10:00:00Z');

    const relabeled = { ...s1.object, metadata: { ...(s1.object.metadata as any), labels: { app: 'web', env: 'prod' } } };
    const s2 = updateManagedFields(s1.object, relabeled, { ...base, manager: 'kubectl-scale', now: T1 });
    assert.equal(s2.managedFields.filter((e) => e.manager === 'kubectl-scale').length, 1);
    assert.deepEqual(entry(s2.managedFields, 'kubectl-scale')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:env': {} } }, 'f:spec': { 'f:replicas': {} } });

    const noReplicas = { ...s2.object, spec: { ...(s2.object.spec as any) } };
    delete (noReplicas.spec as any).replicas;
    const s3 = updateManagedFields(s2.object, noReplicas, { ...base, manager: 'kubectl-edit' });
    assert.deepEqual(entry(s3.managedFields, 'kubectl-scale')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:env': {} } } });
    assert.equal(entry(s3.managedFields, 'kubectl-edit'), undefined, 'a writer that only removed owns nothing');
  });

  test('Update entries of one manager in different apiVersions stay apart; Apply sorts first', () => {
    const a = applyPatch(undefined, config({ replicas: 1 }), { ...base, manager: 'kubectl' });
    const u = updateManagedFields(a.object, { ...a.object, spec: { ...(a.object.spec as any), paused: true } }, { ...base, manager: 'ctl', apiVersion: 'apps/v1beta2' });
    const u2 = updateManagedFields(u.object, { ...u.object, spec: { ...(u.object.spec as any), minReadySeconds: 5 } }, { ...base, manager: 'ctl' });
    assert.deepEqual(u2.managedFields.map((e) => [e.manager, e.operation, e.apiVersion]), [['kubectl', 'Apply', 'apps/v1'], ['ctl', 'Update', 'apps/v1'], ['ctl', 'Update', 'apps/v1beta2']]);
  });

  test('more than ten Update managers: the oldest fold into ancient-changes', () => {
    let cur = updateManagedFields(undefined, config(), { ...base, manager: 'm0' }).object;
    for (let i = 1; i <= 11; i++) {
      const next = { ...cur, metadata: { ...(cur.metadata as any), labels: { ...(cur.metadata as any).labels, [`l${i}`]: 'x' } } };
      cur = updateManagedFields(cur, next, { ...base, manager: `m${i}`, now: new Date(T0.getTime() + i * 1000) }).object;
    }
    const mf = (cur.metadata as any).managedFields as ManagedFieldsEntry[];
    assert.equal(mf.length, 10);
    const ancient = entry(mf, 'ancient-changes')!;
    assert.deepEqual(Object.keys((ancient.fieldsV1 as any)['f:metadata']['f:labels']).sort(), ['.', 'f:app', 'f:l1', 'f:l2']);
    assert.equal(entry(mf, 'm0'), undefined);
    assert.ok(entry(mf, 'm3'));
  });

  test('a request with managedFields [{}] strips them', () => {
    const created = updateManagedFields(undefined, config(), { ...base, manager: 'x' });
    const cleared = updateManagedFields(created.object, { ...created.object, metadata: { ...(created.object.metadata as any), managedFields: [{}] } }, { ...base, manager: 'y' });
    assert.deepEqual(cleared.managedFields, []);
    assert.equal('managedFields' in (cleared.object.metadata as any), false);
  });

  test('the new object passed in is not mutated', () => {
    const next = config();
    const before = JSON.stringify(next);
    updateManagedFields(undefined, next, { ...base, manager: 'x' });
    assert.equal(JSON.stringify(next), before);
  });
});
