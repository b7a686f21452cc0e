/**
 * Shared set-up of the kubectl fluency tests: one real `kubelite server` process per test file (controllers and
 * scheduler off, so each test is about kubectl ↔ API server), the kubectl versions to run, and helpers that run a
 * command and assert its exit code while keeping the server log at hand for the failure message.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKubelite, hasKubectl, type KubeliteProcess, type RunResult } from '../support/kubelite.js';
import { api, credsFrom, type Creds, type Reply } from '../support/https.js';

/** kubectl 1.27 and 1.33 always; 1.32 (`default`, /usr/bin/kubectl) where a file finds it cheap enough. */
export const EDGE_VERSIONS = ['1.27', '1.33'].filter((v) => hasKubectl(v));
/** The edge versions plus the default 1.32. */
export const ALL_VERSIONS = ['1.27', 'default', '1.33'].filter((v) => hasKubectl(v));

/** A display name for a version key (`default` is 1.32). */
export function versionName(v: string): string {
  return v === 'default' ? '1.32' : v;
}

/** A namespace name for a case and version, e.g. `apply-1-27` (namespace names cannot hold dots). */
export function nsName(tag: string, v: string): string {
  return `${tag}-${versionName(v).replace('.', '-')}`;
}

/** What a test file gets from {@link useServer}. */
export interface Harness {
  /** The running server (valid inside tests). */
  readonly k: KubeliteProcess;
  /** Admin credentials for raw requests. */
  readonly creds: Creds;
  /** Runs kubectl of version `v`; does not assert. */
  run(v: string, args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** Runs kubectl and asserts exit code 0; returns stdout. */
  ok(v: string, args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<string>;
  /** Runs kubectl and asserts a non-zero exit code; returns the result. */
  fails(v: string, args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** A raw request with the admin certificate; JSON bodies may be passed as objects. */
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** GET of an object's JSON, asserting 200. */
  get(path: string): Promise<any>;
  /** Creates a namespace through the API (fast, and the same for every kubectl version). */
  namespace(name: string): Promise<void>;
  /** POSTs an object, asserting 201; returns the stored object. */
  create(path: string, body: unknown): Promise<any>;
  /** Merge-patches `path`/status as a controller or kubelet would, asserting 200; returns the object. */
  setStatus(path: string, status: unknown): Promise<any>;
}

/** Starts one server for the calling test file (in `before`) and stops it in `after`. */
export function useServer(): Harness {
  let k: KubeliteProcess | undefined;
  let creds: Creds | undefined;
  before(async () => {
    k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    creds = credsFrom(k.kubeconfig);
  });
  after(async () => {
    await k?.stop();
  });
  const server = () => {
    assert.ok(k, 'server not started');
    return k;
  };
  const describeRun = (v: string, args: string[], r: RunResult) =>
    `kubectl ${versionName(v)} ${args.join(' ')} → exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\n--- server log ---\n${server().logs().slice(-2000)}`;
  const h: Harness = {
    get k() {
      return server();
    },
    get creds() {
      assert.ok(creds);
      return creds;
    },
    run: (v, args, opts = {}) => server().kubectl(args, { ...opts, version: v }),
    async ok(v, args, opts = {}) {
      const r = await h.run(v, args, opts);
      assert.equal(r.code, 0, describeRun(v, args, r));
      return r.stdout;
    },
    async fails(v, args, opts = {}) {
      const r = await h.run(v, args, opts);
      assert.notEqual(r.code, 0, describeRun(v, args, r));
      return r;
    },
    req(method, path, body, headers = {}) {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return api(h.creds, method, path, { body: text, headers });
    },
    async get(path) {
      const r = await h.req('GET', path);
      assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.body}`);
      return r.json();
    },
    async create(path, body) {
      const r = await h.req('POST', path, body);
      assert.equal(r.status, 201, `POST ${path}: ${r.status} ${r.body}`);
      return r.json();
    },
    async setStatus(path, status) {
      const r = await h.req('PATCH', `${path}/status`, { status }, { 'content-type': 'application/merge-patch+json' });
      assert.equal(r.status, 200, `PATCH ${path}/status: ${r.status} ${r.body}`);
      return r.json();
    },
    async namespace(name) {
      const r = await h.req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      assert.ok(r.status === 201 || r.status === 409, `create namespace ${name}: ${r.status} ${r.body}`);
    },
  };
  return h;
}

/** Polls `check` every 100 ms until it returns true, or fails with `what` after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
