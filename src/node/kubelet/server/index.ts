/**
 * The kubelet's HTTPS server: logs, exec, attach, port-forward and the Summary API, for the API server to proxy
 * kubectl to. See kubelet-server.ts.
 */
export { startKubeletServer, APISERVER_KUBELET_CLIENT_CN, KUBELET_SERVING_CERT_ANNOTATION } from './kubelet-server.js';
export type { KubeletServer, KubeletServerOptions } from './kubelet-server.js';
export { CriContainerIndex, PodRuntimeIndexAdapter } from './container-index.js';
export type { ContainerIndex, ContainerRef, SandboxRef } from './container-index.js';
export { CriStatsProvider, CpuRateSampler } from './stats-provider.js';
export type { StatsProvider, CriStatsProviderOptions } from './stats-provider.js';
export type * from './summary-types.js';
export { ensureServingCert } from './serving-cert.js';
export type { ServingCert } from './serving-cert.js';
export { parseCriLogLine, parseLogQuery, writeContainerLog } from './container-logs.js';
export type { CriLogEntry, LogOptions } from './container-logs.js';
