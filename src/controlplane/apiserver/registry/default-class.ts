/**
 * Default-class admission, as kube-apiserver's DefaultStorageClass and DefaultIngressClass plugins: a new
 * PersistentVolumeClaim without `storageClassName`, or a new Ingress without `ingressClassName`, gets the class
 * annotated as the cluster default (the newest one when several are).
 */
import type { GenericStore } from './generic-store.js';
import type { Obj, RequestContext, Strategy } from './strategy.js';

/** Looks up another resource's store. */
export type StoreLookup = (group: string, resource: string) => GenericStore;

async function defaultClassName(store: GenericStore, annotation: string): Promise<string | undefined> {
  const { items } = await store.list({ namespace: '' });
  const defaults = items.filter((c) => c.metadata?.annotations?.[annotation] === 'true');
  defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
  return defaults[0]?.metadata.name;
}

/** Wraps a strategy so that creates without a class get the default one. */
export function withDefaultClass(base: Strategy, lookup: StoreLookup, kind: 'storage' | 'ingress'): Strategy {
  const beforeStore = base.beforeStore;
  return {
    ...base,
    async beforeStore(obj: Obj, old: Obj | undefined, ctx: RequestContext) {
      if (!old) {
        if (kind === 'storage' && obj.spec && obj.spec.storageClassName === undefined) {
          const name = await defaultClassName(lookup('storage.k8s.io', 'storageclasses'), 'storageclass.kubernetes.io/is-default-class');
          if (name) obj.spec.storageClassName = name;
        }
        if (kind === 'ingress' && obj.spec && obj.spec.ingressClassName === undefined && !obj.metadata?.annotations?.['kubernetes.io/ingress.class']) {
          const name = await defaultClassName(lookup('networking.k8s.io', 'ingressclasses'), 'ingressclass.kubernetes.io/is-default-class');
          if (name) obj.spec.ingressClassName = name;
        }
      }
      await beforeStore?.(obj, old, ctx);
    },
  };
}
