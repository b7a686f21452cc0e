/**
 * RestClient: JSON requests to the API server over a pluggable Transport. It adds the query string, encodes and
 * decodes JSON, turns every non-2xx answer into a StatusError rebuilt from the server's Status body, and retries
 * the way client-go does: on 429 (and on 5xx that carry Retry-After) after the advertised delay, up to 10 times;
 * and once more on a connection reset of a reused keep-alive socket for idempotent GETs.
 */
import { StatusError, type Status } from '../apimachinery/errors/status-error.js';
import { delay } from '../util/async.js';
import { realClock, type Clock } from '../util/clock.js';
import { logger } from '../util/log.js';
import { HttpTransport } from './http-transport.js';
import { toQuery } from './options.js';
import type { RestConfig } from './rest-config.js';
import { readBody, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

const log = logger('client');

/** One request to the API server. */
export interface RequestOptions {
  method: TransportRequest['method'];
  /** Path without query, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised as JSON unless it is already bytes. */
  body?: unknown;
  /** Default `application/json`. Patches set their patch media type. */
  contentType?: string;
  signal?: AbortSignal;
  /** A long-lived response (watch, logs): see TransportRequest.streaming. */
  streaming?: boolean;
}

/** Options of the RestClient. */
export interface RestClientOptions {
  /** Time source for Retry-After waits. */
  clock?: Clock;
  /** Retries on 429 / Retry-After (client-go's default is 10). */
  maxRetries?: number;
}

/** The reason and fallback message client-go assigns to a status code when the body is not a Status. */
const GENERIC: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Expired', 'the resource version requested is too old'],
  413: ['RequestEntityTooLarge', 'the server has rejected the request because it is too large'],
  415: ['UnsupportedMediaType', 'the server was unable to handle the content type of the request'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/**
 * Rebuilds the StatusError a server sent: a `Status` body keeps its code, reason, message and details; any other
 * body gets client-go's generic reason and message for the HTTP code.
 */
export function statusErrorFrom(httpStatus: number, body: Uint8Array | string, what: string): StatusError {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    const s = JSON.parse(text) as Partial<Status>;
    if (s && s.kind === 'Status') {
      const code = s.code || httpStatus;
      return new StatusError(code, s.reason ?? GENERIC[code]?.[0] ?? '', s.message || GENERIC[code]?.[1] || `HTTP ${code}`, s.details);
    }
  } catch {
    // not JSON: fall through to the generic error
  }
  const [reason, message] = GENERIC[httpStatus] ?? ['', `${what}: unexpected HTTP status ${httpStatus}`];
  const snippet = text.trim().slice(0, 200);
  return new StatusError(httpStatus, reason, snippet ? `${message} (${snippet})` : message);
}

/** Seconds of a Retry-After header, defaulting to 1 when missing or unparsable (as client-go). */
function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const n = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

function isConnectionReset(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** JSON over a Transport, with Status errors and retries. */
export class RestClient {
  /** The transport in use (HTTP unless the config supplied one). */
  readonly transport: Transport;
  private readonly clock: Clock;
  private readonly maxRetries: number;

  constructor(readonly config: RestConfig, opts: RestClientOptions = {}) {
    this.transport = config.transport ?? new HttpTransport(config);
    this.clock = opts.clock ?? realClock;
    this.maxRetries = opts.maxRetries ?? 10;
  }

  /** Sends a request and decodes the JSON answer; an empty body yields `undefined`. */
  async request<T>(opts: RequestOptions): Promise<T> {
    const res = await this.send(opts);
    const buf = await readBody(res.body);
    if (res.status < 200 || res.status > 299) throw statusErrorFrom(res.status, buf, `${opts.method} ${opts.path}`);
    if (buf.length === 0) return undefined as T;
    return JSON.parse(buf.toString('utf8')) as T;
  }

  /**
   * Sends a request and returns the open response for streaming (watch, logs). A non-2xx answer is read and thrown
   * as a StatusError; the caller owns a 2xx response and must consume or cancel it.
   */
  async stream(opts: RequestOptions): Promise<TransportResponse> {
    const res = await this.send({ ...opts, streaming: opts.streaming ?? true });
    if (res.status >= 200 && res.status <= 299) return res;
    const buf = await readBody(res.body);
    throw statusErrorFrom(res.status, buf, `${opts.method} ${opts.path}`);
  }

  /** Releases the transport's connections. */
  close(): void {
    this.transport.close();
  }

  private async send(opts: RequestOptions): Promise<TransportResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Uint8Array | undefined;
    if (opts.body !== undefined) {
      body = opts.body instanceof Uint8Array ? opts.body : Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const req: TransportRequest = {
      method: opts.method,
      path: opts.path + toQuery(opts.query ?? {}),
      headers,
      body,
      signal: opts.signal,
      streaming: opts.streaming,
    };
    let resets = 0;
    for (let attempt = 0; ; attempt++) {
      let res: TransportResponse;
      try {
        res = await this.transport.request(req);
      } catch (err) {
        // A keep-alive socket the server closed while idle fails on reuse; a GET is safe to send again.
        if (req.method === 'GET' && isConnectionReset(err) && resets++ < 2 && !opts.signal?.aborted) continue;
        throw err;
      }
      const warning = res.headers.warning;
      if (warning) log.warn('server warning', { request: `${req.method} ${req.path}`, warning });
      const after = retryAfterSeconds(res.headers['retry-after']);
      const retriable = res.status === 429 || (res.status >= 500 && after !== undefined);
      if (!retriable || attempt >= this.maxRetries) return res;
      await readBody(res.body).catch(() => undefined); // drain so the keep-alive socket is reused
      const waitS = after ?? 1;
      if (log.enabled('debug')) log.debug('retrying after server asked to wait', { request: `${req.method} ${req.path}`, status: res.status, seconds: waitS });
      await delay(waitS * 1000, { clock: this.clock, signal: opts.signal });
    }
  }
}
