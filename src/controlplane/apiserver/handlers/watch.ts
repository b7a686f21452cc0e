/**
 * `GET …?watch=true`: a chunked stream of `{"type":…,"object":…}` lines from the resource's watch cache, filtered per
 * watcher by namespace and selectors. Semantics as kube-apiserver:
 * - resourceVersion unset or "0": the current state first, as ADDED events, then changes (kubectl's
 *   `get NAME -w` drops the first event, so it must be there);
 * - resourceVersion N: every change after N; 410 Gone (as an ERROR event) when N was compacted;
 * - an object that starts or stops matching the selectors arrives as ADDED or DELETED;
 * - BOOKMARK events when asked for, `sendInitialEvents` with the initial-events-end bookmark;
 * - the stream ends after timeoutSeconds (default: a random 30–60 minutes); slow readers are cut off, not buffered
 *   without bound.
 */
import type { HandlerContext } from './context.js';
import type { Obj } from '../registry/strategy.js';
import { buildFilter } from '../registry/selectors.js';
import { wantsTable } from '../http/negotiate.js';
import { queryBool } from '../http/request-info.js';
import { intParam } from './read.js';
import { eventLine, type ApiEvent } from '../watch/watch-cache.js';
import { StatusError, badRequest, internalError } from '../../../apimachinery/errors/status-error.js';
import { groupVersion } from '../../../api/resources.js';
import { buildTable } from '../printers/table.js';
import { includeObject } from './respond-object.js';

/** A watcher whose unsent output exceeds this is too slow and is disconnected (its client re-watches). */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const BOOKMARK_INTERVAL_MS = 30_000;

/** Serves one watch. */
export async function handleWatch(h: HandlerContext): Promise<void> {
  const q = h.query;
  const { req, res, info } = h;
  const matches = buildFilter(h.store.strategy, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
  const ns = info.namespaced ? h.request.namespace : '';
  const rvParam = q.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version "${rvParam}"`);
  const sendInitial = queryBool(q.get('sendInitialEvents'));
  if (sendInitial && q.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw badRequest('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan');
  }
  const bookmarks = queryBool(q.get('allowWatchBookmarks'));
  const timeout = intParam(q, 'timeoutSeconds') ?? h.services.minRequestTimeoutSeconds * (1 + Math.random());
  const table = wantsTable(req.headers.accept);
  const include = includeObject(q);
  const cache = h.services.caches.get(info)!;
  const inScope = (o: Obj | undefined): boolean => !!o && (!ns || o.metadata?.namespace === ns) && matches(o);

  // Initial state, when asked for (RV unset/0, or sendInitialEvents).
  let initial: Obj[] = [];
  let fromRevision: number;
  if (rvParam === '' || rvParam === '0' || sendInitial) {
    const page = await h.store.list({ namespace: ns, filter: matches });
    initial = page.items;
    fromRevision = Number(page.resourceVersion);
  } else {
    fromRevision = Number(rvParam);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let closed = false;
  let sentHeaders = false;
  let lastRevision = fromRevision;

  const write = (line: string): void => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > MAX_PENDING_BYTES) finish();
  };
  const lineFor = (type: string, ev: ApiEvent | undefined, obj: Obj): string => {
    if (!table) return ev && ev.type === type ? eventLine(ev) : `{"type":"${type}","object":${JSON.stringify(obj)}}\n`;
    const t = buildTable(info.group, info.resource, [obj], {
      now: new Date(), includeObject: include, listMeta: { resourceVersion: obj.metadata?.resourceVersion }, noHeaders: sentHeaders,
    });
    sentHeaders = true;
    return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
  };
  const bookmark = (rv: number, annotations?: Record<string, string>): void => {
    const metadata: Obj = { resourceVersion: String(rv) };
    if (annotations) metadata.annotations = annotations;
    write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind: info.kind, apiVersion: groupVersion(info.group, info.version), metadata })}}\n`);
  };

  for (const obj of initial) write(lineFor('ADDED', undefined, obj));
  if (sendInitial && bookmarks) bookmark(fromRevision, { 'k8s.io/initial-events-end': 'true' });

  let unsubscribe: (() => void) | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => finish(), timeout * 1000);
  function finish(): void {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    unsubscribe?.();
    res.end();
  }
  req.on('close', finish);
  res.on('error', finish);

  try {
    unsubscribe = await cache.subscribe(fromRevision, {
      onEvents: (events) => {
        for (const ev of events) {
          if (ev.revision <= lastRevision) continue;
          lastRevision = ev.revision;
          const now = inScope(ev.object);
          const before = ev.type === 'MODIFIED' && inScope(ev.prev);
          if (ev.type === 'ADDED') {
            if (now) write(lineFor('ADDED', ev, ev.object));
          } else if (ev.type === 'DELETED') {
            if (now) write(lineFor('DELETED', ev, ev.object));
          } else if (now && before) write(lineFor('MODIFIED', ev, ev.object));
          else if (now) write(lineFor('ADDED', undefined, ev.object));
          else if (before) write(lineFor('DELETED', undefined, ev.object));
        }
      },
      onProgress: (rev) => {
        if (rev > lastRevision) lastRevision = rev;
      },
      onError: (err) => {
        const se = err instanceof StatusError ? err : internalError(err);
        write(`{"type":"ERROR","object":${JSON.stringify(se.status)}}\n`);
        finish();
      },
    });
  } catch (err) {
    const se = err instanceof StatusError ? err : internalError(err);
    write(`{"type":"ERROR","object":${JSON.stringify(se.status)}}\n`);
    finish();
    return;
  }
  if (closed) unsubscribe();
  if (bookmarks && !closed) {
    bookmarkTimer = setInterval(() => bookmark(lastRevision), BOOKMARK_INTERVAL_MS);
    bookmarkTimer.unref();
  }
}
