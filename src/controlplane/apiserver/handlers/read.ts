/**
 * GET of one object and of collections (list), with label/field selectors, pagination and Table output.
 */
import type { HandlerContext } from './context.js';
import { respondList, respondObject } from './respond-object.js';
import { buildFilter, EVERYTHING } from '../registry/selectors.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';
import { wantsTable } from '../http/negotiate.js';

/** `GET …/pods/NAME`. */
export async function handleGet(h: HandlerContext): Promise<void> {
  const obj = await h.store.get(h.request.namespace, h.request.name);
  respondObject(h, 200, obj);
}

/** Parses a non-negative integer query parameter, or a 400. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return Number(v);
}

/** `GET …/pods` (list). */
export async function handleList(h: HandlerContext): Promise<void> {
  const q = h.query;
  const filter = buildFilter(h.store.strategy, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
  const limit = intParam(q, 'limit');
  const rv = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  let revision: number | undefined;
  if (match === 'Exact') {
    if (!/^\d+$/.test(rv) || rv === '0') throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    revision = Number(rv);
  } else if (match && match !== 'NotOlderThan') {
    throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  } else if (rv && !/^\d+$/.test(rv)) {
    throw badRequest(`invalid resource version "${rv}"`);
  }
  const page = await h.store.list({
    namespace: h.request.namespace,
    filter: filter === EVERYTHING ? undefined : filter,
    limit,
    continueToken: q.get('continue') ?? undefined,
    revision,
    raw: !wantsTable(h.req.headers.accept),
  });
  respondList(h, page.items, { resourceVersion: page.resourceVersion, continue: page.continueToken, remainingItemCount: page.remainingItemCount }, page.rawItems);
}
