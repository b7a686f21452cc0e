/**
 * The remote-command and port-forward servers against clients in the same process: WebSocket v5 (stdin, its
 * close signal, resize, status), SPDY v4 (through this package's client, with output larger than SPDY's 64 KiB
 * initial window, which Go's spdystream never reopens), and port-forward over plain SPDY and inside a WebSocket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
import { Channel, encodeChannelFrame, REMOTE_COMMAND_V5, PORT_FORWARD_TUNNEL_PROTOCOL, PORT_FORWARD_PROTOCOL, type TerminalSize } from './channel.js';
import { acceptRemoteCommand, remoteCommandOptions } from './remote-command.js';
import { dialRemoteCommand } from './remote-command-client.js';
import { acceptPortForward, type PortForwardPair } from './port-forward.js';
import { nonZeroExitCodeStatus, parseStreamStatus } from './status.js';
import { createSpdySession, openSpdyStream } from './spdy.js';
import { dialSpdyUpgrade } from './upgrade.js';

async function listen(onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end());
  server.on('upgrade', onUpgrade);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A remote-command server that uppercases stdin to stdout, reports resizes on stderr, then exits 3. */
function upperServer(sizes: TerminalSize[]) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const opts = remoteCommandOptions(new URL(req.url!, 'http://x').searchParams);
    void acceptRemoteCommand(req, socket, head, opts).then(async (s) => {
      s.events.on('resize', (size: TerminalSize) => sizes.push(size));
      if (req.url!.includes('big')) s.stdout!.write(Buffer.alloc(300_000, 0x61));
      s.stdin?.on('data', (chunk: Buffer) => s.stdout!.write(String(chunk).toUpperCase()));
      if (s.stdin) await new Promise((r) => s.stdin!.once('end', r));
      s.stderr?.write('bye\n');
      await s.finish(nonZeroExitCodeStatus(3));
    }, () => undefined);
  };
}

test('WebSocket v5: stdin until its close signal, resize, output channels, then the status', async (t) => {
  const sizes: TerminalSize[] = [];
  const { server, port } = await listen(upperServer(sizes));
  t.after(() => server.close());
  const ws = new WebSocket(`ws://127.0.0.1:${port}/exec?stdin=true&stdout=true&stderr=true`, [REMOTE_COMMAND_V5]);
  const got: Record<number, string> = {};
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  ws.on('message', (d: Buffer) => (got[d[0]!] = (got[d[0]!] ?? '') + d.subarray(1).toString()));
  await new Promise((r) => ws.once('open', r));
  assert.equal(ws.protocol, REMOTE_COMMAND_V5);
  ws.send(encodeChannelFrame(Channel.resize, '{"Width":90,"Height":20}'));
  ws.send(encodeChannelFrame(Channel.stdin, 'hello '));
  ws.send(encodeChannelFrame(Channel.stdin, 'world'));
  ws.send(Buffer.from([Channel.close, Channel.stdin]));
  await closed;
  assert.equal(got[Channel.stdout], 'HELLO WORLD');
  assert.equal(got[Channel.stderr], 'bye\n');
  assert.equal(parseStreamStatus(got[Channel.error]!).details?.causes?.[0]?.message, '3');
  assert.deepEqual(sizes, [{ Width: 90, Height: 20 }]);
});

test('WebSocket without a supported subprotocol is refused, so kubectl falls back to SPDY', async (t) => {
  const { server, port } = await listen(upperServer([]));
  t.after(() => server.close());
  const ws = new WebSocket(`ws://127.0.0.1:${port}/exec?stdout=true`, ['v9.channel.k8s.io']);
  const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (req, res) => {
    req.destroy();
    resolve(res.statusCode ?? 0);
  }));
  assert.equal(status, 400);
});

test('SPDY v4: half-closed stdin, output beyond the initial window, resize and the status', async (t) => {
  const sizes: TerminalSize[] = [];
  const { server, port } = await listen(upperServer(sizes));
  t.after(() => server.close());
  const c = await dialRemoteCommand(`http://127.0.0.1:${port}/exec?big&stdin=true&stdout=true&tty=true`, { stdin: true, stdout: true, stderr: false, tty: true });
  let out = '';
  c.stdout!.on('data', (d) => (out += d));
  c.resize({ Width: 120, Height: 40 });
  c.stdin!.end('spdy in');
  const st = await c.status;
  c.close();
  assert.equal(out.length, 300_000 + 'spdy in'.length);
  assert.ok(out.endsWith('SPDY IN'));
  assert.equal(st.reason, 'NonZeroExitCode');
  assert.deepEqual(sizes, [{ Width: 120, Height: 40 }]);
});

test('SPDY upgrade offering no known protocol gets 403', async (t) => {
  const { server, port } = await listen(upperServer([]));
  t.after(() => server.close());
  await assert.rejects(dialSpdyUpgrade(`http://127.0.0.1:${port}/exec?stdout=true`, { protocols: ['channel.k8s.io'] }), /403 unable to upgrade: unable to negotiate protocol/);
});

/** A port-forward server that pipes each data stream to a local TCP echo server, whatever port is asked. */
async function portForwardLab(t: { after(fn: () => unknown): void }) {
  const echo = createTcpServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as AddressInfo).port;
  const pairs: PortForwardPair[] = [];
  const conns: Duplex[] = [];
  const { server, port } = await listen((req, socket, head) => {
    void acceptPortForward(req, socket, head).then((s) => s.events.on('pair', (p: PortForwardPair) => {
      pairs.push(p);
      if (p.port === 1) {
        p.error.end('connection refused');
        p.data.end();
        return;
      }
      const conn = tcpConnect(echoPort, '127.0.0.1');
      conns.push(conn);
      p.data.pipe(conn).pipe(p.data);
    }), () => undefined);
  });
  t.after(() => {
    for (const c of conns) c.destroy();
    server.close();
    echo.close();
  });
  return { port, pairs };
}

async function roundTrip(carrier: Duplex): Promise<{ echoed: string; error: string }> {
  const conn = createSpdySession(carrier, { isServer: false });
  const firstError = await openSpdyStream(conn, { streamtype: 'error', port: '8080', requestid: '0' });
  firstError.end();
  const data = await openSpdyStream(conn, { streamtype: 'data', port: '8080', requestid: '0' });
  let echoed = '';
  data.on('data', (d: Buffer) => (echoed += d));
  data.write(Buffer.alloc(100_000, 0x62));
  data.write('end');
  while (echoed.length < 100_003) await new Promise((r) => setTimeout(r, 10));
  const refusedErr = await openSpdyStream(conn, { streamtype: 'error', port: '1', requestid: '1' });
  refusedErr.end();
  await openSpdyStream(conn, { streamtype: 'data', port: '1', requestid: '1' });
  let errorText = '';
  refusedErr.on('data', (d: Buffer) => (errorText += d));
  await new Promise((r) => refusedErr.once('end', r));
  carrier.destroy();
  return { echoed, error: errorText };
}

test('port-forward over plain SPDY: pairs by request id, data both ways, errors as text', async (t) => {
  const { port, pairs } = await portForwardLab(t);
  const { socket } = await dialSpdyUpgrade(`http://127.0.0.1:${port}/portForward`, { protocols: [PORT_FORWARD_PROTOCOL] });
  const r = await roundTrip(socket);
  assert.ok(r.echoed.endsWith('bend'));
  assert.equal(r.error, 'connection refused');
  assert.deepEqual(pairs.map((p) => [p.requestId, p.port]), [['0', 8080], ['1', 1]]);
});

test('port-forward tunnelled in a WebSocket (kubectl 1.31+)', async (t) => {
  const { port, pairs } = await portForwardLab(t);
  // The ws client refuses a '/' in a subprotocol as the server does by default; offer it by hand, as Go's client.
  const ws = new WebSocket(`ws://127.0.0.1:${port}/portForward`, { headers: { 'Sec-WebSocket-Protocol': PORT_FORWARD_TUNNEL_PROTOCOL } });
  let answered = '';
  ws.once('upgrade', (res) => {
    answered = String(res.headers['sec-websocket-protocol']);
    delete res.headers['sec-websocket-protocol'];
  });
  await new Promise((r) => ws.once('open', r));
  assert.equal(answered, PORT_FORWARD_TUNNEL_PROTOCOL);
  const r = await roundTrip(createWebSocketStream(ws));
  assert.equal(r.echoed.length, 100_003);
  assert.equal(r.error, 'connection refused');
  assert.equal(pairs.length, 2);
});
