/**
 * Loads a kubeconfig file into a RestConfig: the current (or named) context picks a cluster (server URL, CA,
 * insecure-skip-tls-verify, tls-server-name) and a user (client certificate/key, inline or as files, or a token or
 * tokenFile). Relative file paths are resolved against the kubeconfig's directory, as kubectl does.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { RestConfig } from './rest-config.js';

/** Options for `loadKubeconfig` / `parseKubeconfig`. */
export interface KubeconfigOptions {
  /** Use this context instead of `current-context`. */
  context?: string;
}

interface Named {
  name?: string;
  [key: string]: unknown;
}

type Dict = Record<string, unknown>;

function pick(list: unknown, name: string, field: string, what: string, source: string): Dict {
  const items = Array.isArray(list) ? (list as Named[]) : [];
  const found = items.find((x) => x && x.name === name);
  if (!found) throw new Error(`Cannot load kubeconfig ${source}: ${what} "${name}" not found`);
  return (found[field] as Dict | undefined) ?? {};
}

function str(d: Dict, key: string): string | undefined {
  const v = d[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads and parses the kubeconfig at `path`. */
export function loadKubeconfig(path: string, opts: KubeconfigOptions = {}): RestConfig {
  return parseKubeconfig(readFileSync(path, 'utf8'), { ...opts, dir: dirname(resolve(path)), source: path });
}

/**
 * Parses kubeconfig YAML text. `dir` anchors relative file references (default: the working directory); `source`
 * names the file in error messages.
 */
export function parseKubeconfig(text: string, opts: KubeconfigOptions & { dir?: string; source?: string } = {}): RestConfig {
  const source = opts.source ?? '<inline>';
  const doc = (parse(text) ?? {}) as Dict;
  const contextName = opts.context ?? str(doc, 'current-context');
  if (!contextName) throw new Error(`Cannot load kubeconfig ${source}: no current-context is set`);
  const context = pick(doc.contexts, contextName, 'context', 'context', source);
  const clusterName = str(context, 'cluster');
  if (!clusterName) throw new Error(`Cannot load kubeconfig ${source}: context "${contextName}" names no cluster`);
  const cluster = pick(doc.clusters, clusterName, 'cluster', 'cluster', source);
  const userName = str(context, 'user');
  const user = userName ? pick(doc.users, userName, 'user', 'user', source) : {};

  const server = str(cluster, 'server');
  if (!server) throw new Error(`Cannot load kubeconfig ${source}: cluster "${clusterName}" has no server`);
  const dir = opts.dir ?? process.cwd();
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(dir, p));
  // `-data` fields hold base64 PEM; the plain fields name files. kubectl lets the inline form win.
  const material = (d: Dict, key: string): Buffer | undefined => {
    const data = str(d, `${key}-data`);
    if (data) return Buffer.from(data, 'base64');
    const path = str(d, key);
    return path ? file(path) : undefined;
  };

  const cfg: RestConfig = { server };
  const ca = material(cluster, 'certificate-authority');
  if (ca) cfg.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) cfg.insecureSkipTLSVerify = true;
  const tlsServerName = str(cluster, 'tls-server-name');
  if (tlsServerName) cfg.tlsServerName = tlsServerName;
  const cert = material(user, 'client-certificate');
  const key = material(user, 'client-key');
  if (cert) cfg.clientCert = cert;
  if (key) cfg.clientKey = key;
  const token = str(user, 'token') ?? (str(user, 'tokenFile') ? file(str(user, 'tokenFile')!).toString('utf8').trim() : undefined);
  if (token) cfg.token = token;
  const namespace = str(context, 'namespace');
  if (namespace) cfg.namespace = namespace;
  return cfg;
}
