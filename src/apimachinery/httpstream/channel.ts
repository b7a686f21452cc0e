/**
 * The channel framing of Kubernetes' remote-command and port-forward protocols over WebSocket: every binary
 * message starts with one channel byte and carries that channel's bytes after it (as k8s.io/apimachinery's
 * wsstream). Also the protocol names and channel numbers every httpstream module shares.
 */

/** Remote-command subprotocols, newest first. v5 adds the close signal (channel 255); v4 the JSON status. */
export const REMOTE_COMMAND_V5 = 'v5.channel.k8s.io';
/** The remote-command protocol with a JSON status on the error channel (SPDY and WebSocket). */
export const REMOTE_COMMAND_V4 = 'v4.channel.k8s.io';
/** The port-forward protocol name, as SPDY's X-Stream-Protocol-Version. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol under which kubectl 1.31+ tunnels a port-forward SPDY session. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** The header SPDY clients offer (and servers answer) stream protocol versions in. */
export const STREAM_PROTOCOL_HEADER = 'X-Stream-Protocol-Version';

/** Channel numbers of the remote-command protocol. */
export const Channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** Status JSON (v4+), server to client. */
  error: 3,
  /** Terminal size JSON, client to server. */
  resize: 4,
  /** v5: "this channel is closed" with the channel number as payload (kubectl's stdin EOF is `FF 00`). */
  close: 255,
} as const;

/** A channel byte of the remote-command protocol. */
export type ChannelId = (typeof Channel)[keyof typeof Channel];

/** The SPDY `streamtype` header value of each remote-command channel. */
export const STREAM_TYPES = ['stdin', 'stdout', 'stderr', 'error', 'resize'] as const;

/** The name of a remote-command stream on SPDY (its `streamtype` header). */
export type StreamType = (typeof STREAM_TYPES)[number];

/** A terminal size as kubectl sends it on the resize channel (capitalised keys). */
export interface TerminalSize {
  Width: number;
  Height: number;
}

/** One decoded WebSocket message. */
export interface ChannelFrame {
  channel: number;
  data: Buffer;
}

/** Encodes `data` for `channel` as one binary WebSocket message. */
export function encodeChannelFrame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** Decodes one binary WebSocket message; undefined for an empty message (which carries no channel). */
export function decodeChannelFrame(message: Buffer): ChannelFrame | undefined {
  if (message.length === 0) return undefined;
  return { channel: message[0]!, data: message.subarray(1) };
}

/**
 * Splits newline-separated terminal-size JSON (the resize channel or stream) into sizes; keeps an unfinished tail
 * in the returned `rest`. Malformed lines are dropped, as upstream ignores them.
 */
export function parseResizeMessages(buffered: string): { sizes: TerminalSize[]; rest: string } {
  const lines = buffered.split('\n');
  const rest = lines.pop() ?? '';
  const sizes: TerminalSize[] = [];
  for (const line of lines) {
    const size = parseTerminalSize(line);
    if (size) sizes.push(size);
  }
  // A WebSocket resize message may arrive without its newline; accept it if it is already complete JSON.
  const tail = parseTerminalSize(rest);
  if (tail) return { sizes: [...sizes, tail], rest: '' };
  return { sizes, rest };
}

function parseTerminalSize(text: string): TerminalSize | undefined {
  if (!text.trim()) return undefined;
  try {
    const v = JSON.parse(text) as Partial<TerminalSize>;
    if (typeof v.Width === 'number' && typeof v.Height === 'number') return { Width: v.Width, Height: v.Height };
  } catch {
    // incomplete or garbage
  }
  return undefined;
}

/** The comma-separated protocol list of an X-Stream-Protocol-Version (or Sec-WebSocket-Protocol) header. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const all = Array.isArray(header) ? header.join(',') : header ?? '';
  return all.split(',').map((p) => p.trim()).filter(Boolean);
}
