/**
 * The Swagger 2.0 document kube-apiserver serves at /openapi/v2: every path of every served resource and a
 * definition for every type, as JSON (`Accept: application/json`) and as gnostic protobuf, the only form kubectl asks
 * for. kubectl 1.27/1.28 need it for `--validate=strict`, and client-side `kubectl apply` of an existing object reads
 * `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` from its definitions.
 */
import type { SchemaFile } from '../../../api/schema/model.js';
import type { ResourceInfo } from '../../../api/resources.js';
import { encodeGnostic } from './gnostic.js';
import { referencedTypes, renderPaths, resourcePaths, type OperationSpec, type ParamSpec } from './operations.js';
import { REF_PREFIX, typeSchema, type JsonSchema } from './schema-json.js';
import { indexTypes } from './type-index.js';
import { contentHash } from './v3.js';

/** The result of buildOpenApiV2. */
export interface OpenApiV2 {
  /** The compact JSON document. */
  json: Buffer;
  /** The same document as a gnostic `openapi.v2.Document`. */
  protobuf: Buffer;
  /** A quoted strong ETag derived from the JSON. */
  etag: string;
}

/** The media type kubectl sends in Accept for the protobuf form. */
export const V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The Content-Type kube-apiserver answers the protobuf form with. */
export const V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const params = new WeakMap<ParamSpec, JsonSchema>();

/** A parameter in v2 form; one object per ParamSpec, so the protobuf encoder encodes each shared one once. */
function param(p: ParamSpec): JsonSchema {
  let out = params.get(p);
  if (out) return out;
  out = { name: p.name, in: p.in, description: p.description, type: p.type, uniqueItems: true };
  if (p.required) out.required = true;
  params.set(p, out);
  return out;
}

function operation(o: OperationSpec): JsonSchema {
  const params: JsonSchema[] = [];
  if (o.body) params.push({ name: 'body', in: 'body', required: true, schema: { $ref: REF_PREFIX.v2 + o.body.typeId } });
  params.push(...o.params.map(param));
  const responses: Record<string, JsonSchema> = {};
  for (const r of o.responses) {
    const schema = r.typeId ? { $ref: REF_PREFIX.v2 + r.typeId } : r.text ? { type: 'string' } : undefined;
    responses[r.code] = schema ? { description: r.description, schema } : { description: r.description };
  }
  const out: JsonSchema = {
    description: o.description,
    consumes: o.body?.consumes ?? ['*/*'],
    produces: o.produces,
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
  };
  if (params.length > 0) out.parameters = params;
  out.responses = responses;
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}


/**
 * Builds the v2 document from the type data and the resource table.
 * `version` is the server's gitVersion (e.g. `v1.32.0`), shown as `info.version`.
 */
export function buildOpenApiV2(files: readonly SchemaFile[], resources: readonly ResourceInfo[], version: string): OpenApiV2 {
  const index = indexTypes(files, resources);
  const paths = resources.flatMap((r) => resourcePaths(r, index));
  const definitions: Record<string, JsonSchema> = {};
  // Every type, except those that only ever appear inline inside another (their fields are published there).
  const inline = new Set([...index.types.values()].flatMap((t) => t.fields.filter((f) => f.inline).map((f) => f.type)));
  const roots = [...index.types.keys()].filter((id) => !inline.has(id));
  for (const id of index.closure([...roots, ...referencedTypes(paths)]).sort()) {
    definitions[id] = typeSchema(index.get(id), 'v2', index);
  }
  const doc = { swagger: '2.0', info: { title: 'Kubernetes', version }, paths: renderPaths(paths, { operation, param }), definitions };
  const json = Buffer.from(JSON.stringify(doc));
  return { json, protobuf: encodeGnostic(doc), etag: `"${contentHash(json)}"` };
}
