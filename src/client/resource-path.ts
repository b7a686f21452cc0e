/**
 * URL paths of the Kubernetes REST API: `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise,
 * `namespaces/<ns>/` for namespaced resources, then `<resource>[/<name>[/<subresource>]]`.
 */
import { findResource } from '../api/resources.js';

/** What a path addresses. `namespace` is dropped for resources known (from src/api/resources.ts) to be cluster-scoped. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Builds the path (without query) for `ref`, e.g. `/api/v1/namespaces/ns/pods/p/status`. */
export function resourcePath(ref: ResourceRef): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const known = findResource(ref.group, ref.version, ref.resource);
  const namespaced = known ? known.namespaced : true;
  if (ref.namespace && namespaced) p += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  p += `/${ref.resource}`;
  if (ref.name !== undefined) {
    if (ref.name === '') throw new Error(`Cannot address ${ref.resource}: the object name is empty`);
    p += `/${encodeURIComponent(ref.name)}`;
    if (ref.subresource) p += `/${ref.subresource}`;
  }
  return p;
}
