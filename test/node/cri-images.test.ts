// Image paths of the node against a real private containerd: offline import (OCI archives and docker-archive
// tarballs) and listing, CRI image status/removal/fs info, and registry pulls from Debian's docker-registry on
// loopback — plain, with basic auth, and through a hosts.toml mirror. Nothing is ever pulled from the internet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { importImages, listImages, writeTar, RootfsBuilder, BUSYBOX_BINARY } from '../../src/node/images/index.js';
import { isCriError } from '../../src/node/cri/index.js';
import { containerdSkipReason, startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { testImage, TEST_IMAGE_REFS } from '../support/images.js';

const skip = containerdSkipReason(['busybox', 'nginx']);
const registrySkip = skip ?? (!existsSync('/usr/bin/docker-registry') || !existsSync('/usr/bin/skopeo')
  ? 'registry pulls need Debian docker-registry and skopeo: apt-get install -y docker-registry skopeo' : undefined);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Debian's docker-registry on a free loopback port with temp storage; stopped by PID. */
async function startRegistry(): Promise<{ host: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-registry-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: {level: error}',
    'storage:',
    `  filesystem: {rootdirectory: ${join(dir, 'data')}}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 200) break;
    } catch {
      if (i > 200) {
        await stop();
        throw new Error('docker-registry did not start');
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { host: `127.0.0.1:${port}`, stop };
}

/** A loopback proxy in front of the registry that demands HTTP basic auth, as a private registry would. */
async function startAuthProxy(upstream: string, user: string, password: string): Promise<{ host: string; server: Server; requests: { authorized: number; rejected: number } }> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const requests = { authorized: 0, rejected: 0 };
  const [uhost, uport] = upstream.split(':');
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      requests.rejected++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="kubelite-test"', 'Docker-Distribution-API-Version': 'registry/2.0' });
      return res.end();
    }
    requests.authorized++;
    const up = request({ host: uhost, port: Number(uport), method: req.method, path: req.url, headers: { ...req.headers, host: upstream } }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

/** Pushes the `latest` image of an OCI archive (ours hold two names) to a registry. */
function skopeoCopy(archive: string, dest: string): void {
  execFileSync('skopeo', ['copy', '--dest-tls-verify=false', '--insecure-policy', `oci-archive:${archive}:latest`, `docker://${dest}`], { stdio: 'pipe' });
}

/** A docker-archive (`docker save` format) of a one-layer image holding only busybox, named `name`. */
function dockerArchive(name: string): Buffer {
  const layer = writeTar(new RootfsBuilder().copy(BUSYBOX_BINARY, '/bin/busybox', 0o755).entries());
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/busybox', 'true'] }, rootfs: { type: 'layers', diff_ids: [diffId] },
  }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const layerName = `${diffId.slice(7)}/layer.tar`;
  return writeTar([
    { type: 'file', path: configName, content: config },
    { type: 'dir', path: diffId.slice(7) },
    { type: 'file', path: layerName, content: layer },
    { type: 'file', path: 'manifest.json', content: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [name], Layers: [layerName] }])) },
  ]);
}

describe('images: offline import and CRI image service', { skip }, () => {
  let node: TestContainerd;
  before(async () => {
    node = await startTestContainerd();
  });
  after(async () => {
    await node?.stop();
  });

  test('importing OCI archives makes every name visible to CRI at once, with progress', async () => {
    const files = [testImage('busybox'), testImage('nginx')];
    const progress: number[] = [];
    const results = await importImages(node.runtime.endpoint, files, { onProgress: (p) => { if (p.bytes === p.total) progress.push(p.total); } });
    assert.deepEqual(results.map((r) => r.images.sort()), [TEST_IMAGE_REFS.busybox.slice().sort(), TEST_IMAGE_REFS.nginx.slice().sort()]);
    assert.equal(progress.length, 2);
    const tags = (await node.client.listImages()).flatMap((i) => i.repo_tags);
    for (const ref of [...TEST_IMAGE_REFS.busybox, ...TEST_IMAGE_REFS.nginx]) assert.ok(tags.includes(ref), `${ref} in ${tags.join(' ')}`);
    // Short names resolve the way Docker's do: nginx → docker.io/library/nginx:latest.
    const st = await node.client.imageStatus('nginx');
    assert.ok(st.image?.repo_tags.includes('docker.io/library/nginx:latest'));
    assert.ok(Number(st.image?.size) > 1_000_000);
    const ctr = await listImages(node.runtime.endpoint);
    assert.ok(ctr.some((i) => i.name === 'docker.io/library/nginx:1.7.9' && /^sha256:/.test(i.digest)));
  });

  test('a docker-archive tarball imports under its RepoTags', async () => {
    const file = join(node.dataDir, 'docker-archive.tar');
    writeFileSync(file, dockerArchive('example.com/tools/tiny:1'));
    const [res] = await importImages(node.runtime.endpoint, [file]);
    assert.deepEqual(res!.images, ['example.com/tools/tiny:1']);
    assert.ok((await node.client.imageStatus('example.com/tools/tiny:1')).image);
  });

  test('imageStatus of an absent image is null; removeImage by one tag removes all its tags', async () => {
    assert.equal((await node.client.imageStatus('docker.io/library/absent:1')).image, null);
    await importImages(node.runtime.endpoint, [testImage('busybox')]);
    await node.client.removeImage('busybox:1.36');
    assert.equal((await node.client.imageStatus('busybox:latest')).image, null);
    await node.client.removeImage('busybox:1.36'); // idempotent
  });

  test('imageFsInfo reports the snapshotter filesystem under the data dir', async () => {
    const info = await node.client.imageFsInfo();
    const fs = info.image_filesystems[0]!;
    assert.ok(fs.fs_id?.mountpoint.startsWith(node.dataDir), fs.fs_id?.mountpoint);
    // containerd refreshes usage in the background (stats_collect_period), so only its presence is certain.
    assert.ok(fs.used_bytes && BigInt(fs.timestamp) > 0n);
  });
});

describe('images: registry pulls from a loopback docker-registry', { skip: registrySkip }, () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let node: TestContainerd;
  let mirroredHost: string;
  before(async () => {
    registry = await startRegistry();
    // An address where nothing listens: pulls of its images can only succeed through the mirror.
    mirroredHost = `127.0.0.2:${await freePort()}`;
    node = await startTestContainerd({ runtime: { registryMirrors: { [mirroredHost]: [`http://${registry.host}`] } } });
  });
  after(async () => {
    await node?.stop();
    await registry?.stop();
  });

  test('PullImage fetches a pushed image over plain HTTP and a container runs from it', async (t) => {
    skopeoCopy(testImage('busybox'), `${registry.host}/test/busybox:pulled`);
    const ref = await node.client.pullImage(`${registry.host}/test/busybox:pulled`);
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    const cfg = node.sandboxConfig('pulled');
    const sb = await node.client.runPodSandbox(cfg);
    t.after(async () => {
      await node.client.stopPodSandbox(sb);
      await node.client.removePodSandbox(sb);
    });
    const id = await node.client.createContainer(sb, { metadata: { name: 'c' }, image: { image: `${registry.host}/test/busybox:pulled` }, command: ['sleep', '60'] }, cfg);
    await node.client.startContainer(id);
    const res = await node.client.execSync(id, ['echo', 'from the registry'], { timeoutSeconds: 10 });
    assert.equal(res.stdout.toString(), 'from the registry\n');
  });

  test('PullImage passes registry credentials, and fails without them', async (t) => {
    const proxy = await startAuthProxy(registry.host, 'puller', 's3cret');
    t.after(() => new Promise<void>((r) => proxy.server.close(() => r())));
    skopeoCopy(testImage('busybox'), `${registry.host}/private/busybox:1`);
    await assert.rejects(node.client.pullImage(`${proxy.host}/private/busybox:1`), (err: Error) => /401|unauthorized|authoriz/i.test(err.message));
    const ref = await node.client.pullImage(`${proxy.host}/private/busybox:1`, { auth: { username: 'puller', password: 's3cret' } });
    assert.match(ref, /^sha256:/);
    assert.ok(proxy.requests.authorized > 0);
  });

  test('a registry mirror from hosts.toml serves pulls for another registry host', async () => {
    skopeoCopy(testImage('busybox'), `${registry.host}/library/mirrored:1`);
    const ref = await node.client.pullImage(`${mirroredHost}/library/mirrored:1`);
    assert.match(ref, /^sha256:/);
    // A miss on the mirror falls back to the registry itself (here: nothing listens), as containerd does.
    await assert.rejects(node.client.pullImage(`${mirroredHost}/library/not-pushed:1`), (err: unknown) =>
      isCriError(err) && err.details.includes(`${mirroredHost}/library/not-pushed:1`) && /connection refused/.test(err.details));
  });
});
