/**
 * VolumeManager: makes a pod's volumes exist on the host before its containers start, keeps the projected ones
 * (configMap, secret, downwardAPI, projected) in step with their sources, and removes them with the pod. Volumes
 * live under `<dataDir>/pods/<uid>/volumes/<plugin>/<name>` with the kubelet's plugin directory names
 * (`kubernetes.io~empty-dir`, …); hostPath and persistentVolumeClaim volumes are host paths used in place.
 *
 * Each volume resolves to a host path that every container of the pod bind-mounts (CRI mounts), which is what
 * makes them shared between containers.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Container, KeyToPath, Pod, Volume, DownwardAPIVolumeFile } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../../apimachinery/quantity.js';
import { fieldRefValue, resourceFieldValue, type EnvContext } from '../container-env.js';
import type { ObjectSource } from '../object-source.js';
import { writeAtomic, type PayloadFile } from './atomic-writer.js';
import { isMountPoint, mountTmpfs, unmountAll } from './mounts.js';

const execFileP = promisify(execFile);

/** A volume ready to be mounted: where it is on the host. */
export interface PreparedVolume {
  name: string;
  hostPath: string;
  /** The volume itself is read-only (configMap/secret/downwardAPI/projected, or a read-only claim). */
  readOnly: boolean;
  /** Plugin name, e.g. `kubernetes.io~empty-dir`, `hostPath`. */
  kind: string;
}

/** A volume that could not be set up; the message is the kubelet's FailedMount text after the prefix. */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  constructor(readonly volume: string, message: string) {
    super(message);
  }
}

const DEFAULT_MODE = 0o644;

function pluginDir(v: Volume): string | undefined {
  if (v.emptyDir) return 'kubernetes.io~empty-dir';
  if (v.gitRepo) return 'kubernetes.io~git-repo';
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  if (v.projected) return 'kubernetes.io~projected';
  return undefined;
}

function itemsPayload(data: Record<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string, optional: boolean): PayloadFile[] {
  if (!items?.length) return Object.entries(data).map(([k, d]) => ({ path: k, data: d, mode }));
  const out: PayloadFile[] = [];
  for (const it of items) {
    const d = data[it.key];
    if (d === undefined) {
      if (optional) continue;
      throw new Error(`configmap references non-existent config key: ${it.key}`.replace('configmap', what));
    }
    out.push({ path: it.path, data: d, mode: it.mode ?? mode });
  }
  return out;
}

/** The type check of a hostPath volume (`""` checks nothing). */
export function checkHostPath(path: string, type: string): void {
  const st = () => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st()) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st()!.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st()?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st()) {
        mkdirSync(join(path, '..'), { recursive: true });
        closeSync(openSync(path, 'a', 0o644));
      } else if (!st()!.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st()?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st()?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st()?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st()?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
  }
}

/** Bytes used under a directory (files only, no symlink following). */
export function diskUsage(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) total += diskUsage(p);
      else if (e.isFile()) total += lstatSync(p).size;
    } catch {
      // vanished
    }
  }
  return total;
}

/** Sets up, refreshes and removes pod volumes; see the module comment. */
export class VolumeManager {
  constructor(private readonly dataDir: string, private readonly source: ObjectSource) {}

  /** `<dataDir>/pods/<uid>`: the pod's own directory (volumes, etc-hosts, termination logs). */
  podDir(uid: string): string {
    return join(this.dataDir, 'pods', uid);
  }

  /** Where a volume of plugin-managed kind lives on the host. */
  volumeDir(uid: string, v: Volume): string | undefined {
    const plugin = pluginDir(v);
    return plugin ? join(this.podDir(uid), 'volumes', plugin, v.name) : undefined;
  }

  /** Pod UIDs that have a directory here. */
  podDirs(): string[] {
    try {
      return readdirSync(join(this.dataDir, 'pods'));
    } catch {
      return [];
    }
  }

  /** Makes every volume of the pod exist; throws VolumeError naming the first that cannot. */
  async setUp(pod: Pod, ctx: EnvContext): Promise<Map<string, PreparedVolume>> {
    const out = new Map<string, PreparedVolume>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        out.set(v.name, await this.setUpOne(pod, v, ctx));
      } catch (err) {
        if (err instanceof VolumeError) throw err;
        throw new VolumeError(v.name, (err as Error).message);
      }
    }
    return out;
  }

  /** Rewrites the projected volumes (configMap, secret, downwardAPI, projected) from their current sources. */
  async refresh(pod: Pod, ctx: EnvContext): Promise<boolean> {
    let changed = false;
    for (const v of pod.spec?.volumes ?? []) {
      if (!(v.configMap || v.secret || v.downwardAPI || v.projected)) continue;
      const dir = this.volumeDir(pod.metadata!.uid!, v)!;
      if (!existsSync(dir)) continue;
      try {
        const payload = await this.payload(pod, v, ctx);
        if (payload && writeAtomic(dir, payload)) changed = true;
      } catch {
        // a source vanished: keep the last good content, as the kubelet does
      }
    }
    return changed;
  }

  private async setUpOne(pod: Pod, v: Volume, ctx: EnvContext): Promise<PreparedVolume> {
    const uid = pod.metadata!.uid!;
    const ns = pod.metadata?.namespace ?? 'default';
    const dir = this.volumeDir(uid, v);
    if (v.hostPath) {
      checkHostPath(v.hostPath.path, v.hostPath.type ?? '');
      return { name: v.name, hostPath: v.hostPath.path, readOnly: false, kind: 'hostPath' };
    }
    if (v.persistentVolumeClaim) {
      const claim = await this.source.persistentVolumeClaim(ns, v.persistentVolumeClaim.claimName);
      if (!claim) throw new VolumeError(v.name, `persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`);
      const pvName = claim.spec?.volumeName;
      if (!pvName || claim.status?.phase !== 'Bound') throw new VolumeError(v.name, `persistentvolumeclaim "${claim.metadata?.name}" is not bound`);
      const pv = await this.source.persistentVolume(pvName);
      const path = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
      if (!path) throw new VolumeError(v.name, `persistentvolume "${pvName}" is neither hostPath nor local`);
      if (pv?.spec?.hostPath) checkHostPath(path, pv.spec.hostPath.type === '' || !pv.spec.hostPath.type ? 'DirectoryOrCreate' : pv.spec.hostPath.type);
      return { name: v.name, hostPath: path, readOnly: !!v.persistentVolumeClaim.readOnly, kind: 'persistentVolumeClaim' };
    }
    if (!dir) throw new VolumeError(v.name, 'volume type not supported by kubelite');
    const kind = pluginDir(v)!;
    if (v.emptyDir) {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      if (v.emptyDir.medium === 'Memory' && !isMountPoint(dir)) {
        const size = v.emptyDir.sizeLimit ? tryParseQuantity(String(v.emptyDir.sizeLimit))?.value() : undefined;
        mountTmpfs(dir, size);
      }
      return { name: v.name, hostPath: dir, readOnly: false, kind };
    }
    if (v.gitRepo) {
      const marker = join(this.podDir(uid), 'volumes', kind, `.${v.name}.ready`);
      if (!existsSync(marker)) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true, mode: 0o777 });
        await cloneRepo(dir, v.gitRepo.repository, v.gitRepo.revision, v.gitRepo.directory);
        writeFileSync(marker, '');
      }
      return { name: v.name, hostPath: dir, readOnly: false, kind };
    }
    const payload = await this.payload(pod, v, ctx);
    writeAtomic(dir, payload ?? []);
    return { name: v.name, hostPath: dir, readOnly: true, kind };
  }

  /** The files of a configMap/secret/downwardAPI/projected volume; undefined when an optional source is absent. */
  private async payload(pod: Pod, v: Volume, ctx: EnvContext): Promise<PayloadFile[] | undefined> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (v.configMap) {
      return this.configMapFiles(ns, v.configMap.name ?? '', v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, !!v.configMap.optional);
    }
    if (v.secret) {
      return this.secretFiles(ns, v.secret.secretName ?? '', v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, !!v.secret.optional);
    }
    if (v.downwardAPI) return downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx);
    if (v.projected) {
      const mode = v.projected.defaultMode ?? DEFAULT_MODE;
      const out: PayloadFile[] = [];
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) out.push(...(await this.configMapFiles(ns, s.configMap.name ?? '', s.configMap.items, mode, !!s.configMap.optional)));
        if (s.secret) out.push(...(await this.secretFiles(ns, s.secret.name ?? '', s.secret.items, mode, !!s.secret.optional)));
        if (s.downwardAPI) out.push(...downwardFiles(pod, s.downwardAPI.items ?? [], mode, ctx));
        if (s.serviceAccountToken) {
          const token = await this.source.serviceAccountToken(ns, pod.spec?.serviceAccountName || 'default', {
            audience: s.serviceAccountToken.audience, expirationSeconds: s.serviceAccountToken.expirationSeconds,
            podName: pod.metadata?.name ?? '', podUid: pod.metadata?.uid ?? '',
          });
          if (token !== undefined) out.push({ path: s.serviceAccountToken.path, data: Buffer.from(token), mode });
        }
      }
      return out;
    }
    return undefined;
  }

  private async configMapFiles(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<PayloadFile[]> {
    const cm = await this.source.configMap(ns, name);
    if (!cm) {
      if (optional) return [];
      throw new Error(`configmap "${name}" not found`);
    }
    const data: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(cm.data ?? {})) data[k] = Buffer.from(v);
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(v, 'base64');
    return itemsPayload(data, items, mode, 'configmap', optional);
  }

  private async secretFiles(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<PayloadFile[]> {
    const s = await this.source.secret(ns, name);
    if (!s) {
      if (optional) return [];
      throw new Error(`secret "${name}" not found`);
    }
    const data: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64');
    for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = Buffer.from(v);
    return itemsPayload(data, items, mode, 'secret', optional);
  }

  /** Bytes used by each emptyDir with a sizeLimit, with the limit, for the eviction check. */
  emptyDirUsage(pod: Pod): { name: string; used: number; limit: number; limitText: string }[] {
    const out = [];
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.emptyDir?.sizeLimit) continue;
      const limit = tryParseQuantity(String(v.emptyDir.sizeLimit))?.value();
      const dir = this.volumeDir(pod.metadata!.uid!, v)!;
      if (!limit || !existsSync(dir)) continue;
      out.push({ name: v.name, used: diskUsage(dir), limit, limitText: String(v.emptyDir.sizeLimit) });
    }
    return out;
  }

  /** Removes everything the pod has here: unmounts tmpfs volumes, then deletes its directory. */
  tearDown(uid: string): void {
    if (!/^[\w-]+$/.test(uid)) return;
    const dir = this.podDir(uid);
    if (!existsSync(dir)) return;
    unmountAll(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files of a downwardAPI volume (or projection). */
function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], mode: number, ctx: EnvContext): PayloadFile[] {
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = fieldRefValue(pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) {
      const c: Container | undefined = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === it.resourceFieldRef!.containerName);
      value = resourceFieldValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor as string | undefined, ctx);
    }
    return { path: it.path, data: Buffer.from(value), mode: it.mode ?? mode };
  });
}

/**
 * Clones a gitRepo volume as the kubelet's git-repo plugin did: `git clone -- REPO [DIRECTORY]` in the volume,
 * then, with a revision, `git checkout REVISION` and `git reset --hard` in the clone.
 */
export async function cloneRepo(dir: string, repository: string, revision?: string, directory?: string): Promise<void> {
  const args = ['clone', '--', repository];
  if (directory) args.push(directory);
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  try {
    await execFileP('git', args, { cwd: dir, env, timeout: 120_000 });
    if (!revision) return;
    let sub = dir;
    if (directory) sub = join(dir, directory);
    else {
      const entries = readdirSync(dir);
      if (entries.length !== 1) throw new Error(`unexpected directory contents: ${entries.join(', ')}`);
      sub = join(dir, entries[0]);
    }
    await execFileP('git', ['checkout', revision], { cwd: sub, env, timeout: 60_000 });
    await execFileP('git', ['reset', '--hard'], { cwd: sub, env, timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`failed to exec 'git ${args.join(' ')}': ${(e.stderr || e.message).trim()}`);
  }
}
