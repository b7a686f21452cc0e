/**
 * Writes the admin kubeconfig (client certificate, CA pinned) that `kubelite server` and `up` leave in the data dir.
 * Written atomically (temp file + rename) so a reader never sees half a file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';

/** What goes into the kubeconfig. */
export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  clusterName?: string;
}

/** The kubeconfig document. */
export function buildKubeconfig(k: KubeconfigInput): string {
  const name = k.clusterName ?? 'kubelite';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: k.server, 'certificate-authority-data': b64(k.caCert) } }],
    users: [{ name: `${name}-admin`, user: { 'client-certificate-data': b64(k.clientCert), 'client-key-data': b64(k.clientKey) } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes the kubeconfig with mode 0600. */
export function writeKubeconfig(path: string, k: KubeconfigInput): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, buildKubeconfig(k), { mode: 0o600 });
  renameSync(tmp, path);
}
