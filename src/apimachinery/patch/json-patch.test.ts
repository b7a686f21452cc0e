import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, parseJsonPointer } from './json-patch.js';
import { StatusError } from '../errors/status-error.js';

const doc = () => ({
  metadata: { name: 'd1', annotations: { 'a/b': '1', 'x~y': '2' } },
  spec: { replicas: 1, list: ['a', 'b', 'c'], template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } },
});

describe('applyJsonPatch', () => {
  const cases: { name: string; patch: unknown[]; check: (out: any) => void }[] = [
    { name: 'add a member', patch: [{ op: 'add', path: '/spec/paused', value: true }], check: (o) => assert.equal(o.spec.paused, true) },
    { name: 'add replaces an existing member', patch: [{ op: 'add', path: '/spec/replicas', value: 5 }], check: (o) => assert.equal(o.spec.replicas, 5) },
    { name: 'add inserts into an array', patch: [{ op: 'add', path: '/spec/list/1', value: 'x' }], check: (o) => assert.deepEqual(o.spec.list, ['a', 'x', 'b', 'c']) },
    { name: 'add at index == length', patch: [{ op: 'add', path: '/spec/list/3', value: 'x' }], check: (o) => assert.deepEqual(o.spec.list, ['a', 'b', 'c', 'x']) },
    { name: '- appends', patch: [{ op: 'add', path: '/spec/list/-', value: 'z' }], check: (o) => assert.deepEqual(o.spec.list, ['a', 'b', 'c', 'z']) },
    { name: 'remove a member', patch: [{ op: 'remove', path: '/spec/replicas' }], check: (o) => assert.equal('replicas' in o.spec, false) },
    { name: 'remove an array item', patch: [{ op: 'remove', path: '/spec/list/0' }], check: (o) => assert.deepEqual(o.spec.list, ['b', 'c']) },
    { name: 'replace', patch: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:2' }], check: (o) => assert.equal(o.spec.template.spec.containers[0].image, 'nginx:2') },
    { name: '~1 escapes /', patch: [{ op: 'replace', path: '/metadata/annotations/a~1b', value: '9' }], check: (o) => assert.equal(o.metadata.annotations['a/b'], '9') },
    { name: '~0 escapes ~', patch: [{ op: 'remove', path: '/metadata/annotations/x~0y' }], check: (o) => assert.deepEqual(o.metadata.annotations, { 'a/b': '1' }) },
    { name: 'move', patch: [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }], check: (o) => { assert.equal(o.spec.count, 1); assert.equal('replicas' in o.spec, false); } },
    { name: 'move within an array', patch: [{ op: 'move', from: '/spec/list/0', path: '/spec/list/-' }], check: (o) => assert.deepEqual(o.spec.list, ['b', 'c', 'a']) },
    { name: 'copy (a deep copy)', patch: [{ op: 'copy', from: '/spec/template', path: '/spec/t2' }, { op: 'replace', path: '/spec/t2/spec/containers/0/name', value: 'x' }], check: (o) => { assert.equal(o.spec.template.spec.containers[0].name, 'web'); assert.equal(o.spec.t2.spec.containers[0].name, 'x'); } },
    { name: 'test then replace', patch: [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 2 }], check: (o) => assert.equal(o.spec.replicas, 2) },
    { name: 'test compares deeply', patch: [{ op: 'test', path: '/spec/template/spec/containers', value: [{ image: 'nginx:1', name: 'web' }] }], check: (o) => assert.equal(o.spec.replicas, 1) },
    { name: 'empty path replaces the document', patch: [{ op: 'replace', path: '', value: { a: 1 } }], check: (o) => assert.deepEqual(o, { a: 1 }) },
    // What `kubectl rollout undo` sends.
    {
      name: 'rollout undo', patch: [
        { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'web', image: 'nginx:0' }] } } },
        { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '3' } },
      ],
      check: (o) => { assert.equal(o.spec.template.spec.containers[0].image, 'nginx:0'); assert.deepEqual(o.metadata.annotations, { 'deployment.kubernetes.io/revision': '3' }); },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const input = doc();
      const before = JSON.stringify(input);
      const patchBefore = JSON.stringify(c.patch);
      c.check(applyJsonPatch(input, c.patch));
      assert.equal(JSON.stringify(input), before, 'input document mutated');
      assert.equal(JSON.stringify(c.patch), patchBefore, 'patch mutated');
    });
  }

  const failures: { name: string; patch: unknown; code: number; message: RegExp }[] = [
    { name: 'remove a missing member', patch: [{ op: 'remove', path: '/spec/nope' }], code: 422, message: /remove operation does not apply: doc is missing path: "\/spec\/nope"/ },
    { name: 'replace a missing member', patch: [{ op: 'replace', path: '/spec/nope', value: 1 }], code: 422, message: /replace .*"\/spec\/nope"/ },
    { name: 'add below a missing parent', patch: [{ op: 'add', path: '/spec/a/b', value: 1 }], code: 422, message: /add .*"\/spec\/a\/b"/ },
    { name: 'index out of bounds', patch: [{ op: 'add', path: '/spec/list/9', value: 1 }], code: 422, message: /out of bounds.*"\/spec\/list\/9"/ },
    { name: 'non-numeric index', patch: [{ op: 'replace', path: '/spec/list/x', value: 1 }], code: 422, message: /invalid array index "x"/ },
    { name: 'leading zero index', patch: [{ op: 'remove', path: '/spec/list/01' }], code: 422, message: /invalid array index "01"/ },
    { name: 'failed test', patch: [{ op: 'test', path: '/spec/replicas', value: 3 }], code: 422, message: /test operation does not apply: testing value failed: "\/spec\/replicas"/ },
    { name: 'move into own child', patch: [{ op: 'move', from: '/spec', path: '/spec/x' }], code: 422, message: /own child/ },
    { name: 'unknown op', patch: [{ op: 'frob', path: '/a' }], code: 400, message: /unknown op "frob"/ },
    { name: 'missing value', patch: [{ op: 'add', path: '/a' }], code: 400, message: /add operation 0 at "\/a": missing "value"/ },
    { name: 'missing from', patch: [{ op: 'copy', path: '/a' }], code: 400, message: /missing "from"/ },
    { name: 'not an array', patch: { op: 'add' }, code: 400, message: /JSON array/ },
    { name: 'pointer without slash', patch: [{ op: 'remove', path: 'spec' }], code: 400, message: /invalid JSON pointer "spec"/ },
  ];
  for (const f of failures) {
    test(`fails: ${f.name}`, () => {
      assert.throws(() => applyJsonPatch(doc(), f.patch), (e: unknown) => {
        assert.ok(e instanceof StatusError);
        assert.equal(e.code, f.code);
        assert.match(e.message, f.message);
        return true;
      });
    });
  }

  test('the cause names the path once, so kubectl prints "<path>: <why>"', () => {
    assert.throws(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/spec/nope' }]), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.deepEqual(e.status.details?.causes, [{ reason: 'FieldValueInvalid', field: '/spec/nope', message: 'jsonpatch remove operation does not apply: doc is missing path' }]);
      return true;
    });
  });

  test('a failing operation leaves nothing half-applied', () => {
    const input = doc();
    assert.throws(() => applyJsonPatch(input, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'remove', path: '/nope' }]));
    assert.equal(input.spec.replicas, 1);
  });
});

test('parseJsonPointer unescapes ~1 before ~0', () => {
  assert.deepEqual(parseJsonPointer('/a~01/b~1c/'), ['a~1', 'b/c', '']);
  assert.deepEqual(parseJsonPointer(''), []);
});
