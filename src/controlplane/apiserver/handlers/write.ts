/**
 * POST (create) and PUT (update, including the status and finalize subresources).
 */
import type { HandlerContext } from './context.js';
import { readObject, warningHeaders } from './body.js';
import { respondObject } from './respond-object.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';

/** `dryRun` must be absent or `All`, as kube-apiserver accepts. */
export function isDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

/** The field manager of a write: `?fieldManager=`, else derived from the user agent as kube-apiserver does. */
export function fieldManager(h: HandlerContext): string {
  const m = h.query.get('fieldManager');
  if (m !== null) {
    if (m.length > 128) throw badRequest(`fieldManager: Too long: may not be longer than 128`);
    return m;
  }
  const ua = h.req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0] || 'unknown';
}

/** `POST …/pods`. */
export async function handleCreate(h: HandlerContext): Promise<void> {
  const warnings: string[] = [];
  const obj = await readObject(h, h.info, warnings);
  const created = await h.store.create(h.request.namespace, obj, { dryRun: isDryRun(h.query), fieldManager: fieldManager(h) }, h.ctx);
  respondObject(h, 201, created, warningHeaders(warnings));
}

/** `PUT …/pods/NAME[/status|/finalize]`. */
export async function handleUpdate(h: HandlerContext): Promise<void> {
  const warnings: string[] = [];
  const obj = await readObject(h, h.info, warnings);
  const sub = h.request.subresource;
  const { object, created } = await h.store.update(
    h.request.namespace, h.request.name,
    async () => ({ obj, unconditional: false }),
    { dryRun: isDryRun(h.query), fieldManager: fieldManager(h), subresource: sub }, h.ctx,
  );
  respondObject(h, created ? 201 : 200, object, warningHeaders(warnings));
}
