/**
 * Reads and checks the object in a create/update body: media type, apiVersion/kind against the URL, and unknown
 * fields under `fieldValidation` (Strict → 400, Warn → a `Warning` header, Ignore → dropped silently). The server's
 * default is Warn, as kube-apiserver's.
 */
import type { HandlerContext } from './context.js';
import type { Obj } from '../registry/strategy.js';
import { readBody } from '../http/respond.js';
import { decodeBody } from '../http/negotiate.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';
import { groupVersion } from '../../../api/resources.js';
import { checkObject, pruneUnknown, strictDecodingMessage, typeForKind, unknownFieldWarnings } from '../../../api/schema/index.js';

/** The body's expected kind and apiVersion (a subresource may speak another kind, e.g. Scale, Binding). */
export interface ExpectedKind {
  group: string;
  version: string;
  kind: string;
}

/** Reads, decodes and checks the request's object. Warnings are collected into `warnings`. */
export async function readObject(h: HandlerContext, expected: ExpectedKind, warnings: string[]): Promise<Obj> {
  const obj = await decodeBody(await readBody(h.req), h.req.headers['content-type']);
  const gv = groupVersion(expected.group, expected.version);
  if (obj.apiVersion === undefined && obj.kind === undefined) {
    // DeleteOptions-style bodies and kubectl's scale PUT sometimes omit type meta; fill it in.
    obj.apiVersion = gv;
    obj.kind = expected.kind;
  }
  if (obj.kind !== expected.kind) {
    throw badRequest(`the kind of the object (${String(obj.kind ?? '')}) does not match the kind of the resource (${expected.kind}) at this URL`);
  }
  if (obj.apiVersion !== gv) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion ?? '')}) does not match the expected API version (${gv})`);
  }
  checkFields(h, expected.kind, obj, warnings, expected);
  return obj;
}

/**
 * Applies the request's field validation directive to a decoded object. `gv` names the body's group/version when it
 * is not the resource's own (the autoscaling/v1 Scale PUT on `deployments/NAME/scale`).
 */
export function checkFields(h: HandlerContext, kind: string, obj: Obj, warnings: string[], gv: { group: string; version: string } = h.info): void {
  const directive = h.query.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(directive)) {
    throw badRequest(`fieldValidation: Unsupported value: "${directive}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const typeId = typeForKind(gv.group, gv.version, kind)?.id ?? h.info.typeId;
  const { unknown, typeErrors } = checkObject(typeId, obj);
  if (typeErrors.length > 0) {
    throw badRequest(`${kind} in version "${gv.version}" cannot be handled as a ${kind}: ${typeErrors.join(', ')}`);
  }
  if (unknown.length === 0) return;
  if (directive === 'Strict') throw badRequest(`${kind} in version "${gv.version}" cannot be handled as a ${kind}: ${strictDecodingMessage(unknown)}`);
  if (directive === 'Warn') warnings.push(...unknownFieldWarnings(unknown));
  const pruned = pruneUnknown(typeId, obj).value as Obj;
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, pruned);
}

/** Formats warnings as `Warning: 299 - "…"` headers, which kubectl prints on stderr. */
export function warningHeaders(warnings: string[]): Record<string, string[]> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}
