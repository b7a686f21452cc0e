/**
 * The one generic store every resource goes through, as kube-apiserver's registry/generic Store: it owns the storage
 * keys, encodes objects, and runs each write through one fixed order:
 *   create: namespace/name → generateName → server metadata → defaults → strategy.prepareForCreate → validation →
 *           admission (namespace exists and is not terminating) → field managers → strategy.beforeStore → storage.
 *   update: read current → preconditions → carry server metadata → defaults → prepareForUpdate/ForStatusUpdate →
 *           validation → no-op check → field managers → beforeStore → conditional storage write (409 on conflict).
 * Validation failures become 422 Invalid in exactly one place (here), via `invalid()`.
 */
import type { Backend, KeyValue } from '../../../storage/backend.js';
import { CompactedError, KeyExistsError } from '../../../storage/backend.js';
import {
  StatusError, alreadyExists, badRequest, conflict, gone, invalid, notFound, STALE_OBJECT_MESSAGE,
  type FieldError, type GroupResource,
} from '../../../apimachinery/errors/status-error.js';
import type { ResourceInfo } from '../../../api/resources.js';
import { groupVersion } from '../../../api/resources.js';
import type { Obj, RequestContext, Strategy } from './strategy.js';
import { carryUpdateMeta, deepEqual, generateName, initCreateMeta, rfc3339, validateMetaUpdate } from './object-meta.js';

/** Kind-level hooks from the api layer (defaults and validation registries) and the field manager. */
export interface KindHooks {
  applyDefaults(group: string, kind: string, obj: Obj): void;
  /** Update-time defaults: carry server-allocated values (a Service's cluster IP) into an update that omits them. */
  applyUpdateDefaults(group: string, kind: string, obj: Obj, old: Obj): void;
  validateCreate(group: string, kind: string, obj: Obj): FieldError[];
  validateUpdate(group: string, kind: string, obj: Obj, old: Obj): FieldError[];
  /** Records field ownership for a non-apply write (managedFields). */
  trackManagedFields?(obj: Obj, old: Obj | undefined, opts: { manager: string; subresource: string; now: Date; apiVersion: string }): void;
}

/** Looks up a namespace (for admission). */
export type NamespaceLookup = (name: string) => Promise<Obj | undefined>;

/** Options of a list. */
export interface ListParams {
  namespace: string;
  /** Filter applied to each object (label + field selectors). */
  filter?: (obj: Obj) => boolean;
  limit?: number;
  continueToken?: string;
  /** Exact revision to read at (resourceVersionMatch=Exact); otherwise the latest. */
  revision?: number;
  /**
   * Return the items as JSON text (`rawItems`) instead of objects, skipping a parse and a serialisation per item.
   * Ignored when a filter is given (filtering needs the objects).
   */
  raw?: boolean;
}

/** A list page. */
export interface ListPage {
  /** The objects (empty when `rawItems` is set). */
  items: Obj[];
  /** The objects as JSON text, when the list asked for `raw` and had no filter. */
  rawItems?: string[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Options of writes. */
export interface WriteParams {
  dryRun: boolean;
  fieldManager?: string;
  subresource?: string;
  /** Create the object when it does not exist (server-side apply). */
  createIfMissing?: boolean;
  /** The caller already recorded field ownership (server-side apply). */
  managedFieldsDone?: boolean;
}

/** Options of delete, from DeleteOptions. */
export interface DeleteParams {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What a delete did: the object as returned to the client, and whether it is gone from storage. */
export interface DeleteResult {
  object: Obj;
  deleted: boolean;
}

const MAX_UPDATE_RETRIES = 8;
const META_OPEN = '"metadata":{';
/** What precedes metadata in an encoded object: `{"apiVersion":"…","kind":"…",`. */
const LEADING_TYPE_META = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*",$/;
const textEncoder = new TextEncoder();

/** The generic store for one resource. */
export class GenericStore {
  readonly gr: GroupResource;
  readonly prefix: string;
  readonly apiVersion: string;

  constructor(
    readonly strategy: Strategy,
    private readonly backend: Backend,
    private readonly hooks: KindHooks,
    private readonly namespaceLookup: NamespaceLookup,
  ) {
    const info = strategy.info;
    this.gr = { group: info.group, resource: info.resource };
    this.prefix = `/registry/${info.group ? info.group + '/' : ''}${info.resource}/`;
    this.apiVersion = groupVersion(info.group, info.version);
  }

  get info(): ResourceInfo {
    return this.strategy.info;
  }

  /** The storage key of an object. */
  key(namespace: string, name: string): string {
    return this.info.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** The key prefix of a list (one namespace, or all). */
  listPrefix(namespace: string): string {
    return this.info.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  /** Decodes a stored value, stamping the resourceVersion from the store revision. */
  decode = (kv: KeyValue): Obj => {
    const obj = JSON.parse(Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8')) as Obj;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  };

  /**
   * The stored object as JSON text with its resourceVersion, without parsing it: {@link encode} writes apiVersion,
   * kind and metadata first, so the first `"metadata":{` is the top-level one and the resourceVersion can be spliced in.
   * Values stored in another key order (none today) fall back to a parse.
   */
  rawJson(kv: KeyValue): string {
    const text = Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8');
    const at = text.indexOf(META_OPEN);
    if (at > 0 && at < 200 && LEADING_TYPE_META.test(text.slice(0, at))) {
      const cut = at + META_OPEN.length;
      return `${text.slice(0, cut)}"resourceVersion":"${kv.modRevision}"${text[cut] === '}' ? '' : ','}${text.slice(cut)}`;
    }
    return JSON.stringify(this.decode(kv));
  }

  private encode(obj: Obj): Uint8Array {
    // Type meta and metadata first (see rawJson); the resourceVersion is the store's, never stored.
    const { apiVersion, kind, metadata, ...rest } = obj;
    const { resourceVersion: _rv, ...meta } = metadata;
    return textEncoder.encode(JSON.stringify({ apiVersion, kind, metadata: meta, ...rest }));
  }

  /** Reads one object or throws 404. */
  async get(namespace: string, name: string): Promise<Obj> {
    const { kv } = await this.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return this.decode(kv);
  }

  /** Lists objects, filling pages up to `limit` after filtering, with continue tokens. */
  async list(p: ListParams): Promise<ListPage> {
    const prefix = this.listPrefix(p.namespace);
    let startAfter: string | undefined;
    let revision = p.revision;
    if (p.continueToken) {
      const c = decodeContinue(p.continueToken);
      if (!c.start.startsWith(prefix.slice(this.prefix.length))) {
        throw badRequest('continue key is not valid: key is not under the requested prefix');
      }
      startAfter = this.prefix + c.start;
      revision = c.rv;
    }
    const limit = p.limit && p.limit > 0 ? p.limit : 0;
    const items: Obj[] = [];
    const raw = p.raw && !p.filter ? [] as string[] : undefined;
    let rv = 0;
    let lastKey: string | undefined;
    let more = false;
    try {
      for (;;) {
        const batch = limit ? Math.max(limit - items.length, Math.min(limit * 2, 1000)) : 0;
        const res = await this.backend.list(prefix, { revision, limit: batch, startAfter });
        rv = res.revision;
        revision = res.revision;
        for (let i = 0; i < res.kvs.length; i++) {
          const kv = res.kvs[i];
          if (raw) raw.push(this.rawJson(kv));
          else {
            const obj = this.decode(kv);
            if (p.filter && !p.filter(obj)) continue;
            items.push(obj);
          }
          lastKey = kv.key;
          const count = raw ? raw.length : items.length;
          if (limit && count === limit) {
            more = i < res.kvs.length - 1 || res.more;
            break;
          }
        }
        const count = raw ? raw.length : items.length;
        if (!res.more || (limit && count === limit) || res.kvs.length === 0) {
          if (!(limit && count === limit)) more = false;
          break;
        }
        startAfter = res.kvs[res.kvs.length - 1].key;
      }
    } catch (err) {
      if (err instanceof CompactedError && p.continueToken) {
        throw gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      if (err instanceof CompactedError) throw gone(`too old resource version: ${p.revision} (${err.compacted})`);
      throw err;
    }
    const page: ListPage = { items, resourceVersion: String(rv) };
    if (raw) page.rawItems = raw;
    if (more && lastKey) page.continueToken = encodeContinue(rv, lastKey.slice(this.prefix.length));
    return page;
  }

  /** Creates an object. `obj` is owned by the store from here on. */
  async create(namespace: string, obj: Obj, params: WriteParams, ctx: RequestContext): Promise<Obj> {
    const info = this.info;
    obj.metadata ??= {};
    const meta = obj.metadata;
    this.checkNamespace(namespace, obj);
    const fromGenerate = !meta.name && !!meta.generateName;
    if (fromGenerate) meta.name = generateName(meta.generateName);
    if (!meta.name) {
      throw invalid(info.kind, info.group, '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'Required value: name or generateName is required' }]);
    }
    initCreateMeta(obj, ctx.now);
    this.hooks.applyDefaults(info.group, info.kind, obj);
    this.strategy.prepareForCreate?.(obj, ctx);
    const errs = [...this.hooks.validateCreate(info.group, info.kind, obj), ...(this.strategy.validate?.(obj, undefined) ?? [])];
    if (errs.length > 0) throw invalid(info.kind, info.group, meta.name, errs);
    // Hooks below may replace obj.metadata (field managers do): from here on, read it through obj.
    if (info.namespaced) await this.admitNamespace(namespace);
    if (!params.managedFieldsDone) this.hooks.trackManagedFields?.(obj, undefined, { manager: params.fieldManager ?? 'unknown', subresource: '', now: ctx.now, apiVersion: this.apiVersion });
    await this.strategy.beforeStore?.(obj, undefined, ctx);
    if (params.dryRun) {
      await this.strategy.rollback?.(obj, undefined);
      return obj;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const { kv } = await this.backend.create(this.key(namespace, obj.metadata.name), this.encode(obj), { ttlSeconds: this.strategy.ttlSeconds?.(obj) });
        obj.metadata.resourceVersion = String(kv.modRevision);
        return obj;
      } catch (err) {
        if (err instanceof KeyExistsError && fromGenerate && attempt < 3) {
          obj.metadata.name = generateName(obj.metadata.generateName);
          continue;
        }
        await this.strategy.rollback?.(obj, undefined);
        if (err instanceof KeyExistsError) throw alreadyExists(this.gr, obj.metadata.name);
        throw err;
      }
    }
  }

  /**
   * Updates an object through `mutate(current) → desired`, retrying on storage conflicts while `mutate` says the
   * update is unconditional (as kube-apiserver's GuaranteedUpdate). `mutate` may throw StatusError to abort.
   * Returns the stored object, and whether it was created (create-on-update).
   */
  async update(
    namespace: string, name: string,
    mutate: (current: Obj | undefined) => Promise<{ obj: Obj; unconditional: boolean }>,
    params: WriteParams, ctx: RequestContext,
  ): Promise<{ object: Obj; created: boolean }> {
    const info = this.info;
    const sub = params.subresource ?? '';
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.backend.get(this.key(namespace, name));
      const current = kv ? this.decode(kv) : undefined;
      const { obj, unconditional } = await mutate(current ? structuredClone(current) : undefined);
      obj.metadata ??= {};
      if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
        throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      obj.metadata.name = name;
      this.checkNamespace(namespace, obj);
      if (!current) {
        if (!(this.strategy.allowCreateOnUpdate || params.createIfMissing) || sub) throw notFound(this.gr, name);
        return { object: await this.create(namespace, obj, params, ctx), created: true };
      }
      const rv = obj.metadata.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, STALE_OBJECT_MESSAGE);
      }
      if ((rv === undefined || rv === '') && this.strategy.allowUnconditionalUpdate === false) {
        throw invalid(info.kind, info.group, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', detail: 'Invalid value: 0x0: must be specified for an update' }]);
      }
      const metaErrs = validateMetaUpdate(obj, current);
      carryUpdateMeta(obj, current);
      const subUpdate = this.strategy.subresourceUpdates?.[sub];
      if (sub === 'status') {
        this.strategy.prepareForStatusUpdate ? this.strategy.prepareForStatusUpdate(obj, current, ctx) : keepAllButStatus(obj, current);
      } else if (subUpdate) {
        subUpdate(obj, current);
      } else {
        this.hooks.applyDefaults(info.group, info.kind, obj);
        this.hooks.applyUpdateDefaults(info.group, info.kind, obj, current);
        this.strategy.prepareForUpdate?.(obj, current, ctx);
      }
      // A subresource with its own update shaping (binding, finalize) validates its own input: the kind's update
      // validation would refuse what only that subresource may change (a pod's nodeName).
      const kindErrs = subUpdate ? [] : this.hooks.validateUpdate(info.group, info.kind, obj, current);
      const errs = [...metaErrs, ...kindErrs, ...(this.strategy.validate?.(obj, current) ?? [])];
      if (errs.length > 0) throw invalid(info.kind, info.group, name, errs);
      obj.metadata.resourceVersion = current.metadata.resourceVersion;
      if (!params.managedFieldsDone) this.hooks.trackManagedFields?.(obj, current, { manager: params.fieldManager ?? 'unknown', subresource: sub, now: ctx.now, apiVersion: this.apiVersion });
      if (deepEqual(obj, current)) return { object: current, created: false };
      // An object being deleted whose last finalizer was just removed is deleted now (kube-apiserver's
      // deleteWithoutFinalizers path).
      if (obj.metadata.deletionTimestamp && !(obj.metadata.finalizers?.length) && !(this.strategy.extraFinalizers?.(obj).length)
        && !(obj.metadata.deletionGracePeriodSeconds > 0)) {
        if (params.dryRun) return { object: obj, created: false };
        const res = await this.backend.delete(this.key(namespace, name), kv!.modRevision);
        if (!res.succeeded) {
          if (unconditional && attempt < MAX_UPDATE_RETRIES) continue;
          throw conflict(this.gr, name, STALE_OBJECT_MESSAGE);
        }
        await this.strategy.afterDelete?.(current);
        obj.metadata.resourceVersion = String(res.revision);
        return { object: obj, created: false };
      }
      await this.strategy.beforeStore?.(obj, current, ctx);
      if (params.dryRun) {
        await this.strategy.rollback?.(obj, current);
        return { object: obj, created: false };
      }
      const res = await this.backend.update(this.key(namespace, name), this.encode(obj), kv!.modRevision, { ttlSeconds: this.strategy.ttlSeconds?.(obj) });
      if (!res.succeeded) {
        await this.strategy.rollback?.(obj, current);
        if (unconditional && attempt < MAX_UPDATE_RETRIES) continue;
        throw conflict(this.gr, name, STALE_OBJECT_MESSAGE);
      }
      obj.metadata.resourceVersion = String(res.revision);
      await this.strategy.afterUpdate?.(obj, current);
      return { object: obj, created: false };
    }
  }

  /**
   * Deletes an object, gracefully or through finalizers when needed (deletionTimestamp set, object kept), as
   * kube-apiserver's Store.Delete.
   */
  async delete(namespace: string, name: string, p: DeleteParams, ctx: RequestContext): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.backend.get(this.key(namespace, name));
      if (!kv) throw notFound(this.gr, name);
      const cur = this.decode(kv);
      const pre = p.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.metadata.resourceVersion}`);
      }
      const finalizers: string[] = [...(cur.metadata.finalizers ?? [])];
      const policy = p.propagationPolicy;
      if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
        throw invalid('DeleteOptions', '', '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', detail: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
      }
      // The garbage collector's finalizers: orphan dependents, or delete them before the owner (foreground).
      const addFinalizer = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
      if (addFinalizer && !finalizers.includes(addFinalizer)) finalizers.push(addFinalizer);
      if (policy === 'Background' || policy === 'Foreground') {
        const drop = policy === 'Background' ? ['orphan', 'foregroundDeletion'] : ['orphan'];
        for (const f of drop) {
          const i = finalizers.indexOf(f);
          if (i >= 0 && f !== addFinalizer) finalizers.splice(i, 1);
        }
      }
      const grace = this.strategy.gracePeriodSeconds?.(cur, p.gracePeriodSeconds) ?? 0;
      const pending = cur.metadata.deletionTimestamp !== undefined;
      const extra = this.strategy.extraFinalizers?.(cur) ?? [];
      if (finalizers.length > 0 || extra.length > 0 || grace > 0) {
        const next = structuredClone(cur);
        this.strategy.markDeleting?.(next);
        if (!pending || grace < (cur.metadata.deletionGracePeriodSeconds ?? Infinity)) {
          next.metadata.deletionTimestamp = rfc3339(new Date(ctx.now.getTime() + grace * 1000));
          next.metadata.deletionGracePeriodSeconds = grace;
        }
        if (finalizers.length > 0) next.metadata.finalizers = finalizers;
        else delete next.metadata.finalizers;
        if (deepEqual(next, cur)) return { object: cur, deleted: false };
        if (p.dryRun) return { object: next, deleted: false };
        const rv = next.metadata.resourceVersion;
        const res = await this.backend.update(this.key(namespace, name), this.encode(next), kv.modRevision);
        if (!res.succeeded) {
          if (attempt < MAX_UPDATE_RETRIES) continue;
          throw conflict(this.gr, name, STALE_OBJECT_MESSAGE);
        }
        next.metadata.resourceVersion = String(res.revision ?? rv);
        return { object: next, deleted: false };
      }
      if (p.dryRun) return { object: cur, deleted: true };
      const res = await this.backend.delete(this.key(namespace, name), kv.modRevision);
      if (!res.succeeded) {
        if (!res.kv) throw notFound(this.gr, name);
        if (attempt < MAX_UPDATE_RETRIES) continue;
        throw conflict(this.gr, name, STALE_OBJECT_MESSAGE);
      }
      await this.strategy.afterDelete?.(cur);
      cur.metadata.resourceVersion = String(res.revision);
      return { object: cur, deleted: true };
    }
  }

  /** A URL namespace and the body's must agree; cluster-scoped objects carry none. */
  private checkNamespace(namespace: string, obj: Obj): void {
    const m = obj.metadata;
    if (this.info.namespaced) {
      if (m.namespace && m.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = namespace;
    } else {
      delete m.namespace;
    }
  }

  private async admitNamespace(namespace: string): Promise<void> {
    const ns = await this.namespaceLookup(namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden',
        `${this.gr.group ? this.gr.resource + '.' + this.gr.group : this.gr.resource} "${''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { group: this.gr.group, kind: this.gr.resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] });
    }
  }
}

/** The default status update: only status changes; metadata stays as stored (kube's ResetObjectMetaForStatus). */
function keepAllButStatus(obj: Obj, old: Obj): void {
  const status = obj.status;
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, structuredClone(old));
  if (status === undefined) delete obj.status;
  else obj.status = status;
}

/** Continue tokens carry the list revision and the last key, as kube-apiserver's (base64 JSON). */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

/** Parses a continue token; a malformed one is a 400. */
export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (c.v !== 'meta.k8s.io/v1' || typeof c.rv !== 'number' || typeof c.start !== 'string') throw new Error('bad');
    return { rv: c.rv, start: c.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
