/**
 * The storage conformance suite: the behaviour of {@link Backend} that the API server relies on, run against every
 * driver (sqlite.test.ts, etcd.test.ts). A driver is conformant when this suite passes unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactedError, FutureRevisionError, KeyExistsError, type Backend, type WatchEvent } from './backend.js';

/** A fresh, empty-looking backend for one test and how to dispose it. */
export interface ConformanceFixture {
  backend: Backend;
  cleanup(): Promise<void>;
}

/** Knobs for drivers whose timing differs. */
export interface ConformanceOptions {
  /** How long a 1-second TTL key may take to disappear. Default 10 s (etcd rounds leases up to its minimum TTL). */
  ttlTimeoutMs?: number;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (v: Uint8Array) => new TextDecoder().decode(v);

/** Watches `prefix` after `afterRevision` until `done(events)` holds; rejects on a watch error or timeout. */
export function collectEvents(
  b: Backend, prefix: string, afterRevision: number, done: (evs: WatchEvent[]) => boolean, timeoutMs = 10_000,
): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  return new Promise<WatchEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`watch ${prefix} timed out with ${events.length} events`));
    }, timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      ac.abort();
      if (err) reject(err);
      else resolve(events);
    };
    b.watch(prefix, {
      afterRevision, signal: ac.signal,
      onEvents: (evs) => {
        events.push(...evs);
        if (done(events)) finish();
      },
      onError: (err) => finish(err),
    });
  });
}

/** Waits for the watch to fail and returns the error. */
function watchError(b: Backend, prefix: string, afterRevision: number): Promise<Error> {
  return collectEvents(b, prefix, afterRevision, () => false, 10_000).then(
    () => { throw new Error('watch succeeded'); },
    (err: Error) => err,
  );
}

/** Registers the suite under `describe(name)`. Each test gets its own backend from `makeBackend`. */
export function runConformance(
  name: string, makeBackend: () => Promise<ConformanceFixture>, opts: ConformanceOptions = {},
): void {
  const withBackend = (fn: (b: Backend) => Promise<void>) => async () => {
    const { backend, cleanup } = await makeBackend();
    try {
      await fn(backend);
    } finally {
      await cleanup();
    }
  };

  describe(`storage conformance: ${name}`, () => {
    test('revisions only increase, and each write returns the key as written', withBackend(async (b) => {
      const start = await b.currentRevision();
      const c = await b.create('/registry/a/one', enc('v1'));
      assert.ok(c.revision > start);
      assert.deepEqual({ ...c.kv, value: dec(c.kv.value) }, { key: '/registry/a/one', value: 'v1', createRevision: c.revision, modRevision: c.revision });
      const u = await b.update('/registry/a/one', enc('v2'), c.revision);
      assert.equal(u.succeeded, true);
      assert.ok(u.revision > c.revision);
      assert.equal(u.kv?.createRevision, c.revision, 'update keeps createRevision');
      assert.equal(u.kv?.modRevision, u.revision);
      const d = await b.delete('/registry/a/one', u.revision);
      assert.equal(d.succeeded, true);
      assert.ok(d.revision > u.revision);
      assert.equal(dec(d.kv!.value), 'v2', 'delete returns the deleted value');
      assert.equal(d.kv?.modRevision, d.revision);
      assert.ok((await b.currentRevision()) >= d.revision);
      // A key created again after deletion starts a new life.
      const again = await b.create('/registry/a/one', enc('v3'));
      assert.equal(again.kv.createRevision, again.revision);
    }));

    test('create on an existing key fails with KeyExistsError and writes nothing', withBackend(async (b) => {
      const c = await b.create('/registry/a/dup', enc('first'));
      const before = await b.currentRevision();
      await assert.rejects(b.create('/registry/a/dup', enc('second')), (err: Error) => err instanceof KeyExistsError && /dup/.test(err.message));
      assert.equal(await b.currentRevision(), before);
      const g = await b.get('/registry/a/dup');
      assert.equal(dec(g.kv!.value), 'first');
      assert.equal(g.kv!.modRevision, c.revision);
    }));

    test('conditional update and delete report conflicts with the current key', withBackend(async (b) => {
      const c = await b.create('/registry/a/x', enc('1'));
      const u = await b.update('/registry/a/x', enc('2'), c.revision);
      const before = await b.currentRevision();

      const staleUpdate = await b.update('/registry/a/x', enc('3'), c.revision);
      assert.equal(staleUpdate.succeeded, false);
      assert.equal(staleUpdate.kv?.modRevision, u.revision);
      assert.equal(dec(staleUpdate.kv!.value), '2');

      const staleDelete = await b.delete('/registry/a/x', c.revision);
      assert.equal(staleDelete.succeeded, false);
      assert.equal(staleDelete.kv?.modRevision, u.revision);
      assert.equal(await b.currentRevision(), before, 'failed writes consume no revision');

      const missingUpdate = await b.update('/registry/a/none', enc('x'), u.revision);
      assert.equal(missingUpdate.succeeded, false);
      assert.equal(missingUpdate.kv, undefined);
      const missingDelete = await b.delete('/registry/a/none', 0);
      assert.equal(missingDelete.succeeded, false);
      assert.equal(missingDelete.kv, undefined);

      const unconditional = await b.delete('/registry/a/x', 0);
      assert.equal(unconditional.succeeded, true);
      assert.equal((await b.get('/registry/a/x')).kv, undefined);
    }));

    test('list pages through a prefix in key order and reads old revisions', withBackend(async (b) => {
      const names = Array.from({ length: 25 }, (_, i) => `/registry/pods/ns/p${String(i).padStart(2, '0')}`);
      const revs = new Map<string, number>();
      for (const n of names) revs.set(n, (await b.create(n, enc(n))).revision);
      await b.create('/registry/pods', enc('not under the prefix'));
      await b.create('/registry/podsx/ns/q', enc('other prefix'));
      const snapshot = await b.currentRevision();

      const seen: string[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      let listRev = 0;
      for (;;) {
        const page = await b.list('/registry/pods/', { limit: 10, startAfter, revision: listRev || undefined });
        listRev ||= page.revision;
        pages++;
        seen.push(...page.kvs.map((kv) => kv.key));
        // Writes between pages must not show up in a list pinned to its first page's revision.
        if (pages === 1) await b.create('/registry/pods/ns/p99', enc('late'));
        if (!page.more) break;
        startAfter = page.kvs[page.kvs.length - 1]!.key;
      }
      assert.deepEqual(seen, names);
      assert.equal(pages, 3);
      assert.equal(listRev, snapshot);

      // Change the present; the past stays readable.
      await b.delete(names[0]!, 0);
      await b.update(names[1]!, enc('changed'), revs.get(names[1]!)!);
      const old = await b.list('/registry/pods/', { revision: snapshot });
      assert.deepEqual(old.kvs.map((kv) => kv.key), names);
      assert.equal(dec(old.kvs[1]!.value), names[1]);
      assert.equal(old.kvs[1]!.modRevision, revs.get(names[1]!));
      const now = await b.list('/registry/pods/');
      assert.equal(now.kvs.length, 25, '24 old keys and p99');
      assert.equal(dec(now.kvs[0]!.value), 'changed');
      assert.deepEqual(await b.count('/registry/pods/').then((r) => r.count), 25);
      const first = await b.list('/registry/pods/', { revision: revs.get(names[0]!)! });
      assert.deepEqual(first.kvs.map((kv) => kv.key), [names[0]]);
    }));

    test('get reads a key at a revision and rejects future revisions', withBackend(async (b) => {
      const c = await b.create('/registry/a/g', enc('one'));
      const u = await b.update('/registry/a/g', enc('two'), c.revision);
      const d = await b.delete('/registry/a/g', u.revision);
      assert.equal(dec((await b.get('/registry/a/g', { revision: c.revision })).kv!.value), 'one');
      assert.equal(dec((await b.get('/registry/a/g', { revision: u.revision })).kv!.value), 'two');
      assert.equal((await b.get('/registry/a/g', { revision: d.revision })).kv, undefined);
      assert.equal((await b.get('/registry/a/g', { revision: c.revision - 1 })).kv, undefined);
      const latest = await b.get('/registry/a/g');
      assert.equal(latest.kv, undefined);
      assert.ok(latest.revision >= d.revision);
      await assert.rejects(b.get('/registry/a/g', { revision: d.revision + 1_000_000 }), FutureRevisionError);
    }));

    test('watch from an old revision replays then follows concurrent writes with no gap or duplicate', withBackend(async (b) => {
      const P = '/registry/w/';
      const expected: number[] = [];
      const put = async (i: number) => {
        const r = await b.create(`${P}k${i}`, enc(`v${i}`));
        expected.push(r.revision);
      };
      // History longer than one replay chunk of the SQLite driver (1000 rows).
      for (let i = 0; i < 1200; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => put(i + j)));
      expected.sort((x, y) => x - y);
      const after = expected[99]!;

      // 1100 creates after `after`, then 300 updates and 100 deletes.
      const total = 1500;
      const writer = (async () => {
        // Creates, updates, deletes and writes elsewhere keep coming while the watch catches up.
        for (let i = 0; i < 300; i++) {
          const key = `${P}k${i}`;
          const cur = (await b.get(key)).kv!;
          const u = await b.update(key, enc(`u${i}`), cur.modRevision);
          expected.push(u.revision);
          await b.create(`/registry/wx/k${i}`, enc('elsewhere'));
          if (i % 3 === 0) expected.push((await b.delete(key, u.revision)).revision);
        }
      })();
      const events = await collectEvents(b, P, after, (evs) => evs.length >= total, 30_000);
      await writer;
      // Collection stops at `total` events, so a duplicate shows up as a missing revision at the end.
      const got = events.map((e) => e.kv.modRevision);
      assert.deepEqual(got, expected.filter((r) => r > after).sort((x, y) => x - y));
      assert.ok(events.every((e) => e.kv.key.startsWith(P)));
    }));

    test('watchers see updates and deletes with prevKv', withBackend(async (b) => {
      const start = await b.currentRevision();
      const c = await b.create('/registry/d/k', enc('a'));
      const u = await b.update('/registry/d/k', enc('b'), c.revision);
      const d = await b.delete('/registry/d/k', u.revision);
      const check = (evs: WatchEvent[]) => {
        assert.deepEqual(evs.map((e) => e.type), ['put', 'put', 'delete']);
        assert.equal(evs[0]!.prevKv, undefined, 'a create has no prevKv');
        assert.equal(dec(evs[1]!.prevKv!.value), 'a');
        assert.equal(evs[1]!.prevKv!.modRevision, c.revision);
        assert.equal(evs[2]!.kv.modRevision, d.revision);
        assert.equal(evs[2]!.kv.value.length, 0);
        assert.equal(dec(evs[2]!.prevKv!.value), 'b');
        assert.equal(evs[2]!.prevKv!.modRevision, u.revision);
        assert.equal(evs[2]!.prevKv!.createRevision, c.revision);
      };
      // Replayed from history…
      check(await collectEvents(b, '/registry/d/', start, (evs) => evs.length >= 3));
      // …and live.
      const now = await b.currentRevision();
      const live = collectEvents(b, '/registry/d/', now, (evs) => evs.length >= 3);
      await new Promise((r) => setTimeout(r, 50));
      const c2 = await b.create('/registry/d/k', enc('a'));
      const u2 = await b.update('/registry/d/k', enc('b'), c2.revision);
      await b.delete('/registry/d/k', u2.revision);
      const evs = await live;
      assert.deepEqual(evs.map((e) => e.type), ['put', 'put', 'delete']);
      assert.equal(dec(evs[2]!.prevKv!.value), 'b');
    }));

    test('compaction makes older revisions fail with CompactedError and keeps live keys', withBackend(async (b) => {
      const c = await b.create('/registry/c/keep', enc('1'));
      const gone = await b.create('/registry/c/gone', enc('x'));
      const u = await b.update('/registry/c/keep', enc('2'), c.revision);
      await b.delete('/registry/c/gone', gone.revision);
      const u2 = await b.update('/registry/c/keep', enc('3'), u.revision);
      const compactAt = u2.revision;
      await b.create('/registry/c/after', enc('y'));
      await b.compact(compactAt);
      assert.ok((await b.compactedRevision()) >= compactAt);

      await assert.rejects(b.list('/registry/c/', { revision: c.revision }), CompactedError);
      await assert.rejects(b.get('/registry/c/keep', { revision: u.revision }), CompactedError);
      const err = await watchError(b, '/registry/c/', c.revision);
      assert.ok(err instanceof CompactedError, `expected CompactedError, got ${err.name}: ${err.message}`);

      const list = await b.list('/registry/c/');
      assert.deepEqual(list.kvs.map((kv) => [kv.key, dec(kv.value)]), [['/registry/c/after', 'y'], ['/registry/c/keep', '3']]);
      assert.equal((await b.list('/registry/c/', { revision: compactAt })).kvs.length, 1, 'the compacted revision itself stays readable');
      // A watch from the compacted revision still works.
      const evs = await collectEvents(b, '/registry/c/', compactAt, (e) => e.length >= 1);
      assert.equal(evs[0]!.kv.key, '/registry/c/after');
      await assert.rejects(b.compact((await b.currentRevision()) + 1000), FutureRevisionError);
    }));

    test('a key with a TTL expires and watchers see a delete', withBackend(async (b) => {
      const c = await b.create('/registry/events/ns/e1', enc('event'), { ttlSeconds: 1 });
      await b.create('/registry/events/ns/e2', enc('lasting'));
      const evs = await collectEvents(b, '/registry/events/', c.revision, (e) => e.some((x) => x.type === 'delete'), opts.ttlTimeoutMs ?? 10_000);
      const del = evs.find((e) => e.type === 'delete')!;
      assert.equal(del.kv.key, '/registry/events/ns/e1');
      assert.equal(dec(del.prevKv!.value), 'event');
      assert.equal((await b.get('/registry/events/ns/e1')).kv, undefined);
      assert.ok((await b.get('/registry/events/ns/e2')).kv);
    }));

    test('prefixes are isolated: /registry/pods/ does not see /registry/podsx/', withBackend(async (b) => {
      const start = await b.currentRevision();
      await b.create('/registry/podsx/ns/a', enc('x'));
      await b.create('/registry/pods/ns/a', enc('p'));
      await b.create('/registry/pods', enc('bare'));
      await b.create('/registry/podsx/ns/b', enc('x'));
      const end = await b.create('/registry/pods/ns/b', enc('p'));
      assert.deepEqual((await b.list('/registry/pods/')).kvs.map((kv) => kv.key), ['/registry/pods/ns/a', '/registry/pods/ns/b']);
      assert.equal((await b.count('/registry/pods/')).count, 2);
      assert.equal((await b.count('/registry/podsx/')).count, 2);
      const evs = await collectEvents(b, '/registry/pods/', start, (e) => e.some((x) => x.kv.modRevision === end.revision));
      assert.deepEqual(evs.map((e) => e.kv.key), ['/registry/pods/ns/a', '/registry/pods/ns/b']);
    }));

    test('an aborted watch gets no further callbacks', withBackend(async (b) => {
      const ac = new AbortController();
      let calls = 0;
      b.watch('/registry/ab/', {
        afterRevision: await b.currentRevision(), signal: ac.signal,
        onEvents: () => { calls++; }, onError: () => { calls++; },
      });
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await b.create('/registry/ab/k', enc('x'));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(calls, 0);
    }));
  });
}
