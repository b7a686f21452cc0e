/**
 * kube-proxy's public surface, for `kubelite agent` / `up`: `runProxy` to run it, `cleanupProxyRules` for
 * `--cleanup`, and the command runners (host or a network namespace).
 */
export { runProxy, cleanupProxyRules, detectBackend, SERVICE_ROUTE_DEVICE, type ProxyOptions, type ProxyHandle, type ProxyStats, type CleanupOptions } from './run-proxy.js';
export { runCommand, netnsRunner, type CommandRunner, type CommandResult } from './command-runner.js';
export type { BackendStats, ProxyBackend } from './backend.js';
export { buildServicePorts, type ServicePort, type ProxyEndpoint } from './service-ports.js';
