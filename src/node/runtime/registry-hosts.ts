/**
 * containerd registry host configuration (`certs.d/<host>/hosts.toml`, read through the CRI plugin's
 * `registry.config_path`). Two uses: mirrors for a registry (a pull of docker.io/… first tries the mirror), and
 * insecure registries reached over plain HTTP. Loopback registries need no entry: containerd already speaks plain
 * HTTP to 127.0.0.1 and localhost.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Registry settings of a node. */
export interface RegistryOptions {
  /**
   * Mirrors. A plain list mirrors docker.io (like dockerd's --registry-mirror); a map gives mirrors per registry
   * host. Entries are URLs (`http://10.0.0.5:5000`) or bare `host:port` (taken as https).
   */
  registryMirrors?: string[] | Record<string, string[]>;
  /** `host:port` of registries to reach over plain HTTP (dockerd's --insecure-registry). */
  insecureRegistries?: string[];
  /**
   * Never fall back to docker.io's real endpoint (k3s' --disable-default-registry-endpoint): a mirror that misses,
   * or a pull with no mirror, fails on the machine. Tests and air-gapped machines use it so that no pull leaves.
   */
  disableDefaultEndpoint?: boolean;
}

/** Where docker.io pulls go when the default endpoint is disabled and no mirror has the image: a closed port. */
export const BLACKHOLE_ENDPOINT = 'http://127.0.0.1:1';

/** The default upstream of a registry host as containerd resolves it. */
function upstream(host: string): string {
  return host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${host}`;
}

function toml(s: string): string {
  return JSON.stringify(s);
}

/** The hosts.toml files to write, by registry host. */
export function registryHostsFiles(opts: RegistryOptions): Map<string, string> {
  const insecure = new Set((opts.insecureRegistries ?? []).map((h) => h.replace(/^https?:\/\//, '').replace(/\/+$/, '')));
  const mirrors: Record<string, string[]> = Array.isArray(opts.registryMirrors)
    ? { 'docker.io': opts.registryMirrors }
    : { ...(opts.registryMirrors ?? {}) };
  const files = new Map<string, string>();
  if (opts.disableDefaultEndpoint) mirrors['docker.io'] ??= [];
  for (const [registry, list] of Object.entries(mirrors)) {
    const offline = opts.disableDefaultEndpoint === true && registry === 'docker.io';
    if (list.length === 0 && !offline) continue;
    const server = offline ? BLACKHOLE_ENDPOINT : insecure.has(registry) ? `http://${registry}` : upstream(registry);
    let body = `server = ${toml(server)}\n`;
    for (const m of list) {
      const url = /^https?:\/\//.test(m) ? m.replace(/\/+$/, '') : `${insecure.has(m) ? 'http' : 'https'}://${m}`;
      body += `\n[host.${toml(url)}]\n  capabilities = ["pull", "resolve"]\n`;
    }
    files.set(registry, body);
  }
  for (const host of insecure) {
    if (files.has(host)) continue;
    files.set(host, `server = ${toml(`http://${host}`)}\n\n[host.${toml(`http://${host}`)}]\n  capabilities = ["pull", "resolve", "push"]\n`);
  }
  return files;
}

/** Rewrites `dir` (the certs.d directory) with exactly the files for `opts`, so removed settings disappear. */
export function writeRegistryHosts(dir: string, opts: RegistryOptions): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [host, body] of registryHostsFiles(opts)) {
    // The directory is the registry host exactly as in image references, port included (`10.0.0.5:5000`).
    mkdirSync(join(dir, host), { recursive: true });
    writeFileSync(join(dir, host, 'hosts.toml'), body);
  }
}
