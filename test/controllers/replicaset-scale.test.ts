/**
 * ReplicaSet and ReplicationController against a real server with the controller manager in-process: scale up and
 * down, adoption of an orphan, release of a relabelled pod, and a controller restart in the middle of scaling.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { startControllerEnv, eventually, type ControllerEnv } from './support.js';

const NS = 'default';

function rsManifest(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

describe('ReplicaSet controller on a real server', () => {
  let env: ControllerEnv;
  before(async () => {
    env = await startControllerEnv();
  });
  after(async () => {
    await env?.stop();
  });

  const rsApi = () => env.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').namespace(NS);
  const podApi = () => env.client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  const livePods = async (app: string, selector = `app=${app},tier=web`) =>
    (await podApi().list({ labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const ready = async (name: string, n: number) => {
    const rs = await rsApi().get(name);
    const pods = await livePods(name);
    return rs.status?.readyReplicas === n && rs.status?.replicas === n && pods.length === n && rs.status.observedGeneration === rs.metadata?.generation;
  };

  test('scales up and down with kubectl, reporting ready replicas', async () => {
    const r = await env.server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(rsManifest('web', 3)) });
    assert.equal(r.code, 0, r.stderr);
    await eventually(() => ready('web', 3), '3 ready replicas');
    assert.equal((await env.server.kubectl(['scale', 'rs/web', '--replicas=6'])).code, 0);
    await eventually(() => ready('web', 6), '6 ready replicas');
    assert.equal((await env.server.kubectl(['scale', 'rs/web', '--replicas=2'])).code, 0);
    await eventually(() => ready('web', 2), '2 ready replicas');
    const get = await env.server.kubectl(['get', 'rs', 'web', '--no-headers']);
    assert.match(get.stdout, /^web\s+2\s+2\s+2\s+/);
    const events = await env.server.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events.stdout, /SuccessfulCreate/);
    assert.match(events.stdout, /SuccessfulDelete/);
  });

  test('adopts a matching orphan pod instead of creating one, and releases a relabelled pod', async () => {
    await podApi().create({ metadata: { name: 'orphan', labels: { app: 'adopt', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await rsApi().create(rsManifest('adopt', 2));
    await eventually(() => ready('adopt', 2), '2 ready replicas');
    const orphan = await podApi().get('orphan');
    const rs = await rsApi().get('adopt');
    assert.equal(orphan.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
    assert.equal(orphan.metadata?.ownerReferences?.[0]?.controller, true);
    // Relabel it: the ReplicaSet lets it go and makes a replacement.
    await podApi().patch('orphan', { metadata: { labels: { tier: 'other' } } }, 'merge');
    await eventually(async () => !(await podApi().get('orphan')).metadata?.ownerReferences?.length, 'the pod to be released');
    await eventually(() => ready('adopt', 2), 'a replacement');
  });

  test('a controller-manager restart in the middle of scaling ends with exactly the desired pods', async () => {
    await rsApi().create(rsManifest('restart', 0));
    await rsApi().patch('restart', { spec: { replicas: 300 } }, 'merge');
    await eventually(async () => (await livePods('restart')).length >= 50, 'some pods');
    await env.stopManager();
    env.startManager();
    await eventually(() => ready('restart', 300), '300 ready replicas', 60_000);
    // Settle: nothing more is created after the count is reached.
    await new Promise((r) => setTimeout(r, 1000));
    const all = (await podApi().list({ labelSelector: 'app=restart' })).items;
    assert.equal(all.length, 300);
  });

  test('a ReplicationController keeps its count', async () => {
    const rc = {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: NS },
      spec: { replicas: 3, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    assert.equal((await env.server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(rc) })).code, 0);
    const rcApi = env.client.resource<ReplicaSet>('', 'v1', 'replicationcontrollers').namespace(NS);
    await eventually(async () => (await rcApi.get('rc')).status?.readyReplicas === 3 && (await livePods('rc', 'app=rc')).length === 3, '3 ready');
    const victim = (await livePods('rc', 'app=rc'))[0];
    await podApi().delete(victim.metadata!.name!, { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const pods = await livePods('rc', 'app=rc');
      return pods.length === 3 && !pods.some((p) => p.metadata?.name === victim.metadata?.name);
    }, 'a replacement pod');
  });
});
