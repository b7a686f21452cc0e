/**
 * Content negotiation: what a request body is (JSON, YAML, Kubernetes protobuf) and what the client wants back
 * (JSON, or a meta.k8s.io/v1 Table for `kubectl get`). Responses are always JSON: kubectl accepts JSON wherever it
 * asks for protobuf (KUBECTL-COMPAT.md §0.4).
 */
import YAML from 'yaml';
import { badRequest, unsupportedMediaType } from '../../../apimachinery/errors/status-error.js';

/** Output formats the server produces. */
export type OutputFormat = 'json' | 'table';

/** True when the client asked for server-side printing. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** The media type of a Content-Type header, lower-cased, without parameters. Missing → JSON (kubectl's scale PUT). */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return 'application/json';
  return contentType.split(';')[0].trim().toLowerCase();
}

/** Decodes a create/update body into a plain object. */
export async function decodeBody(body: Buffer, contentType: string | undefined): Promise<Record<string, any>> {
  const type = mediaType(contentType);
  let value: unknown;
  if (type === 'application/json' || type === '*/*') {
    value = parseJson(body);
  } else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    value = parseYaml(body);
  } else if (type === 'application/vnd.kubernetes.protobuf') {
    // Loaded on the first protobuf body (kubectl 1.32+ `create …`): protobufjs and the type tree cost ~10 MB.
    const { decodeKubernetesProtobuf } = await import('../../../api/protobuf/index.js');
    value = decodeKubernetesProtobuf(body).object;
  } else {
    throw unsupportedMediaType(contentType ?? '');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`the request body must be an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, any>;
}

/** JSON.parse with a Kubernetes-shaped 400 on malformed input. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('the request body is empty; an object was expected');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** YAML (one document) with a clear 400 on malformed input. */
export function parseYaml(body: Buffer): unknown {
  try {
    const docs = YAML.parseAllDocuments(body.toString('utf8'));
    if (docs.length !== 1) throw new Error(`expected exactly one YAML document, got ${docs.length}`);
    if (docs[0].errors.length > 0) throw docs[0].errors[0];
    return docs[0].toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
}
