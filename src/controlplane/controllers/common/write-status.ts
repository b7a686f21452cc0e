/**
 * Writing a workload's status with observedGeneration, as the DaemonSet and StatefulSet controllers do (upstream
 * storeDaemonSetStatus / updateStatefulSetStatus): a conflict means the cache was behind, so the status is put on
 * a freshly read copy once more; an owner deleted meanwhile is not an error.
 */
import type { KubeObject, ResourceClient } from '../../../client/index.js';
import { isNotFound } from './controller-ref.js';

/**
 * Puts `status` on `obj` with observedGeneration = the generation the status was computed from (`obj`'s, also on
 * the retry: a newer spec has not been observed yet); retries once on a conflict.
 */
export async function writeStatus<T extends KubeObject & { status?: object }>(client: ResourceClient<T>, obj: T, status: object): Promise<void> {
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    const next = { ...current, status: { ...(current.status ?? {}), ...status, observedGeneration: obj.metadata?.generation ?? 0 } };
    try {
      await client.updateStatus(next);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (attempt >= 1 || (err as { code?: number }).code !== 409) throw err;
      current = await client.get(obj.metadata?.name ?? '');
    }
  }
}
