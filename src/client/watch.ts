/**
 * Decoding of a watch response: the chunked, newline-delimited JSON stream of `{"type":…,"object":…}` events.
 * BOOKMARK events are passed through (they carry only a resourceVersion, which informers record). An ERROR event
 * is thrown as a StatusError; a 410 (the requested resourceVersion is compacted) as WatchExpiredError, so informers
 * know to relist. Closing the stream or aborting its signal ends iteration cleanly, without an error.
 */
import { StatusError, type Status } from '../apimachinery/errors/status-error.js';
import type { TransportResponse } from './transport.js';

/** The event types a watch delivers to callers (ERROR is thrown instead). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** One watch event. For BOOKMARK, `object` holds only kind, apiVersion and metadata.resourceVersion. */
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/** 410 Gone/Expired from a watch or paged list: the client must list again from scratch. */
export class WatchExpiredError extends StatusError {
  constructor(message: string, reason = 'Expired') {
    super(410, reason, message);
    this.name = 'WatchExpiredError';
  }
}

/** True if `err` says the resourceVersion is too old (HTTP 410 or an ERROR event with code 410). */
export function isExpired(err: unknown): boolean {
  return err instanceof StatusError && err.code === 410;
}

/** An open watch. Iterate it with `for await`, or hand a callback to `forEach`. */
export class WatchStream<T> implements AsyncIterable<WatchEvent<T>> {
  private closed = false;
  private iterated = false;

  constructor(private readonly res: TransportResponse, private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Stops the watch and releases its connection. Iteration then ends without error. */
  close(): void {
    this.closed = true;
    this.res.cancel();
  }

  /** Calls `fn` for each event until the stream ends; rejects as iteration would (ERROR events, broken stream). */
  async forEach(fn: (event: WatchEvent<T>) => void | Promise<void>): Promise<void> {
    for await (const ev of this) await fn(ev);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.iterated) throw new Error('A watch stream can only be iterated once');
    this.iterated = true;
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of this.res.body) {
        if (this.closed) break;
        pending += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          yield decodeEvent<T>(line);
          if (this.closed) return;
        }
      }
      const rest = (pending + decoder.decode()).trim();
      if (rest && !this.closed) yield decodeEvent<T>(rest);
    } catch (err) {
      if (this.closed || this.signal?.aborted) return;
      throw err;
    } finally {
      this.res.cancel();
    }
  }
}

function decodeEvent<T>(line: string): WatchEvent<T> {
  let ev: { type?: string; object?: unknown };
  try {
    ev = JSON.parse(line) as typeof ev;
  } catch (err) {
    throw new Error(`Cannot decode watch event: ${line.slice(0, 120)}`, { cause: err });
  }
  if (ev.type === 'ERROR') {
    const s = (ev.object ?? {}) as Partial<Status>;
    const message = s.message ?? 'watch ended with an error event';
    if (s.code === 410) throw new WatchExpiredError(message, s.reason || 'Expired');
    throw new StatusError(s.code ?? 500, s.reason ?? '', message, s.details);
  }
  if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED' && ev.type !== 'BOOKMARK') {
    throw new Error(`Cannot decode watch event: unknown type ${JSON.stringify(ev.type)}`);
  }
  return { type: ev.type, object: ev.object as T };
}
