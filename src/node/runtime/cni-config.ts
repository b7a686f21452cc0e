/**
 * The node's CNI network: one conflist with the `bridge` plugin (own bridge, gateway, hairpin, no masquerade;
 * host-local IPAM over the node's pod CIDR) followed by `portmap` for hostPort. It must be on disk before containerd
 * starts: containerd 1.6 did not pick up a conflist moved into place later. `loopback` is not listed, because
 * containerd brings `lo` up itself.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalPodCidr, gatewayOf } from './pod-cidr.js';

/** Directories Debian (`/usr/lib/cni`) and the upstream tarballs (`/opt/cni/bin`) put the plugins in. */
export const CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

/** The plugins kubelite's network needs. */
export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'portmap'];

/** The first directory holding every required plugin, or undefined. */
export function detectCniBinDir(candidates: string[] = CNI_BIN_DIRS): string | undefined {
  return candidates.find((d) => REQUIRED_CNI_PLUGINS.every((p) => existsSync(join(d, p))));
}

/** Inputs of {@link cniConflist}. */
export interface CniNetworkOptions {
  /** The network name (also the host-local IPAM key). */
  name: string;
  /** The Linux bridge the pods' veths attach to (≤ 15 characters). */
  bridge: string;
  /** The node's pod CIDR, e.g. `10.42.0.0/24`. */
  podCidr: string;
  /** Where host-local keeps its allocations; private per node so two nodes never share them. */
  ipamDataDir: string;
  /** MTU of the pod interfaces; the bridge plugin's default when unset. */
  mtu?: number;
}

/** The conflist JSON object; see the module comment. */
export function cniConflist(opts: CniNetworkOptions): Record<string, unknown> {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(opts.bridge)) throw new Error(`Invalid bridge name ${JSON.stringify(opts.bridge)}: 1-15 letters, digits, _ . -`);
  const subnet = canonicalPodCidr(opts.podCidr);
  return {
    cniVersion: '1.0.0',
    name: opts.name,
    plugins: [
      {
        type: 'bridge',
        bridge: opts.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ...(opts.mtu ? { mtu: opts.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet, gateway: gatewayOf(subnet) }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: opts.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/**
 * Writes the conflist as the only file of `confDir` (containerd uses just the alphabetically first one), removing
 * other configs left there. Returns the file's path.
 */
export function writeCniConfig(confDir: string, opts: CniNetworkOptions): string {
  mkdirSync(confDir, { recursive: true });
  mkdirSync(opts.ipamDataDir, { recursive: true });
  const file = join(confDir, `10-${opts.name}.conflist`);
  for (const f of readdirSync(confDir)) {
    if (join(confDir, f) !== file && /\.(conf|conflist|json)$/.test(f)) rmSync(join(confDir, f), { force: true });
  }
  writeFileSync(file, JSON.stringify(cniConflist(opts), null, 2) + '\n');
  return file;
}
