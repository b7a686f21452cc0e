import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, compareObjects, fieldSetOf, formatPath, goJson } from './field-set.js';
import { deploymentSchema } from './fixture-schema.js';
import { UNTYPED } from './schema-lookup.js';

const applied = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'd1', labels: { app: 'web' }, finalizers: ['a.io/x'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'a' }] },
    },
  },
};

describe('fieldSetOf + FieldsV1', () => {
  test('encodes as structured-merge-diff does: f:/k:/v:, sorted keys, defaulted key fields, "." after children', () => {
    const json = goJson(fieldSetOf(applied, deploymentSchema).toFieldsV1());
    assert.equal(json, '{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:finalizers":{"v:\\"a.io/x\\"":{}},"f:labels":{"f:app":{}},"f:name":{}},' +
      '"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":' +
      '{"k:{\\"name\\":\\"web\\"}":{"f:image":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{"f:containerPort":{},".":{}}},".":{}}},' +
      '"f:tolerations":{}}}}}');
  });

  test('decodes what kube-controller-manager writes and encodes it back identically', () => {
    const wire = '{"f:metadata":{"f:annotations":{"f:deployment.kubernetes.io/revision":{},".":{}}},"f:status":{"f:conditions":' +
      '{"k:{\\"type\\":\\"Available\\"}":{"f:lastTransitionTime":{},"f:status":{},"f:type":{},".":{}},".":{}},"f:replicas":{}}}';
    const set = FieldSet.fromFieldsV1(JSON.parse(wire));
    assert.equal(goJson(set.toFieldsV1()), wire);
    assert.ok(set.has(['f:status', 'f:conditions', 'k:{"type":"Available"}']));
    assert.ok(set.has(['f:metadata', 'f:annotations']));
    assert.ok(!set.has(['f:metadata']));
  });

  test('decoding canonicalizes key order and spacing of k: elements, and orders keys before values before indices', () => {
    const set = FieldSet.fromFieldsV1({ 'i:1': {}, 'v:"b"': {}, 'k:{"b": 1, "a": "x"}': {}, 'f:z': {}, 'i:0': {}, 'v:3': {} });
    assert.deepEqual(Object.keys(set.toFieldsV1()), ['f:z', 'k:{"a":"x","b":1}', 'v:3', 'v:"b"', 'i:0', 'i:1']);
  });

  test('atomic structs and lists are single leaves; untyped maps own every key', () => {
    const set = fieldSetOf({ spec: { selector: { matchLabels: { a: 'b' } }, extension: { x: { y: 1 } } } }, deploymentSchema);
    assert.deepEqual(set.toFieldsV1(), { 'f:spec': { 'f:extension': { 'f:x': { 'f:y': {}, '.': {} } }, 'f:selector': {} } });
    assert.deepEqual(fieldSetOf({ a: [1, 2] }, UNTYPED).toFieldsV1(), { 'f:a': {} });
  });

  test('set operations', () => {
    const a = new FieldSet();
    a.insert(['f:a', 'f:b']);
    a.insert(['f:a', 'f:c']);
    const b = new FieldSet();
    b.insert(['f:a', 'f:c']);
    b.insert(['f:d']);
    assert.deepEqual(a.difference(b).paths(), [['f:a', 'f:b']]);
    assert.deepEqual(a.intersection(b).paths(), [['f:a', 'f:c']]);
    assert.equal(a.union(b).paths().length, 3);
    assert.ok(a.difference(a).isEmpty());
    assert.ok(a.hasAtOrBelow(['f:a']));
  });
});

test('formatPath prints paths as conflict messages show them', () => {
  assert.equal(formatPath(['f:spec', 'f:replicas']), '.spec.replicas');
  assert.equal(formatPath(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']), '.spec.containers[name="web"].image');
  assert.equal(formatPath(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}']), '.ports[containerPort=80,protocol="TCP"]');
  assert.equal(formatPath(['f:metadata', 'f:finalizers', 'v:"a.io/x"']), '.metadata.finalizers[="a.io/x"]');
  assert.equal(formatPath(['f:args', 'i:2']), '.args[2]');
});

describe('compareObjects', () => {
  test('finds added, modified and removed fields, matching list items by key', () => {
    const before = { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } } } };
    const after = { metadata: { labels: { x: 'y' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'b', image: '1' }, { name: 'c', image: '1' }] } } } };
    const c = compareObjects(before, after, deploymentSchema);
    const str = (s: FieldSet) => s.paths().map(formatPath).sort();
    assert.deepEqual(str(c.modified), ['.spec.replicas']);
    assert.deepEqual(str(c.added), ['.metadata.labels', '.metadata.labels.x', '.spec.template.spec.containers[name="c"]',
      '.spec.template.spec.containers[name="c"].image', '.spec.template.spec.containers[name="c"].name']);
    assert.deepEqual(str(c.removed), ['.spec.template.spec.containers[name="a"]', '.spec.template.spec.containers[name="a"].image',
      '.spec.template.spec.containers[name="a"].name']);
  });
});
