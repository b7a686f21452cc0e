/**
 * kubectl apply against a real server, for kubectl 1.27, 1.32 and 1.33: client-side apply repeated with changes
 * (strategic merge with merge keys, removals through the last-applied annotation, `unchanged`), Services keeping
 * their allocations, server-side apply with managedFields and conflicts, `kubectl diff` and `--dry-run=server`
 * storing nothing, `kubectl explain`, and `--validate=strict`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_VERSIONS, nsName, useServer, versionName } from './harness.js';

const DEP_V1 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        ports:
        - {containerPort: 80, name: http}
        - {containerPort: 443, name: https}
        volumeMounts:
        - {name: data, mountPath: /data}
        - {name: cache, mountPath: /cache}
      - name: side
        image: busybox
        command: ["sleep", "3600"]
      volumes:
      - {name: data, emptyDir: {}}
      - {name: cache, emptyDir: {}}
      tolerations:
      - {key: a, operator: Exists}
`;

// Changes every list kind: an env entry changed, one removed and one added; a port, a mount, a volume and a
// container removed; the tolerations list (atomic) replaced; replicas and image changed.
const DEP_V2 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.26
        env:
        - {name: B, value: "22"}
        - {name: C, value: "3"}
        ports:
        - {containerPort: 443, name: https}
        volumeMounts:
        - {name: cache, mountPath: /cache}
      volumes:
      - {name: cache, emptyDir: {}}
      tolerations:
      - {key: b, operator: Exists}
`;

const SVC = (targetPort: number) => `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: ${targetPort}}
`;

const CM = (data: Record<string, string>, name = 'cfg') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}
`;

describe('kubectl apply, diff, dry run, explain', { concurrency: false }, () => {
  const h = useServer();

  for (const v of ALL_VERSIONS) {
    describe(`kubectl ${versionName(v)}`, { concurrency: false }, () => {
      const ns = nsName('apply', v);
      const D = `/apis/apps/v1/namespaces/${ns}/deployments`;

      test('client-side apply: created, unchanged, then configured with every merge key honoured', async () => {
        await h.namespace(ns);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: DEP_V1 }), /^deployment\.apps\/web created$/m);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: DEP_V1 }), /^deployment\.apps\/web unchanged$/m);
        const first = await h.get(`${D}/web`);
        const lastApplied = JSON.parse(first.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
        assert.equal(lastApplied.spec.replicas, 2);
        assert.equal(first.metadata.generation, 1);

        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: DEP_V2 }), /^deployment\.apps\/web configured$/m);
        const dep = await h.get(`${D}/web`);
        const spec = dep.spec.template.spec;
        assert.equal(dep.spec.replicas, 3);
        assert.deepEqual(spec.containers.map((c: any) => c.name), ['nginx'], 'the removed container is gone');
        const c = spec.containers[0];
        assert.equal(c.image, 'nginx:1.26');
        assert.deepEqual(c.env, [{ name: 'B', value: '22' }, { name: 'C', value: '3' }]);
        assert.deepEqual(c.ports, [{ containerPort: 443, name: 'https', protocol: 'TCP' }]);
        assert.deepEqual(c.volumeMounts, [{ name: 'cache', mountPath: '/cache' }]);
        assert.deepEqual(spec.volumes, [{ name: 'cache', emptyDir: {} }]);
        assert.deepEqual(spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
        // Server defaults the file never mentioned survive the three-way merge.
        assert.equal(c.imagePullPolicy, 'IfNotPresent');
        assert.equal(spec.restartPolicy, 'Always');
        assert.equal(dep.metadata.generation, 2);
      });

      test('client-side apply keeps what others changed outside the file', async () => {
        await h.ok(v, ['-n', ns, 'label', 'deploy', 'web', 'team=blue']);
        await h.ok(v, ['-n', ns, 'set', 'env', 'deploy/web', '-c', 'nginx', 'D=4']);
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: DEP_V2.replace('nginx:1.26', 'nginx:1.27') });
        const dep = await h.get(`${D}/web`);
        assert.equal(dep.metadata.labels.team, 'blue');
        const c = dep.spec.template.spec.containers[0];
        assert.equal(c.image, 'nginx:1.27');
        assert.deepEqual(c.env.map((e: any) => `${e.name}=${e.value}`).sort(), ['B=22', 'C=3', 'D=4']);
        // Removing an entry from the file removes just that entry; what others added stays.
        const noC = DEP_V2.replace('nginx:1.26', 'nginx:1.27').replace('        - {name: C, value: "3"}\n', '');
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: noC });
        const after = await h.get(`${D}/web`);
        assert.deepEqual(after.spec.template.spec.containers[0].env.map((e: any) => e.name).sort(), ['B', 'D']);
        // Removing the whole list from the file removes the field (a null in the three-way patch), as upstream.
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: noC.replace(/ {8}env:\n(?: {8}- .*\n)+/, '') });
        assert.equal((await h.get(`${D}/web`)).spec.template.spec.containers[0].env, undefined);
      });

      test('client-side apply orders a list like upstream: new entries from the file before entries only the server has', async () => {
        const dep = (env: string[]) => DEP_V1.replace('name: web\n  labels', 'name: ordered\n  labels')
          .replace(/ {8}env:\n(?: {8}- .*\n)+/, `        env:\n${env.map((n) => `        - {name: ${n}, value: "1"}\n`).join('')}`);
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: dep(['A']) });
        await h.ok(v, ['-n', ns, 'set', 'env', 'deploy/ordered', '-c', 'nginx', 'Z=1']);
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: dep(['NEW', 'A']) });
        const env = (await h.get(`${D}/ordered`)).spec.template.spec.containers[0].env.map((e: any) => e.name);
        assert.deepEqual(env, ['NEW', 'A', 'Z'], 'as mergeSortedSlice: Z is placed by its live position after A');
      });

      test('a Service applied twice keeps its cluster IP and node port', async () => {
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: SVC(8080) }), /^service\/web created$/m);
        const before = await h.get(`/api/v1/namespaces/${ns}/services/web`);
        assert.match(before.spec.clusterIP, /^10\.43\./);
        assert.ok(before.spec.ports[0].nodePort >= 30000);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: SVC(8081) }), /^service\/web configured$/m);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: SVC(8081) }), /^service\/web unchanged$/m);
        const after = await h.get(`/api/v1/namespaces/${ns}/services/web`);
        assert.equal(after.spec.clusterIP, before.spec.clusterIP);
        assert.deepEqual(after.spec.clusterIPs, before.spec.clusterIPs);
        assert.equal(after.spec.ports[0].nodePort, before.spec.ports[0].nodePort);
        assert.equal(after.spec.ports[0].targetPort, 8081);
        // Changing the type drops what only the old type needed (node ports, externalTrafficPolicy), as upstream.
        assert.match(await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: SVC(8081).replace('type: NodePort', 'type: ClusterIP') }), /^service\/web configured$/m);
        const cluster = await h.get(`/api/v1/namespaces/${ns}/services/web`);
        assert.deepEqual([cluster.spec.type, cluster.spec.clusterIP, cluster.spec.ports[0].nodePort, cluster.spec.externalTrafficPolicy], ['ClusterIP', before.spec.clusterIP, undefined, undefined]);
      });

      test('server-side apply: managedFields per manager, conflicts, --force-conflicts, removal of owned fields', async () => {
        const CMP = `/api/v1/namespaces/${ns}/configmaps/cfg`;
        assert.match(await h.ok(v, ['-n', ns, 'apply', '--server-side', '-f', '-'], { input: CM({ a: '1', b: '2', c: '3' }) }), /^configmap\/cfg serverside-applied$/m);
        let cm = await h.get(CMP);
        assert.deepEqual(cm.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
        assert.deepEqual(Object.keys(cm.metadata.managedFields[0].fieldsV1['f:data']).sort(), ['f:a', 'f:b', 'f:c']);

        // Dropping c from the manifest removes it: kubectl was its only owner.
        await h.ok(v, ['-n', ns, 'apply', '--server-side', '-f', '-'], { input: CM({ a: '1', b: '2' }) });
        cm = await h.get(CMP);
        assert.deepEqual(cm.data, { a: '1', b: '2' });

        // Another manager changing a field kubectl owns: 409, with the field named.
        const conflict = await h.fails(v, ['-n', ns, 'apply', '--server-side', '--field-manager=other', '-f', '-'], { input: CM({ a: '10', b: '2' }) });
        assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.a/);
        assert.match(conflict.stderr, /--force-conflicts/);
        assert.deepEqual((await h.get(CMP)).data, { a: '1', b: '2' }, 'nothing stored on conflict');

        assert.match(await h.ok(v, ['-n', ns, 'apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], { input: CM({ a: '10', b: '2' }) }), /serverside-applied/);
        cm = await h.get(CMP);
        assert.deepEqual(cm.data, { a: '10', b: '2' });
        const owners = Object.fromEntries(cm.metadata.managedFields.map((m: any) => [m.manager, Object.keys(m.fieldsV1['f:data'] ?? {}).sort()]));
        assert.deepEqual(owners, { kubectl: ['f:b'], other: ['f:a', 'f:b'] }, 'ownership of a moved to other; b is shared');
      });

      test('apply --server-side takes over from client-side apply without --force-conflicts, as the documented upgrade', async () => {
        const UP = `/api/v1/namespaces/${ns}/configmaps/upgrade`;
        await h.ok(v, ['-n', ns, 'apply', '-f', '-'], { input: CM({ a: '1', b: '2' }, 'upgrade') });
        // Another manager than kubectl does not inherit client-side apply's fields.
        const other = await h.fails(v, ['-n', ns, 'apply', '--server-side', '--field-manager=someone', '-f', '-'], { input: CM({ a: '9', b: '2' }, 'upgrade') });
        assert.match(other.stderr, /conflict with "kubectl-client-side-apply"/);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '--server-side', '-f', '-'], { input: CM({ a: '10', b: '2' }, 'upgrade') }), /^configmap\/upgrade serverside-applied$/m);
        const cm = await h.get(UP);
        assert.deepEqual(cm.data, { a: '10', b: '2' });
        const managers = cm.metadata.managedFields.map((m: any) => m.manager);
        assert.ok(managers.includes('kubectl') && !managers.includes('kubectl-client-side-apply'), `kubectl migrated the ownership: ${managers}`);
        // A field changed since the last apply by someone else is theirs: that conflict stands.
        await h.ok(v, ['-n', ns, 'patch', 'cm', 'upgrade', '--type=merge', '-p', '{"data":{"b":"changed"}}']);
        const drift = await h.fails(v, ['-n', ns, 'apply', '--server-side', '-f', '-'], { input: CM({ a: '10', b: '3' }, 'upgrade') });
        assert.match(drift.stderr, /conflict with "kubectl-patch" using v1: \.data\.b/);
      });

      test('server-side apply conflicts on the wire: 409 with FieldManagerConflict causes', async () => {
        const r = await h.req('PATCH', `/api/v1/namespaces/${ns}/configmaps/cfg?fieldManager=third`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '99' } },
          { 'content-type': 'application/apply-patch+yaml' });
        assert.equal(r.status, 409);
        const st = r.json();
        assert.equal(st.reason, 'Conflict');
        assert.deepEqual(st.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.data.a' }]);
      });

      test('kubectl diff shows the change and stores nothing', async () => {
        const before = await h.get(`${D}/web`);
        const same = await h.run(v, ['-n', ns, 'diff', '-f', '-'], { input: DEP_V2.replace('nginx:1.26', 'nginx:1.27').replace(/ {8}env:\n(?: {8}- .*\n)+/, '') });
        assert.equal(same.code, 0, same.stdout + same.stderr);
        assert.equal(same.stdout, '');
        const changed = await h.run(v, ['-n', ns, 'diff', '-f', '-'], { input: DEP_V1 });
        assert.equal(changed.code, 1, `diff exits 1 when there are differences: ${changed.stderr}`);
        assert.match(changed.stdout, /^-  replicas: 3$/m);
        assert.match(changed.stdout, /^\+  replicas: 2$/m);
        assert.match(changed.stdout, /^\+\s+image: busybox$/m);
        const created = await h.run(v, ['-n', ns, 'diff', '-f', '-'], { input: DEP_V1.replace('name: web\n  labels', 'name: web-new\n  labels') });
        assert.equal(created.code, 1);
        assert.match(created.stdout, /^\+  name: web-new$/m);
        const after = await h.get(`${D}/web`);
        assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
        assert.equal((await h.req('GET', `${D}/web-new`)).status, 404);
      });

      test('--dry-run=server on create, apply, server-side apply, patch and delete stores nothing', async () => {
        const before = await h.get(`${D}/web`);
        const newDep = DEP_V1.replace('name: web\n  labels', 'name: dry\n  labels');
        assert.match(await h.ok(v, ['-n', ns, 'create', '--dry-run=server', '-f', '-'], { input: newDep }), /^deployment\.apps\/dry created \(server dry run\)$/m);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '--dry-run=server', '-f', '-'], { input: newDep }), /^deployment\.apps\/dry created \(server dry run\)$/m);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '--dry-run=server', '-f', '-'], { input: DEP_V1 }), /^deployment\.apps\/web configured \(server dry run\)$/m);
        assert.match(await h.ok(v, ['-n', ns, 'apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], { input: DEP_V1 }), /serverside-applied \(server dry run\)/);
        await h.ok(v, ['-n', ns, 'patch', 'deploy', 'web', '--dry-run=server', '-p', '{"spec":{"replicas":9}}']);
        assert.match(await h.ok(v, ['-n', ns, 'delete', 'deploy', 'web', '--dry-run=server']), /^deployment\.apps "web" deleted \(server dry run\)$/m);
        const after = await h.get(`${D}/web`);
        assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
        assert.equal(after.spec.replicas, 3);
        assert.equal((await h.req('GET', `${D}/dry`)).status, 404);
      });

      test('kubectl explain prints the schema of a nested field', async () => {
        const out = await h.ok(v, ['explain', 'pod.spec.containers.livenessProbe']);
        assert.match(out, /^KIND:\s+Pod$/m);
        assert.match(out, /^VERSION:\s+v1$/m);
        assert.match(out, /^FIELD:\s+livenessProbe <Probe>$/m);
        for (const f of ['exec', 'failureThreshold', 'grpc', 'httpGet', 'initialDelaySeconds', 'periodSeconds', 'successThreshold', 'tcpSocket', 'timeoutSeconds']) {
          assert.match(out, new RegExp(`^  ${f}\\t<`, 'm'), `explain lists ${f}`);
        }
        const deep = await h.ok(v, ['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
        assert.match(deep, /^FIELD:\s+maxSurge <IntOrString>$/m);
        const missing = await h.fails(v, ['explain', 'pod.spec.nope']);
        assert.match(missing.stderr, /field "nope" does not exist/);
      });

      test('apply --validate=strict rejects unknown fields and stores nothing; --validate=false drops them', async () => {
        const before = await h.get(`${D}/web`);
        const typo = DEP_V2.replace('  replicas: 3\n', '  replicas: 4\n  replicaz: 3\n');
        const r = await h.fails(v, ['-n', ns, 'apply', '--validate=strict', '-f', '-'], { input: typo });
        assert.match(r.stderr, /unknown field "spec\.replicaz"/);
        assert.equal((await h.get(`${D}/web`)).metadata.resourceVersion, before.metadata.resourceVersion);
        const inContainer = CM({ a: '1' }, 'strict').replace('\ndata:', '\ndatta:');
        const created = await h.fails(v, ['-n', ns, 'apply', '--validate=strict', '-f', '-'], { input: inContainer });
        assert.match(created.stderr, /unknown field "datta"/);
        assert.equal((await h.req('GET', `/api/v1/namespaces/${ns}/configmaps/strict`)).status, 404);
        await h.ok(v, ['-n', ns, 'apply', '--validate=false', '-f', '-'], { input: inContainer.replace('\ndatta:', '\ndata:\n  k: v\nextra:\n  z: "1"\ndata2:') });
        const stored = await h.get(`/api/v1/namespaces/${ns}/configmaps/strict`);
        assert.equal(stored.extra, undefined);
        assert.equal(stored.data2, undefined);
      });
    });
  }
});
