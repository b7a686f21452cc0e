/**
 * `kubelite agent` without `--simulate`: a real node joining a cluster — containerd, kubelet, kube-proxy and ingress
 * — talking to the API server named by its kubeconfig (or `--server`).
 */
import { resolve } from 'node:path';
import { Client, loadKubeconfig } from '../client/index.js';
import { UsageError, type FlagSpec } from './flags.js';
import { defaultDataDir, lockDataDir } from './data-dir.js';
import { NODE_FLAGS, nodeFlags } from './node-flags.js';
import { startNode } from './node.js';
import { catchShutdown } from './server.js';
import { parseCidr } from '../controlplane/apiserver/registry/services/allocator.js';
import { isIP } from 'node:net';

/** Flags a real agent adds to the common agent flags. */
export const REAL_AGENT_FLAGS: Record<string, FlagSpec> = {
  ...NODE_FLAGS,
  'cluster-cidr': { type: 'string', help: 'Pod range of the whole cluster (routed on this node)', default: '10.42.0.0/16' },
  'service-cidr': { type: 'string', help: 'Service range of the cluster', default: '10.43.0.0/16' },
  'cluster-dns': { type: 'string', help: 'Cluster DNS Service IP written into pods\' resolv.conf', default: '10.43.0.10' },
  'cluster-domain': { type: 'string', help: 'DNS domain of the cluster', default: 'cluster.local' },
};

/** Runs a real node until SIGINT/SIGTERM. Returns the exit code. */
export async function runRealAgent(flags: Record<string, unknown>): Promise<number> {
  const kubeconfig = (flags.kubeconfig as string) || process.env.KUBECONFIG;
  if (!kubeconfig) throw new UsageError('agent needs --kubeconfig FILE (or $KUBECONFIG) to reach the API server');
  const nf = nodeFlags(flags);
  for (const name of ['cluster-cidr', 'service-cidr']) {
    try {
      parseCidr(flags[name] as string);
    } catch (err) {
      throw new UsageError(`invalid value for --${name}: ${(err as Error).message}`);
    }
  }
  const dns = flags['cluster-dns'] as string;
  if (isIP(dns) !== 4) throw new UsageError(`invalid value "${dns}" for --cluster-dns: expected an IPv4 address`);
  const config = loadKubeconfig(kubeconfig);
  if (flags.server) config.server = flags.server as string;
  if (!config.ca) throw new UsageError(`the kubeconfig ${kubeconfig} has no certificate authority: the kubelet needs the cluster CA to check the API server's client certificate`);
  const dataDir = resolve((flags['data-dir'] as string) || defaultDataDir());
  const release = lockDataDir(dataDir, 'kubelite agent');
  const shutdown = catchShutdown();
  const client = new Client(config);
  try {
    const node = await startNode(client, {
      dataDir, nodeName: nf.nodeName, nodeIP: nf.nodeIP, caCert: String(config.ca), podCidr: nf.podCidr,
      runtimeEndpoint: nf.runtimeEndpoint,
      clusterCidr: flags['cluster-cidr'] as string, serviceCidr: flags['service-cidr'] as string,
      clusterDns: [dns], clusterDomain: flags['cluster-domain'] as string,
      kubeletPort: nf.kubeletPort, ingress: nf.ingress, proxy: nf.proxy,
      registryMirrors: nf.registryMirrors, insecureRegistries: nf.insecureRegistries,
      disableDefaultRegistryEndpoint: nf.disableDefaultRegistryEndpoint,
    });
    await node.ready;
    console.log(`kubelite agent: node ${nf.nodeName} (${node.nodeIP}) registered with ${config.server} in ${process.uptime().toFixed(2)}s`);
    await shutdown.stopWith(() => node.stop({ cleanup: nf.cleanup }));
  } finally {
    client.close();
    release();
  }
  return 0;
}
