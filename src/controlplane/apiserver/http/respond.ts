/**
 * Small helpers for writing responses and reading bounded request bodies. Every error a client sees goes through
 * {@link writeError}, which turns anything into a Kubernetes Status (500 only for what is really the server's fault).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, internalError, tooLarge } from '../../../apimachinery/errors/status-error.js';
import { logger } from '../../../util/log.js';

const log = logger('apiserver');

/** kube-apiserver's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Writes a JSON body (a string or Buffer that is already serialised, or a value to serialise). */
export function writeJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

/** Writes any error as a Status. Non-StatusErrors are internal errors and are logged with their cause. */
export function writeError(res: ServerResponse, err: unknown): void {
  const se = err instanceof StatusError ? err : internalError(err);
  if (!(err instanceof StatusError)) log.error('internal error', { err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  const retry = se.status.details?.retryAfterSeconds;
  if (retry) headers['Retry-After'] = String(retry);
  writeJson(res, se.code, se.status, headers);
}

/** Reads the whole request body, refusing more than {@link MAX_BODY_BYTES} with 413 before buffering it all. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
