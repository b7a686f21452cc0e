/**
 * The kubectl battery of the foundation issue, run against a real `kubelite server` process by the real kubectl
 * binaries (1.27, 1.32, 1.33). The same battery runs on SQLite and on a real etcd (see the two *.test.ts files).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startKubelite, hasKubectl, KUBECTL, type KubeliteProcess, type StartOptions } from '../support/kubelite.js';

const POD = (name: string, labels: Record<string, string> = { app: 'web' }) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
${Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`).join('\n')}
spec:
  containers:
  - name: nginx
    image: nginx:1.7.9
    ports:
    - containerPort: 8090
`;

/** The kubectl versions every test runs with. */
export const VERSIONS = ['1.27', 'default', '1.33'].filter((v) => hasKubectl(v));

/** Registers the battery for one storage backend. `setup` returns the server options (and a teardown). */
export function kubectlSuite(name: string, setup: () => Promise<{ opts: StartOptions; teardown?: () => Promise<void> }>): void {
  describe(`kubectl against kubelite (${name})`, { concurrency: false }, () => {
    let k: KubeliteProcess;
    let teardown: (() => Promise<void>) | undefined;
    before(async () => {
      const s = await setup();
      teardown = s.teardown;
      // An API battery: no controllers, so the deployment it creates makes no pods that selectors would see.
      k = await startKubelite({ ...s.opts, args: [...(s.opts.args ?? []), '--disable-controller-manager', '--disable-scheduler'] });
    });
    after(async () => {
      await k?.stop();
      await teardown?.();
    });

    const ok = async (args: string[], opts: { version?: string; input?: string } = {}) => {
      const r = await k.kubectl(args, opts);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} (${opts.version ?? 'default'}) failed:\n${r.stderr}\n--- server log ---\n${k.logs().slice(-3000)}`);
      return r.stdout;
    };

    test('namespaces and api-resources', async () => {
      const out = await ok(['get', 'namespaces']);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s`, 'm'));
      assert.match(out, /^NAME\s+STATUS\s+AGE$/m);
      const res = await ok(['api-resources']);
      assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(res, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    });

    for (const v of VERSIONS) {
      const ns = `ns-${v.replace('.', '-')}`;
      describe(`kubectl ${v === 'default' ? '1.32' : v}`, { concurrency: false }, () => {
        test('create namespace, deployment and configmap (protobuf bodies on 1.32+)', async () => {
          assert.match(await ok(['create', 'namespace', ns], { version: v }), new RegExp(`namespace/${ns} created`));
          assert.match(await ok(['-n', ns, 'create', 'deployment', 'web', '--image=nginx:1.7.9', '--replicas=2'], { version: v }), /deployment.apps\/web created/);
          assert.match(await ok(['-n', ns, 'create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=2'], { version: v }), /configmap\/cfg created/);
          const dep = JSON.parse(await ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'json'], { version: v }));
          assert.equal(dep.spec.replicas, 2);
          assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:1.7.9');
          // Defaults applied by the server.
          assert.equal(dep.spec.strategy.type, 'RollingUpdate');
          assert.equal(dep.spec.strategy.rollingUpdate.maxSurge, '25%');
          assert.equal(dep.spec.revisionHistoryLimit, 10);
          assert.equal(dep.spec.progressDeadlineSeconds, 600);
          assert.equal(dep.metadata.generation, 1);
          const cm = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'cfg', '-o', 'json'], { version: v }));
          assert.deepEqual(cm.data, { a: '1', b: '2' });
        });

        test('create -f with validation on, then get in every output', async () => {
          assert.match(await ok(['-n', ns, 'create', '-f', '-'], { version: v, input: POD('nginx') }), /pod\/nginx created/);
          const table = await ok(['-n', ns, 'get', 'pods'], { version: v });
          assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
          assert.match(table, /^nginx\s+0\/1\s+Pending\s+0\s+\d+s$/m);
          const wide = await ok(['-n', ns, 'get', 'pods', '-o', 'wide'], { version: v });
          assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
          const yaml = await ok(['-n', ns, 'get', 'pod', 'nginx', '-o', 'yaml'], { version: v });
          assert.match(yaml, /restartPolicy: Always/);
          assert.match(yaml, /dnsPolicy: ClusterFirst/);
          assert.match(yaml, /terminationGracePeriodSeconds: 30/);
          assert.match(yaml, /imagePullPolicy: IfNotPresent/);
          assert.match(yaml, /uid: [0-9a-f-]{36}/);
          const jp = await ok(['-n', ns, 'get', 'pod', 'nginx', '-o', 'jsonpath={.spec.containers[0].ports[0].containerPort}'], { version: v });
          assert.equal(jp, '8090');
        });

        test('unknown fields are refused under the default strict validation', async () => {
          const bad = POD('typo').replace('    image: nginx:1.7.9', '    image: nginx:1.7.9\n    imagePullPolicyy: Always');
          const r = await k.kubectl(['-n', ns, 'create', '-f', '-'], { version: v, input: bad });
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /unknown field "spec\.containers\[0\]\.imagePullPolicyy"/);
          const get = await k.kubectl(['-n', ns, 'get', 'pod', 'typo'], { version: v });
          assert.match(get.stderr, /pods "typo" not found/);
        });

        test('errors kubectl prints for 404, 409 and 422', async () => {
          const nf = await k.kubectl(['-n', ns, 'get', 'pod', 'nope'], { version: v });
          assert.equal(nf.code, 1);
          assert.match(nf.stderr, /Error from server \(NotFound\): pods "nope" not found/);
          const dup = await k.kubectl(['-n', ns, 'create', '-f', '-'], { version: v, input: POD('nginx') });
          assert.match(dup.stderr, /Error from server \(AlreadyExists\): error when creating "STDIN": pods "nginx" already exists/);
          const invalid = POD('bad').replace('    image: nginx:1.7.9\n', '');
          const inv = await k.kubectl(['-n', ns, 'create', '-f', '-'], { version: v, input: invalid });
          assert.match(inv.stderr, /The Pod "bad" is invalid: \n?\* ?spec\.containers\[0\]\.image: Required value|The Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);
        });

        test('replace with a stale resourceVersion is a conflict', async () => {
          const cur = JSON.parse(await ok(['-n', ns, 'get', 'pod', 'nginx', '-o', 'json'], { version: v }));
          await ok(['-n', ns, 'label', 'pod', 'nginx', 'tier=front'], { version: v });
          cur.metadata.labels.extra = 'x';
          const r = await k.kubectl(['-n', ns, 'replace', '-f', '-'], { version: v, input: JSON.stringify(cur) });
          assert.equal(r.code, 1);
          assert.match(r.stderr, /Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on pods "nginx": the object has been modified; please apply your changes to the latest version and try again/);
        });

        test('label selections, equality- and set-based', async () => {
          await ok(['-n', ns, 'create', '-f', '-'], { version: v, input: POD('a1', { app: 'api', tier: 'back' }) });
          await ok(['-n', ns, 'create', '-f', '-'], { version: v, input: POD('a2', { app: 'api', tier: 'front' }) });
          const names = async (sel: string) => (await ok(['-n', ns, 'get', 'pods', '-l', sel, '-o', 'name'], { version: v })).trim().split('\n').filter(Boolean).sort();
          assert.deepEqual(await names('app=api'), ['pod/a1', 'pod/a2']);
          assert.deepEqual(await names('app=api,tier!=front'), ['pod/a1']);
          assert.deepEqual(await names('tier in (front,middle)'), ['pod/a2', 'pod/nginx']);
          assert.deepEqual(await names('app notin (api)'), ['pod/nginx']);
          assert.deepEqual(await names('!tier'), []);
          await ok(['-n', ns, 'label', 'pods', '-l', 'app=api', 'owner=team-a'], { version: v });
          assert.deepEqual(await names('owner=team-a'), ['pod/a1', 'pod/a2']);
        });

        test('get -w --output-watch-events sees changes', async () => {
          const bin = KUBECTL[v];
          const p = spawn(bin, ['--kubeconfig', k.kubeconfig, '-n', ns, 'get', 'pods', '-w', '--output-watch-events'], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          p.stdout.on('data', (d) => (out += d));
          try {
            const waitFor = async (re: RegExp) => {
              for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
              assert.match(out, re);
            };
            await waitFor(/^ADDED\s+nginx\s/m);
            await ok(['-n', ns, 'create', '-f', '-'], { version: v, input: POD('w1') });
            await waitFor(/^ADDED\s+w1\s/m);
            await ok(['-n', ns, 'label', 'pod', 'w1', 'seen=yes'], { version: v });
            await waitFor(/^MODIFIED\s+w1\s/m);
            await ok(['-n', ns, 'delete', 'pod', 'w1'], { version: v });
            await waitFor(/^DELETED\s+w1\s/m);
          } finally {
            p.kill();
          }
        });

        test('delete and delete --wait', async () => {
          assert.match(await ok(['-n', ns, 'delete', 'pod', 'a1'], { version: v }), /pod "a1" deleted/);
          assert.match(await ok(['-n', ns, 'delete', 'pod', 'a2', '--wait=true'], { version: v }), /pod "a2" deleted/);
          const r = await k.kubectl(['-n', ns, 'get', 'pod', 'a1'], { version: v });
          assert.match(r.stderr, /NotFound/);
        });
      });
    }
  });
}
