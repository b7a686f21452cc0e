/**
 * The kubectl battery on a real etcd started for the test.
 */
import { kubectlSuite } from './kubectl-suite.js';
import { startEtcd } from '../support/etcd.js';

kubectlSuite('etcd', async () => {
  const etcd = await startEtcd();
  return { opts: { storage: 'etcd', etcdEndpoints: etcd.endpoints }, teardown: () => etcd.stop() };
});
