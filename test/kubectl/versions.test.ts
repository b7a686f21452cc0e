/**
 * The middle kubectl versions (1.28–1.31) get one quick pass over the verbs the other files test in depth on 1.27,
 * 1.32 and 1.33: each version switches something (OpenAPI v2 → v3 for validation at 1.29, WebSocket clients at 1.30),
 * so a server that satisfies only the edges would show here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl } from '../support/kubelite.js';
import { nsName, useServer } from './harness.js';

const MIDDLE = ['1.28', '1.29', '1.30', '1.31'].filter((v) => hasKubectl(v));

const cm = (data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
${Object.entries(data).map(([k, val]) => `  ${k}: "${val}"`).join('\n')}
`;

describe('kubectl 1.28–1.31', { concurrency: false }, () => {
  const h = useServer();

  for (const v of MIDDLE) {
    test(`kubectl ${v}: apply, diff, server-side apply, explain, edit, scale, wait, describe, get`, async () => {
      const ns = nsName('mid', v);
      await h.namespace(ns);
      const n = ['-n', ns];
      assert.match(await h.ok(v, [...n, 'apply', '-f', '-'], { input: cm({ a: '1', b: '2' }) }), /configmap\/cfg created/);
      assert.match(await h.ok(v, [...n, 'apply', '-f', '-'], { input: cm({ a: '1', b: '2' }) }), /configmap\/cfg unchanged/);
      const diff = await h.run(v, [...n, 'diff', '-f', '-'], { input: cm({ a: '1' }) });
      assert.equal(diff.code, 1);
      assert.match(diff.stdout, /^-  b: "2"$/m);
      assert.match(await h.ok(v, [...n, 'apply', '-f', '-'], { input: cm({ a: '1' }) }), /configmap\/cfg configured/);
      assert.deepEqual((await h.get(`/api/v1/namespaces/${ns}/configmaps/cfg`)).data, { a: '1' });
      const strict = await h.fails(v, [...n, 'apply', '-f', '-'], { input: cm({ a: '1' }).replace('\ndata:', '\ndatta:') });
      assert.match(strict.stderr, /unknown field "datta"/);
      assert.match(await h.ok(v, [...n, 'apply', '--server-side', '-f', '-'], { input: cm({ a: '2' }) }), /serverside-applied/);
      assert.match(await h.ok(v, ['explain', 'pod.spec.containers.livenessProbe']), /^FIELD:\s+livenessProbe <Probe>$/m);

      assert.match(await h.ok(v, [...n, 'create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2']), /deployment\.apps\/web created/);
      assert.match(await h.ok(v, [...n, 'edit', 'deploy', 'web'], { env: { KUBE_EDITOR: 'sed -i s/nginx:1.25/nginx:1.26/' } }), /edited/);
      const put = await h.run(v, [...n, 'scale', 'deploy', 'web', '--current-replicas=2', '--replicas=3']);
      assert.equal(put.code, 0, put.stderr);
      const dep = await h.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
      assert.deepEqual([dep.spec.replicas, dep.spec.template.spec.containers[0].image], [3, 'nginx:1.26']);
      const wait = h.run(v, [...n, 'wait', '--for=condition=Available', 'deploy/web', '--timeout=30s']);
      await new Promise((r) => setTimeout(r, 700));
      await h.setStatus(`/apis/apps/v1/namespaces/${ns}/deployments/web`, { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] });
      const w = await wait;
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, /condition met/);
      assert.match(await h.ok(v, [...n, 'get', 'deploy']), /^web\s+3\/3\s+3\s+3\s+\d+s$/m);
      assert.match(await h.ok(v, [...n, 'describe', 'deploy', 'web']), /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    });
  }
});
