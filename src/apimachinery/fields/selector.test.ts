import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeFieldValue, fieldSelectorFromSet, parseFieldSelector } from './selector.js';

describe('field selectors', () => {
  test('parse terms and operators', () => {
    const s = parseFieldSelector('metadata.name=web,status.phase!=Running,spec.nodeName==n1');
    assert.deepEqual(s.requirements, [
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
    assert.equal(s.toString(), 'metadata.name=web,spec.nodeName=n1,status.phase!=Running');
    assert.equal(s.requiresExactMatch('metadata.name'), 'web');
  });
  test('matching with missing fields as empty', () => {
    const s = parseFieldSelector('metadata.name=web,spec.nodeName!=n1');
    assert.ok(s.matches({ 'metadata.name': 'web', 'spec.nodeName': 'n2' }));
    assert.ok(s.matches({ 'metadata.name': 'web' }));
    assert.ok(!s.matches({ 'metadata.name': 'db' }));
    assert.ok(parseFieldSelector('spec.nodeName=').matches({}));
  });
  test('escaping', () => {
    assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
    assert.equal(parseFieldSelector('x=a\\,b').requirements[0].value, 'a,b');
  });
  test('errors use upstream text', () => {
    assert.throws(() => parseFieldSelector('foo'), { message: "invalid selector: 'foo'; can't understand 'foo'" });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
    assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
  });
  test('empty selects everything', () => {
    assert.ok(parseFieldSelector('').empty());
    assert.equal(fieldSelectorFromSet({ b: '1', a: '2' }).toString(), 'a=2,b=1');
  });
});
