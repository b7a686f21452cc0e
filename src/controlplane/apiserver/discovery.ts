/**
 * Discovery documents, built once from the resource table: /version, /api, /apis, /api/v1 and /apis/GROUP[/VERSION].
 * kubelite answers legacy (non-aggregated) discovery, which every kubectl from 1.27 to 1.33 accepts
 * (KUBECTL-COMPAT.md §2.2); kubectl then fetches each group-version in parallel and caches them.
 */
import type { ResourceInfo } from '../../api/resources.js';
import { GROUPS, groupVersion } from '../../api/resources.js';

/** The Kubernetes version kubelite reports. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+kubelite' };

/** Prebuilt discovery bodies, keyed by path. */
export function buildDiscovery(resources: readonly ResourceInfo[], serverAddress: string): Map<string, string> {
  const docs = new Map<string, string>();
  docs.set('/version', JSON.stringify({
    major: KUBERNETES_VERSION.major, minor: KUBERNETES_VERSION.minor, gitVersion: KUBERNETES_VERSION.gitVersion,
    gitCommit: 'kubelite', gitTreeState: 'clean', buildDate: '2026-11-28T00:00:00Z',
    goVersion: `node${process.versions.node}`, compiler: 'tsc', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  }));
  docs.set('/api', JSON.stringify({
    kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  }));
  const groups = GROUPS.filter((g) => g.group !== '').map((g) => {
    const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
    return { name: g.group, versions, preferredVersion: versions[0] };
  });
  docs.set('/apis', JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups }));
  for (const g of groups) docs.set(`/apis/${g.name}`, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...g }));
  for (const g of GROUPS) {
    for (const v of g.versions) {
      const list = resources.filter((r) => r.group === g.group && r.version === v).flatMap(resourceEntries);
      const gv = groupVersion(g.group, v);
      docs.set(g.group ? `/apis/${gv}` : `/api/${v}`, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: list }));
    }
  }
  return docs;
}

function resourceEntries(r: ResourceInfo): object[] {
  const main: Record<string, unknown> = {
    name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
  };
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  const subs = r.subresources.map((s) => {
    const e: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
    if (s.group !== r.group || s.version !== r.version) {
      e.group = s.group;
      e.version = s.version;
    }
    return e;
  });
  return [main, ...subs];
}
