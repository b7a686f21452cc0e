/**
 * The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets and replication controllers:
 * GET builds a Scale from the parent; PUT and PATCH change the parent's spec.replicas, with the Scale's
 * resourceVersion as precondition (kubectl scale --current-replicas / --resource-version).
 */
import type { HandlerContext } from './context.js';
import type { Obj } from '../registry/strategy.js';
import { readObject, warningHeaders } from './body.js';
import { fieldManager, isDryRun } from './write.js';
import { writeJson, readBody } from '../http/respond.js';
import { mediaType, parseJson } from '../http/negotiate.js';
import { badRequest, conflict, invalid, STALE_OBJECT_MESSAGE, unsupportedMediaType } from '../../../apimachinery/errors/status-error.js';

/** The label selector of a scalable object, as a string (Scale.status.selector). */
function selectorString(obj: Obj): string {
  const sel = obj.spec?.selector;
  if (!sel) return '';
  // ReplicationControllers have a plain map selector; apps/v1 kinds a LabelSelector.
  const labels: Record<string, string> = sel.matchLabels ?? (sel.matchExpressions ? {} : sel);
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The Scale view of a parent object. */
export function scaleOf(obj: Obj): Obj {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj) },
  };
}

/** `GET …/deployments/NAME/scale`. */
export async function handleGetScale(h: HandlerContext): Promise<void> {
  writeJson(h.res, 200, scaleOf(await h.store.get(h.request.namespace, h.request.name)));
}

/** `PUT|PATCH …/deployments/NAME/scale`. */
export async function handleUpdateScale(h: HandlerContext): Promise<void> {
  const warnings: string[] = [];
  const patching = h.req.method === 'PATCH';
  let scale: Obj | undefined;
  let patchDoc: unknown;
  let patchType: 'json' | 'merge' | 'strategic' = 'merge';
  if (patching) {
    const t = mediaType(h.req.headers['content-type']);
    patchType = t === 'application/json-patch+json' ? 'json' : t === 'application/merge-patch+json' ? 'merge' : t === 'application/strategic-merge-patch+json' ? 'strategic' : (() => { throw unsupportedMediaType(t); })();
    patchDoc = parseJson(await readBody(h.req));
  } else {
    scale = await readObject(h, { group: 'autoscaling', version: 'v1', kind: 'Scale' }, warnings);
  }
  const { object } = await h.store.update(h.request.namespace, h.request.name, async (current) => {
    if (!current) throw badRequest('not found');
    let desired = scale;
    if (patching) {
      const scaleInfo = { ...h.info, group: 'autoscaling', version: 'v1', kind: 'Scale', resource: 'scale', typeId: 'io.k8s.api.autoscaling.v1.Scale' };
      desired = h.services.patcher.apply(patchType, scaleInfo, 'Scale', scaleOf(current), patchDoc);
    }
    const rv = desired!.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(h.store.gr, h.request.name, STALE_OBJECT_MESSAGE);
    const replicas = desired!.spec?.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
      throw invalid('Scale', 'autoscaling', h.request.name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', detail: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    current.spec = { ...(current.spec ?? {}), replicas: replicas ?? 0 };
    return { obj: current, unconditional: !rv };
  }, { dryRun: isDryRun(h.query), fieldManager: fieldManager(h), subresource: 'scale' }, h.ctx);
  writeJson(h.res, 200, scaleOf(object), warningHeaders(warnings));
}
