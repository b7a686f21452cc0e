/**
 * Issue 5: "a server restart in the middle of scaling to 500, ending with exactly 500". A real `kubelite server`
 * (SQLite; the restart reuses the port the first run got) with its scheduler and controller manager, simulated nodes with room for 1,100 pods, and a
 * Deployment of 500 replicas. Once 100–300 of its pods exist, the server is killed with SIGKILL and started again on
 * the same data dir and port; the simulator reconnects by itself. The ReplicaSet must end with exactly 500 pods: none
 * lost, none created twice. A watch kept across the restart records every pod ever created, so a surplus pod that was
 * created and then deleted again is caught too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { Client, loadKubeconfig, type ResourceClient } from '../../src/client/index.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { startSimAgent, type SimAgent } from '../ha/sim-agent.js';
import { eventually } from './support.js';

const REPLICAS = 500;
const NS = 'default';

/** Every pod of the app seen through a watch that survives server restarts: names ever added, and deletions. */
class PodLedger {
  readonly added = new Map<string, string>();
  readonly deleted = new Set<string>();
  count = 0;
  private rv = '';
  private wake: () => void = () => {};

  constructor(private readonly pods: ResourceClient<Pod>, private readonly selector: string) {}

  /** Resolves once at least `n` pods were added. */
  reached(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.added.size >= n ? resolve() : (this.wake = check));
      check();
    });
  }

  /** Lists, then watches from that revision; after a dropped connection it watches again from the last revision. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!this.rv) {
          const list = await this.pods.list({ labelSelector: this.selector, signal });
          for (const p of list.items) this.record('ADDED', p);
          this.rv = list.metadata.resourceVersion ?? '';
        }
        const stream = await this.pods.watch({ labelSelector: this.selector, resourceVersion: this.rv, allowWatchBookmarks: true }, signal);
        for await (const ev of stream) {
          this.rv = ev.object.metadata?.resourceVersion ?? this.rv;
          if (ev.type !== 'BOOKMARK') this.record(ev.type, ev.object);
        }
      } catch (err) {
        if (signal.aborted) return;
        // 410 Gone: the revision was compacted; a fresh list still shows every pod that exists.
        if ((err as { code?: number }).code === 410) this.rv = '';
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private record(type: string, p: Pod): void {
    const name = p.metadata?.name ?? '';
    if (type === 'DELETED') this.deleted.add(name);
    else if (!this.added.has(name)) this.added.set(name, p.metadata?.uid ?? '');
    this.count = this.added.size - this.deleted.size;
    this.wake();
  }
}

describe('a server restart in the middle of scaling to 500', () => {
  let dataDir: string;
  let port: number;
  let server: KubeliteProcess;
  let agent: SimAgent;
  let client: Client;
  const watchAbort = new AbortController();
  let ledger: PodLedger;
  let watching: Promise<void>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubelite-restart-scale-'));
    server = await startKubelite({ dataDir });
    // The restart reuses this port, so the kubeconfig the agent and the test hold stays valid.
    port = Number(new URL(server.url).port);
    // 10 nodes × 110 pods: room for 500 with plenty to spare, so placement never limits the count.
    agent = await startSimAgent(server.kubeconfig, 10, { args: ['--stats-interval', '0'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    ledger = new PodLedger(client.resource<Pod>('', 'v1', 'pods').namespace(NS), 'app=scale');
    watching = ledger.run(watchAbort.signal);
  });

  after(async () => {
    watchAbort.abort();
    await watching;
    await agent?.stop();
    client?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('kill -9 after 100–300 pods, restart on the same data dir: exactly 500 pods, none lost or duplicated', async () => {
    const deploy: Deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'scale', namespace: NS },
      spec: {
        replicas: REPLICAS, selector: { matchLabels: { app: 'scale' } },
        template: { metadata: { labels: { app: 'scale' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
      },
    };
    const r = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deploy) });
    assert.equal(r.code, 0, r.stderr);
    await ledger.reached(100);
    await server.kill9();
    const atKill = ledger.added.size;
    assert.ok(atKill >= 100 && atKill < REPLICAS, `the kill came mid-way: ${atKill} pods seen`);

    const restartedAt = Date.now();
    server = await startKubelite({ dataDir, args: ['--port', String(port)] });
    const rsApi = client.resource<ReplicaSet>('apps', 'v1', 'replicasets').namespace(NS);
    const podApi = client.resource<Pod>('', 'v1', 'pods').namespace(NS);
    // The restarted server waits for the dead process's leases to expire (15 s) before its controllers run.
    const rs = await eventually(async () => {
      const list = (await rsApi.list({ labelSelector: 'app=scale' })).items;
      const s = list[0]?.status;
      return list.length === 1 && s?.replicas === REPLICAS && s.readyReplicas === REPLICAS && s.availableReplicas === REPLICAS
        && s.observedGeneration === list[0].metadata?.generation ? list[0] : undefined;
    }, 'the ReplicaSet to report 500 ready replicas', 180_000);

    console.log(`killed with ${atKill} pods; 500 ready ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart`);
    const owned = async () => (await podApi.list({ labelSelector: 'app=scale' })).items.filter((p) =>
      p.metadata?.ownerReferences?.some((o) => o.controller && o.uid === rs.metadata?.uid));
    const pods = await owned();
    assert.equal(pods.length, REPLICAS, 'pods owned by the ReplicaSet');
    assert.equal(pods.filter((p) => p.metadata?.deletionTimestamp).length, 0, 'none terminating');
    assert.equal(pods.filter((p) => p.status?.phase === 'Running').length, REPLICAS, 'all Running');
    assert.equal(new Set(pods.map((p) => p.metadata?.name)).size, REPLICAS);

    // kubectl's view: DESIRED CURRENT READY of the ReplicaSet, READY UP-TO-DATE AVAILABLE of the Deployment.
    const getRs = await server.kubectl(['get', 'rs', '-l', 'app=scale', '--no-headers']);
    assert.equal(getRs.code, 0, getRs.stderr);
    assert.match(getRs.stdout, /^scale-[a-z0-9]+\s+500\s+500\s+500\s/);
    const getDeploy = await server.kubectl(['get', 'deploy', 'scale', '--no-headers']);
    assert.match(getDeploy.stdout, /^scale\s+500\/500\s+500\s+500\s/);

    // Stable: a few seconds later nothing was added or removed, and no pod was ever created beyond the 500.
    await new Promise((res) => setTimeout(res, 3000));
    assert.equal((await owned()).length, REPLICAS);
    assert.deepEqual([...ledger.deleted], [], 'no pod was deleted (a surplus pod would be created, then deleted)');
    assert.equal(ledger.added.size, REPLICAS, `pods ever created: ${ledger.added.size} (killed at ${atKill})`);
    const names = new Set(pods.map((p) => p.metadata?.name));
    assert.deepEqual([...ledger.added.keys()].filter((n) => !names.has(n)), [], 'every pod created before the kill is still there');
  });
});
