/**
 * Deployments against a real server with the controller manager in-process and a fake kubelet: availability,
 * `kubectl get deploy` columns, a rolling update that never dips below replicas − maxUnavailable (checked on every
 * event of a pod watch), `kubectl rollout status|history|undo|pause|resume|restart`, and Recreate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { startControllerEnv, eventually, type ControllerEnv } from './support.js';

const NS = 'default';

function deployment(name: string, replicas: number, image: string, strategy: Deployment['spec'] extends infer S ? S extends { strategy?: infer T } ? T : never : never): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      replicas, strategy, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

describe('Deployment controller on a real server', () => {
  let env: ControllerEnv;
  before(async () => {
    // Pods of the image `broken` never become Ready: the proportional-scaling case needs a rollout that stalls.
    env = await startControllerEnv({ kubelet: { readyDelayMs: 150, ready: (pod) => pod.spec?.containers[0]?.image !== 'broken' } });
  });
  after(async () => {
    await env?.stop();
  });
  const dApi = () => env.client.resource<Deployment>('apps', 'v1', 'deployments').namespace(NS);
  const rsApi = () => env.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').namespace(NS);
  const podApi = () => env.client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  const imagesOf = async (app: string) => (await podApi().list({ labelSelector: `app=${app}` })).items
    .filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.spec?.containers[0].image).sort();
  const rolledOut = async (name: string) => {
    const r = await env.server.kubectl(['rollout', 'status', `deployment/${name}`, '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`deployment "${name}" successfully rolled out`));
  };

  test('becomes available; kubectl get deploy shows READY, UP-TO-DATE and AVAILABLE', async () => {
    const r = await env.server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment('web', 4, 'nginx:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } })) });
    assert.equal(r.code, 0, r.stderr);
    await rolledOut('web');
    const get = await env.server.kubectl(['get', 'deploy', 'web', '--no-headers']);
    assert.match(get.stdout, /^web\s+4\/4\s+4\s+4\s+/);
    const d = await dApi().get('web');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c.reason]));
    assert.deepEqual(conds, { Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
    const rss = (await rsApi().list({ labelSelector: 'app=web' })).items;
    assert.equal(rss.length, 1);
    const hash = rss[0].metadata?.labels?.['pod-template-hash'];
    assert.ok(hash);
    assert.equal(rss[0].metadata?.name, `web-${hash}`);
    assert.equal(rss[0].metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '4');
    assert.equal(rss[0].metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '5');
    const events = await env.server.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events.stdout, new RegExp(`Scaled up replica set web-${hash} from 0 to 4`));
  });

  test('a rolling update keeps at least replicas − maxUnavailable ready pods at every step', async () => {
    // Watch every pod event and track the ready, non-terminating pods of the Deployment.
    const abort = new AbortController();
    const start = await podApi().list({ labelSelector: 'app=web' });
    const ready = new Map<string, boolean>();
    const isReady = (p: Pod) => !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    for (const p of start.items) ready.set(p.metadata!.name!, isReady(p));
    let min = Infinity;
    let max = 0;
    const stream = await podApi().watch({ labelSelector: 'app=web', resourceVersion: start.metadata.resourceVersion }, abort.signal);
    const watching = (async () => {
      try {
        for await (const ev of stream) {
          const name = ev.object.metadata!.name!;
          if (ev.type === 'DELETED') ready.delete(name);
          else ready.set(name, isReady(ev.object));
          const n = [...ready.values()].filter(Boolean).length;
          min = Math.min(min, n);
          max = Math.max(max, ready.size);
        }
      } catch {
        // aborted
      }
    })();
    const r = await env.server.kubectl(['set', 'image', 'deployment/web', 'c=nginx:2']);
    assert.equal(r.code, 0, r.stderr);
    await rolledOut('web');
    await eventually(async () => JSON.stringify(await imagesOf('web')) === JSON.stringify(Array(4).fill('nginx:2')), 'all pods on nginx:2');
    abort.abort();
    await watching;
    assert.ok(min >= 3, `ready pods dipped to ${min} (maxUnavailable 1 of 4)`);
    assert.ok(max <= 5 + 1, `at most replicas + maxSurge pods (plus one terminating): saw ${max}`);
    const d = await dApi().get('web');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.availableReplicas, d.status?.unavailableReplicas ?? 0], [4, 4, 4, 0]);
  });

  test('rollout history lists revisions; rollout undo (and --to-revision) restores an old template', async () => {
    const hist = await env.server.kubectl(['rollout', 'history', 'deployment/web']);
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stdout, /^1\s/m);
    assert.match(hist.stdout, /^2\s/m);
    const undo = await env.server.kubectl(['rollout', 'undo', 'deployment/web']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /rolled back/);
    await rolledOut('web');
    await eventually(async () => JSON.stringify(await imagesOf('web')) === JSON.stringify(Array(4).fill('nginx:1')), 'pods back on nginx:1');
    const d = await dApi().get('web');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    const undo2 = await env.server.kubectl(['rollout', 'undo', 'deployment/web', '--to-revision=2']);
    assert.equal(undo2.code, 0, undo2.stderr);
    await rolledOut('web');
    await eventually(async () => JSON.stringify(await imagesOf('web')) === JSON.stringify(Array(4).fill('nginx:2')), 'pods back on nginx:2');
    // Two ReplicaSets were re-used: no third one was made.
    assert.equal((await rsApi().list({ labelSelector: 'app=web' })).items.length, 2);
  });

  test('pause holds a template change; resume rolls it out; restart makes a new ReplicaSet', async () => {
    assert.equal((await env.server.kubectl(['rollout', 'pause', 'deployment/web'])).code, 0);
    assert.equal((await env.server.kubectl(['set', 'image', 'deployment/web', 'c=nginx:3'])).code, 0);
    await eventually(async () => {
      const d = await dApi().get('web');
      return d.status?.observedGeneration === d.metadata?.generation &&
        d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused';
    }, 'the paused condition');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await imagesOf('web'), Array(4).fill('nginx:2'), 'no rollout while paused');
    assert.equal((await env.server.kubectl(['rollout', 'resume', 'deployment/web'])).code, 0);
    await rolledOut('web');
    await eventually(async () => JSON.stringify(await imagesOf('web')) === JSON.stringify(Array(4).fill('nginx:3')), 'pods on nginx:3');
    const before = (await rsApi().list({ labelSelector: 'app=web' })).items.length;
    assert.equal((await env.server.kubectl(['rollout', 'restart', 'deployment/web'])).code, 0);
    await rolledOut('web');
    assert.equal((await rsApi().list({ labelSelector: 'app=web' })).items.length, before + 1);
  });

  test('scaling during a rollout splits the change proportionally', async () => {
    // A new template whose pods never become ready, so the rollout stalls with old and new sets both active.
    await env.server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment('prop', 10, 'nginx:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } })) });
    await rolledOut('prop');
    await env.server.kubectl(['set', 'image', 'deployment/prop', 'c=broken']);
    // Wait for the rollout to stall with both sets active, and for that split to hold for a second (right after the
    // template change the sets pass through transient splits that also add up to 13).
    let before: Record<string, number> = {};
    await eventually(async () => {
      const rss = (await rsApi().list({ labelSelector: 'app=prop' })).items;
      const by = Object.fromEntries(rss.map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs.spec?.replicas ?? 0])) as Record<string, number>;
      const stable = JSON.stringify(by) === JSON.stringify(before);
      before = by;
      if (!stable) await new Promise((r) => setTimeout(r, 1000));
      return stable && rss.length === 2 && by['nginx:1'] + by.broken === 13 && by['nginx:1'] > 0 && by.broken > 0;
    }, 'a stalled rollout of 13 pods across both sets');
    assert.equal((await env.server.kubectl(['scale', 'deployment/prop', '--replicas=20'])).code, 0);
    const sizes = await eventually(async () => {
      const rss = (await rsApi().list({ labelSelector: 'app=prop' })).items;
      const total = rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      return total === 23 ? rss.map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs.spec?.replicas]) : undefined;
    }, 'proportional scale-up to 23');
    const after = Object.fromEntries(sizes as [string, number][]) as Record<string, number>;
    // Each set grows in proportion to its share of the 13 (upstream rounds and gives leftovers to the largest):
    // within one pod of the exact share, and neither set shrinks.
    for (const image of ['nginx:1', 'broken']) {
      const exact = (before[image] * 23) / 13;
      assert.ok(Math.abs(after[image] - exact) <= 1, `${image}: ${before[image]} of 13 became ${after[image]} of 23 (exact ${exact.toFixed(2)})`);
      assert.ok(after[image] >= before[image], `${image} did not shrink`);
    }
  });

  test('Recreate scales the old pods to zero before creating new ones', async () => {
    await env.server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment('rec', 3, 'nginx:1', { type: 'Recreate' })) });
    await rolledOut('rec');
    const abort = new AbortController();
    const start = await podApi().list({ labelSelector: 'app=rec' });
    const live = new Map<string, string>();
    for (const p of start.items) live.set(p.metadata!.name!, p.spec!.containers[0].image!);
    let mixed = false;
    const stream = await podApi().watch({ labelSelector: 'app=rec', resourceVersion: start.metadata.resourceVersion }, abort.signal);
    const watching = (async () => {
      try {
        for await (const ev of stream) {
          if (ev.type === 'DELETED') live.delete(ev.object.metadata!.name!);
          else live.set(ev.object.metadata!.name!, ev.object.spec!.containers[0].image!);
          if (new Set(live.values()).size > 1) mixed = true;
        }
      } catch {
        // aborted
      }
    })();
    await env.server.kubectl(['set', 'image', 'deployment/rec', 'c=nginx:2']);
    await rolledOut('rec');
    abort.abort();
    await watching;
    assert.equal(mixed, false, 'old and new pods never coexist under Recreate');
    assert.deepEqual(await imagesOf('rec'), ['nginx:2', 'nginx:2', 'nginx:2']);
  });
});
