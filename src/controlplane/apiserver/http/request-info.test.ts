/**
 * Request parsing: booleans in the query are read as Go's strconv.ParseBool reads them, so clients that send
 * `watch=True` (the Python client) get a watch, not a list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo, queryBool } from './request-info.js';

test('queryBool accepts the spellings of true that kube-apiserver accepts', () => {
  for (const v of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(queryBool(v), true, v);
  for (const v of [null, '', '0', 'false', 'False', 'yes', 'tRUE']) assert.equal(queryBool(v), false, String(v));
});

test('watch=True makes a collection GET a watch', () => {
  const info = parseRequestInfo('GET', '/api/v1/namespaces/default/configmaps', new URLSearchParams('watch=True&resourceVersion=5'));
  assert.equal(info?.verb, 'watch');
  assert.equal(parseRequestInfo('GET', '/api/v1/namespaces/default/configmaps', new URLSearchParams('watch=false'))?.verb, 'list');
});
