/**
 * Request options of the Kubernetes API (list/watch query parameters, write options, DeleteOptions) and how they
 * become a query string. Names and values are those of meta/v1 ListOptions, CreateOptions, PatchOptions and
 * DeleteOptions.
 */

/** A label selector as text (`app=web,tier!=db`) — the server parses it. */
export type SelectorString = string;

/** Query options of list and watch. */
export interface ListOptions {
  labelSelector?: SelectorString;
  fieldSelector?: SelectorString;
  /** Page size; the response carries `metadata.continue` when more remain. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  /** Server-side end of a watch (or list) after this many seconds. */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

/** Query options of create, update and patch. */
export interface WriteOptions {
  /** `true` sends `dryRun=All`. */
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** Options of patch. `force` only means something for server-side apply. */
export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

/** meta/v1 Preconditions: the delete only proceeds if the stored object still has this uid / resourceVersion. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** Options of delete and deletecollection; sent as a meta/v1 DeleteOptions body. */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
  dryRun?: boolean;
}

/** Appends the defined values of `params` to a query string (`?a=1&b=x`), or returns '' when none are set. */
export function toQuery(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Query parameters for list/watch options. */
export function listQuery(opts: ListOptions = {}, watch = false): Record<string, string | number | boolean | undefined> {
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
    resourceVersionMatch: opts.resourceVersionMatch,
    timeoutSeconds: opts.timeoutSeconds,
    allowWatchBookmarks: opts.allowWatchBookmarks || undefined,
    sendInitialEvents: opts.sendInitialEvents,
    watch: watch || undefined,
  };
}

/** Query parameters for write options. */
export function writeQuery(opts: PatchOptions = {}): Record<string, string | number | boolean | undefined> {
  return {
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
    force: opts.force,
  };
}

/** The meta/v1 DeleteOptions body for `opts`. */
export function deleteBody(opts: DeleteOptions = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions) body.preconditions = opts.preconditions;
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}
