/**
 * The few parts of the untyped `spdy-transport` package that httpstream uses (connections and streams of SPDY/3.1).
 */
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  /** One SPDY stream: a duplex of its DATA frames, with the headers of its SYN_STREAM. */
  export interface SpdyStream extends Duplex {
    id: number;
    headers: Record<string, string>;
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
    abort(code?: string, callback?: () => void): void;
    on(event: 'response', listener: (status: number, headers: Record<string, string>) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  /** One SPDY session over a byte stream. */
  export interface SpdyConnection extends EventEmitter {
    _spdyState: any;
    start(version: number): void;
    request(uri: { method: string; path: string; host?: string; headers: Record<string, string>; priority?: unknown }, callback?: (err: Error | null, stream: SpdyStream) => void): SpdyStream;
    end(callback?: () => void): void;
    destroyStreams(err?: Error): void;
    on(event: 'stream', listener: (stream: SpdyStream) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  const transport: {
    connection: {
      create(socket: Duplex, options: { protocol: 'spdy'; isServer: boolean; autoSpdy31?: boolean; windowSize?: number; maxChunk?: number | false }): SpdyConnection;
    };
  };
  export default transport;
}
