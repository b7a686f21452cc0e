/**
 * Parses a request path into what it addresses, as kube-apiserver's RequestInfoFactory does:
 * `/api/v1/namespaces/ns/pods/web/status` → group "", version v1, namespace ns, resource pods, name web,
 * subresource status. The verb comes from the method plus whether a name is present and `watch=true`.
 */

/**
 * A boolean query parameter as kube-apiserver reads it (Go's strconv.ParseBool): `1`, `t`, `T`, `true`, `TRUE` and
 * `True` are true. The Python client sends `watch=True` and `allowWatchBookmarks=True`.
 */
export function queryBool(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/** What a resource request addresses. */
export interface RequestInfo {
  group: string;
  version: string;
  /** Empty for cluster-scoped requests and for all-namespace lists. */
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
}

/**
 * Returns the resource request a path names, or undefined for non-resource paths (/version, /api, /apis/apps/v1,
 * /openapi/…, /healthz). Throws nothing: malformed paths simply are not resource requests (404 later).
 */
export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api') {
    if (parts.length < 3) return undefined;
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return undefined;
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace = '';
  // `namespaces/x/<resource>…` is namespaced; `namespaces/x` alone (or with a subresource like status/finalize) is
  // the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name = '', subresource = '', ...extra] = rest;
  if (extra.length > 0 && !(subresource === 'proxy')) return undefined;
  const isWatch = queryBool(query.get('watch'));
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? 'get' : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return { group, version, namespace, resource, name, subresource, verb };
}
