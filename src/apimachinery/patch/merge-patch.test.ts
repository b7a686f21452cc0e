import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch } from './merge-patch.js';

describe('applyMergePatch', () => {
  // The examples of RFC 7386 appendix A.
  const rfc: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  rfc.forEach(([target, patch, want], i) => {
    test(`RFC 7386 example ${i + 1}`, () => {
      const t = JSON.stringify(target);
      const p = JSON.stringify(patch);
      assert.deepEqual(applyMergePatch(target, patch), want);
      assert.equal(JSON.stringify(target), t, 'target mutated');
      assert.equal(JSON.stringify(patch), p, 'patch mutated');
    });
  });

  test('kubectl label and label removal', () => {
    const pod = { metadata: { name: 'x', labels: { app: 'a', old: 'y' } } };
    assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { k: 'v' } } }), { metadata: { name: 'x', labels: { app: 'a', old: 'y', k: 'v' } } });
    assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { old: null } } }), { metadata: { name: 'x', labels: { app: 'a' } } });
  });

  test('a merge patch replaces lists whole (why kubectl apply needs SMP)', () => {
    const d = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } };
    assert.deepEqual(applyMergePatch(d, { spec: { containers: [{ name: 'a', image: '2' }] } }), { spec: { containers: [{ name: 'a', image: '2' }] } });
  });

  test('the result shares nothing with the inputs', () => {
    const target = { a: { b: [1] } };
    const patch = { c: { d: [2] } };
    const out = applyMergePatch(target, patch) as any;
    out.a.b.push(9);
    out.c.d.push(9);
    assert.deepEqual(target, { a: { b: [1] } });
    assert.deepEqual(patch, { c: { d: [2] } });
  });
});

describe('createMergePatch', () => {
  const pairs: [unknown, unknown, unknown][] = [
    [{ a: 1 }, { a: 1 }, {}],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }, { a: { y: 3 } }],
    [{ a: [1, 2] }, { a: [1] }, { a: [1] }],
    [{ spec: { replicas: 1 } }, { spec: { replicas: 3 } }, { spec: { replicas: 3 } }],
    [{}, { a: { b: 1 } }, { a: { b: 1 } }],
  ];
  pairs.forEach(([o, m, want], i) => {
    test(`diff ${i + 1} round-trips`, () => {
      const patch = createMergePatch(o, m);
      assert.deepEqual(patch, want);
      assert.deepEqual(applyMergePatch(o, patch), m);
    });
  });
});
