/**
 * DELETE of one object and of collections, with DeleteOptions from the body or the query
 * (gracePeriodSeconds, propagationPolicy, preconditions, dryRun).
 */
import type { HandlerContext } from './context.js';
import { respondList, respondObject, withTypeMeta } from './respond-object.js';
import { isDryRun } from './write.js';
import { intParam } from './read.js';
import { readBody } from '../http/respond.js';
import { parseJson } from '../http/negotiate.js';
import { queryBool } from '../http/request-info.js';
import { badRequest, StatusError } from '../../../apimachinery/errors/status-error.js';
import type { DeleteParams } from '../registry/generic-store.js';
import { buildFilter } from '../registry/selectors.js';
import type { Obj } from '../registry/strategy.js';

async function deleteParams(h: HandlerContext): Promise<DeleteParams> {
  const raw = await readBody(h.req);
  let opts: Obj = {};
  if (raw.length > 0) {
    const v = parseJson(raw);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('DeleteOptions must be a JSON object');
    opts = v as Obj;
    if (opts.kind !== undefined && opts.kind !== 'DeleteOptions') throw badRequest(`expected a DeleteOptions body, got kind ${String(opts.kind)}`);
  }
  const q = h.query;
  const grace = opts.gracePeriodSeconds ?? intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace))) throw badRequest('gracePeriodSeconds must be an integer');
  let policy: string | undefined = opts.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  // orphanDependents is the deprecated spelling of the Orphan/Background choice.
  const orphan = opts.orphanDependents ?? (q.has('orphanDependents') ? queryBool(q.get('orphanDependents')) : undefined);
  if (orphan !== undefined) {
    if (policy !== undefined) throw badRequest('orphanDependents: Invalid value: true: orphanDependents and deletionPropagation cannot be both set');
    policy = orphan ? 'Orphan' : 'Background';
  }
  const dryRun = isDryRun(q) || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
  return { dryRun, gracePeriodSeconds: grace, propagationPolicy: policy, preconditions: opts.preconditions };
}

/** `DELETE …/pods/NAME`. */
export async function handleDelete(h: HandlerContext): Promise<void> {
  const p = await deleteParams(h);
  const { object, deleted } = await h.store.delete(h.request.namespace, h.request.name, p, h.ctx);
  // kube-apiserver answers 200 with the object, or 202 when a cascading delete is left to the garbage collector
  // and the object is still there.
  const code = !deleted && p.propagationPolicy === 'Foreground' ? 202 : 200;
  respondObject(h, code, withTypeMeta(h, object));
}

/** `DELETE …/pods` (deletecollection) with label/field selectors. */
export async function handleDeleteCollection(h: HandlerContext): Promise<void> {
  const p = await deleteParams(h);
  const filter = buildFilter(h.store.strategy, h.query.get('labelSelector') ?? '', h.query.get('fieldSelector') ?? '');
  const page = await h.store.list({ namespace: h.request.namespace, filter });
  const out: Obj[] = [];
  for (const item of page.items) {
    try {
      const { object } = await h.store.delete(item.metadata.namespace ?? '', item.metadata.name, p, h.ctx);
      out.push(object);
    } catch (err) {
      // Deleted meanwhile by someone else: that is what was asked.
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
  respondList(h, out, { resourceVersion: page.resourceVersion });
}
