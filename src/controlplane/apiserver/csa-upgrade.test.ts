/**
 * The client-side → server-side apply upgrade: which conflicts kubectl's first server-side apply may take over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedConflictsFromLastApplied, LAST_APPLIED_ANNOTATION } from './csa-upgrade.js';
import { patchSchemaFor } from '../../api/patch-schema.js';

const schema = patchSchemaFor('io.k8s.api.core.v1.ConfigMap');
const cm = (data: Record<string, string>, lastApplied?: unknown) => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'default', ...(lastApplied === undefined ? {} : { annotations: { [LAST_APPLIED_ANNOTATION]: typeof lastApplied === 'string' ? lastApplied : JSON.stringify(lastApplied) } }) },
  data,
});

test('fields of the last-applied manifest that still match live may be taken over', () => {
  const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1', b: '2' } };
  const allowed = allowedConflictsFromLastApplied(cm({ a: '1', b: 'drifted', extra: 'x' }, applied), schema, 'v1');
  assert.ok(allowed);
  assert.ok(allowed.has('.data.a'));
  assert.ok(!allowed.has('.data.b'), 'a value changed since the last apply is not kubectl\'s any more');
  assert.ok(!allowed.has('.data.extra'), 'a field never applied is not kubectl\'s');
});

test('no annotation, a broken one, or one of another apiVersion allows nothing', () => {
  assert.equal(allowedConflictsFromLastApplied(cm({ a: '1' }), schema, 'v1'), undefined);
  assert.equal(allowedConflictsFromLastApplied(cm({ a: '1' }, '{not json'), schema, 'v1'), undefined);
  assert.equal(allowedConflictsFromLastApplied(cm({ a: '1' }, { apiVersion: 'v2', kind: 'ConfigMap', data: { a: '1' } }), schema, 'v1'), undefined);
});
