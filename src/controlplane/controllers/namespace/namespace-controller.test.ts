/**
 * Unit tests of the namespace controller's sync against fake informers: a Terminating namespace has its content
 * deleted and is then finalized; an active one is left alone; failures show in the conditions and requeue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../../../api/resources.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { NAMESPACES } from '../common/resources.js';
import { newNamespaceController } from './namespace-controller.js';

// The fake API has no deletecollection: exercise the one-delete-per-object path.
const CONFIGMAPS: ResourceInfo = { ...findResource('', 'v1', 'configmaps')!, verbs: ['delete', 'get', 'list'] };
const CM = { group: '', version: 'v1', resource: 'configmaps' };
const ns = (name: string, terminating: boolean): Namespace => ({
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name, ...(terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: { finalizers: ['kubernetes'] }, status: { phase: terminating ? 'Terminating' : 'Active' },
});
/** The fake API routes only namespaced paths; answer the namespace's status and finalize PUTs directly. */
function answerNamespacePuts(h: { fake: { failNext(n: number, f: object): void } }, name: string): void {
  for (const sub of ['status', 'finalize']) h.fake.failNext(1, { status: 200, method: 'PUT', pathIncludes: `/namespaces/${name}/${sub}`, body: ns(name, true) });
}
const cm = (name: string, namespace: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });

test('a terminating namespace loses its content, then its kubernetes finalizer', async (t) => {
  const h = await startControllerHarness(t);
  const c = newNamespaceController(h.ctx, { resources: [CONFIGMAPS] });
  h.seed(NAMESPACES, ns('doomed', true));
  h.seed(NAMESPACES, ns('other', false));
  h.seed(CM, cm('a', 'doomed'));
  h.seed(CM, cm('b', 'doomed'));
  h.seed(CM, cm('keep', 'other'));
  answerNamespacePuts(h, 'doomed');
  await c.sync('doomed');
  assert.deepEqual(h.stored<ConfigMap>(CM).map((o) => o.metadata?.name), ['keep']);
  const finalize = h.requests('PUT', '/namespaces/doomed/finalize');
  assert.equal(finalize.length, 1);
  assert.deepEqual(finalize[0].body?.spec?.finalizers, []);
  const status = h.requests('PUT', '/namespaces/doomed/status');
  const content = status[0].body?.status?.conditions?.find((x: { type: string }) => x.type === 'NamespaceContentRemaining');
  assert.equal(content?.status, 'False');
  assert.equal(content?.reason, 'ContentRemoved');
});

test('an active namespace is left alone', async (t) => {
  const h = await startControllerHarness(t);
  const c = newNamespaceController(h.ctx, { resources: [CONFIGMAPS] });
  h.seed(NAMESPACES, ns('live', false));
  h.seed(CM, cm('a', 'live'));
  await c.sync('live');
  assert.equal(h.requests().length, 0);
});

test('content that cannot be deleted is reported in the conditions and the sync fails (to be retried)', async (t) => {
  const h = await startControllerHarness(t);
  const c = newNamespaceController(h.ctx, { resources: [CONFIGMAPS] });
  h.seed(NAMESPACES, ns('stuck', true));
  h.seed(CM, cm('a', 'stuck'));
  answerNamespacePuts(h, 'stuck');
  h.fake.failNext(1, { status: 500, method: 'DELETE', pathIncludes: '/configmaps/' });
  await assert.rejects(c.sync('stuck'), /Cannot delete the content of namespace stuck/);
  assert.equal(h.requests('PUT', '/finalize').length, 0, 'not finalized while content remains');
  const conds = h.requests('PUT', '/namespaces/stuck/status')[0].body?.status?.conditions as { type: string; status: string; reason: string }[];
  assert.equal(conds.find((x) => x.type === 'NamespaceDeletionContentFailure')?.status, 'True');
});
