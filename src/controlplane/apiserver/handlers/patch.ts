/**
 * PATCH with all four content types kubectl sends: JSON patch, merge patch, strategic merge patch, and server-side
 * apply (application/apply-patch+yaml, which creates the object when it does not exist).
 */
import type { HandlerContext } from './context.js';
import { checkFields, warningHeaders } from './body.js';
import { fieldManager, isDryRun } from './write.js';
import { respondObject } from './respond-object.js';
import { readBody } from '../http/respond.js';
import { mediaType, parseJson, parseYaml } from '../http/negotiate.js';
import { queryBool } from '../http/request-info.js';
import { badRequest, unsupportedMediaType, StatusError } from '../../../apimachinery/errors/status-error.js';
import type { Obj } from '../registry/strategy.js';

const PATCH_TYPES: Record<string, 'json' | 'merge' | 'strategic' | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+json': 'apply',
};

/** `PATCH …/pods/NAME[/status]`. */
export async function handlePatch(h: HandlerContext): Promise<void> {
  const type = PATCH_TYPES[mediaType(h.req.headers['content-type'])];
  if (!type) throw unsupportedMediaType(h.req.headers['content-type'] ?? '');
  const raw = await readBody(h.req);
  const patch = type === 'apply' ? parseYaml(raw) : parseJson(raw);
  if (type === 'json' ? !Array.isArray(patch) : patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw badRequest(type === 'json' ? 'json patch must be an array of operations' : 'the patch must be a JSON object');
  }
  const warnings: string[] = [];
  const dryRun = isDryRun(h.query);
  const manager = fieldManager(h);
  const force = queryBool(h.query.get('force'));
  if (type === 'apply') {
    if (h.query.get('fieldManager') === null) throw badRequest('PATCH with apply requires fieldManager to be set');
    checkFields(h, h.info.kind, patch as Obj, warnings);
  } else if (h.query.has('force')) {
    throw badRequest('force: Forbidden: may not be specified for non-apply patch');
  }
  const sub = h.request.subresource;
  // A patch that names a resourceVersion is a precondition; otherwise conflicts are retried against the new state.
  const unconditional = type === 'json' ? true : (patch as Obj).metadata?.resourceVersion === undefined;
  const { object, created } = await h.store.update(h.request.namespace, h.request.name, async (current) => {
    let next: Obj;
    if (type === 'apply') {
      next = h.services.patcher.serverSideApply(h.info, h.info.kind, current, patch as Obj, { manager, force, now: h.ctx.now, subresource: sub || undefined });
    } else {
      if (!current) throw new StatusError(404, 'NotFound', `${h.info.group ? h.info.resource + '.' + h.info.group : h.info.resource} "${h.request.name}" not found`, { name: h.request.name, group: h.info.group, kind: h.info.resource });
      next = h.services.patcher.apply(type, h.info, h.info.kind, current, patch);
      // Every patch type's result is decoded into the typed object upstream, so a JSON patch that puts a string
      // into spec.replicas is refused like a merge patch would be, never stored.
      checkFields(h, h.info.kind, next, warnings);
    }
    if (current && next.metadata?.resourceVersion === undefined) next.metadata = { ...(next.metadata ?? {}), resourceVersion: current.metadata.resourceVersion };
    return { obj: next, unconditional };
  }, { dryRun, fieldManager: manager, subresource: sub, createIfMissing: type === 'apply', managedFieldsDone: type === 'apply' }, h.ctx);
  respondObject(h, created ? 201 : 200, object, warningHeaders(warnings));
}
