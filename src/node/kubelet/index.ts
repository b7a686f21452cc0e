/**
 * The kubelet over a CRI runtime: runKubelet (the agent's pod lifecycle), the runtime index the kubelet's HTTPS
 * server uses to find pods, and the cluster routes the agent installs.
 */
export { runKubelet, type KubeletOptions } from './run.js';
export { CriPodRuntimeIndex, type ContainerRuntimeInfo, type PodRuntimeIndex, type PodRuntimeInfo } from './runtime-index.js';
export { ensureClusterRoutes, removeClusterRoutes, type ClusterRouteOptions } from './cluster-routes.js';
export { KUBELET_VERSION } from './node-info.js';
export { runNodeRoutes, type NodeRoutesOptions } from './node-routes.js';
