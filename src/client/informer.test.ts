import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './client.js';
import { DeletedFinalStateUnknown, Informer } from './informer.js';
import type { KubeObject } from './resource-client.js';
import { SharedInformerFactory } from './shared-informer-factory.js';
import { indexByNodeName, NODE_NAME_INDEX } from './store.js';
import { FakeApiServer, startFakeApi } from './testing/fake-api-server.js';

type Pod = KubeObject & { spec?: { nodeName?: string } };

/** Polls until `cond` holds (the informer works over real sockets), failing after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer', () => {
  let fake: FakeApiServer;
  let client: Client;
  const ac = new AbortController();
  before(async () => {
    fake = await FakeApiServer.start();
    client = new Client(fake.config());
  });
  after(async () => {
    ac.abort();
    client.close();
    await fake.close();
  });

  test('lists in pages, then sees adds, updates and deletes; recovers from 410 by relisting', async () => {
    for (let i = 0; i < 7; i++) fake.seed('/api/v1/pods', { metadata: { name: `seed-${i}`, namespace: 'a' } });
    const pods = client.resource<Pod>('', 'v1', 'pods');
    const inf = new Informer<Pod>(pods, { pageSize: 3, indexers: { [NODE_NAME_INDEX]: indexByNodeName } });
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o, initial) => log.push(`add ${o.metadata?.name}${initial ? ' (initial)' : ''}`),
      onUpdate: (o, n) => log.push(`update ${o.metadata?.name} ${o.spec?.nodeName ?? '-'}→${n.spec?.nodeName ?? '-'}`),
      onDelete: (o) => log.push(o instanceof DeletedFinalStateUnknown ? `tombstone ${o.key}` : `delete ${o.metadata?.name}`),
    });
    const run = inf.run(ac.signal);
    assert.equal(await inf.waitForSync(ac.signal), true);
    assert.equal(inf.lister.list().length, 7);
    const listCalls = fake.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.has('watch'));
    assert.deepEqual(listCalls.map((r) => r.query.get('limit')), ['3', '3', '3'], 'three pages of three');
    assert.equal(log.filter((l) => l.endsWith('(initial)')).length, 7);
    log.length = 0;

    await until(() => fake.openWatches === 1, 'the watch');
    const watchReq = fake.requests.find((r) => r.query.get('watch') === 'true')!;
    assert.equal(watchReq.query.get('allowWatchBookmarks'), 'true');
    assert.equal(watchReq.query.get('resourceVersion'), String(fake.resourceVersion));

    const ns = pods.namespace('a');
    await ns.create({ metadata: { name: 'web' } });
    await ns.bind('web', 'node1');
    await ns.delete('seed-0');
    await until(() => log.length === 3, 'three events');
    assert.deepEqual(log, ['add web', 'update web -→node1', 'delete seed-0']);
    assert.deepEqual(inf.lister.byIndex(NODE_NAME_INDEX, 'node1').map((p) => p.metadata?.name), ['web']);
    assert.equal(inf.lister.get('a', 'web')?.spec?.nodeName, 'node1');
    log.length = 0;

    // A bookmark moves the resourceVersion forward without any handler call.
    fake.seed('/api/v1/configmaps', { metadata: { name: 'elsewhere', namespace: 'a' } });
    fake.sendBookmarks();
    await until(() => inf.lastSyncResourceVersion() === String(fake.resourceVersion), 'the bookmark');
    assert.equal(log.length, 0, "bookmarks reach no handler");

    // Compaction: the watch gets ERROR 410; the relist fails once, and meanwhile seed-1 is deleted and web changes.
    fake.failNext(1, { status: 503, method: 'GET', pathIncludes: '/pods' });
    fake.expireWatches();
    await ns.delete('seed-1');
    await ns.patch('web', { metadata: { labels: { v: '2' } } }, 'merge');
    await until(() => log.includes('tombstone a/seed-1'), 'the relist');
    assert.ok(log.includes('update web node1→node1'));
    assert.equal(inf.lister.get('a', 'seed-1'), undefined);
    assert.equal(inf.lister.get('a', 'web')?.metadata?.labels?.v, '2');
    assert.equal(inf.lister.list().length, 6);
    await until(() => fake.openWatches === 1, 'a new watch after the relist');

    // A clean end of the watch (server timeout) resumes from the last resourceVersion without relisting.
    const listsBefore = fake.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.has('watch')).length;
    fake.endWatches();
    await until(() => fake.openWatches === 1, 'the re-watch');
    await ns.create({ metadata: { name: 'late' } });
    await until(() => log.includes('add late'), 'an event on the new watch');
    assert.equal(fake.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.has('watch')).length, listsBefore);

    // A handler added late is told about the current cache.
    const replayed: string[] = [];
    inf.addEventHandler({ onAdd: (o, initial) => replayed.push(`${o.metadata?.name}:${initial}`) });
    assert.equal(replayed.length, 7);
    assert.ok(replayed.includes('late:true'));

    ac.abort();
    await run;
  });
});

describe('SharedInformerFactory', () => {
  test('shares one informer per resource and selector, and narrows by field selector', async (t) => {
    const { fake, client } = await startFakeApi(t);
    const ac = new AbortController();
    t.after(() => ac.abort());
    fake.seed('/api/v1/pods', { metadata: { name: 'on1', namespace: 'x' }, spec: { nodeName: 'node1' } });
    fake.seed('/api/v1/pods', { metadata: { name: 'on2', namespace: 'x' }, spec: { nodeName: 'node2' } });
    const factory = new SharedInformerFactory(client);
    const a = factory.informerFor<Pod>('', 'v1', 'pods');
    const b = factory.informerFor<Pod>('', 'v1', 'pods');
    const mine = factory.informerFor<Pod>('', 'v1', 'pods', { fieldSelector: 'spec.nodeName=node1' });
    assert.equal(a, b);
    assert.notEqual(a, mine);
    factory.start(ac.signal);
    assert.equal(await factory.waitForSync(ac.signal), true);
    assert.equal(a.lister.list().length, 2);
    assert.deepEqual(mine.lister.list().map((p) => p.metadata?.name), ['on1']);
    // Asked for after start: started at once.
    const nodes = factory.informerFor('', 'v1', 'nodes');
    assert.equal(await nodes.waitForSync(ac.signal), true);
    ac.abort();
    await factory.stopped();
  });
});
