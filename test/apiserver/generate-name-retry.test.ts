/**
 * Found by `npm run bench:controllers`: a generateName collision during a 3,000-pod scale-up left two pods with the
 * same metadata.name (one stored under another name's key), the ReplicaSet stuck at 2,999/3,000 and the Deployment
 * never Available. With 5 random characters (27^5 names) a collision among 3,000 pods of one ReplicaSet happens in
 * roughly one run in four, so HA and scale runs hit it. This drives the API server's generic store with a storage
 * backend whose first create reports "key exists", as a real collision does, and checks the retried object is stored
 * under its own name.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKind } from '../../src/api/resources.js';
import { KeyExistsError, type Backend } from '../../src/storage/backend.js';
import { openBackend } from '../../src/storage/factory.js';
import { GenericStore } from '../../src/controlplane/apiserver/registry/generic-store.js';
import { kindHooks } from '../../src/controlplane/apiserver/wiring.js';

const dir = mkdtempSync(join(tmpdir(), 'kubelite-genname-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a pod created with generateName after a name collision is stored under the name it carries', async () => {
  const real = await openBackend({ kind: 'sqlite', path: join(dir, 'state.db'), compactIntervalMs: 0 });
  after(() => real.close());
  let collisions = 0;
  // The first create collides, as when the random suffix names a pod that already exists.
  const backend = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'create') {
        return (key: string, ...rest: unknown[]) => {
          if (collisions++ === 0) return Promise.reject(new KeyExistsError(key));
          return (target.create as (...a: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Backend;
  const info = findKind('', 'Pod')!;
  const store = new GenericStore({ info }, backend, kindHooks, async (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const ctx = { dryRun: false, user: 'admin', now: new Date() };
  const created = await store.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
  }, { dryRun: false }, ctx);
  assert.equal(collisions, 2, 'one collision, then one successful create');
  const name = created.metadata!.name!;
  const stored = await store.get('default', name);
  assert.equal(stored.metadata?.name, name, 'GET by the returned name finds an object of that name');
  const keys = (await real.list('/registry/pods/default/')).kvs.map((kv) => ({
    key: kv.key, name: (JSON.parse(new TextDecoder().decode(kv.value)) as { metadata: { name: string } }).metadata.name,
  }));
  assert.deepEqual(keys, [{ key: `/registry/pods/default/${name}`, name }], 'the key and the stored metadata.name agree');
});
