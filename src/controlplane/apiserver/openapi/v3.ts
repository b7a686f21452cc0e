/**
 * OpenAPI v3 documents as kube-apiserver serves them under /openapi/v3: a root listing one document per
 * group-version with a content hash in its URL (kubectl caches by that hash), and per group-version documents holding
 * the paths of that group-version's resources plus every schema reachable from them. kubectl ≥1.29 reads these for
 * the field-validation check of create/apply/replace and for `kubectl explain`.
 */
import { createHash } from 'node:crypto';
import type { SchemaFile } from '../../../api/schema/model.js';
import type { ResourceInfo } from '../../../api/resources.js';
import { gvKey, referencedTypes, renderPaths, resourcePaths, type OperationSpec, type ParamSpec, type ResponseSpec } from './operations.js';
import { REF_PREFIX, typeSchema, type JsonSchema } from './schema-json.js';
import { indexTypes, type TypeIndex } from './type-index.js';

/** One served group-version document. */
export interface OpenApiV3Doc {
  /** The compact JSON of the document. */
  json: Buffer;
  /** Upper-case hex SHA-512 of `json`: the `hash` query parameter of its URL, and its ETag. */
  hash: string;
}

/** The result of buildOpenApiV3. */
export interface OpenApiV3 {
  /** `GET /openapi/v3`: `{ paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=…' }, … } }`. */
  root: { paths: Record<string, { serverRelativeURL: string }> };
  /** Documents keyed like the root (`api/v1`, `apis/apps/v1`), served at `/openapi/v3/<key>`. */
  docs: Map<string, OpenApiV3Doc>;
}

/** Upper-case hex SHA-512, the form kube-apiserver uses for OpenAPI hashes and ETags. */
export function contentHash(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex').toUpperCase();
}

function param(p: ParamSpec): JsonSchema {
  const out: JsonSchema = { name: p.name, in: p.in, description: p.description, schema: { type: p.type } };
  if (p.required) out.required = true;
  return out;
}

function response(r: ResponseSpec, produces: string[]): JsonSchema {
  if (r.typeId) {
    const schema = { $ref: REF_PREFIX.v3 + r.typeId };
    return { description: r.description, content: Object.fromEntries(produces.map((ct) => [ct, { schema }])) };
  }
  if (r.text) return { description: r.description, content: { [produces[0]]: { schema: { type: 'string' } } } };
  return { description: r.description };
}

function operation(o: OperationSpec): JsonSchema {
  const out: JsonSchema = { description: o.description, operationId: o.operationId };
  if (o.params.length > 0) out.parameters = o.params.map(param);
  if (o.body) {
    const schema = { $ref: REF_PREFIX.v3 + o.body.typeId };
    out.requestBody = { content: Object.fromEntries(o.body.consumes.map((ct) => [ct, { schema }])), required: true };
  }
  out.responses = Object.fromEntries(o.responses.map((r) => [r.code, response(r, o.produces)]));
  out.tags = [o.tag];
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}


/** Builds one group-version document from its resources. */
function buildDoc(index: TypeIndex, resources: readonly ResourceInfo[], version: string, cache: Map<string, JsonSchema>): OpenApiV3Doc {
  const paths = resources.flatMap((r) => resourcePaths(r, index));
  const schemas: Record<string, JsonSchema> = {};
  for (const id of index.closure(referencedTypes(paths)).sort()) {
    let s = cache.get(id);
    if (!s) cache.set(id, (s = typeSchema(index.get(id), 'v3', index)));
    schemas[id] = s;
  }
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version },
    paths: renderPaths(paths, { operation, param }),
    components: { schemas },
  };
  const json = Buffer.from(JSON.stringify(doc));
  return { json, hash: contentHash(json) };
}

/**
 * Builds the v3 root and one document per served group-version.
 * `version` is the server's gitVersion (e.g. `v1.32.0`), shown as `info.version`.
 */
export function buildOpenApiV3(files: readonly SchemaFile[], resources: readonly ResourceInfo[], version: string): OpenApiV3 {
  const index = indexTypes(files, resources);
  const byGv = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const key = gvKey(r.group, r.version);
    const list = byGv.get(key);
    if (list) list.push(r);
    else byGv.set(key, [r]);
  }
  const cache = new Map<string, JsonSchema>();
  const docs = new Map<string, OpenApiV3Doc>();
  const root: OpenApiV3['root'] = { paths: {} };
  for (const [key, list] of byGv) {
    const doc = buildDoc(index, list, version, cache);
    docs.set(key, doc);
    root.paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  }
  return { root, docs };
}
