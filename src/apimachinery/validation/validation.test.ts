import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors/status-error.js';
import { errDuplicate, errForbidden, errInvalid, errNotSupported, errRequired, errTooLong, goLabelSelector, goStringMap } from './field-errors.js';
import { fieldPath } from './field-path.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

describe('field paths', () => {
  test('render like field.Path', () => {
    assert.equal(fieldPath('spec').child('containers').index(0).child('name').toString(), 'spec.containers[0].name');
    assert.equal(fieldPath('metadata', 'labels').key('app').toString(), 'metadata.labels[app]');
    assert.equal(fieldPath('').toString(), '[]');
    assert.equal(fieldPath('data').key('a.b').toString(), 'data[a.b]');
  });
});

describe('field error shapes', () => {
  const p = fieldPath('spec', 'x');
  const cases: [ReturnType<typeof errRequired>, string][] = [
    [errRequired(p), 'Required value'],
    [errRequired(p, 'name or generateName is required'), 'Required value: name or generateName is required'],
    [errInvalid(p, 'X', 'bad'), 'Invalid value: "X": bad'],
    [errInvalid(p, -1, 'must be greater than or equal to 0'), 'Invalid value: -1: must be greater than or equal to 0'],
    [errInvalid(p, 'a"b', 'q'), 'Invalid value: "a\\"b": q'],
    [errNotSupported(p, 'X', ['A', 'B']), 'Unsupported value: "X": supported values: "A", "B"'],
    [errDuplicate(p, 'X'), 'Duplicate value: "X"'],
    [errForbidden(p, 'nope'), 'Forbidden: nope'],
    [errTooLong(p, 1048576), 'Too long: must have at most 1048576 bytes'],
    [errInvalid(p, goStringMap({ b: '2', a: '1' }), 'm'), 'Invalid value: map[string]string{"a":"1", "b":"2"}: m'],
    [errInvalid(p, goLabelSelector({ matchLabels: { app: 'x' } }), 'field is immutable'), 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
  ];
  for (const [e, want] of cases) test(want, () => {
    assert.equal(e.detail, want);
    assert.equal(e.field, 'spec.x');
  });
  test('reasons', () => {
    assert.equal(errRequired(p).type, 'FieldValueRequired');
    assert.equal(errNotSupported(p, 'a', []).type, 'FieldValueNotSupported');
  });
});

describe('name checks', () => {
  test('subdomain message', () => {
    assert.deepEqual(isDNS1123Subdomain('Foo'), ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]);
    assert.deepEqual(isDNS1123Subdomain('a.b-c'), []);
  });
  test('label with dots', () => assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']));
  test('1035 needs a leading letter', () => {
    assert.equal(isDNS1035Label('1abc').length, 1);
    assert.match(isDNS1035Label('1abc')[0], /\(e\.g\. 'my-name',  or 'abc-123', regex used for validation is '\[a-z\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?'\)$/);
  });
  test('too long label', () => assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']));
  test('qualified names', () => {
    assert.deepEqual(isQualifiedName('example.com/app'), []);
    assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
    assert.equal(isQualifiedName('a/b/c').length, 1);
  });
  test('port names', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('123'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
  });
});

describe('object meta', () => {
  test('name required and invalid namespace', () => {
    const errs = validateObjectMeta({ namespace: 'Bad_NS' }, { namespaced: true });
    assert.deepEqual(errs.map((e) => `${e.field}: ${e.detail.split(':')[0]}`), ['metadata.name: Required value', 'metadata.namespace: Invalid value']);
  });
  test('cluster-scoped objects may not have a namespace', () => {
    const errs = validateObjectMeta({ name: 'n', namespace: 'default' }, { namespaced: false });
    assert.deepEqual(errs, [{ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'Forbidden: not allowed on this type' }]);
  });
  test('labels are reported on the map path', () => {
    const errs = validateObjectMeta({ name: 'n', namespace: 'd', labels: { app: 'a b' } }, { namespaced: true });
    assert.equal(errs.length, 1);
    assert.equal(errs[0].field, 'metadata.labels');
    assert.match(errs[0].detail, /^Invalid value: "a b": a valid label must be/);
  });
  test('the 422 message kubectl shows', () => {
    const err = invalid('Pod', '', 'Web', validateObjectMeta({ name: 'Web', namespace: 'default' }, { namespaced: true }));
    assert.match(err.message, /^Pod "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/);
  });
  test('name is immutable', () => {
    const errs = validateObjectMetaUpdate({ name: 'b', namespace: 'd' }, { name: 'a', namespace: 'd' });
    assert.deepEqual(errs.map((e) => `${e.field}: ${e.detail}`), ['metadata.name: Invalid value: "b": field is immutable']);
  });
});
