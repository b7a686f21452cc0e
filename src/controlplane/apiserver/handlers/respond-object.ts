/**
 * Writes objects back to clients: plain JSON, or a Table when kubectl asked for server-side printing.
 */
import type { HandlerContext } from './context.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';
import type { Obj } from '../registry/strategy.js';
import { writeJson } from '../http/respond.js';
import { wantsTable } from '../http/negotiate.js';
import { groupVersion } from '../../../api/resources.js';
import { buildTable, type IncludeObject } from '../printers/table.js';

/** Writes one object (get/create/update/patch/delete answers). */
export function respondObject(h: HandlerContext, code: number, obj: Obj, headers: Record<string, string | string[]> = {}): void {
  if (wantsTable(h.req.headers.accept)) {
    const table = buildTable(h.info.group, h.info.resource, [obj], {
      now: h.ctx.now, includeObject: includeObject(h.query), listMeta: { resourceVersion: obj.metadata?.resourceVersion },
    });
    writeJson(h.res, code, table, headers);
    return;
  }
  writeJson(h.res, code, withTypeMeta(h, obj), headers);
}

/** The `includeObject` query parameter (None, Metadata — the default — or Object); anything else is a 400. */
export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

/** Stamps apiVersion/kind (stored objects carry them, but objects built from patches might not). */
export function withTypeMeta(h: HandlerContext, obj: Obj): Obj {
  if (obj.kind && obj.apiVersion) return obj;
  return { apiVersion: groupVersion(h.info.group, h.info.version), kind: h.info.kind, ...obj };
}

/** Writes a list page; `rawItems` (objects already serialised) takes the place of `items` when given. */
export function respondList(h: HandlerContext, items: Obj[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }, rawItems?: string[]): void {
  if (wantsTable(h.req.headers.accept)) {
    const table = buildTable(h.info.group, h.info.resource, items, { now: h.ctx.now, includeObject: includeObject(h.query), listMeta: meta });
    writeJson(h.res, 200, table);
    return;
  }
  const listMeta: Obj = { resourceVersion: meta.resourceVersion };
  if (meta.continue) listMeta.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) listMeta.remainingItemCount = meta.remainingItemCount;
  // Serialise the envelope around the items by hand: one JSON.stringify of a large array is the hot path of list.
  const head = JSON.stringify({ kind: `${h.info.kind}List`, apiVersion: groupVersion(h.info.group, h.info.version), metadata: listMeta });
  const parts: string[] = rawItems ?? items.map((item) => JSON.stringify(item));
  writeJson(h.res, 200, `${head.slice(0, -1)},"items":[${parts.join(',')}]}`);
}
