/**
 * End to end with the real kubectl binaries: a throwaway HTTP server serves /version and legacy discovery (the
 * apiserver's own documents), and the OpenAPI documents, and records what kubectl sends. It proves that kubectl's default
 * `--validate=strict` accepts our OpenAPI (1.27 through v2 protobuf, 1.32 through v3), that `kubectl explain` prints
 * our descriptions, and that client-side apply takes its patch metadata from our v2 definitions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCES } from '../../../api/resources.js';
import { fieldOf, schemaFiles, type SchemaFile } from '../../../api/schema/index.js';
import { buildDiscovery } from '../discovery.js';
import { OpenApiService } from './openapi-service.js';

const SDK = '/usr/lib/google-cloud-sdk/bin';
const KUBECTL: Record<string, string> = {
  '1.27': `${SDK}/kubectl.1.27`,
  '1.28': `${SDK}/kubectl.1.28`,
  '1.29': `${SDK}/kubectl.1.29`,
  '1.30': `${SDK}/kubectl.1.30`,
  '1.31': `${SDK}/kubectl.1.31`,
  '1.32': '/usr/bin/kubectl',
  '1.33': `${SDK}/kubectl.1.33`,
};
const missing = Object.values(KUBECTL).filter((p) => !existsSync(p));

/**
 * The project's real type data with one deliberate change: Pod containers merge on `image` instead of `name`.
 * kubectl has the real merge key compiled in and falls back to it when OpenAPI is unusable, so only a patch keyed by
 * `image` proves that kubectl read our v2 document.
 */
const FILES: SchemaFile[] = schemaFiles().map((file) => ({
  ...file,
  types: file.types.map((t) => t.id !== 'io.k8s.api.core.v1.PodSpec' ? t : {
    ...t,
    fields: t.fields.map((f) => (f.name === 'containers' ? { ...f, patchMergeKey: 'image' } : f)),
  }),
}));

interface Recorded {
  method: string;
  url: string;
  accept: string;
  contentType: string;
  body: string;
}

describe('kubectl against our OpenAPI', { skip: missing.length > 0 ? `missing ${missing.join(', ')}` : false }, () => {
  const openapi = new OpenApiService(() => FILES, RESOURCES, 'v1.32.0');
  const objects = new Map<string, Record<string, unknown>>();
  let requests: Recorded[] = [];
  let server: Server;
  let base = '';
  let discovery = new Map<string, string>();
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-openapi-'));

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': String(bytes.length) });
    res.end(bytes);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', base);
    requests.push({
      method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept ?? '', contentType: req.headers['content-type'] ?? '', body,
    });
    const api = openapi.respond({
      path: url.pathname, query: url.searchParams, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'],
    });
    if (api) {
      send(res, api.status, api.body, api.headers);
      return;
    }
    const disc = discovery.get(url.pathname);
    if (disc) {
      send(res, 200, Buffer.from(disc));
      return;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (m && req.method === 'POST' && !m[2]) {
      const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
      obj.metadata = { ...obj.metadata, namespace: m[1], uid: 'u1', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' };
      objects.set(`${m[1]}/${String(obj.metadata.name)}`, obj);
      send(res, 201, obj);
      return;
    }
    const stored = m?.[2] ? objects.get(`${m[1]}/${m[2]}`) : undefined;
    if (stored && (req.method === 'GET' || req.method === 'PATCH')) {
      send(res, 200, stored);
      return;
    }
    send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url.pathname} not found` });
  };

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    discovery = buildDiscovery(RESOURCES, base.slice('http://'.length));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  let runs = 0;
  /** Runs kubectl with a fresh cache and no kubeconfig; resolves with its output even when it fails. */
  const kubectl = (version: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const run = join(dir, `run${++runs}`);
    const env = { ...process.env, HOME: run, KUBECONFIG: join(run, 'none') };
    return new Promise((resolve) => {
      execFile(KUBECTL[version], ['--server', base, '--cache-dir', join(run, 'cache'), ...args], { env, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  };

  const podYaml = (name: string, image: string, extra: string[] = []): string => {
    const file = join(dir, `${name}-${image.replace(/\W/g, '')}.yaml`);
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Pod', `metadata: {name: ${name}}`,
      'spec:', ...extra, '  containers:', `  - name: c`, `    image: ${image}`, '',
    ].join('\n'));
    return file;
  };

  for (const version of Object.keys(KUBECTL)) {
    test(`kubectl ${version} create -f passes strict validation and sends fieldValidation=Strict`, async () => {
      requests = [];
      // An unknown field: had kubectl concluded that the server cannot validate, it would check the object itself
      // against the v2 schemas and refuse it locally instead of leaving the verdict to the server.
      const file = podYaml(`create-${version.replace('.', '')}`, 'nginx', ['  notAPodField: 1']);
      const r = await kubectl(version, ['create', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
      const post = requests.find((x) => x.method === 'POST');
      assert.ok(post, 'POST sent');
      assert.match(post.url, /[?&]fieldValidation=Strict(&|$)/);
      assert.ok(post.body.includes('notAPodField'));
      if (version === '1.27' || version === '1.28') {
        assert.ok(requests.some((x) => x.url.startsWith('/openapi/v2') && x.accept.includes('com.github.proto-openapi.spec.v2')));
      } else {
        assert.ok(requests.some((x) => x.url.startsWith('/openapi/v3/api/v1?hash=')));
        assert.ok(!requests.some((x) => x.url.startsWith('/openapi/v2')), 'no fallback to v2');
      }
    });
  }

  for (const version of ['1.33', '1.27']) {
    test(`kubectl ${version} explain pod.spec.containers.livenessProbe prints our descriptions`, async () => {
      const r = await kubectl(version, ['explain', 'pod.spec.containers.livenessProbe']);
      assert.equal(r.code, 0, r.stderr);
      const text = r.stdout.replace(/\s+/g, ' ');
      assert.ok(text.includes(fieldOf('io.k8s.api.core.v1.Container', 'livenessProbe')!.description), r.stdout);
      assert.match(r.stdout, /initialDelaySeconds\s+<integer>/);
      assert.ok(text.includes(fieldOf('io.k8s.api.core.v1.Probe', 'initialDelaySeconds')!.description), r.stdout);
      // Probe's handler is inline in JSON: its members are fields of the probe itself.
      assert.match(r.stdout, /httpGet\s+<HTTPGetAction>/);
    });
  }

  for (const version of ['1.27', '1.32']) {
    test(`kubectl ${version} apply of an existing pod sends a strategic merge patch keyed by our v2 merge key`, async () => {
      const name = `apply-${version.replace('.', '')}`;
      let r = await kubectl(version, ['apply', '-f', podYaml(name, 'nginx:1')]);
      assert.equal(r.code, 0, r.stderr);
      requests = [];
      r = await kubectl(version, ['apply', '-f', podYaml(name, 'nginx:2')]);
      assert.equal(r.code, 0, r.stderr);
      const patch = requests.find((x) => x.method === 'PATCH');
      assert.ok(patch, `PATCH sent; saw ${requests.map((x) => `${x.method} ${x.url}`).join(', ')}`);
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      const body = JSON.parse(patch.body) as { spec: Record<string, unknown> };
      // With the compiled-in metadata this would be [{ name: 'c' }].
      assert.deepEqual(body.spec['$setElementOrder/containers'], [{ image: 'nginx:2' }]);
    });
  }
});
