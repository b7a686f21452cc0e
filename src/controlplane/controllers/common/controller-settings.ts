/**
 * Settings of individual controllers that kube-controller-manager takes as flags (`--cluster-cidr`,
 * `--node-monitor-grace-period`, `--terminated-pod-gc-threshold`, …). They travel on the ControllerContext as an
 * optional `settings` member, so a factory keeps the one-argument ControllerFactory shape; anything left out takes
 * kube-controller-manager's default.
 */
import type { ControllerContext } from './controller.js';

/** Controller settings, each with the upstream flag it mirrors. */
export interface ControllerSettings {
  /** `--cluster-cidr`: the range node IPAM carves pod CIDRs from (k3s' default 10.42.0.0/16). */
  clusterCidr: string;
  /** `--node-cidr-mask-size`: prefix length of each node's pod CIDR. */
  nodeCidrMaskSize: number;
  /** `--node-monitor-grace-period`: silence (no Lease renewal, no status) after which a node is Ready=Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** `--node-monitor-period`: how often node lifecycle looks at every node. */
  nodeMonitorPeriodMs: number;
  /** `--terminated-pod-gc-threshold`: finished pods kept before pod GC deletes the oldest (≤ 0 disables). */
  terminatedPodGcThreshold: number;
  /** How often pod GC runs (upstream gcCheckPeriod, 20 s). */
  podGcPeriodMs: number;
  /** How long a node must stay missing before pod GC deletes its pods (upstream quarantineTime, 40 s). */
  podGcOrphanQuarantineMs: number;
  /** Directory on a node under which the local-path provisioner puts volumes (a Node annotation may override it). */
  localPathDir: string;
  /** Create the default `local-path` StorageClass when it is missing. */
  createDefaultStorageClass: boolean;
  /** `--service-lb-pool`: the CIDR ServiceLB hands LoadBalancer addresses from; unset → the nodes' addresses. */
  serviceLbPool?: string;
}

/** kube-controller-manager's defaults (k3s' for the CIDR and the storage directory). */
export const DEFAULT_CONTROLLER_SETTINGS: Readonly<ControllerSettings> = {
  clusterCidr: '10.42.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  terminatedPodGcThreshold: 12_500,
  podGcPeriodMs: 20_000,
  podGcOrphanQuarantineMs: 40_000,
  localPathDir: '/var/lib/kubelite/storage',
  createDefaultStorageClass: true,
};

/** A ControllerContext that may carry settings (kept for callers that spell it out). */
export type ContextWithSettings = ControllerContext;

/** The settings of `ctx`, defaults filled in. */
export function settingsOf(ctx: ControllerContext): ControllerSettings {
  return { ...DEFAULT_CONTROLLER_SETTINGS, ...(ctx.settings ?? {}) };
}
