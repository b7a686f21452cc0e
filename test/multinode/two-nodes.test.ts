// Two real nodes, each a `kubelite agent` in its own network namespace joined to the host by a veth on bridge
// kltmn0, with a `kubelite server` on the host: node IPAM hands out distinct pod CIDRs, pods reach each other across
// nodes over host-gw routes, a ClusterIP Service whose only endpoint is on the other node answers, a NodePort
// answers on both node IPs, and when one node goes away a Deployment's pods move to the other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubelite, KUBELITE_BIN, run, type KubeliteProcess } from '../support/kubelite.js';
import { imagesSkipReason, testImage } from '../support/images.js';
import { LAB_HOST_IP, MultiNodeLab, labSkipReason, pidsMentioning } from './mn-lab.js';

const CLUSTER_CIDR = '10.245.0.0/16';
const SERVICE_CIDR = '10.97.0.0/16';
const skip = labSkipReason() ?? imagesSkipReason(['busybox']);

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

function nodeArgs(cleanup: boolean): string[] {
  return ['--cluster-cidr', CLUSTER_CIDR, '--service-cidr', SERVICE_CIDR, '--cluster-dns', '10.97.0.10', '--kubelet-port', '10250', ...(cleanup ? ['--cleanup'] : [])];
}

/** A busybox web server answering its pod name, pinned to a node by its hostname label. */
function webPod(name: string, node: string, app: string): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web', image: 'busybox:1.36',
        command: ['sh', '-c', 'mkdir -p /www && echo "$POD" > /www/index.html && exec httpd -f -p 80 -h /www'],
        env: [{ name: 'POD', value: name }],
        ports: [{ containerPort: 80 }],
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 },
      }],
    },
  };
}

function clientPod(name: string, node: string): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }],
    },
  };
}

describe('two nodes in network namespaces', { skip, timeout: 600_000 }, () => {
  const lab = new MultiNodeLab(['mn-a', 'mn-b']);
  const [nodeA, nodeB] = lab.nodes;
  let server: KubeliteProcess;

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await server.kubectl(args, { input, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  const apply = (obj: object) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl(['get', ...args, '-o', 'json'])) as T;
  const ready = (p: PodLike) => p.status.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n--- ${nodeA.name}:\n${nodeA.logs().slice(-3000)}\n--- ${nodeB.name}:\n${nodeB.logs().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const readyPod = (name: string) => until(`pod ${name} ready`, async () => {
    const p = await getJson<PodLike>(['pod', name]);
    return ready(p) ? p : undefined;
  }, 90_000);

  /** wget from inside a pod, retried until it succeeds (routes and rules converge asynchronously). busybox-static's wget
   *  segfaults with -T, so kubectl's timeout bounds a hung attempt instead. */
  const wgetFrom = (pod: string, url: string, expect: string) => until(`${pod} → ${url} answering ${expect}`, async () => {
    const r = await server.kubectl(['exec', pod, '--', 'wget', '-q', '-O', '-', url], { timeoutMs: 20_000 });
    if (r.code !== 0) throw new Error(`wget exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout.trim() === expect ? r.stdout.trim() : undefined;
  }, 30_000);

  before(async () => {
    lab.setup();
    server = await startKubelite({
      args: ['--bind-address', LAB_HOST_IP, '--cluster-cidr', CLUSTER_CIDR, '--service-cidr', SERVICE_CIDR, '--node-monitor-grace-period', '10s'],
    });
    const busybox = testImage('busybox');
    for (const n of lab.nodes) {
      const r = await run(process.execPath, [KUBELITE_BIN, 'images', 'import', '--data-dir', n.dataDir, busybox], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`images import into ${n.name} failed: ${r.stderr}`);
    }
    // Node A cleans up on exit; node B is later stopped the way a node dies (its pods left running).
    await Promise.all([lab.startAgent(nodeA, server.kubeconfig, nodeArgs(true)), lab.startAgent(nodeB, server.kubeconfig, nodeArgs(false))]);
  });

  after(async () => {
    const leftovers = await lab.destroy();
    if (leftovers.length) console.error(`multi-node: processes still running from the node data dirs were killed:\n${leftovers.join('\n')}`);
    await server?.stop();
  });

  test('both nodes are Ready with distinct pod CIDRs from node IPAM', async () => {
    interface NodeLike { metadata: { name: string }; spec: { podCIDR?: string }; status: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] } }
    for (const n of lab.nodes) {
      const node = await until(`node ${n.name} Ready`, async () => {
        const o = await getJson<NodeLike>(['node', n.name]);
        return o.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? o : undefined;
      });
      assert.match(node.spec.podCIDR ?? '', /^10\.245\.\d+\.0\/24$/, `${n.name} podCIDR from --cluster-cidr`);
      assert.ok(node.status.addresses?.some((a) => a.type === 'InternalIP' && a.address === n.ip), `${n.name} InternalIP ${n.ip}`);
      n.podCidr = node.spec.podCIDR;
    }
    assert.notEqual(nodeA.podCidr, nodeB.podCidr);
    lab.installPodRoutes();
  });

  test('pods on different nodes reach each other by pod IP', async () => {
    await apply(webPod('web-a', nodeA.name, 'web-a'));
    await apply(webPod('web-b', nodeB.name, 'web-b'));
    await apply(clientPod('client-a', nodeA.name));
    await apply(clientPod('client-b', nodeB.name));
    const [webA, webB] = [await readyPod('web-a'), await readyPod('web-b')];
    await readyPod('client-a');
    await readyPod('client-b');
    assert.equal(webA.spec.nodeName, nodeA.name);
    assert.equal(webB.spec.nodeName, nodeB.name);
    assert.ok(inCidr(webA.status.podIP!, nodeA.podCidr!), `web-a ${webA.status.podIP} in ${nodeA.podCidr}`);
    assert.ok(inCidr(webB.status.podIP!, nodeB.podCidr!), `web-b ${webB.status.podIP} in ${nodeB.podCidr}`);
    assert.equal(await wgetFrom('client-a', `http://${webB.status.podIP}/`, 'web-b'), 'web-b');
    assert.equal(await wgetFrom('client-b', `http://${webA.status.podIP}/`, 'web-a'), 'web-a');
  });

  test('a ClusterIP Service whose only endpoint is on node B answers from a pod on node A', async () => {
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-b' }, spec: { selector: { app: 'web-b' }, ports: [{ port: 8080, targetPort: 80 }] } });
    const svc = await getJson<{ spec: { clusterIP: string } }>(['service', 'web-b']);
    assert.match(svc.spec.clusterIP, /^10\.97\./);
    assert.equal(await wgetFrom('client-a', `http://${svc.spec.clusterIP}:8080/`, 'web-b'), 'web-b');
  });

  test('a NodePort answers on either node\'s IP from the host', async () => {
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-b-np' }, spec: { type: 'NodePort', selector: { app: 'web-b' }, ports: [{ port: 80, targetPort: 80 }] } });
    const svc = await getJson<{ spec: { ports: { nodePort: number }[] } }>(['service', 'web-b-np']);
    const port = svc.spec.ports[0].nodePort;
    for (const n of lab.nodes) {
      const body = await until(`NodePort ${n.ip}:${port}`, async () => {
        const r = await lab.httpGet(`http://${n.ip}:${port}/`);
        if (r.code !== 0) throw new Error(r.stderr.trim());
        return r.stdout.trim();
      }, 30_000);
      assert.equal(body, 'web-b', `NodePort on ${n.name}`);
    }
  });

  test('when node B goes away, a Deployment\'s pods move to node A', async () => {
    // Put every replica on node B first: cordon A while the Deployment starts.
    await kubectl(['cordon', nodeA.name]);
    const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 });
    await apply({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mover' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'mover' } },
        template: {
          metadata: { labels: { app: 'mover' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
            containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }],
          },
        },
      },
    });
    const movers = async () => (await getJson<{ items: PodLike[] }>(['pods', '-l', 'app=mover'])).items.filter((p) => !p.metadata.deletionTimestamp);
    await until('2 mover pods running on node B', async () => {
      const ps = await movers();
      return ps.length === 2 && ps.every((p) => ready(p) && p.spec.nodeName === nodeB.name) ? ps : undefined;
    }, 90_000);
    await kubectl(['uncordon', nodeA.name]);

    // Node B dies: its agent stops without --cleanup (pods keep running, nothing reports for the node any more).
    await lab.stopAgent(nodeB);
    const started = Date.now();
    assert.ok(pidsMentioning(nodeB.dataDir).length > 0, 'node B\'s pods keep running after a plain stop (their shims are alive)');
    const moved = await until('2 mover pods running on node A', async () => {
      const ps = await movers();
      return ps.length === 2 && ps.every((p) => ready(p) && p.spec.nodeName === nodeA.name) ? ps : undefined;
    }, 120_000);
    assert.equal(moved.length, 2);
    const nodeBReady = (await getJson<{ status: { conditions: { type: string; status: string }[] } }>(['node', nodeB.name])).status.conditions.find((c) => c.type === 'Ready');
    assert.equal(nodeBReady?.status, 'Unknown', 'node B is marked Unknown by node lifecycle');
    console.log(`multi-node: pods moved ${((Date.now() - started) / 1000).toFixed(1)}s after node B stopped`);
  });

  test('agents stopped with --cleanup leave no containerd, shims or pod bridges behind', async () => {
    // Bring node B back with --cleanup so it tears down what it left running, then stop both.
    await lab.startAgent(nodeB, server.kubeconfig, nodeArgs(true));
    // The returning kubelet finishes the deletions that were waiting for it: the evicted pods go away.
    await until('the evicted pods of node B deleted', async () => {
      const left = (await getJson<{ items: PodLike[] }>(['pods', '-l', 'app=mover'])).items.filter((p) => p.spec.nodeName === nodeB.name);
      return left.length === 0 ? true : undefined;
    }, 60_000);
    await lab.stopAgent(nodeB);
    await lab.stopAgent(nodeA);
    for (const n of lab.nodes) {
      assert.deepEqual(pidsMentioning(n.dataDir), [], `processes still running from ${n.dataDir}; agent output:\n${n.logs()}`);
      const nft = n.exec('nft', 'list', 'tables');
      assert.doesNotMatch(nft, /kube/, `${n.name} kube-proxy tables removed`);
    }
  });
});

function inCidr(ip: string, cidr: string): boolean {
  const toNum = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [net, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (toNum(ip) & mask) >>> 0 === (toNum(net) & mask) >>> 0;
}
