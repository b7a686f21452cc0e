/**
 * `kubelite up`: the whole cluster on one machine — the control plane and a node in one process, on embedded
 * defaults. Ready means the Node is Ready and a pod can run; the time from process start is printed (k3d takes 19.9 s,
 * kind 33 s, minikube 50.8 s).
 */
import { Client, loadKubeconfig } from '../client/index.js';
import { parseFlags, usage, type FlagSpec } from './flags.js';
import { SERVER_FLAGS, serverConfig, startServer, catchShutdown } from './server.js';
import { NODE_FLAGS, nodeFlags } from './node-flags.js';
import { startNode } from './node.js';
import { parseCidr, ipToString } from '../controlplane/apiserver/registry/services/allocator.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The flags of `kubelite up`: the server's and the node's. */
export const UP_FLAGS: Record<string, FlagSpec> = { ...SERVER_FLAGS, ...NODE_FLAGS };

async function waitNodeReady(client: Client, name: string, timeoutMs: number): Promise<void> {
  const nodes = client.resource<any>('', 'v1', 'nodes');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const node = await nodes.get(name);
      if (node.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) return;
    } catch {
      // Not registered yet.
    }
    if (Date.now() > deadline) throw new Error(`node ${name} did not become Ready within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `kubelite up …`. Returns the exit code. */
export async function upCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, UP_FLAGS);
  if (flags.help) {
    console.log(usage('up', UP_FLAGS));
    return 0;
  }
  const cfg = serverConfig(flags);
  const nf = nodeFlags(flags);
  const shutdown = catchShutdown();
  const srv = await startServer(cfg, 'kubelite up');
  let node;
  try {
    const client = new Client(loadKubeconfig(srv.kubeconfigPath));
    const cluster = parseCidr(cfg.clusterCidr);
    const service = parseCidr(cfg.serviceCidr);
    node = await startNode(client, {
      dataDir: cfg.dataDir, nodeName: nf.nodeName, nodeIP: nf.nodeIP, caCert: readFileSync(join(cfg.dataDir, 'tls', 'ca.crt'), 'utf8'),
      // One machine, one node: the first /24 of the cluster range, with no wait for node IPAM.
      podCidr: nf.podCidr ?? `${ipToString(cluster.base)}/${cfg.controllerSettings.nodeCidrMaskSize ?? 24}`,
      runtimeEndpoint: nf.runtimeEndpoint,
      clusterCidr: cfg.clusterCidr, serviceCidr: cfg.serviceCidr,
      clusterDns: [ipToString(service.base + 10)], clusterDomain: cfg.clusterDomain,
      kubeletPort: nf.kubeletPort, ingress: nf.ingress, proxy: nf.proxy,
      registryMirrors: nf.registryMirrors, insecureRegistries: nf.insecureRegistries,
      disableDefaultRegistryEndpoint: nf.disableDefaultRegistryEndpoint,
    });
    await node.ready;
    await waitNodeReady(client, nf.nodeName, 60_000);
  } catch (err) {
    await node?.stop({ cleanup: nf.cleanup });
    await srv.stop();
    throw err;
  }
  console.log(`kubelite up: node ${nf.nodeName} is Ready ${process.uptime().toFixed(2)}s after start; API server at ${srv.url}`);
  console.log(`kubeconfig: ${srv.kubeconfigPath}`);
  console.log(`  export KUBECONFIG=${srv.kubeconfigPath}`);
  const n = node;
  await shutdown.stopWith(async () => {
    await n.stop({ cleanup: nf.cleanup });
    await srv.stop();
  });
  return 0;
}
