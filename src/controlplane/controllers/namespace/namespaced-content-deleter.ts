/**
 * Deletes everything inside one namespace, as kube-controller-manager's namespaced-resources deleter: for every
 * namespaced resource that can be listed and deleted, a deletecollection (or one delete per object where the
 * resource has no deletecollection) with background propagation, then a list of what is left. Objects held by
 * finalizers or a pod's grace period stay for now; the caller requeues and asks again.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCES, type ResourceInfo } from '../../../api/resources.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import type { Client, KubeObject } from '../../../client/index.js';
import type { ContentDeletionResult } from './namespace-conditions.js';

/** Namespaced resources that hold stored objects: listable and deletable (not bindings, reviews or metrics). */
export const NAMESPACED_CONTENT: readonly ResourceInfo[] = RESOURCES.filter(
  (r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'),
);

/** `pods`, `deployments.apps`: how upstream names a group-resource in condition messages. */
function groupResource(r: ResourceInfo): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** Seconds until a pod's graceful deletion is due (its deletionTimestamp is the end of the grace period). */
function graceRemaining(pod: Pod, now: number): number {
  const ts = pod.metadata?.deletionTimestamp;
  if (!ts) return 0;
  return Math.max(0, Math.ceil((Date.parse(ts) - now) / 1000));
}

/**
 * One deletion pass over namespace `ns`. Never throws for per-resource failures: they are collected in `errors`
 * so one broken resource does not hide the state of the others.
 */
export async function deleteNamespacedContent(client: Client, ns: string, opts: { now: number; resources?: readonly ResourceInfo[] }): Promise<ContentDeletionResult> {
  const result: ContentDeletionResult = { remaining: new Map(), finalizers: new Map(), errors: [], estimateSeconds: 0 };
  await Promise.all((opts.resources ?? NAMESPACED_CONTENT).map(async (info) => {
    const rc = client.resource(info.group, info.version, info.resource).namespace(ns);
    try {
      // Listing first costs one request for the (usual) empty resource instead of a delete and a list.
      let items = (await rc.listAll()).items;
      if (items.length === 0) return;
      if (items.some((o) => !o.metadata?.deletionTimestamp)) {
        if (info.verbs.includes('deletecollection')) {
          await rc.deleteCollection({}, { propagationPolicy: 'Background' });
        } else {
          for (const o of items) {
            if (o.metadata?.deletionTimestamp) continue;
            await rc.delete(o.metadata!.name!, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
          }
        }
        items = (await rc.listAll()).items;
      }
      tally(result, info, items, opts.now);
    } catch (err) {
      result.errors.push(`${groupResource(info)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }));
  return result;
}

function tally(result: ContentDeletionResult, info: ResourceInfo, items: KubeObject[], now: number): void {
  if (items.length === 0) return;
  result.remaining.set(groupResource(info), items.length);
  for (const o of items) {
    for (const f of o.metadata?.finalizers ?? []) result.finalizers.set(f, (result.finalizers.get(f) ?? 0) + 1);
    if (info.group === '' && info.resource === 'pods') {
      result.estimateSeconds = Math.max(result.estimateSeconds, graceRemaining(o as Pod, now));
    }
  }
}

/** Swallows 404: an object deleted meanwhile is what was asked for. */
export function ignoreNotFound(err: unknown): void {
  if (err instanceof StatusError && err.code === 404) return;
  throw err;
}
