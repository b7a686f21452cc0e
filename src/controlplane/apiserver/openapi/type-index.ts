/**
 * The type data as the OpenAPI builders see it: every type by id, the group/version/kinds each kind is served as, and
 * the few types a Kubernetes OpenAPI document always names but the protobuf-derived data may not carry (the `…List`
 * kinds, `Patch`, `WatchEvent`). Types referenced but absent from the data get a permissive stand-in, because
 * kubectl rejects a whole v2 document when a single `$ref` dangles.
 */
import { isScalar, type FieldSchema, type SchemaFile, type TypeSchema } from '../../../api/schema/index.js';
import type { ResourceInfo } from '../../../api/resources.js';

/** A group/version/kind triple as the `x-kubernetes-group-version-kind` extension spells it. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Ids of the apimachinery types every document refers to. */
export const META = {
  objectMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  listMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  status: 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  deleteOptions: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  patch: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  watchEvent: 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const;

/** Type data indexed for the OpenAPI builders. */
export interface TypeIndex {
  /** Every known type (from the data, plus synthesised lists and meta types), by id. */
  types: Map<string, TypeSchema>;
  /** The id that serves a group/version/kind, keyed by `group/version/kind`. */
  kindIds: Map<string, string>;
  /** Looks a type up, returning a permissive stand-in for an id the data does not hold. */
  get(id: string): TypeSchema;
  /** The fields of a type as JSON shows them: `inline` members replaced by their type's fields (Go `json:",inline"`). */
  jsonFields(id: string): FieldSchema[];
  /** The type id that serves `gvk` (from the data's markers, the resource table, or the naming rule). */
  idForKind(gvk: Gvk): string;
  /** Ids reachable from `roots` through fields, roots included, in discovery order. */
  closure(roots: Iterable<string>): string[];
}

function gvkKey(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** The OpenAPI id Kubernetes uses for a built-in kind: `io.k8s.api.<first group label>.<version>.<Kind>`. */
export function conventionalId(gvk: Gvk): string {
  const pkg = gvk.group === '' ? 'core' : gvk.group.split('.')[0];
  return `io.k8s.api.${pkg}.${gvk.version}.${gvk.kind}`;
}

function addGvk(t: TypeSchema, gvk: Gvk): TypeSchema {
  if (t.gvk?.some((g) => gvkKey(g) === gvkKey(gvk))) return t;
  return { ...t, gvk: [...(t.gvk ?? []), gvk] };
}

function field(name: string, number: number, type: string, description: string, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, number, type, description, ...extra };
}

function listType(id: string, itemId: string, gvk: Gvk): TypeSchema {
  return {
    id,
    description: `A list of ${gvk.kind.replace(/List$/, '')} objects.`,
    gvk: [gvk],
    fields: [
      field('metadata', 1, META.listMeta, 'List metadata: resourceVersion and continue token.'),
      field('items', 2, itemId, 'The objects in the list.', { repeated: true, required: true }),
    ],
  };
}

function standIn(id: string): TypeSchema {
  return { id, description: `${id.split('.').pop()} (schema not published by this server).`, fields: [], special: 'json' };
}

/** Indexes `files`, adding what the served `resources` need but the data lacks. */
export function indexTypes(files: readonly SchemaFile[], resources: readonly ResourceInfo[]): TypeIndex {
  const types = new Map<string, TypeSchema>();
  for (const file of files) for (const t of file.types) types.set(t.id, t);

  const kindIds = new Map<string, string>();
  for (const t of types.values()) for (const g of t.gvk ?? []) if (!kindIds.has(gvkKey(g))) kindIds.set(gvkKey(g), t.id);

  const idForKind = (gvk: Gvk): string => kindIds.get(gvkKey(gvk)) ?? conventionalId(gvk);
  const ensureKind = (id: string, gvk: Gvk): void => {
    const t = types.get(id) ?? standIn(id);
    types.set(id, addGvk(t, gvk));
    if (!kindIds.has(gvkKey(gvk))) kindIds.set(gvkKey(gvk), id);
  };

  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    ensureKind(r.typeId, gvk);
    const listGvk = { ...gvk, kind: `${r.kind}List` };
    const listId = kindIds.get(gvkKey(listGvk)) ?? `${r.typeId}List`;
    if (!types.has(listId)) types.set(listId, listType(listId, r.typeId, listGvk));
    ensureKind(listId, listGvk);
    for (const s of r.subresources) {
      if (s.name !== 'scale' && s.name !== 'binding' && s.name !== 'eviction' && s.name !== 'token') continue;
      const sg = { group: s.group, version: s.version, kind: s.kind };
      ensureKind(idForKind(sg), sg);
    }
  }

  if (!types.has(META.patch)) {
    types.set(META.patch, {
      id: META.patch, special: 'raw-extension', fields: [],
      description: 'The body of a PATCH request; its shape depends on the patch content type.',
    });
  }
  if (!types.has(META.watchEvent)) {
    types.set(META.watchEvent, {
      id: META.watchEvent, description: 'One event of a watch stream.',
      fields: [
        field('type', 1, 'string', 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.', { required: true }),
        field('object', 2, META.rawExtension, 'The object the event is about; a Status for ERROR events.', { required: true }),
      ],
    });
  }

  const get = (id: string): TypeSchema => types.get(id) ?? standIn(id);

  const flat = new Map<string, FieldSchema[]>();
  const jsonFields = (id: string): FieldSchema[] => {
    let out = flat.get(id);
    if (!out) flat.set(id, (out = get(id).fields.flatMap((f) => (f.inline ? jsonFields(f.type) : [f]))));
    return out;
  };

  // A type only ever embedded inline (Probe's ProbeHandler) is not published on its own, as in Kubernetes.
  const closure = (roots: Iterable<string>): string[] => {
    const seen = new Set<string>();
    const queue = [...roots];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      if (seen.has(id)) continue;
      seen.add(id);
      for (const f of jsonFields(id)) if (!isScalar(f.type) && !seen.has(f.type)) queue.push(f.type);
    }
    return [...seen];
  };

  return { types, kindIds, get, jsonFields, idForKind, closure };
}
