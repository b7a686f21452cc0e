/**
 * The plugin registry and the default profile: every plugin by name with its factory, the order they run in (the
 * filter order of upstream's default profile: cheap node-only checks first, cluster-wide ones last) and the score
 * weights upstream's default profile uses.
 */
import { Framework } from '../framework/framework.js';
import type { PluginFactory, PluginHandle } from '../framework/interfaces.js';
import * as defaultBinder from './default-binder/default-binder.js';
import * as interPodAffinity from './inter-pod-affinity/inter-pod-affinity.js';
import * as nodeAffinity from './node-affinity/node-affinity.js';
import * as nodeName from './node-name/node-name.js';
import * as nodePorts from './node-ports/node-ports.js';
import * as balanced from './node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import * as nodeResourcesFit from './node-resources-fit/node-resources-fit.js';
import * as nodeUnschedulable from './node-unschedulable/node-unschedulable.js';
import * as podTopologySpread from './pod-topology-spread/pod-topology-spread.js';
import * as selectorSpread from './selector-spread/selector-spread.js';
import * as taintToleration from './taint-toleration/taint-toleration.js';

/** Every plugin, by name, in default-profile order. */
export const REGISTRY: ReadonlyMap<string, PluginFactory> = new Map<string, PluginFactory>([
  [nodeUnschedulable.NAME, nodeUnschedulable.factory],
  [nodeName.NAME, nodeName.factory],
  [taintToleration.NAME, taintToleration.factory],
  [nodeAffinity.NAME, nodeAffinity.factory],
  [nodePorts.NAME, nodePorts.factory],
  [nodeResourcesFit.NAME, nodeResourcesFit.factory],
  [podTopologySpread.NAME, podTopologySpread.factory],
  [interPodAffinity.NAME, interPodAffinity.factory],
  [balanced.NAME, balanced.factory],
  [selectorSpread.NAME, selectorSpread.factory],
  [defaultBinder.NAME, defaultBinder.factory],
]);

/** Score weights of the default profile (upstream's defaults; SelectorSpread had weight 1). */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  [taintToleration.NAME]: 3,
  [nodeAffinity.NAME]: 2,
  [podTopologySpread.NAME]: 2,
  [interPodAffinity.NAME]: 2,
  [nodeResourcesFit.NAME]: 1,
  [balanced.NAME]: 1,
  [selectorSpread.NAME]: 1,
};

/** The default profile; `disabled` names plugins to leave out (tests, benchmarks). */
export function defaultFramework(handle: PluginHandle, opts: { disabled?: readonly string[] } = {}): Framework {
  const plugins = [...REGISTRY].filter(([name]) => !opts.disabled?.includes(name)).map(([, factory]) => factory(handle));
  return new Framework(plugins, DEFAULT_WEIGHTS);
}
