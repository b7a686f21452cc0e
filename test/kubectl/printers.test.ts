/**
 * kubectl get printers against a real server, for kubectl 1.27, 1.32 and 1.33: the server-side table columns of
 * deployments, services, jobs (with STATUS), cronjobs and pods, `-o wide/yaml/json/jsonpath/custom-columns/name`,
 * `--show-labels`, `-L`, `--sort-by`, `-A`, `--watch-only`, `get all` and `api-resources`.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import YAML from 'yaml';
import { KUBECTL } from '../support/kubelite.js';
import { ALL_VERSIONS, EDGE_VERSIONS, eventually, useServer, versionName, type Harness } from './harness.js';

const NS = 'print';



const containers = [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }];

/** One namespace of objects, shared by every version (reads only). */
async function seed(h: Harness): Promise<void> {
  await h.namespace(NS);
  const D = `/apis/apps/v1/namespaces/${NS}/deployments`;
  await h.create(D, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } } });
  await h.setStatus(`${D}/web`, { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 });
  const S = `/api/v1/namespaces/${NS}/services`;
  await h.create(S, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await h.create(S, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'https', port: 443, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } });
  const J = `/apis/batch/v1/namespaces/${NS}/jobs`;
  const job = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
  await h.create(J, job('done'));
  const start = new Date(Date.now() - 65_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const end = new Date(Date.now() - 20_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await h.setStatus(`${J}/done`, { succeeded: 1, startTime: start, completionTime: end, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] });
  await h.create(J, job('failing'));
  await h.setStatus(`${J}/failing`, { failed: 1, startTime: start, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] });
  await h.create(J, job('running'));
  await h.setStatus(`${J}/running`, { active: 1, startTime: start });
  await h.create(`/apis/batch/v1/namespaces/${NS}/cronjobs`, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', jobTemplate: { spec: job('x').spec } } });
  const P = `/api/v1/namespaces/${NS}/pods`;
  for (const [name, tier] of [['pod-b', 'back'], ['pod-c', 'front'], ['pod-a', 'front']]) {
    await h.create(P, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web', tier } }, spec: { containers: [{ name: 'c', image: `img-${name}` }] } });
  }
  await h.setStatus(`${P}/pod-a`, { phase: 'Running', podIP: '10.42.0.9', containerStatuses: [{ name: 'c', ready: true, restartCount: 1, image: 'img-pod-a', imageID: '', state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
    lastState: { terminated: { exitCode: 1, finishedAt: new Date(Date.now() - 600_000).toISOString().replace(/\.\d+Z$/, 'Z') } } }] });
  await h.create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
}

const lines = (s: string) => s.trimEnd().split('\n');

describe('kubectl get printers', { concurrency: false }, () => {
  const h = useServer();
  before(() => seed(h));

  for (const v of ALL_VERSIONS) {
    describe(`kubectl ${versionName(v)}`, { concurrency: false }, () => {
      const get = (...args: string[]) => h.ok(v, ['-n', NS, 'get', ...args]);

      test('deployments, services, jobs and cronjobs tables (and -o wide)', async () => {
        const deps = await get('deployments');
        assert.match(deps, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/3\s+3\s+2\s+\d+s$/m);
        assert.match(await get('deploy', '-o', 'wide'), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+2\/3\s+3\s+2\s+\d+s\s+nginx,log\s+nginx:1\.25,busybox\s+app=web$/m);

        const svcs = await get('services');
        assert.match(svcs, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
        assert.match(svcs, /^web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);
        assert.match(svcs, /^np\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+443:3\d{4}\/TCP,53:3\d{4}\/UDP\s+\d+s$/m);
        assert.match(await get('svc', 'web', '-o', 'wide'), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\nweb\s+.*\s+app=web$/m);

        const jobs = await get('jobs');
        assert.match(jobs, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
        assert.match(jobs, /^done\s+Complete\s+1\/1\s+45s\s+\d+s$/m);
        assert.match(jobs, /^failing\s+Failed\s+0\/1\s+\d+s\s+\d+s$/m);
        assert.match(jobs, /^running\s+Running\s+0\/1\s+\d+s\s+\d+s$/m);
        assert.match(await get('job', 'done', '-o', 'wide'), /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\ndone\s+Complete\s+1\/1\s+45s\s+\d+s\s+c\s+busybox\s+batch\.kubernetes\.io\/controller-uid=/m);

        const cj = await get('cronjobs');
        assert.match(cj, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+0 3 \* \* \*\s+Europe\/Paris\s+False\s+0\s+<none>\s+\d+s$/m);
      });

      test('pods: table, -o wide, --show-labels, -L, --sort-by and -A', async () => {
        const table = await get('pods');
        assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
        assert.match(table, /^pod-a\s+1\/1\s+Running\s+1 \(10m ago\)\s+\d+s$/m);
        assert.match(await get('pods', 'pod-a', '-o', 'wide'), /^pod-a\s+1\/1\s+Running\s+1 \(10m ago\)\s+\d+s\s+10\.42\.0\.9\s+<none>\s+<none>\s+<none>$/m);
        const labels = await get('pods', '--show-labels');
        assert.match(labels, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS$/m);
        assert.match(labels, /^pod-b\s+0\/1\s+Pending\s+0\s+\d+s\s+app=web,tier=back$/m);
        const cols = await get('pods', '-L', 'tier', '-L', 'missing');
        assert.match(cols, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+TIER\s+MISSING$/m);
        assert.match(cols, /^pod-c\s+0\/1\s+Pending\s+0\s+\d+s\s+front\s*$/m);
        const sorted = await get('pods', '--sort-by=.metadata.name', '-o', 'name');
        assert.deepEqual(lines(sorted), ['pod/pod-a', 'pod/pod-b', 'pod/pod-c']);
        const byImage = await get('pods', '--sort-by={.spec.containers[0].image}');
        assert.deepEqual(lines(byImage).slice(1).map((l) => l.split(/\s+/)[0]), ['pod-a', 'pod-b', 'pod-c']);
        const all = await h.ok(v, ['get', 'pods', '-A', '--sort-by=.metadata.name']);
        assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
        assert.match(all, /^default\s+elsewhere\s+0\/1\s+Pending/m);
        assert.match(all, /^print\s+pod-a\s+1\/1\s+Running/m);
        assert.match(await get('pods', '-l', 'tier=front', '-L', 'tier', '--no-headers'), /^pod-a\s.*front\npod-c\s.*front$/m);
      });

      test('-o yaml, json, jsonpath, custom-columns and name', async () => {
        const list = YAML.parse(await get('pods', '-o', 'yaml'));
        assert.equal(list.kind, 'List');
        assert.deepEqual(list.items.map((p: any) => p.metadata.name).sort(), ['pod-a', 'pod-b', 'pod-c']);
        assert.equal(list.items[0].kind, 'Pod');
        const one = JSON.parse(await get('pod', 'pod-b', '-o', 'json'));
        assert.deepEqual([one.kind, one.apiVersion, one.metadata.labels.tier, one.spec.containers[0].image], ['Pod', 'v1', 'back', 'img-pod-b']);
        assert.equal(await get('pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image};{end}'), 'pod-a=img-pod-a;pod-b=img-pod-b;pod-c=img-pod-c;');
        assert.equal(await get('deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}/{.spec.replicas}'), '2/3');
        const cc = await get('pods', '--sort-by=.metadata.name', '-o', 'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,IMAGE:.spec.containers[*].image,IP:.status.podIP');
        assert.deepEqual(lines(cc).map((l) => l.split(/\s+/)), [['NAME', 'TIER', 'IMAGE', 'IP'], ['pod-a', 'front', 'img-pod-a', '10.42.0.9'], ['pod-b', 'back', 'img-pod-b', '<none>'], ['pod-c', 'front', 'img-pod-c', '<none>']]);
        assert.deepEqual(lines(await get('deploy,svc', '-o', 'name')).sort(), ['deployment.apps/web', 'service/np', 'service/web']);
        const missing = await h.fails(v, ['-n', NS, 'get', 'pods', 'nope', '-o', 'name']);
        assert.match(missing.stderr, /pods "nope" not found/);
        const empty = await h.run(v, ['-n', 'kube-public', 'get', 'pods']);
        assert.equal(empty.code, 0);
        assert.match(empty.stderr, /No resources found in kube-public namespace\./);
      });

      test('get all lists every kind in the "all" category', async () => {
        const out = await get('all');
        for (const re of [/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m, /^pod\/pod-a\s+1\/1\s+Running/m, /^service\/web\s+ClusterIP/m,
          /^deployment\.apps\/web\s+2\/3\s+3\s+2/m, /^job\.batch\/done\s+Complete\s+1\/1/m, /^cronjob\.batch\/nightly\s+0 3 \* \* \*/m]) {
          assert.match(out, re);
        }
        assert.doesNotMatch(out, /elsewhere|configmap/);
      });

      test('api-resources', async () => {
        const out = await h.ok(v, ['api-resources']);
        assert.match(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
        for (const re of [/^pods\s+po\s+v1\s+true\s+Pod$/m, /^services\s+svc\s+v1\s+true\s+Service$/m, /^nodes\s+no\s+v1\s+false\s+Node$/m,
          /^events\s+ev\s+v1\s+true\s+Event$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m]) {
          assert.match(out, re);
        }
        assert.doesNotMatch(out, /^pods\/status/m, 'subresources are not listed');
        const apps = await h.ok(v, ['api-resources', '--api-group=apps', '-o', 'name']);
        assert.deepEqual(lines(apps).sort(), ['controllerrevisions.apps', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps']);
        const cluster = await h.ok(v, ['api-resources', '--namespaced=false', '-o', 'name']);
        assert.ok(lines(cluster).includes('namespaces') && lines(cluster).includes('nodes'));
        assert.ok(!lines(cluster).includes('pods'));
        const wide = await h.ok(v, ['api-resources', '-o', 'wide', '--api-group=batch']);
        assert.match(wide, /^jobs\s+batch\/v1\s+true\s+Job\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
      });
    });
  }

  for (const v of EDGE_VERSIONS) {
    test(`get -w --watch-only prints changes only (kubectl ${v})`, async () => {
      const p = spawn(KUBECTL[v], ['--kubeconfig', h.k.kubeconfig, '-n', NS, 'get', 'pods', '-w', '--watch-only', '-L', 'tier'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      try {
        const name = `watched-${v.replace('.', '-')}`;
        // Give the watch time to start, then change things.
        await new Promise((r) => setTimeout(r, 1500));
        await h.create(`/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { tier: 'w' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
        await eventually(`${name} in the watch output`, () => new RegExp(`^${name}\\s+0/1\\s+Pending\\s+0\\s+\\d+s\\s+w$`, 'm').test(out));
        await h.ok(v, ['-n', NS, 'label', 'pod', name, '--overwrite', 'tier=x']);
        await eventually('the relabel', () => new RegExp(`^${name}\\s.*\\sx$`, 'm').test(out));
        assert.doesNotMatch(out, /pod-a|pod-b|pod-c/, 'existing pods are not listed');
        const printed = lines(out);
        assert.match(printed[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+TIER$/, 'one header, printed with the first change');
        assert.ok(printed.slice(1).every((l) => l.startsWith(`${name} `)), out);
        assert.equal((await h.req('DELETE', `/api/v1/namespaces/${NS}/pods/${name}`, { gracePeriodSeconds: 0 })).status, 200);
      } finally {
        p.kill();
      }
    });
  }
});
