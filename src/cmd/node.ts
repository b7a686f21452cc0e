/**
 * A real node: the embedded containerd (or a given CRI runtime), the cluster routes, the kubelet with its HTTPS
 * server, kube-proxy and the ingress controller — the part shared by `kubelite agent` and `kubelite up`.
 * Start order matters: the pod CIDR is known before containerd writes its CNI config, and the kubelet server's
 * certificate fingerprint is known before the kubelet publishes its Node.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Client } from '../client/index.js';
import { StatusError } from '../apimachinery/errors/status-error.js';
import { runKubelet, ensureClusterRoutes, removeClusterRoutes, CriPodRuntimeIndex, runNodeRoutes } from '../node/kubelet/index.js';
import { startKubeletServer, PodRuntimeIndexAdapter, KUBELET_SERVING_CERT_ANNOTATION, type KubeletServer } from '../node/kubelet/server/index.js';
import { CriClient } from '../node/cri/index.js';
import { startContainerd, checkNodePrerequisites, type EmbeddedContainerd } from '../node/runtime/index.js';
import { runProxy, cleanupProxyRules, type ProxyHandle } from '../node/proxy/index.js';
import { runIngress } from '../ingress/run-ingress.js';
import { nodePaths } from './node-paths.js';
import { logger } from '../util/log.js';

const log = logger('node');

/** The port-less interface that holds the service CIDR's route (shared by the kubelet's routes and kube-proxy). */
const SERVICE_ROUTE_DEVICE = 'kubelite-svc';

/** Everything a node needs. */
export interface NodeOptions {
  dataDir: string;
  nodeName: string;
  /** The cluster CA, which signs the API server's client certificate towards the kubelet. */
  caCert: string;
  /** This node's pod CIDR; when unset the node waits for node IPAM to assign one. */
  podCidr?: string;
  /** A CRI endpoint to use instead of the embedded containerd. */
  runtimeEndpoint?: string;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string[];
  clusterDomain: string;
  /** The node's InternalIP (default: the first non-loopback IPv4). */
  nodeIP?: string;
  /** kubelet HTTPS port (10250; 0 picks a free one). */
  kubeletPort: number;
  /** Ingress ports, or undefined to run no ingress controller. */
  ingress?: { httpPort: number; httpsPort: number };
  /** Run kube-proxy. */
  proxy: boolean;
  registryMirrors?: string[];
  insecureRegistries?: string[];
  /** Never fall back to docker.io's own endpoint. */
  disableDefaultRegistryEndpoint?: boolean;
}

/** A running node. */
export interface RunningNode {
  nodeName: string;
  nodeIP: string;
  /** Resolves once the Node is registered and the kubelet watches its pods. */
  ready: Promise<void>;
  /** Stops everything; with `cleanup`, pods, rules and routes go too (otherwise pods keep running, as upstream). */
  stop(opts?: { cleanup?: boolean }): Promise<void>;
}

/** The node's address: the first non-loopback IPv4, as the kubelet picks by default. */
export function defaultNodeIP(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Waits for node IPAM to give the Node a pod CIDR, registering a bare Node first when needed. */
async function podCidrFromIpam(client: Client, nodeName: string, signal: AbortSignal): Promise<string> {
  const nodes = client.resource<any>('', 'v1', 'nodes');
  try {
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
  for (let waited = 0; waited < 60_000; waited += 250) {
    const node = await nodes.get(nodeName);
    if (node.spec?.podCIDR) return node.spec.podCIDR;
    if (signal.aborted) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Cannot start node ${nodeName}: no pod CIDR was assigned within 60s (is the controller manager's node IPAM running? or pass --pod-cidr)`);
}

/** Starts a node. */
export async function startNode(client: Client, opts: NodeOptions): Promise<RunningNode> {
  const ac = new AbortController();
  const paths = nodePaths(opts.dataDir);
  mkdirSync(paths.agentDir, { recursive: true, mode: 0o700 });
  const nodeIP = opts.nodeIP ?? defaultNodeIP();
  let containerd: EmbeddedContainerd | undefined;
  let server: KubeletServer | undefined;
  let cri: CriClient | undefined;
  let proxy: ProxyHandle | undefined;
  let ingress: { close(): Promise<void> } | undefined;
  const running: Promise<unknown>[] = [];
  let cleaningUp = false;
  const stop = async (o: { cleanup?: boolean } = {}) => {
    cleaningUp = o.cleanup === true;
    ac.abort();
    await ingress?.close().catch((err) => log.warn('ingress close failed', { err }));
    await Promise.allSettled(running);
    await server?.close().catch(() => {});
    cri?.close();
    if (o.cleanup) {
      await proxy?.cleanup().catch((err) => log.warn('proxy cleanup failed', { err }));
      if (!proxy && opts.proxy) await cleanupProxyRules({ serviceCidr: opts.serviceCidr }).catch(() => {});
      try {
        removeClusterRoutes({ clusterCidr: opts.clusterCidr, serviceCidr: opts.serviceCidr, serviceInterface: SERVICE_ROUTE_DEVICE });
      } catch (err) {
        log.warn('route cleanup failed', { err });
      }
    }
    await containerd?.stop({ keepPods: !o.cleanup }).catch((err) => log.warn('containerd stop failed', { err }));
  };
  try {
    let endpoint = opts.runtimeEndpoint;
    if (!endpoint) {
      const pre = checkNodePrerequisites();
      if (!pre.ok) throw new Error(pre.message);
    }
    const podCidr = opts.podCidr ?? await podCidrFromIpam(client, opts.nodeName, ac.signal);
    if (!endpoint) {
      containerd = await startContainerd({
        dataDir: paths.containerdDir, podCidr, bridgeName: 'kl0',
        registryMirrors: opts.registryMirrors, insecureRegistries: opts.insecureRegistries,
        disableDefaultEndpoint: opts.disableDefaultRegistryEndpoint,
      });
      endpoint = containerd.endpoint;
    }
    writeFileSync(paths.endpointFile, endpoint + '\n');
    ensureClusterRoutes({ clusterCidr: opts.clusterCidr, serviceCidr: opts.serviceCidr, serviceInterface: SERVICE_ROUTE_DEVICE });
    cri = new CriClient(endpoint);
    server = await startKubeletServer({
      port: opts.kubeletPort, caCert: opts.caCert, dataDir: paths.agentDir, runtime: cri, nodeName: opts.nodeName, certIps: [nodeIP],
      index: new PodRuntimeIndexAdapter(new CriPodRuntimeIndex(cri, { dataDir: paths.agentDir })),
    });
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    running.push(runKubelet(client, {
      signal: ac.signal, nodeName: opts.nodeName, dataDir: paths.agentDir, podCidr, nodeIP,
      runtime: { endpoint, podCgroupRoot: containerd?.podCgroupRoot },
      clusterDns: opts.clusterDns, clusterDomain: opts.clusterDomain,
      kubeletPort: server.port,
      nodeAnnotations: { [KUBELET_SERVING_CERT_ANNOTATION]: server.fingerprint256 },
      onReady: () => markReady(),
    }).catch((err) => log.error('kubelet stopped', { err })));
    // Host-gw routes to the other nodes' pods (one L2 segment, as k3s' default flannel host-gw).
    running.push(runNodeRoutes(client, { signal: ac.signal, nodeName: opts.nodeName, removeOnStop: () => cleaningUp }).catch((err) => log.error('node routes stopped', { err })));
    if (opts.proxy) {
      proxy = await runProxy(client, {
        signal: ac.signal, nodeName: opts.nodeName, nodeIPs: [nodeIP], clusterCidr: opts.clusterCidr, serviceCidr: opts.serviceCidr,
        serviceRouteDevice: SERVICE_ROUTE_DEVICE,
      });
    }
    if (opts.ingress) {
      ingress = await runIngress(client, { signal: ac.signal, httpPort: opts.ingress.httpPort, httpsPort: opts.ingress.httpsPort, statusAddresses: [nodeIP] });
    }
    return { nodeName: opts.nodeName, nodeIP, ready, stop };
  } catch (err) {
    await stop({ cleanup: false });
    throw err;
  }
}
