/**
 * ImagePuller: makes a container's image present per its imagePullPolicy, as the kubelet's image manager:
 *  - Never: present or ErrImageNeverPull;
 *  - IfNotPresent: pulled only when absent; Always: always pulled (a pull of an unchanged image is cheap) — but
 *    when that pull fails and the image is present, the local copy is used, so offline nodes run `image: nginx`;
 *  - credentials come from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson or dockercfg) matching the
 *    image's registry; each matching credential is tried, then an anonymous pull;
 *  - failures are ErrImagePull, and retries back off (ImagePullBackOff) 10 s doubling to 5 min;
 *  - events Pulling/Pulled/Failed/BackOff carry the kubelet's messages.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { AuthConfig, CriClient } from '../cri/index.js';
import { parseImageRef } from '../images/index.js';
import { Backoff } from './crash-backoff.js';
import type { ObjectSource } from './object-source.js';

/** Reports an event about a container: (type, reason, message). */
export type ContainerEventFn = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** The outcome of {@link ImagePuller.ensure}. */
export type ImageResult =
  | { ok: true; imageRef: string }
  | { ok: false; reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName'; message: string; retryAfterMs?: number };

function registryHost(key: string): string {
  let k = key.replace(/^https?:\/\//, '').split('/')[0];
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

/** Credentials of a pod's imagePullSecrets that apply to `image`. */
export async function pullCredentials(pod: Pod, image: string, source: ObjectSource): Promise<AuthConfig[]> {
  const domain = parseImageRef(image).domain;
  const out: AuthConfig[] = [];
  const ns = pod.metadata?.namespace ?? 'default';
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const s = await source.secret(ns, ref.name ?? '').catch(() => undefined);
    if (!s?.data) continue;
    let auths: Record<string, { username?: string; password?: string; auth?: string; identitytoken?: string; registrytoken?: string }> = {};
    try {
      if (s.data['.dockerconfigjson']) auths = JSON.parse(Buffer.from(s.data['.dockerconfigjson'], 'base64').toString('utf8')).auths ?? {};
      else if (s.data['.dockercfg']) auths = JSON.parse(Buffer.from(s.data['.dockercfg'], 'base64').toString('utf8'));
    } catch {
      continue;
    }
    for (const [key, a] of Object.entries(auths)) {
      if (registryHost(key) !== domain) continue;
      let { username, password } = a;
      if (!username && a.auth) {
        const dec = Buffer.from(a.auth, 'base64').toString('utf8');
        const i = dec.indexOf(':');
        username = dec.slice(0, i);
        password = dec.slice(i + 1);
      }
      out.push({ username, password, server_address: key, identity_token: a.identitytoken, registry_token: a.registrytoken });
    }
  }
  return out;
}

/** Ensures images; see the module comment. */
export class ImagePuller {
  private readonly backoff = new Backoff();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly cri: CriClient, private readonly source: ObjectSource) {}

  /** Forgets a removed pod's back-off state. */
  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
    for (const k of this.failedAt.keys()) if (k.startsWith(`${uid}/`)) this.failedAt.delete(k);
  }

  async ensure(pod: Pod, c: Container, event: ContainerEventFn): Promise<ImageResult> {
    const image = c.image ?? '';
    try {
      parseImageRef(image);
    } catch {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      event('Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const policy = c.imagePullPolicy ?? (/:latest$|^[^:@]*$/.test(image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent');
    const present = policy === 'Always' ? null : (await this.cri.imageStatus(image, { timeoutMs: 30_000 })).image;
    if (present) {
      event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true, imageRef: present.id };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      event('Warning', 'ErrImageNeverPull', message);
      return { ok: false, reason: 'ErrImageNeverPull', message };
    }
    const key = `${pod.metadata?.uid}/${image}`;
    const last = this.failedAt.get(key);
    if (last !== undefined) {
      const wait = this.backoff.remaining(key, last);
      if (wait > 0) {
        const message = `Back-off pulling image "${image}"`;
        event('Normal', 'BackOff', message);
        event('Warning', 'Failed', 'Error: ImagePullBackOff');
        return { ok: false, reason: 'ImagePullBackOff', message, retryAfterMs: wait };
      }
    }
    event('Normal', 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    const creds = await pullCredentials(pod, image, this.source);
    let lastErr: unknown;
    for (const auth of [...creds, undefined]) {
      try {
        const ref = await this.cri.pullImage(image, { auth });
        const secs = ((Date.now() - started) / 1000).toFixed(3).replace(/\.?0+$/, '');
        let size = '';
        try {
          const st = await this.cri.imageStatus(ref, { timeoutMs: 10_000 });
          if (st.image) size = ` Image size: ${st.image.size} bytes.`;
        } catch {
          // size is cosmetic
        }
        event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting).${size}`);
        this.failedAt.delete(key);
        return { ok: true, imageRef: ref };
      } catch (err) {
        lastErr = err;
      }
    }
    const detail = (lastErr as { details?: string }).details ?? (lastErr as Error).message;
    if (policy === 'Always') {
      // Offline nodes (the seed's `image: nginx` means Always): a failed pull of an image that is present uses the
      // local copy, where upstream would fail with ErrImagePull.
      const local = (await this.cri.imageStatus(image, { timeoutMs: 30_000 })).image;
      if (local) {
        event('Normal', 'Pulled', `Container image "${image}" already present on machine; the pull failed: ${detail}`);
        this.failedAt.delete(key);
        return { ok: true, imageRef: local.id };
      }
    }
    const message = `Failed to pull image "${image}": ${detail}`;
    event('Warning', 'Failed', message);
    event('Warning', 'Failed', 'Error: ErrImagePull');
    this.backoff.next(key);
    this.failedAt.set(key, Date.now());
    return { ok: false, reason: 'ErrImagePull', message, retryAfterMs: this.backoff.delay(key) };
  }
}
