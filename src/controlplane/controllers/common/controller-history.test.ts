/**
 * ControllerRevision history: a new template makes revision n+1, going back to an old template renumbers that
 * revision instead of copying it (what `kubectl rollout undo` relies on), a name taken by another template bumps
 * the collision count, and truncation keeps revisions in use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { startControllerHarness } from './controller-harness.js';
import { ensureRevision, hashRevision, newControllerRevision, revisionData, templateOfRevision, truncateHistory } from './controller-history.js';
import { newControllerRef } from './controller-ref.js';
import { clientOf, CONTROLLER_REVISIONS } from './resources.js';

const template = (image: string) => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image }] } });

test('new templates get new numbers, an old one is renumbered, a taken name bumps the collision count', async (t) => {
  const h = await startControllerHarness(t);
  const owner = { metadata: { name: 'a', namespace: 'ns', uid: 'owner-uid' } };
  const controllerRef = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'DaemonSet' });
  const client = clientOf<ControllerRevision>(h.client, CONTROLLER_REVISIONS);
  // The owner's (claimed) revisions only, as the controllers pass them.
  const owned = () => h.stored<ControllerRevision>(CONTROLLER_REVISIONS).filter((r) => r.metadata!.ownerReferences![0].uid === 'owner-uid');
  const ensure = async (image: string, collisionCount = 0) => ensureRevision({
    owner, controllerRef, revisions: owned(), template: template(image), collisionCount, client,
  });
  const r1 = await ensure('v1');
  assert.equal(r1.revision.revision, 1);
  assert.equal(r1.revision.metadata!.name, `a-${hashRevision(revisionData(template('v1')))}`);
  assert.deepEqual(templateOfRevision(r1.revision), template('v1'));
  assert.equal((await ensure('v1')).revision.metadata!.name, r1.revision.metadata!.name, 'unchanged: same revision');
  const r2 = await ensure('v2');
  assert.equal(r2.revision.revision, 2);
  const back = await ensure('v1');
  assert.equal(back.revision.metadata!.name, r1.revision.metadata!.name);
  assert.equal(back.revision.revision, 3, 'rollback renumbers the old revision');
  assert.equal(h.stored(CONTROLLER_REVISIONS).length, 2);

  // Someone else's revision holds the name v3 would get: the count goes up and another name is used.
  const squatter = newControllerRevision({ metadata: { name: 'a', namespace: 'ns', uid: 'other' } }, revisionData(template('v3')), {
    controllerRef: { ...controllerRef, uid: 'other' }, revision: 1,
  });
  h.seed(CONTROLLER_REVISIONS, squatter);
  const r3 = await ensure('v3');
  assert.equal(r3.collisionCount, 1);
  assert.notEqual(r3.revision.metadata!.name, squatter.metadata!.name);

  // Truncation: limit 0 keeps only what is in use.
  await truncateHistory(client, owned(), { limit: 0, inUse: new Set([r3.revision.metadata!.name!]) });
  assert.deepEqual(h.stored<ControllerRevision>(CONTROLLER_REVISIONS).map((r) => r.metadata!.name).sort(), [r3.revision.metadata!.name, squatter.metadata!.name].sort());
});
