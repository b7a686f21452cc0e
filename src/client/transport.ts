/**
 * The byte-level contract under the REST client. The HTTP implementation (http-transport.ts) speaks HTTP/1.1 to a
 * remote API server; `kubelite up` can later plug in a loopback transport that calls the in-process server's
 * handler directly. Everything above this interface (paths, JSON, errors, retries, watch decoding) stays the same.
 */

/** One request, already routed: `path` includes the query string, e.g. `/api/v1/pods?limit=500`. */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Aborting cancels the request, or closes the response stream if it has already begun. */
  signal?: AbortSignal;
  /**
   * A long-lived streaming response (watch, logs). The HTTP transport sends these on their own connection pool so
   * that open watches never starve ordinary requests of sockets.
   */
  streaming?: boolean;
}

/** A response whose body arrives as a stream of chunks. */
export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body. It must be consumed or `cancel`led, or the connection is not reused. */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading and releases the connection. Safe to call more than once. */
  cancel(): void;
}

/** Carries requests to an API server. Failures to reach the server reject with the underlying (non-Status) error. */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close(): void;
}

/** Reads a whole response body into one buffer. */
export async function readBody(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
