/**
 * The node flags shared by `kubelite agent` and `kubelite up`, and their validation.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { UsageError, type FlagSpec } from './flags.js';
import { parseCidr } from '../controlplane/apiserver/registry/services/allocator.js';

/** Flags of a real node. */
export const NODE_FLAGS: Record<string, FlagSpec> = {
  'node-name': { type: 'string', help: 'Name of this node (default: the host name)', default: '' },
  'node-ip': { type: 'string', help: 'InternalIP of this node (default: the first non-loopback IPv4)', default: '' },
  'pod-cidr': { type: 'string', help: 'Pod CIDR of this node (default: assigned by node IPAM from --cluster-cidr)', default: '' },
  'container-runtime-endpoint': { type: 'string', help: 'CRI socket to use instead of the embedded containerd', default: '' },
  'kubelet-port': { type: 'int', help: 'kubelet HTTPS port (logs, exec, port-forward, stats); 0 picks a free port', default: 10250 },
  'ingress-http-port': { type: 'int', help: 'Ingress controller HTTP port', default: 80 },
  'ingress-https-port': { type: 'int', help: 'Ingress controller HTTPS port', default: 443 },
  'disable-ingress': { type: 'bool', help: 'Do not run the ingress controller', default: false },
  'disable-proxy': { type: 'bool', help: 'Do not run kube-proxy', default: false },
  'registry-mirror': { type: 'list', help: 'Registry mirror for docker.io (URL), comma-separated', default: [] },
  'insecure-registry': { type: 'list', help: 'HOST:PORT registries reached over plain HTTP, comma-separated', default: [] },
  'disable-default-registry-endpoint': { type: 'bool', help: 'Never pull from docker.io itself: only from mirrors and imported images (air-gapped machines, tests)', default: false },
  'cleanup': { type: 'bool', help: 'On exit, remove this node\'s pods, kube-proxy rules and routes (default: leave pods running)', default: false },
};

/** Validated node flags. */
export interface NodeFlags {
  nodeName: string;
  nodeIP?: string;
  podCidr?: string;
  runtimeEndpoint?: string;
  kubeletPort: number;
  ingress?: { httpPort: number; httpsPort: number };
  proxy: boolean;
  registryMirrors: string[];
  insecureRegistries: string[];
  disableDefaultRegistryEndpoint: boolean;
  cleanup: boolean;
}

function port(flags: Record<string, unknown>, name: string): number {
  const p = flags[name] as number;
  if (p > 65535) throw new UsageError(`invalid value "${p}" for --${name}: must be between 0 and 65535`);
  return p;
}

/** Checks the node flags; errors name the flag. */
export function nodeFlags(flags: Record<string, unknown>): NodeFlags {
  const nodeName = ((flags['node-name'] as string) || hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName) || nodeName.length > 253) {
    throw new UsageError(`invalid node name "${nodeName}": must be a lowercase RFC 1123 subdomain (use --node-name)`);
  }
  const nodeIP = (flags['node-ip'] as string) || undefined;
  if (nodeIP && isIP(nodeIP) !== 4) throw new UsageError(`invalid value "${nodeIP}" for --node-ip: expected an IPv4 address`);
  const podCidr = (flags['pod-cidr'] as string) || undefined;
  if (podCidr) {
    try {
      parseCidr(podCidr);
    } catch (err) {
      throw new UsageError(`invalid value for --pod-cidr: ${(err as Error).message}`);
    }
  }
  const runtimeEndpoint = (flags['container-runtime-endpoint'] as string) || undefined;
  if (runtimeEndpoint && !/^unix:\/\/\//.test(runtimeEndpoint)) {
    throw new UsageError(`invalid value "${runtimeEndpoint}" for --container-runtime-endpoint: expected unix:///path/to/socket`);
  }
  for (const r of flags['insecure-registry'] as string[]) {
    if (!/^[^\s/:]+(:\d{1,5})?$/.test(r)) throw new UsageError(`invalid value "${r}" for --insecure-registry: expected HOST:PORT`);
  }
  for (const m of flags['registry-mirror'] as string[]) {
    if (!/^https?:\/\/\S+$/.test(m)) throw new UsageError(`invalid value "${m}" for --registry-mirror: expected a URL such as http://127.0.0.1:5000`);
  }
  return {
    nodeName, nodeIP, podCidr, runtimeEndpoint,
    kubeletPort: port(flags, 'kubelet-port'),
    ingress: flags['disable-ingress'] ? undefined : { httpPort: port(flags, 'ingress-http-port'), httpsPort: port(flags, 'ingress-https-port') },
    proxy: flags['disable-proxy'] !== true,
    registryMirrors: flags['registry-mirror'] as string[],
    insecureRegistries: flags['insecure-registry'] as string[],
    disableDefaultRegistryEndpoint: flags['disable-default-registry-endpoint'] === true,
    cleanup: flags.cleanup === true,
  };
}
