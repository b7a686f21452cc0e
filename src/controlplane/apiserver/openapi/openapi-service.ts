/**
 * Answers the OpenAPI endpoints (`/openapi/v2`, `/openapi/v3`, `/openapi/v3/<group-version>`) from documents built
 * lazily on first request and then kept, so server start pays nothing and later requests only pick bytes.
 * Independent of the HTTP layer: the router passes path, query and the two headers that matter, and writes back
 * what comes out.
 */
import type { SchemaFile } from '../../../api/schema/model.js';
import type { ResourceInfo } from '../../../api/resources.js';
import { buildOpenApiV2, V2_PROTOBUF_CONTENT_TYPE, type OpenApiV2 } from './v2.js';
import { buildOpenApiV3, type OpenApiV3 } from './v3.js';

/** What to send back. `body` is empty for 304 and 301. */
export interface OpenApiResponse {
  status: 200 | 301 | 304 | 404;
  headers: Record<string, string>;
  body: Buffer;
}

/** The request fields the OpenAPI endpoints read. */
export interface OpenApiRequest {
  /** URL path without query, e.g. `/openapi/v3/apis/apps/v1`. */
  path: string;
  query: URLSearchParams;
  accept?: string;
  ifNoneMatch?: string;
}

/** True when a request path belongs to the OpenAPI endpoints. */
export function isOpenApiPath(path: string): boolean {
  return path === '/openapi/v2' || path === '/openapi/v3' || path.startsWith('/openapi/v3/');
}

/** Serves the OpenAPI documents of one server, built on first use. */
export class OpenApiService {
  #v2: OpenApiV2 | undefined;
  #v3: OpenApiV3 | undefined;
  #v3Root: Buffer | undefined;

  /** `version` is the server's gitVersion (e.g. `v1.32.0`). */
  constructor(
    private readonly files: () => readonly SchemaFile[],
    private readonly resources: readonly ResourceInfo[],
    private readonly version: string,
  ) {}

  /** The v2 documents, building them on first call. */
  v2(): OpenApiV2 {
    return (this.#v2 ??= buildOpenApiV2(this.files(), this.resources, this.version));
  }

  /** The v3 documents, building them on first call. */
  v3(): OpenApiV3 {
    return (this.#v3 ??= buildOpenApiV3(this.files(), this.resources, this.version));
  }

  /** Answers one request, or returns undefined when the path is not an OpenAPI path. */
  respond(req: OpenApiRequest): OpenApiResponse | undefined {
    if (req.path === '/openapi/v2') {
      const v2 = this.v2();
      // kubectl only ever asks for protobuf; anything else (browsers, curl, client libraries) gets JSON.
      const proto = (req.accept ?? '').includes('application/com.github.proto-openapi.spec.v2');
      const etag = proto ? v2.etag.replace(/"$/, '-pb"') : v2.etag;
      return this.#answer(proto ? v2.protobuf : v2.json, proto ? V2_PROTOBUF_CONTENT_TYPE : 'application/json', etag, req, false);
    }
    if (req.path === '/openapi/v3') {
      const v3 = this.v3();
      this.#v3Root ??= Buffer.from(JSON.stringify(v3.root));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: this.#v3Root };
    }
    if (req.path.startsWith('/openapi/v3/')) {
      const key = req.path.slice('/openapi/v3/'.length);
      const doc = this.v3().docs.get(key);
      if (!doc) return { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('404 page not found\n') };
      const hash = req.query.get('hash');
      if (hash && hash !== doc.hash) {
        // As kube-apiserver: a stale hash is redirected to the current one rather than served under the wrong key.
        return { status: 301, headers: { location: `${req.path}?hash=${doc.hash}`, 'cache-control': 'no-cache' }, body: Buffer.alloc(0) };
      }
      return this.#answer(doc.json, 'application/json', `"${doc.hash}"`, req, hash === doc.hash);
    }
    return undefined;
  }

  #answer(body: Buffer, contentType: string, etag: string, req: OpenApiRequest, immutable: boolean): OpenApiResponse {
    const headers: Record<string, string> = {
      'content-type': contentType,
      etag,
      'cache-control': immutable ? 'public, immutable' : 'no-cache, private',
    };
    if (req.ifNoneMatch === etag) return { status: 304, headers, body: Buffer.alloc(0) };
    return { status: 200, headers, body };
  }
}
