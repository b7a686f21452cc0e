/**
 * ObjectSource: how the kubelet reads the ConfigMaps, Secrets, PVCs/PVs and Services its pods refer to. Reads go
 * to the API server with a short cache (so the containers of one pod, started together, share one GET), like the
 * kubelet's TTL-based configmap and secret managers; Services come from an informer, for the service env vars.
 */
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors/status-error.js';
import type { Client, Informer, KubeObject } from '../../client/index.js';

/** Read access to the objects pods refer to. `undefined` means "does not exist". */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  persistentVolume(name: string): Promise<PersistentVolume | undefined>;
  /** Services of a namespace (from a cache). */
  services(namespace: string): Service[];
  /** A projected service account token, or undefined when the API server cannot issue one. */
  serviceAccountToken(namespace: string, serviceAccount: string, opts: { audience?: string; expirationSeconds?: number; podName: string; podUid: string }): Promise<string | undefined>;
}

const TTL_MS = 2000;

/** An ObjectSource over the API with a per-object TTL cache. */
export class ApiObjectSource implements ObjectSource {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly client: Client, private readonly serviceInformer?: Informer<Service>) {}

  private get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T | undefined> {
    const key = `${resource}/${namespace}/${name}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.value as Promise<T | undefined>;
    if (this.cache.size > 1000) for (const [k, v] of this.cache) if (now - v.at >= TTL_MS) this.cache.delete(k);
    const rc = this.client.resource<T>('', 'v1', resource);
    const value = (namespace ? rc.namespace(namespace) : rc).get(name).catch((err) => {
      if (err instanceof StatusError && err.code === 404) return undefined;
      this.cache.delete(key);
      throw err;
    });
    this.cache.set(key, { at: now, value });
    return value;
  }

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get<ConfigMap>('configmaps', namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get<Secret>('secrets', namespace, name);
  }

  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.get<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name);
  }

  persistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return this.get<PersistentVolume>('persistentvolumes', '', name);
  }

  services(namespace: string): Service[] {
    return this.serviceInformer?.lister.listNamespace(namespace) ?? [];
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, opts: { audience?: string; expirationSeconds?: number; podName: string; podUid: string }): Promise<string | undefined> {
    try {
      const res = await this.client.rest.request<{ status?: { token?: string } }>({
        method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
        body: {
          apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
          spec: {
            audiences: opts.audience ? [opts.audience] : [], expirationSeconds: opts.expirationSeconds ?? 3600,
            boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: opts.podName, uid: opts.podUid },
          },
        },
      });
      return res.status?.token;
    } catch {
      return undefined;
    }
  }
}
