/**
 * Where a node's pieces live under a data directory, shared by `agent`, `up` and `images`, so that
 * `kubelite images import --data-dir DIR` finds the runtime of the node that uses DIR.
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { containerdPaths } from '../node/runtime/index.js';

/** The node's directories under a data dir. */
export interface NodePaths {
  /** Everything of the agent (kubelet state, pod volumes and logs, the serving certificate). */
  agentDir: string;
  /** The embedded containerd's directory (config, root, state, socket). */
  containerdDir: string;
  /** The containerd socket. */
  socket: string;
  /** The CRI endpoint of the embedded containerd. */
  endpoint: string;
  /** Written by a running agent: the endpoint it uses (embedded or given by --container-runtime-endpoint). */
  endpointFile: string;
}

/** The node layout of `dataDir`. */
export function nodePaths(dataDir: string): NodePaths {
  const agentDir = join(dataDir, 'agent');
  const containerdDir = join(agentDir, 'containerd');
  const socket = containerdPaths(containerdDir).socket;
  return { agentDir, containerdDir, socket, endpoint: `unix://${socket}`, endpointFile: join(agentDir, 'runtime-endpoint') };
}

/** The runtime endpoint a running (or last) agent on `dataDir` used, else the embedded containerd's. */
export function runtimeEndpointOf(dataDir: string): string {
  const p = nodePaths(dataDir);
  if (existsSync(p.endpointFile)) return readFileSync(p.endpointFile, 'utf8').trim();
  return p.endpoint;
}
