/**
 * The kubelet server in this process against a real containerd, spoken to as the API server speaks to it (a client
 * certificate signed by the cluster CA, the serving certificate pinned by fingerprint): container logs with tail,
 * since, timestamps, limitBytes, follow, previous and partial lines joined; exec over WebSocket v5 with exit
 * codes, stdin and its end, and a tty; the Summary API; and refusal of other clients.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { containerdSkipReason, startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { startKubeletServer, type KubeletServer, type Summary } from '../../src/node/kubelet/server/index.js';
import { Channel, encodeChannelFrame, exitCodeOf, parseStreamStatus, REMOTE_COMMAND_V5 } from '../../src/apimachinery/httpstream/index.js';
import type { ContainerConfigInput, PodSandboxConfigInput } from '../../src/node/cri/index.js';

const skip = containerdSkipReason(['busybox']);
const BUSYBOX = 'docker.io/library/busybox:latest';

interface Pki {
  ca: string;
  apiserver: { cert: string; key: string };
  stranger: { cert: string; key: string };
  selfSigned: { cert: string; key: string };
}

/** A throwaway cluster CA with the API server's kubelet-client certificate and two that must be refused. */
function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  const issue = (name: string, subj: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    writeFileSync(join(dir, 'ext'), 'extendedKeyUsage=clientAuth\n');
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', 'ext');
    return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  const apiserver = issue('apiserver', '/O=system:masters/CN=kube-apiserver-kubelet-client');
  const stranger = issue('stranger', '/O=developers/CN=alice');
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '1', '-subj', '/O=system:masters/CN=mallory');
  return {
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), apiserver, stranger,
    selfSigned: { cert: readFileSync(join(dir, 'self.crt'), 'utf8'), key: readFileSync(join(dir, 'self.key'), 'utf8') },
  };
}

describe('kubelet server against containerd', { skip }, () => {
  let node: TestContainerd;
  let kubelet: KubeletServer;
  let dir: string;
  let pki: Pki;

  /** GETs a kubelet path as `who`, checking the pinned fingerprint; resolves to status and body. */
  function get(path: string, who: { cert?: string; key?: string } = pki.apiserver, timeoutMs = 15_000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: kubelet.port, path, ...who, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
        assert.equal((res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256, kubelet.fingerprint256);
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Runs an exec over WebSocket v5 as kubectl 1.30+ does; resolves to the channels' output and exit code. */
  function exec(pod: string, container: string, command: string[], o: { stdin?: string; keepStdinOpen?: boolean; tty?: boolean } = {}) {
    const q = new URLSearchParams(command.map((c): [string, string] => ['command', c]));
    q.set('stdout', 'true');
    if (o.tty) q.set('tty', 'true');
    else q.set('stderr', 'true');
    if (o.stdin !== undefined) q.set('stdin', 'true');
    const ws = new WebSocket(`wss://127.0.0.1:${kubelet.port}/exec/test/${pod}/${container}?${q}`, [REMOTE_COMMAND_V5], { ...pki.apiserver, rejectUnauthorized: false });
    const out: Record<number, string> = {};
    ws.on('message', (d: Buffer) => (out[d[0]!] = (out[d[0]!] ?? '') + d.subarray(1).toString()));
    return new Promise<{ stdout: string; stderr: string; code?: number }>((resolve, reject) => {
      ws.once('open', () => {
        if (o.tty) ws.send(encodeChannelFrame(Channel.resize, '{"Width":77,"Height":22}'));
        if (o.stdin !== undefined) {
          if (o.stdin) ws.send(encodeChannelFrame(Channel.stdin, o.stdin));
          if (!o.keepStdinOpen) ws.send(Buffer.from([Channel.close, Channel.stdin]));
        }
      });
      ws.once('error', reject);
      ws.once('close', () => resolve({ stdout: out[1] ?? '', stderr: out[2] ?? '', code: out[3] === undefined ? undefined : exitCodeOf(parseStreamStatus(out[3])) }));
    });
  }

  /** Runs a sandbox with the given containers (each an attempt of its name), as a kubelet would. */
  async function runPod(name: string, containers: (ContainerConfigInput & { name: string; attempt?: number; wait?: boolean })[]) {
    const config: PodSandboxConfigInput = node.sandboxConfig(name, { metadata: { name, namespace: 'test', uid: `uid-${name}`, attempt: 0 } });
    const sandboxId = await node.client.runPodSandbox(config);
    for (const { name: cname, attempt = 0, wait, ...rest } of containers) {
      const id = await node.client.createContainer(sandboxId, { metadata: { name: cname, attempt }, image: { image: BUSYBOX }, log_path: `${cname}/${attempt}.log`, ...rest }, config);
      await node.client.startContainer(id);
      if (wait) {
        for (let i = 0; i < 100 && (await node.client.containerStatus(id)).status?.state !== 'CONTAINER_EXITED'; i++) await new Promise((r) => setTimeout(r, 50));
      }
    }
    return sandboxId;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelet-server-node-'));
    pki = makePki(dir);
    node = await startTestContainerd({ images: ['busybox'] });
    kubelet = await startKubeletServer({ port: 0, bindAddress: '127.0.0.1', caCert: pki.ca, dataDir: join(dir, 'kubelet'), runtime: node.client, nodeName: 'n1' });
    await runPod('logs', [
      { name: 'app', command: ['sh', '-c', 'echo one; echo two; echo three; printf "%020000d\\n" 7; sleep 3600'] },
      { name: 'crash', attempt: 0, command: ['sh', '-c', 'echo from attempt zero'], wait: true },
      { name: 'crash', attempt: 1, command: ['sh', '-c', 'echo from attempt one; sleep 3600'] },
      { name: 'tick', command: ['sh', '-c', 'i=0; while [ $i -lt 6 ]; do echo tick $i; i=$((i+1)); sleep 0.3; done'] },
    ]);
    await runPod('shell', [{ name: 'sh', command: ['sleep', '3600'] }]);
    await new Promise((r) => setTimeout(r, 300));
  });

  after(async () => {
    await kubelet?.close();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the serving certificate is kept in the data dir and reused', async () => {
    const again = await startKubeletServer({ port: 0, bindAddress: '127.0.0.1', caCert: pki.ca, dataDir: join(dir, 'kubelet'), runtime: node.client, nodeName: 'n1', stats: { summary: async () => ({ node: { nodeName: 'n1', startTime: '' }, pods: [] }), close() {} } });
    try {
      assert.equal(again.fingerprint256, kubelet.fingerprint256);
      assert.match(kubelet.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      await again.close();
    }
  });

  test('logs: whole, tail, timestamps, limitBytes, since, and a long line joined from its pieces', async () => {
    const whole = await get('/containerLogs/test/logs/app');
    assert.equal(whole.status, 200, whole.body);
    const long = '0'.repeat(19_999) + '7';
    assert.equal(whole.body, `one\ntwo\nthree\n${long}\n`);
    // containerd splits lines over 16 KiB into partial (P) pieces; they come back as one line.
    const app = (await node.client.listContainers()).find((c) => c.metadata?.name === 'app')!;
    const file = readFileSync((await node.client.containerStatus(app.id)).status!.log_path, 'utf8');
    assert.match(file, / stdout P 0{100}/);
    assert.equal((await get('/containerLogs/test/logs/app?tailLines=2')).body, `three\n${long}\n`);
    assert.equal((await get('/containerLogs/test/logs/app?tailLines=0')).body, '');
    assert.equal((await get('/containerLogs/test/logs/app?limitBytes=6')).body, 'one\ntw');
    assert.match((await get('/containerLogs/test/logs/app?timestamps=true&tailLines=3')).body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z two\n/);
    assert.equal((await get(`/containerLogs/test/logs/app?sinceTime=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body, '');
    assert.equal((await get('/containerLogs/test/logs/app?sinceSeconds=3600&tailLines=1')).body, `${long}\n`);
    const bad = await get('/containerLogs/test/logs/app?tailLines=x');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /tailLines/);
  });

  test('logs --previous reads the earlier attempt, and says so when there is none', async () => {
    assert.equal((await get('/containerLogs/test/logs/crash')).body, 'from attempt one\n');
    assert.equal((await get('/containerLogs/test/logs/crash?previous=true')).body, 'from attempt zero\n');
    const none = await get('/containerLogs/test/logs/app?previous=true');
    assert.equal(none.status, 400);
    assert.match(JSON.parse(none.body).message, /previous terminated container "app" in pod "logs" not found/);
    const missing = await get('/containerLogs/test/nope/app');
    assert.equal(missing.status, 404);
  });

  test('logs -f streams new lines and ends when the container stops', async () => {
    const started = Date.now();
    const r = await get('/containerLogs/test/logs/tick?follow=true');
    assert.equal(r.body, 'tick 0\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
    assert.ok(Date.now() - started < 8000, 'the follow ended once the container exited');
  });

  test('exec over WebSocket v5: output, exit codes, stdin to its end, tty with the terminal size', async () => {
    assert.deepEqual(await exec('shell', 'sh', ['sh', '-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n', code: 0 });
    assert.equal((await exec('shell', 'sh', ['sh', '-c', 'exit 3'])).code, 3);
    assert.equal((await exec('shell', 'sh', ['sh', '-c', 'exit 42'])).code, 42);
    assert.deepEqual(await exec('shell', 'sh', ['wc', '-c'], { stdin: 'x'.repeat(100_000) }), { stdout: '100000\n', stderr: '', code: 0 });
    const tty = await exec('shell', 'sh', ['sh', '-c', 'sleep 0.3; tty; stty size'], { tty: true, stdin: '', keepStdinOpen: true });
    assert.match(tty.stdout, /\/dev\/pts\/\d+\r\n22 77\r\n/);
    const missing = await exec('shell', 'sh', ['/nope']);
    assert.notEqual(missing.code, 0);
  });

  test('exec into a container that does not exist is refused before the upgrade', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${kubelet.port}/exec/test/shell/ghost?command=ls&stdout=true`, [REMOTE_COMMAND_V5], { ...pki.apiserver, rejectUnauthorized: false });
    const res = await new Promise<{ status: number; body: string }>((resolve) => ws.on('unexpected-response', (req, r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => {
        req.destroy();
        resolve({ status: r.statusCode ?? 0, body });
      });
    }));
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.body).message, /container "ghost" in pod "shell" is waiting to start/);
  });

  test('/stats/summary reports the node and each running container', async () => {
    await get('/stats/summary');
    await new Promise((r) => setTimeout(r, 1100));
    const r = await get('/stats/summary');
    assert.equal(r.status, 200);
    const s = JSON.parse(r.body) as Summary;
    assert.equal(s.node.nodeName, 'n1');
    assert.ok((s.node.memory?.workingSetBytes ?? 0) > 0);
    assert.ok((s.node.fs?.capacityBytes ?? 0) > 0);
    assert.ok(typeof s.node.cpu?.usageNanoCores === 'number');
    const pod = s.pods.find((p) => p.podRef.name === 'shell');
    assert.deepEqual(pod?.podRef, { name: 'shell', namespace: 'test', uid: 'uid-shell' });
    const c = pod!.containers.find((x) => x.name === 'sh');
    assert.ok((c?.cpu?.usageCoreNanoSeconds ?? 0) > 0);
    assert.ok(typeof c?.cpu?.usageNanoCores === 'number', 'a rate once two samples exist');
    assert.ok((c?.memory?.workingSetBytes ?? 0) > 0);
  });

  test('clients other than the API server are refused', async () => {
    assert.equal((await get('/stats/summary', pki.stranger)).status, 403);
    assert.equal((await get('/containerLogs/test/logs/app', pki.selfSigned)).status, 401);
    assert.equal((await get('/healthz', {})).status, 401);
  });
});
