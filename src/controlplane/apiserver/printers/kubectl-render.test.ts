/**
 * Real kubectl reading our Tables: a throwaway loopback server answers discovery (from the served resource list) and
 * list requests (with buildTable), and the test compares what `kubectl get` prints. Skipped where kubectl is absent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { GROUPS, RESOURCES, groupVersion } from '../../../api/resources.js';
import { buildTable } from './table.js';
import { ago, NOW } from './test-clock.js';

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);

const FIXTURES: Record<string, any[]> = {
  '/pods': [
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(600), labels: { app: 'web', tier: 'fe' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx' }, { name: 'log', image: 'busybox' }] },
      status: {
        phase: 'Running', podIP: '10.244.0.16', podIPs: [{ ip: '10.244.0.16' }],
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: ago(590) } } },
          { name: 'log', image: 'busybox', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120) } } },
        ],
      },
    },
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'migrate', namespace: 'default', creationTimestamp: ago(7200), labels: { job: 'migrate' } },
      spec: { nodeName: 'node-2', containers: [{ name: 'm', image: 'alpine' }] },
      status: { phase: 'Succeeded', podIP: '10.244.1.4', containerStatuses: [{ name: 'm', image: 'alpine', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    },
  ],
  'apps/deployments': [
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3 * 86400 + 3 * 3600), labels: { app: 'web' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    },
  ],
  '/services': [
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(310) },
      spec: { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] },
    },
  ],
  '/nodes': [
    {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: 'node-1', creationTimestamp: ago(40 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' } },
    },
  ],
  'batch/jobs': [
    {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', creationTimestamp: ago(400) },
      spec: { completions: 1, parallelism: 1, template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } },
      status: { startTime: ago(390), completionTime: ago(300), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    },
  ],
};

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    return {
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: GROUPS.filter((g) => g.group !== '').map((g) => {
        const versions = g.versions.map((v) => ({ groupVersion: groupVersion(g.group, v), version: v }));
        return { name: g.group, versions, preferredVersion: versions[0] };
      }),
    };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3];
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
    name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
    shortNames: r.shortNames, categories: r.categories,
  }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

function listKey(path: string): string | undefined {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([a-z]+)$/.exec(path);
  return m ? `${m[1] ?? ''}/${m[2]}` : undefined;
}

let server: Server;
let home: string;
let url: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTL, [...args, '--server', url, '--request-timeout', '10s'], { env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none') } });
  return stdout;
}

describe('kubectl get prints our tables', { skip: !existsSync(KUBECTL) && 'kubectl is not installed' }, () => {
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'kubelite-printers-'));
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const includeObject = new URL(req.url ?? '/', 'http://x').searchParams.get('includeObject');
      const key = listKey(path);
      let body: unknown = discovery(path);
      if (body === undefined && key) {
        const [group, resource] = key.split('/');
        let items = FIXTURES[key] ?? [];
        if (/\/namespaces\/([^/]+)\//.test(path)) items = items.filter((o) => o.metadata.namespace === /\/namespaces\/([^/]+)\//.exec(path)![1]);
        body = buildTable(group, resource, items, { now: NOW, includeObject: (includeObject as any) ?? 'Metadata', listMeta: { resourceVersion: '100' } });
      }
      if (body === undefined) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('pods, default view', async () => {
    assert.equal(await kubectl('get', 'pods', '-n', 'default'), [
      'NAME      READY   STATUS             RESTARTS     AGE',
      'web       1/2     CrashLoopBackOff   4 (2m ago)   10m',
      'migrate   0/1     Completed          0            120m',
      '',
    ].join('\n'));
  });

  test('pods -o wide adds the priority-1 columns', async () => {
    assert.equal(await kubectl('get', 'pods', '-n', 'default', '-o', 'wide'), [
      'NAME      READY   STATUS             RESTARTS     AGE    IP            NODE     NOMINATED NODE   READINESS GATES',
      'web       1/2     CrashLoopBackOff   4 (2m ago)   10m    10.244.0.16   node-1   <none>           <none>',
      'migrate   0/1     Completed          0            120m   10.244.1.4    node-2   <none>           <none>',
      '',
    ].join('\n'));
  });

  test('-A and --show-labels come from the row metadata', async () => {
    assert.equal(await kubectl('get', 'pods', '-A', '--show-labels'), [
      'NAMESPACE   NAME      READY   STATUS             RESTARTS     AGE    LABELS',
      'default     web       1/2     CrashLoopBackOff   4 (2m ago)   10m    app=web,tier=fe',
      'default     migrate   0/1     Completed          0            120m   job=migrate',
      '',
    ].join('\n'));
  });

  test('--sort-by reads the full objects', async () => {
    const out = await kubectl('get', 'pods', '-n', 'default', '--sort-by', '.metadata.name');
    assert.deepEqual(out.split('\n').slice(1, 3).map((l) => l.split(/\s+/)[0]), ['migrate', 'web']);
  });

  test('deployments -o wide', async () => {
    assert.equal(await kubectl('get', 'deployments', '-n', 'default', '-o', 'wide'), [
      'NAME   READY   UP-TO-DATE   AVAILABLE   AGE    CONTAINERS   IMAGES       SELECTOR',
      'web    2/3     3            2           3d3h   nginx        nginx:1.27   app=web',
      '',
    ].join('\n'));
  });

  test('services, nodes and jobs', async () => {
    assert.equal(await kubectl('get', 'svc', '-n', 'default'), [
      'NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)                AGE',
      'web    NodePort   10.96.0.20   <none>        80:30080/TCP,443/TCP   5m10s',
      '',
    ].join('\n'));
    assert.equal(await kubectl('get', 'nodes'), [
      'NAME     STATUS                     ROLES           AGE   VERSION',
      'node-1   Ready,SchedulingDisabled   control-plane   40d   v1.32.0',
      '',
    ].join('\n'));
    assert.equal(await kubectl('get', 'jobs', '-n', 'default'), [
      'NAME   STATUS     COMPLETIONS   DURATION   AGE',
      'pi     Complete   1/1           90s        6m40s',
      '',
    ].join('\n'));
  });

  test('a kind without a printer prints NAME and CREATED AT', async () => {
    FIXTURES['/limitranges'] = [{ metadata: { name: 'defaults', namespace: 'default', creationTimestamp: '2024-04-30T10:00:00Z' } }];
    assert.equal(await kubectl('get', 'limitranges', '-n', 'default'), [
      'NAME       CREATED AT',
      'defaults   2024-04-30T10:00:00Z',
      '',
    ].join('\n'));
  });
});
