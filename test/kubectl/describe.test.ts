/**
 * kubectl describe against a real server, for kubectl 1.27, 1.32 and 1.33: pods, deployments, replicasets,
 * services, nodes, namespaces and jobs, each with its Events section. The controllers are off, so each test writes
 * the status, the owned ReplicaSet and the Events a controller or kubelet would; describe must pick exactly the
 * events of its object (field selectors on involvedObject.*). Last, the client's EventRecorder aggregates repeated
 * events on the real server into one Event with a count, which describe prints as `(xN over …)`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/client.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { ALL_VERSIONS, EDGE_VERSIONS, nsName, useServer, versionName, type Harness } from './harness.js';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');



/** Creates a core/v1 Event about `obj` in `ns`. */
async function event(h: Harness, ns: string, obj: any, e: { reason: string; message: string; type?: string; component: string; count?: number; name?: string; uid?: string }) {
  const ref = { kind: obj.kind, apiVersion: obj.apiVersion, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: e.uid ?? obj.metadata.uid };
  await h.create(`/api/v1/namespaces/${ns}/events`, {
    apiVersion: 'v1', kind: 'Event', metadata: { name: e.name ?? `${obj.metadata.name}.${Math.random().toString(16).slice(2)}` },
    involvedObject: ref, reason: e.reason, message: e.message, type: e.type ?? 'Normal', source: { component: e.component },
    firstTimestamp: ago(120), lastTimestamp: now(), count: e.count ?? 1,
  });
}

const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
});

describe('kubectl describe with events', { concurrency: false }, () => {
  const h = useServer();

  for (const v of ALL_VERSIONS) {
    describe(`kubectl ${versionName(v)}`, { concurrency: false }, () => {
      const ns = nsName('desc', v);
      const P = `/api/v1/namespaces/${ns}/pods`;
      const D = `/apis/apps/v1/namespaces/${ns}/deployments`;
      const RS = `/apis/apps/v1/namespaces/${ns}/replicasets`;

      test('pod: status, containers and only its own events', async () => {
        await h.namespace(ns);
        const pod = await h.create(P, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', labels: { app: 'p' } }, spec: { ...podTemplate('p').spec, nodeName: 'node-1' } });
        await h.setStatus(`${P}/p1`, {
          phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], hostIP: '10.0.0.1', startTime: ago(60),
          conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
          containerStatuses: [{ name: 'web', ready: true, restartCount: 2, image: 'nginx:1.25', imageID: 'sha256:abc', containerID: 'containerd://c1', started: true, state: { running: { startedAt: ago(50) } } }],
        });
        await event(h, ns, pod, { reason: 'Scheduled', message: `Successfully assigned ${ns}/p1 to node-1`, component: 'default-scheduler' });
        await event(h, ns, pod, { reason: 'BackOff', type: 'Warning', message: 'Back-off restarting failed container web', component: 'kubelet', count: 3 });
        // Same name, other uid (an earlier pod p1), and another pod: neither may show up.
        await event(h, ns, pod, { reason: 'Killing', message: 'from an older p1', component: 'kubelet', uid: '00000000-0000-0000-0000-000000000000' });
        await h.create(P, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1x' }, spec: podTemplate('x').spec });
        await event(h, ns, await h.get(`${P}/p1x`), { reason: 'Pulled', message: 'about p1x', component: 'kubelet' });

        const out = await h.ok(v, ['-n', ns, 'describe', 'pod', 'p1']);
        assert.match(out, /^Name:\s+p1$/m);
        assert.match(out, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
        assert.match(out, /^Node:\s+node-1\/10\.0\.0\.1$/m);
        assert.match(out, /^Labels:\s+app=p$/m);
        assert.match(out, /^Status:\s+Running$/m);
        assert.match(out, /^IP:\s+10\.42\.0\.5$/m);
        assert.match(out, /^\s+State:\s+Running$/m);
        assert.match(out, /^\s+Restart Count:\s+2$/m);
        assert.match(out, /^\s+Container ID:\s+containerd:\/\/c1$/m);
        assert.match(out, /^\s+Port:\s+80\/TCP$/m);
        assert.match(out, /^\s+Ready\s+True\s*$/m);
        assert.match(out, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n\s+----/m);
        assert.match(out, new RegExp(`^\\s+Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned ${ns}/p1 to node-1$`, 'm'));
        assert.match(out, /^\s+Warning\s+BackOff\s+\S+ \(x3 over \S+\)\s+kubelet\s+Back-off restarting failed container web$/m);
        assert.doesNotMatch(out, /older p1|about p1x/);
      });

      test('deployment and its replicaset: replicas, conditions, NewReplicaSet, Controlled By, events', async () => {
        const dep = await h.create(D, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate('web') } });
        await h.setStatus(`${D}/web`, {
          observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2,
          conditions: [
            { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
            { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-7d9f" has successfully progressed.' },
          ],
        });
        // The ReplicaSet the deployment controller would make: same template plus pod-template-hash, owned by the deployment.
        const tmpl = structuredClone(dep.spec.template);
        tmpl.metadata.labels['pod-template-hash'] = '7d9f';
        const rs = await h.create(RS, {
          apiVersion: 'apps/v1', kind: 'ReplicaSet',
          metadata: { name: 'web-7d9f', labels: { app: 'web', 'pod-template-hash': '7d9f' }, annotations: { 'deployment.kubernetes.io/revision': '1' },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }] },
          spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f' } }, template: tmpl },
        });
        await h.setStatus(`${RS}/web-7d9f`, { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 });
        await event(h, ns, dep, { reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-7d9f to 2', component: 'deployment-controller' });
        await event(h, ns, rs, { reason: 'SuccessfulCreate', message: 'Created pod: web-7d9f-abcde', component: 'replicaset-controller', count: 2 });

        const d = await h.ok(v, ['-n', ns, 'describe', 'deployment', 'web']);
        assert.match(d, /^Selector:\s+app=web$/m);
        assert.match(d, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
        assert.match(d, /^StrategyType:\s+RollingUpdate$/m);
        assert.match(d, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
        assert.match(d, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
        assert.match(d, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
        assert.match(d, /^OldReplicaSets:\s+<none>$/m);
        assert.match(d, /^NewReplicaSet:\s+web-7d9f \(2\/2 replicas created\)$/m);
        assert.match(d, /^\s+Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-7d9f to 2$/m);
        assert.doesNotMatch(d, /SuccessfulCreate/, 'the replicaset\'s events are not the deployment\'s');

        const r = await h.ok(v, ['-n', ns, 'describe', 'rs', 'web-7d9f']);
        assert.match(r, /^Controlled By:\s+Deployment\/web$/m);
        assert.match(r, /^Replicas:\s+2 current \/ 2 desired$/m);
        assert.match(r, /^Pods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
        assert.match(r, /^\s+Normal\s+SuccessfulCreate\s+\S+ \(x2 over \S+\)\s+replicaset-controller\s+Created pod: web-7d9f-abcde$/m);
        assert.doesNotMatch(r, /ScalingReplicaSet/);
      });

      test('service, namespace and job', async () => {
        const svc = await h.create(`/api/v1/namespaces/${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
        await event(h, ns, svc, { reason: 'EnsuredLoadBalancer', message: 'nothing to ensure', component: 'service-controller' });
        const s = await h.ok(v, ['-n', ns, 'describe', 'svc', 'web']);
        assert.match(s, /^Type:\s+ClusterIP$/m);
        assert.match(s, new RegExp(`^IP:\\s+${svc.spec.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
        assert.match(s, /^Port:\s+http\s+80\/TCP$/m);
        assert.match(s, /^TargetPort:\s+8080\/TCP$/m);
        assert.match(s, /^Selector:\s+app=web$/m);
        assert.match(s, /^\s+Normal\s+EnsuredLoadBalancer\s+\S+\s+service-controller\s+nothing to ensure$/m);

        const n = await h.ok(v, ['describe', 'namespace', ns]);
        assert.match(n, new RegExp(`^Name:\\s+${ns}$`, 'm'));
        assert.match(n, new RegExp(`^Labels:\\s+kubernetes\\.io/metadata\\.name=${ns}$`, 'm'));
        assert.match(n, /^Status:\s+Active$/m);

        const job = await h.create(`/apis/batch/v1/namespaces/${ns}/jobs`, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { completions: 3, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } } });
        await h.setStatus(`/apis/batch/v1/namespaces/${ns}/jobs/pi`, { active: 2, succeeded: 1, startTime: ago(30) });
        await event(h, ns, job, { reason: 'SuccessfulCreate', message: 'Created pod: pi-xyz', component: 'job-controller' });
        const j = await h.ok(v, ['-n', ns, 'describe', 'job', 'pi']);
        assert.match(j, /^Parallelism:\s+2$/m);
        assert.match(j, /^Completions:\s+3$/m);
        if (v !== '1.27') assert.match(j, /^Backoff Limit:\s+6$/m); // 1.27's describer does not print it
        assert.match(j, /^Pods Statuses:\s+2 Active (\(0 Ready\) )?\/ 1 Succeeded \/ 0 Failed$/m);
        assert.match(j, /^\s+Labels:\s+batch\.kubernetes\.io\/controller-uid=/m);
        assert.match(j, /^\s+Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: pi-xyz$/m);
      });
    });
  }

  describe('nodes', { concurrency: false }, () => {
    test('describe node: roles, conditions, addresses, capacity and kubelet events (uid = node name)', async () => {
      const node = await h.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' } } });
      await h.setStatus('/api/v1/nodes/node-1', {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: ago(300) }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
        capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm', systemUUID: 's', bootID: 'b', kubeProxyVersion: 'v1.32.0' },
      });
      // The kubelet records node events with the node's name as the uid; describe asks for both forms.
      await event(h, 'default', { ...node, metadata: { ...node.metadata, namespace: '' } }, { reason: 'NodeReady', message: 'Node node-1 status is now: NodeReady', component: 'kubelet', uid: 'node-1' });
      for (const v of EDGE_VERSIONS) {
        const out = await h.ok(v, ['describe', 'node', 'node-1']);
        assert.match(out, /^Roles:\s+control-plane$/m);
        assert.match(out, /^\s+Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status$/m);
        assert.match(out, /^\s+InternalIP:\s+10\.0\.0\.1$/m);
        assert.match(out, /^Capacity:\n\s+cpu:\s+4\n\s+memory:\s+8Gi\n\s+pods:\s+110$/m);
        assert.match(out, /^\s+Kubelet Version:\s+v1\.32\.0$/m);
        assert.match(out, /^\s+Normal\s+NodeReady\s+\S+\s+kubelet\s+Node node-1 status is now: NodeReady$/m);
        const table = await h.ok(v, ['get', 'nodes']);
        assert.match(table, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
        assert.match(table, /^node-1\s+Ready\s+control-plane\s+\d+s\s+v1\.32\.0$/m);
      }
    });
  });

  describe('event aggregation', { concurrency: false }, () => {
    test('the EventRecorder folds repeats into one Event on the real server; describe shows the count', async () => {
      const ns = 'events-agg';
      await h.namespace(ns);
      const pod = await h.create(`/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'flappy' }, spec: podTemplate('f').spec });
      const client = new Client(loadKubeconfig(h.k.kubeconfig));
      try {
        const rec = new EventRecorder(client, { component: 'kubelet', host: 'node-1' });
        // 20 repeats plus one other event: within client-go's per-object spam-filter burst of 25.
        for (let i = 0; i < 20; i++) {
          rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
          if (i % 7 === 0) await rec.flush();
        }
        rec.event(pod, 'Normal', 'Pulled', 'Container image "nginx:1.25" already present on machine');
        await rec.flush();
      } finally {
        client.close();
      }
      const sel = encodeURIComponent(`involvedObject.name=flappy,involvedObject.uid=${pod.metadata.uid}`);
      const list = await h.get(`/api/v1/namespaces/${ns}/events?fieldSelector=${sel}`);
      const byReason = Object.fromEntries(list.items.map((e: any) => [e.reason, e]));
      assert.equal(list.items.length, 2, `twenty identical events are one object, not twenty: ${JSON.stringify(list.items.map((e: any) => [e.metadata.name, e.reason, e.count]))}\n${h.k.logs().slice(-3000)}`);
      assert.equal(byReason.BackOff.count, 20);
      assert.equal(byReason.BackOff.source.component, 'kubelet');
      assert.equal(byReason.Pulled.count, 1);
      for (const v of EDGE_VERSIONS) {
        const out = await h.ok(v, ['-n', ns, 'describe', 'pod', 'flappy']);
        assert.match(out, /^\s+Warning\s+BackOff\s+\S+ \(x20 over \S+\)\s+kubelet\s+Back-off restarting failed container web$/m);
        assert.match(out, /^\s+Normal\s+Pulled\s+\S+\s+kubelet\s+Container image "nginx:1\.25" already present on machine$/m);
        const ev = await h.ok(v, ['-n', ns, 'get', 'events']);
        assert.match(ev, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
        assert.match(ev, /^\S+\s+Warning\s+BackOff\s+pod\/flappy\s+Back-off restarting failed container web$/m);
        assert.equal(ev.trim().split('\n').length, 3, ev);
        const wide = await h.ok(v, ['-n', ns, 'get', 'events', '-o', 'wide', '--field-selector', 'reason=BackOff']);
        assert.match(wide, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/m);
        assert.match(wide, /\skubelet, node-1\s+Back-off restarting failed container web\s+\S+\s+20\s+flappy\.[0-9a-f]+$/m);
      }
    });
  });
});
