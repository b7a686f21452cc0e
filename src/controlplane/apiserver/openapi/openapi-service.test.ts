import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../api/resources.js';
import { OpenApiService, isOpenApiPath } from './openapi-service.js';
import { FIXTURE_FILES } from './testdata-types.js';
import { V2_PROTOBUF_ACCEPT, V2_PROTOBUF_CONTENT_TYPE } from './v2.js';

describe('OpenApiService', () => {
  let builds = 0;
  const service = new OpenApiService(() => (builds++, FIXTURE_FILES), RESOURCES, 'v1.32.0');
  const get = (path: string, query = '', headers: { accept?: string; ifNoneMatch?: string } = {}) =>
    service.respond({ path, query: new URLSearchParams(query), ...headers });

  test('builds nothing until asked, then answers from the cache', () => {
    assert.equal(builds, 0);
    const root = get('/openapi/v3')!;
    assert.equal(root.status, 200);
    get('/openapi/v3');
    assert.equal(builds, 1);
  });

  test('serves v2 as protobuf to kubectl and as JSON otherwise', () => {
    const pb = get('/openapi/v2', 'timeout=32s', { accept: V2_PROTOBUF_ACCEPT })!;
    assert.equal(pb.headers['content-type'], V2_PROTOBUF_CONTENT_TYPE);
    assert.equal(pb.body[0], 0x0a, 'field 1 (swagger) comes first');
    const json = get('/openapi/v2', '', { accept: 'application/json' })!;
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(json.body.toString()).swagger, '2.0');
    assert.notEqual(pb.headers.etag, json.headers.etag);
    assert.equal(get('/openapi/v2', '', { accept: V2_PROTOBUF_ACCEPT, ifNoneMatch: pb.headers.etag })!.status, 304);
  });

  test('serves group-version documents by the root URL, redirects stale hashes, and 404s unknown ones', () => {
    const root = JSON.parse(get('/openapi/v3')!.body.toString());
    const url = new URL(root.paths['apis/apps/v1'].serverRelativeURL, 'http://x');
    const doc = get(url.pathname, url.search.slice(1))!;
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['cache-control'], 'public, immutable');
    assert.equal(JSON.parse(doc.body.toString()).openapi, '3.0.0');
    const stale = get(url.pathname, 'hash=0123')!;
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.location, url.pathname + url.search);
    assert.equal(get('/openapi/v3/apis/nosuch.io/v1')!.status, 404);
    assert.equal(get('/api/v1'), undefined);
    assert.ok(isOpenApiPath('/openapi/v3/api/v1') && !isOpenApiPath('/openapiv2'));
  });
});
