/**
 * Namespaces: phase Active on create; on delete they turn Terminating and stay until the namespace controller has
 * removed their content and emptied spec.finalizers through `namespaces/NAME/finalize`, as upstream.
 */
import type { ResourceInfo } from '../../../../api/resources.js';
import type { Obj, Strategy } from '../strategy.js';

/** Builds the Namespace strategy. */
export function namespaceStrategy(info: ResourceInfo): Strategy {
  return {
    info,
    fieldValues: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
    prepareForCreate(ns) {
      ns.spec = { finalizers: ['kubernetes'], ...(ns.spec ?? {}) };
      ns.status = { phase: 'Active' };
    },
    prepareForUpdate(ns, old) {
      ns.status = old.status;
      // spec.finalizers change only through the finalize subresource.
      ns.spec = old.spec;
    },
    subresourceUpdates: { finalize: finalizeNamespace },
    extraFinalizers: (ns) => ns.spec?.finalizers ?? [],
    markDeleting(ns) {
      ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
    },
  };
}

/** The `finalize` subresource update: only spec.finalizers change. */
export function finalizeNamespace(ns: Obj, old: Obj): void {
  const finalizers = ns.spec?.finalizers;
  for (const k of Object.keys(ns)) delete ns[k];
  Object.assign(ns, structuredClone(old));
  if (finalizers === undefined || finalizers.length === 0) delete ns.spec.finalizers;
  else ns.spec.finalizers = finalizers;
}
