/** Runs the storage conformance suite on the etcd driver against a real etcd (skipped when etcd is not on PATH). */
import { after, before, describe, test } from 'node:test';
import { findEtcd, startEtcd, type EtcdServer } from '../../../../test/support/etcd.js';
import { runConformance } from '../../conformance.js';
import { openBackend } from '../../factory.js';

if (!findEtcd()) {
  test('etcd driver conformance', { skip: 'etcd is not on PATH (Debian: apt-get install etcd-server)' }, () => {});
} else {
  describe('etcd driver', () => {
    let etcd: EtcdServer;
    let n = 0;
    before(async () => {
      etcd = await startEtcd();
    });
    after(async () => {
      await etcd?.stop();
    });
    // Each test gets its own key prefix on the one server, so tests see only their own keys.
    runConformance('etcd', async () => {
      const backend = await openBackend({ kind: 'etcd', endpoints: etcd.endpoints, prefix: `/t${++n}` });
      return { backend, cleanup: () => backend.close() };
    }, { ttlTimeoutMs: 15_000 });
  });
}
