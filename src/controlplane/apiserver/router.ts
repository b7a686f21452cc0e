/**
 * Routes a resource request to its handler by verb and subresource. Unknown resources and unsupported verbs get
 * kube-apiserver's 404 and 405 answers.
 */
import type { HandlerContext } from './handlers/context.js';
import { handleGet, handleList } from './handlers/read.js';
import { handleCreate, handleUpdate } from './handlers/write.js';
import { handlePatch } from './handlers/patch.js';
import { handleDelete, handleDeleteCollection } from './handlers/delete.js';
import { handleWatch } from './handlers/watch.js';
import { handleGetScale, handleUpdateScale } from './handlers/scale.js';
import { handleBinding } from './handlers/binding.js';
import { handleAccessReview } from './handlers/reviews.js';
import { kubeletTarget, proxyRequest } from './handlers/pod-connect.js';
import { handleMetrics } from './handlers/metrics.js';
import { methodNotSupported, StatusError } from '../../apimachinery/errors/status-error.js';

type Handler = (h: HandlerContext) => Promise<void>;

const MAIN: Record<string, Handler> = {
  get: handleGet,
  list: handleList,
  watch: handleWatch,
  create: handleCreate,
  update: handleUpdate,
  patch: handlePatch,
  delete: handleDelete,
  deletecollection: handleDeleteCollection,
};

/** Handlers per subresource and verb. `status` and `finalize` reuse the main update/patch/get handlers. */
const SUBRESOURCES: Record<string, Record<string, Handler>> = {
  status: { get: handleGet, update: handleUpdate, patch: handlePatch },
  finalize: { update: handleUpdate },
  scale: { get: handleGetScale, update: handleUpdateScale, patch: handleUpdateScale },
  binding: { create: handleBinding },
};

/** Resources that exist only as POST-and-answer reviews (nothing stored). */
const REVIEWS = new Set(['selfsubjectaccessreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews', 'tokenreviews']);

/** Dispatches one resource request. */
export async function route(h: HandlerContext): Promise<void> {
  const { verb, subresource, name } = h.request;
  const info = h.info;
  // metrics.k8s.io is computed from the kubelets' Summary API, not stored.
  if (info.group === 'metrics.k8s.io') return handleMetrics(h);
  if (REVIEWS.has(info.resource)) {
    if (verb !== 'create') throw methodNotSupported(h.store.gr, verb);
    return handleAccessReview(h);
  }
  if (info.resource === 'bindings' && verb === 'create') return handleBinding(h);
  if (info.resource === 'pods' && subresource === 'log' && verb === 'get') {
    const target = await kubeletTarget(h.store, h.services.storeFor('', 'nodes'), h.request.namespace, name, 'log', h.query);
    return proxyRequest(h.req, h.res, target, h.services.kubeletClient);
  }
  if (subresource) {
    const sub = info.subresources.find((s) => s.name === subresource);
    const handler = sub ? SUBRESOURCES[subresource]?.[verb] : undefined;
    if (!sub || !name) throw notFoundPath();
    if (!handler) {
      if (['exec', 'attach', 'portforward'].includes(subresource)) throw new StatusError(400, 'BadRequest', 'Upgrade request required');
      if (!SUBRESOURCES[subresource]) throw new StatusError(405, 'MethodNotAllowed', `${info.resource}/${subresource} is not supported by kubelite`);
      throw methodNotSupported(h.store.gr, verb);
    }
    return handler(h);
  }
  const allowed = verb === 'watch' ? info.verbs.includes('watch') : info.verbs.includes(verb);
  const handler = MAIN[verb];
  if (!handler || !allowed) throw methodNotSupported(h.store.gr, verb);
  return handler(h);
}

/** kube-apiserver's answer for a path it does not serve. */
export function notFoundPath(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}
