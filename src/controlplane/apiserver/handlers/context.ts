/**
 * What every resource handler receives: the parsed request, its resource and store, and the server-wide services
 * (table printing, field validation). Handlers are plain async functions of this context.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from '../../../api/resources.js';
import type { RequestInfo } from '../http/request-info.js';
import type { GenericStore } from '../registry/generic-store.js';
import type { Obj, RequestContext } from '../registry/strategy.js';
import type { WatchCache } from '../watch/watch-cache.js';

/** Services shared by all handlers. */
export interface ServerServices {
  stores: Map<ResourceInfo, GenericStore>;
  storeFor(group: string, resource: string): GenericStore;
  caches: Map<ResourceInfo, WatchCache>;
  /** Applies a patch document of a given type to an object (all four patch types). */
  patcher: Patcher;
  /** The API server's client credentials towards kubelets. */
  kubeletClient: { cert: string; key: string };
  /** Minimum seconds a watch stays open (kube-apiserver's --min-request-timeout, randomised up to 2×). */
  minRequestTimeoutSeconds: number;
}

/** The patch engines, by content type. */
export interface Patcher {
  /** Applies json/merge/strategic patches. Throws StatusError on a patch that does not apply. */
  apply(type: 'json' | 'merge' | 'strategic', info: ResourceInfo, kind: string, current: Obj, patch: unknown): Obj;
  /** Server-side apply. `live` is undefined when the object does not exist yet. */
  serverSideApply(info: ResourceInfo, kind: string, live: Obj | undefined, applied: Obj, opts: { manager: string; force: boolean; now: Date; subresource?: string }): Obj;
}

/** One request. */
export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  request: RequestInfo;
  info: ResourceInfo;
  store: GenericStore;
  ctx: RequestContext;
  services: ServerServices;
}
