import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors/status-error.js';
import type { Clock } from '../util/clock.js';
import { Client } from './client.js';
import { resourcePath } from './resource-path.js';
import { FakeApiServer } from './testing/fake-api-server.js';
import { isExpired, type WatchEvent } from './watch.js';
import type { KubeObject } from './resource-client.js';

/** A clock whose timers fire at once but remember how long they were asked to wait. */
function recordingClock(waits: number[]): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => { waits.push(ms); return setTimeout(fn, 0); },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

test('resourcePath builds core, group, cluster-scoped and subresource paths', () => {
  assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p', subresource: 'status' }),
    '/api/v1/namespaces/ns/pods/p/status');
  assert.equal(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'ns' }), '/apis/apps/v1/namespaces/ns/deployments');
  assert.equal(resourcePath({ group: '', version: 'v1', resource: 'nodes', namespace: 'ignored', name: 'n1' }), '/api/v1/nodes/n1');
  assert.equal(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments' }), '/apis/apps/v1/deployments');
});

describe('RestClient and ResourceClient against a fake server', () => {
  let fake: FakeApiServer;
  let client: Client;
  const waits: number[] = [];
  before(async () => {
    fake = await FakeApiServer.start();
    client = new Client(fake.config(), { clock: recordingClock(waits) });
  });
  after(async () => {
    client.close();
    await fake.close();
  });

  test('create, get, update with a stale resourceVersion → Conflict StatusError with the server message', async () => {
    const cms = client.resource<KubeObject & { data?: Record<string, string> }>('', 'v1', 'configmaps').namespace('default');
    const created = await cms.create({ metadata: { name: 'c1' }, data: { a: '1' } });
    assert.equal(created.metadata?.namespace, 'default');
    const got = await cms.get('c1');
    assert.deepEqual(got.data, { a: '1' });
    await cms.update({ ...got, data: { a: '2' } });
    const err = await cms.update({ ...got, data: { a: '3' } }).catch((e: unknown) => e);
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.match(err.message, /Operation cannot be fulfilled on configmaps "c1": the object has been modified/);
    assert.equal(err.status.details?.name, 'c1');
    const missing = await cms.get('nope').catch((e: unknown) => e);
    assert.ok(missing instanceof StatusError && missing.code === 404 && missing.message === 'configmaps "nope" not found');
  });

  test('a non-Status error body becomes the generic StatusError for its code', async () => {
    fake.failNext(1, { status: 503, body: { hello: 'world' } });
    const err = await client.resource('', 'v1', 'configmaps').list().catch((e: unknown) => e);
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 503);
    assert.equal(err.reason, 'ServiceUnavailable');
  });

  test('429 with Retry-After is retried after the advertised wait', async () => {
    waits.length = 0;
    fake.failNext(2, { status: 429, headers: { 'retry-after': '3' }, pathIncludes: '/secrets' });
    const list = await client.resource('', 'v1', 'secrets').list();
    assert.deepEqual(list.items, []);
    assert.deepEqual(waits, [3000, 3000]);
  });

  test('query options, patch types and DeleteOptions reach the server', async () => {
    const pods = client.resource('', 'v1', 'pods').namespace('q');
    await pods.create({ metadata: { name: 'p1', labels: { app: 'web' } } }, { fieldManager: 'test', dryRun: false, fieldValidation: 'Strict' });
    let req = fake.requests.at(-1)!;
    assert.equal(req.query.get('fieldManager'), 'test');
    assert.equal(req.query.get('fieldValidation'), 'Strict');
    assert.equal(req.query.has('dryRun'), false);

    const list = await pods.list({ labelSelector: 'app=web', fieldSelector: 'metadata.name=p1', limit: 10, resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' });
    req = fake.requests.at(-1)!;
    assert.equal(req.query.toString(), 'labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dp1&limit=10&resourceVersion=0&resourceVersionMatch=NotOlderThan');
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].kind, 'Pod', 'kind is filled in from the list kind');

    const patched = await pods.patch('p1', { metadata: { labels: { tier: 'fe' } } }, 'merge', { force: true, fieldManager: 'm' });
    assert.deepEqual(patched.metadata?.labels, { app: 'web', tier: 'fe' });
    req = fake.requests.at(-1)!;
    assert.equal(req.headers['content-type'], 'application/merge-patch+json');
    assert.equal(req.query.get('force'), 'true');

    await pods.delete('p1', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: patched.metadata!.uid } });
    req = fake.requests.at(-1)!;
    assert.equal(req.method, 'DELETE');
    assert.deepEqual(req.body, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: patched.metadata!.uid } });
  });

  test('bind posts a Binding to pods/<name>/binding', async () => {
    const pods = client.resource<KubeObject & { spec?: { nodeName?: string } }>('', 'v1', 'pods').namespace('b');
    const p = await pods.create({ metadata: { name: 'p' } });
    await pods.bind('p', 'node-1', { uid: p.metadata!.uid });
    const req = fake.requests.at(-1)!;
    assert.equal(req.path, '/api/v1/namespaces/b/pods/p/binding');
    assert.deepEqual(req.body?.target, { apiVersion: 'v1', kind: 'Node', name: 'node-1' });
    assert.equal((await pods.get('p')).spec?.nodeName, 'node-1');
  });

  test('watch streams events, ends cleanly on abort, and reports an expired resourceVersion as 410', async () => {
    const cms = client.resource('', 'v1', 'configmaps').namespace('w');
    const ac = new AbortController();
    const stream = await cms.watch({ resourceVersion: String(fake.resourceVersion) }, ac.signal);
    const seen: WatchEvent<KubeObject>[] = [];
    const done = (async () => {
      for await (const ev of stream) {
        seen.push(ev);
        if (seen.length === 3) ac.abort();
      }
    })();
    await cms.create({ metadata: { name: 'a' } });
    await cms.patch('a', { metadata: { labels: { x: 'y' } } }, 'merge');
    await cms.delete('a');
    await done; // no error: abort ends iteration
    assert.deepEqual(seen.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a']);

    const stale = String(fake.resourceVersion - 1);
    fake.expireWatches();
    const w2 = await cms.watch({ resourceVersion: stale });
    const err = await (async () => { for await (const _ of w2) { /* none */ } })().catch((e: unknown) => e);
    assert.ok(isExpired(err), `expected a 410, got ${String(err)}`);
  });
});
