/**
 * The node's runtime layer below the kubelet: a supervised private containerd with its config, CNI network and
 * registry hosts, the preflight that names missing Debian packages, and pod cgroup cleanup.
 */
export { startContainerd } from './containerd.js';
export type { ContainerdEvent, EmbeddedContainerd, StartContainerdOptions, StartupTimings, StopReport } from './containerd.js';
export { containerdConfig, containerdPaths } from './containerd-config.js';
export type { ContainerdConfigOptions, ContainerdPaths } from './containerd-config.js';
export { cniConflist, detectCniBinDir, writeCniConfig, CNI_BIN_DIRS, REQUIRED_CNI_PLUGINS } from './cni-config.js';
export type { CniNetworkOptions } from './cni-config.js';
export { registryHostsFiles, writeRegistryHosts } from './registry-hosts.js';
export type { RegistryOptions } from './registry-hosts.js';
export { checkNodePrerequisites, findBinary } from './prerequisites.js';
export type { MissingPrerequisite, PrerequisiteReport } from './prerequisites.js';
export { cgroupMounts, removeCgroup } from './cgroups.js';
export { canonicalPodCidr, cidrsOverlap, gatewayOf, ipv4ToString, parseIpv4Cidr } from './pod-cidr.js';
export type { Ipv4Cidr } from './pod-cidr.js';
export { linkInfo, type LinkInfo } from './links.js';
