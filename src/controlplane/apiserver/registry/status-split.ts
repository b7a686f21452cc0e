/**
 * The spec/status split of resources with a status subresource: a write to the main resource keeps the stored
 * status, and a write to `/status` keeps everything else (kube-apiserver's per-kind PrepareForUpdate and status
 * strategies, including ResetObjectMetaForStatus).
 */
import type { ResourceInfo } from '../../../api/resources.js';
import type { Obj, Strategy } from './strategy.js';

/** A default strategy for a resource, with the status split when it has a status subresource. */
export function withStatusSubresource(info: ResourceInfo): Strategy {
  const hasStatus = info.subresources.some((s) => s.name === 'status');
  if (!hasStatus) return { info };
  return {
    info,
    prepareForCreate(obj: Obj) {
      // Users do not set status on create; controllers fill it. Nodes are the exception: the kubelet registers a
      // node with its capacity (handled by the node strategy).
      obj.status = {};
    },
    prepareForUpdate(obj: Obj, old: Obj) {
      if (old.status === undefined) delete obj.status;
      else obj.status = old.status;
    },
  };
}
