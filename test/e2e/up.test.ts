// End to end: one real `kubelite up` (control plane + embedded containerd + kubelet + kube-proxy + ingress + DNS),
// driven only by the real kubectl and `kubelite images import`, the way a user would. The seed's YAML runs verbatim
// (the RC with its template's `spec:` moved out of `metadata:`, where the seed mis-indents it); Services answer on
// ClusterIP from the host and from a pod, through cluster DNS, on a NodePort and behind an Ingress. A second `up` on
// the same data dir is refused without disturbing the first, and after SIGTERM with --cleanup nothing is left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { KUBELITE_BIN, hasKubectl, run } from '../support/kubelite.js';
import { containerdSkipReason } from '../support/containerd.js';
import { testImages } from '../support/images.js';
import { E2E_DNS_IP, eventually, leftovers, startUp, type UpProcess } from './up-cluster.js';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'kubelite up e2e needs root (containerd, runc, CNI, nftables, routes)';
  const r = containerdSkipReason(['busybox', 'nginx', 'redis']);
  if (r) return `kubelite up e2e: ${r}`;
  if (!hasKubectl()) return 'kubelite up e2e needs kubectl at /usr/bin/kubectl';
  return undefined;
}
const skip = skipReason();

/** The seed's nginx Pod, verbatim. */
const SEED_NGINX_POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.7.9
    ports:
    - containerPort: 8090
`;

/** The seed's multi-container Pod sharing an emptyDir, verbatim (including the space after the name and in `name :`). */
const SEED_SHARED_VOLUMES = `apiVersion: v1
kind: Pod
metadata:
  name: shared-volumes 
spec:
  containers:
  - name: redis
    image: redis
    volumeMounts:
    - name: shared-storage
      mountPath: /data/shared
  - name: nginx
    image: nginx
    volumeMounts:
    - name: shared-storage
      mountPath: /data/shared
  volumes:
  - name : shared-storage
    emptyDir: {}
`;

/** The seed's ReplicationController exactly as written: its template's `spec:` sits inside `metadata:`. */
const SEED_RC_VERBATIM = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    app: nginx
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
      spec:
        containers:
          - name: nginx
            image: nginx
            ports:
            - containerPort: 80
`;

/** The same RC with only the template's `spec:` block (the seed's last lines) moved two spaces left, out of `metadata:`. */
const SEED_RC_FIXED = SEED_RC_VERBATIM.replace(/^ {6}spec:\n[^]*$/m, (block) => block.replace(/^ {2}/gm, ''));

/** A busybox pod that serves `body` at /<path> with busybox httpd on port 8080. */
function httpdPod(name: string, label: string, path: string, body: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${label}
spec:
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo ${body} > /www/${path} && exec httpd -f -p 8080 -h /www"]
    ports:
    - containerPort: 8080
    readinessProbe:
      tcpSocket:
        port: 8080
      periodSeconds: 1
`;
}

/** One HTTP GET to an address of this machine. */
function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('kubelite up end to end', { skip }, () => {
  let up: UpProcess;

  const kubectl = (args: string[], input?: string) => up.kubectl(args, { input, timeoutMs: 90_000 });
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const waitReady = (target: string) => ok(['wait', '--for=condition=Ready', target, '--timeout=90s']);
  const jsonpath = async (args: string[], path: string) => (await ok(['get', ...args, '-o', `jsonpath=${path}`])).trim();
  /** Waits for `n` Ready pods with a label and returns their IPs. */
  const readyPodIPs = (selector: string, n: number) => eventually(`${n} Ready pods ${selector}`, async () => {
    const pods = JSON.parse(await ok(['get', 'pods', '-l', selector, '-o', 'json'])).items as any[];
    const ready = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === n && pods.length === n ? ready.map((p) => p.status.podIP as string).sort() : undefined;
  }, 90_000, 500);

  before(async () => {
    const images = testImages(['busybox', 'nginx', 'redis']);
    up = await startUp({ images: Object.values(images) });
    console.log(`kubelite up: Ready ${up.readySeconds}s after start (loadavg ${readFileSync('/proc/loadavg', 'utf8').trim()})`);
    // A client pod for in-cluster checks.
    await ok(['run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
  });

  after(async () => {
    if (!up) return;
    await up.stop();
    assert.ok(up.proc.exitCode === 0 || up.proc.signalCode !== null, `kubelite up exited with ${up.proc.exitCode}:\n${up.logs().slice(-4000)}`);
    assert.deepEqual(leftovers(up), [], 'kubelite up --cleanup left state behind');
  });

  test('up prints how long it took to be Ready, within 10 s', () => {
    assert.match(up.logs(), /node \S+ is Ready [\d.]+s after start/);
    assert.ok(up.readySeconds > 0 && up.readySeconds <= 10, `Ready took ${up.readySeconds}s`);
  });

  test('images import made the offline images available under their archive names', async () => {
    const r = await run(process.execPath, [KUBELITE_BIN, 'images', 'ls', '--data-dir', up.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['docker.io/library/busybox:latest', 'docker.io/library/nginx:1.7.9', 'docker.io/library/nginx:latest', 'docker.io/library/redis:latest']) {
      assert.match(r.stdout, new RegExp(`^${name.replace(/[.:/]/g, '\\$&')}\\s`, 'm'));
    }
  });

  test("the seed's nginx Pod runs and answers HTTP on port 80 of its pod IP", async () => {
    await ok(['apply', '-f', '-'], SEED_NGINX_POD);
    await waitReady('pod/nginx');
    const ip = await jsonpath(['pod', 'nginx'], '{.status.podIP}');
    assert.match(ip, /^10\.244\.\d+\.\d+$/);
    const res = await eventually('nginx answers', () => httpGet(`http://${ip}/`).catch(() => undefined), 20_000);
    assert.equal(res.status, 200);
    assert.match(res.body, /Welcome to nginx/);
  });

  test("the seed's shared-volumes Pod: redis and nginx share an emptyDir", async () => {
    await ok(['apply', '-f', '-'], SEED_SHARED_VOLUMES);
    await waitReady('pod/shared-volumes');
    assert.equal(await jsonpath(['pod', 'shared-volumes'], '{.status.containerStatuses[*].ready}'), 'true true');
    await ok(['exec', 'shared-volumes', '-c', 'redis', '--', 'sh', '-c', 'echo written-by-redis > /data/shared/hello']);
    assert.equal((await ok(['exec', 'shared-volumes', '-c', 'nginx', '--', 'cat', '/data/shared/hello'])).trim(), 'written-by-redis');
    // And the other way round, with the redis server itself running in its container.
    await ok(['exec', 'shared-volumes', '-c', 'nginx', '--', 'sh', '-c', 'echo from-nginx > /data/shared/back']);
    assert.equal((await ok(['exec', 'shared-volumes', '-c', 'redis', '--', 'cat', '/data/shared/back'])).trim(), 'from-nginx');
  });

  test("the seed's ReplicationController: the mis-indented original is rejected, the re-indented one runs 3 nginx", async () => {
    const bad = await kubectl(['apply', '-f', '-'], SEED_RC_VERBATIM);
    assert.notEqual(bad.code, 0, `the mis-indented RC was accepted: ${bad.stdout}`);
    assert.match(bad.stderr, /spec\.template\.(metadata\.spec|spec\.containers)/, bad.stderr);
    await ok(['apply', '-f', '-'], SEED_RC_FIXED);
    const ips = await readyPodIPs('app=nginx', 3);
    const res = await httpGet(`http://${ips[0]}/`);
    assert.equal(res.status, 200);
    assert.equal(await jsonpath(['rc', 'nginx'], '{.status.readyReplicas}'), '3');
  });

  test('a Deployment behind a Service answers on its ClusterIP from the host and from a pod, and by DNS name', async () => {
    await ok(['create', 'deployment', 'web', '--image=nginx:1.7.9', '--replicas=2', '--port=80']);
    await ok(['expose', 'deployment', 'web', '--port=80']);
    const podIPs = await readyPodIPs('app=web', 2);
    const clusterIP = await jsonpath(['service', 'web'], '{.spec.clusterIP}');
    assert.match(clusterIP, /^10\.96\.\d+\.\d+$/);
    const fromHost = await eventually('ClusterIP answers from the host', () => httpGet(`http://${clusterIP}/`).catch(() => undefined), 30_000);
    assert.equal(fromHost.status, 200);
    assert.match(fromHost.body, /Welcome to nginx/);
    await waitReady('pod/client');
    // busybox-static's wget cannot resolve names (static glibc NSS), so it is given the address; its -T (timeout)
    // crashes it too, so kubectl's timeout bounds it instead.
    const fromPod = await eventually('ClusterIP answers from a pod', async () => {
      const r = await up.kubectl(['exec', 'client', '--', 'wget', '-q', '-O', '-', `http://${clusterIP}/`], { timeoutMs: 10_000 });
      return r.code === 0 ? r.stdout : undefined;
    }, 30_000, 500);
    assert.match(fromPod, /Welcome to nginx/);

    const resolv = await ok(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
    assert.match(resolv, new RegExp(`nameserver ${E2E_DNS_IP.replace(/\./g, '\\.')}`));
    assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    const a = await eventually('nslookup of the Service', async () => {
      const r = await kubectl(['exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local']);
      return r.code === 0 && r.stdout.includes(clusterIP) ? r.stdout : undefined;
    }, 30_000, 500);
    assert.match(a, new RegExp(`Address:\\s+${clusterIP.replace(/\./g, '\\.')}`));

    // A headless Service resolves to the pods themselves.
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web-headless\nspec:\n  clusterIP: None\n  selector:\n    app: web\n  ports:\n  - port: 80\n');
    const headless = await eventually('nslookup of the headless Service lists both pods', async () => {
      const r = await kubectl(['exec', 'client', '--', 'nslookup', 'web-headless.default.svc.cluster.local']);
      return r.code === 0 && podIPs.every((ip) => r.stdout.includes(ip)) ? r.stdout : undefined;
    }, 30_000, 500);
    assert.ok(!headless.includes(clusterIP), headless);
  });

  test('kubectl logs, logs -f and exec with an exit code', async () => {
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: counter
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.5; done"]
`);
    await eventually('counter running', async () => (await jsonpath(['pod', 'counter'], '{.status.phase}')) === 'Running', 60_000);
    // -f follows the file while the container writes, and ends when the container does.
    const started = Date.now();
    const follow = await kubectl(['logs', '-f', 'counter']);
    assert.equal(follow.code, 0, follow.stderr);
    assert.deepEqual(follow.stdout.trim().split('\n'), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `line ${i}`));
    assert.ok(Date.now() - started < 30_000);
    const logs = await ok(['logs', 'counter', '--tail=2']);
    assert.equal(logs.trim(), 'line 7\nline 8');

    // A follow of a pod that keeps running is bounded by the test: it must stream lines as they come.
    const bin = '/usr/bin/kubectl';
    await ok(['run', 'ticker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done']);
    await waitReady('pod/ticker');
    const streamed = await new Promise<string>((resolve, reject) => {
      const p = spawn(bin, ['--kubeconfig', up.kubeconfig, 'logs', '-f', 'ticker'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`logs -f streamed only: ${out}`));
      }, 20_000);
      p.stdout.on('data', (d) => {
        out += d;
        // Five new lines after the call began prove it follows.
        const n = [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
        if (n.length >= 5 && n[n.length - 1] - n[0] >= 4) {
          clearTimeout(timer);
          p.kill();
          resolve(out);
        }
      });
    });
    assert.match(streamed, /tick \d+\ntick \d+/);

    const exit3 = await kubectl(['exec', 'nginx', '--', 'sh', '-c', 'exit 3']);
    assert.equal(exit3.code, 3, exit3.stderr);
    assert.equal((await ok(['exec', 'nginx', '--', 'sh', '-c', 'echo $((6*7))'])).trim(), '42');
  });

  test('kubectl top pods eventually reports the running pods', async () => {
    const out = await eventually('kubectl top pods', async () => {
      const r = await kubectl(['top', 'pods']);
      return r.code === 0 && /^nginx\s+\d+m\s+\d+Mi/m.test(r.stdout) && r.stdout.includes('shared-volumes') ? r.stdout : undefined;
    }, 90_000, 2000);
    assert.match(out, /NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const nodes = await eventually('kubectl top nodes', async () => {
      const r = await kubectl(['top', 'nodes']);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000, 2000);
    assert.match(nodes, /\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  test("the seed's Ingress idea: /user and /products go to two NodePort Services", async () => {
    await ok(['apply', '-f', '-'], httpdPod('user', 'user', 'user', 'user-service'));
    await ok(['apply', '-f', '-'], httpdPod('products', 'products', 'products', 'products-service'));
    for (const name of ['user', 'products']) {
      await ok(['create', 'service', 'nodeport', `${name}-svc`, '--tcp=80:8080']);
      // `create service` selects app=<name of the service>; point it at the pod.
      await ok(['set', 'selector', `service/${name}-svc`, `app=${name}`]);
    }
    await waitReady('pod/user');
    await waitReady('pod/products');
    const nodePort = Number(await jsonpath(['service', 'user-svc'], '{.spec.ports[0].nodePort}'));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    const viaNodePort = await eventually('NodePort answers on 127.0.0.1', () => httpGet(`http://127.0.0.1:${nodePort}/user`).catch(() => undefined), 30_000);
    assert.equal(viaNodePort.status, 200);
    assert.equal(viaNodePort.body.trim(), 'user-service');

    await ok(['apply', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
  - http:
      paths:
      - path: /user
        pathType: Prefix
        backend:
          service:
            name: user-svc
            port:
              number: 80
      - path: /products
        pathType: Prefix
        backend:
          service:
            name: products-svc
            port:
              number: 80
`);
    const base = `http://127.0.0.1:${up.ingressPort}`;
    const user = await eventually('ingress routes /user', async () => {
      const r = await httpGet(`${base}/user`).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 30_000);
    assert.equal(user.body.trim(), 'user-service');
    const products = await eventually('ingress routes /products', async () => {
      const r = await httpGet(`${base}/products`).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 30_000);
    assert.equal(products.body.trim(), 'products-service');
    assert.equal((await httpGet(`${base}/elsewhere`)).status, 404);
  });

  test('a second kubelite up on the same data dir fails naming the first, and leaves it alone', async () => {
    const second = await run(process.execPath, [KUBELITE_BIN, ...up.args], { timeoutMs: 60_000 });
    assert.notEqual(second.code, 0, second.stdout);
    assert.match(second.stderr + second.stdout, new RegExp(`in use by kubelite process ${up.proc.pid}\\b`));
    assert.ok(up.proc.exitCode === null, 'the first up exited');
    assert.match(await ok(['get', 'pods']), /^nginx\s+1\/1\s+Running/m);
    const ip = await jsonpath(['pod', 'nginx'], '{.status.podIP}');
    assert.equal((await httpGet(`http://${ip}/`)).status, 200);
  });
});
