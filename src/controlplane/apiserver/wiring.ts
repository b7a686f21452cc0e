/**
 * Connects the generic store and handlers to the api layer: per-kind defaults and validation, field ownership
 * (managedFields), and the four patch engines over the project's type data.
 */
import type { KindHooks } from './registry/generic-store.js';
import type { Patcher } from './handlers/context.js';
import type { Obj } from './registry/strategy.js';
import type { ResourceInfo } from '../../api/resources.js';
import { typeForKind } from '../../api/schema/index.js';
import { patchSchemaFor } from '../../api/patch-schema.js';
import { applyDefaults, applyUpdateDefaults } from '../../api/defaults-registry.js';
import { validateCreate, validateUpdate } from '../../api/validation-registry.js';
import { applyJsonPatch } from '../../apimachinery/patch/json-patch.js';
import { applyMergePatch } from '../../apimachinery/patch/merge-patch.js';
import { strategicMergePatch } from '../../apimachinery/patch/strategic-merge-patch.js';
import { applyPatch, ConflictError, updateManagedFields } from '../../apimachinery/patch/apply.js';
import { allowedConflictsFromLastApplied, CSA_UPGRADING_MANAGER } from './csa-upgrade.js';
import { badRequest } from '../../apimachinery/errors/status-error.js';
import { findKind, groupVersion } from '../../api/resources.js';

/**
 * Fields a write does not own, as kube-apiserver's reset fields: the main resource of a kind with a status
 * subresource never changes status, and `/status` changes nothing but status.
 */
function resetFields(info: ResourceInfo, subresource: string | undefined): string[][] {
  if (!info.subresources.some((s) => s.name === 'status')) return [];
  return subresource === 'status' ? [['spec'], ['metadata']] : [['status']];
}

function typeIdOf(group: string, version: string, kind: string, fallback: string): string {
  return typeForKind(group, version, kind)?.id ?? fallback;
}

/** Defaults, validation and managedFields for the generic store. */
export const kindHooks: KindHooks = {
  applyDefaults: (group, kind, obj) => applyDefaults(group, kind, obj),
  applyUpdateDefaults: (group, kind, obj, old) => applyUpdateDefaults(group, kind, obj, old),
  validateCreate: (group, kind, obj) => validateCreate(group, kind, obj),
  validateUpdate: (group, kind, obj, old) => validateUpdate(group, kind, obj, old),
  trackManagedFields(obj, old, opts) {
    const [group, version] = opts.apiVersion.includes('/') ? opts.apiVersion.split('/') : ['', opts.apiVersion];
    const schema = patchSchemaFor(typeIdOf(group, version, obj.kind, ''));
    const info = findKind(group, obj.kind);
    const subresource = opts.subresource || undefined;
    const ignore = info ? resetFields(info, subresource) : [];
    const { object } = updateManagedFields(old, obj, { manager: opts.manager, apiVersion: opts.apiVersion, schema, now: opts.now, subresource, ignore });
    obj.metadata = object.metadata;
  },
};

/** The patch engines. */
export const patcher: Patcher = {
  apply(type, info, kind, current, patch) {
    const typeId = typeIdOf(info.group, info.version, kind, info.typeId);
    let out: unknown;
    if (type === 'json') out = applyJsonPatch(current, patch);
    else if (type === 'merge') out = applyMergePatch(current, patch);
    else out = strategicMergePatch(current, patch, patchSchemaFor(typeId));
    if (out === null || typeof out !== 'object' || Array.isArray(out)) throw badRequest('the patch must leave an object');
    return out as Obj;
  },
  serverSideApply(info: ResourceInfo, kind, live, applied, opts) {
    const ignore = resetFields(info, opts.subresource);
    const apiVersion = groupVersion(info.group, info.version);
    if (applied.apiVersion !== apiVersion || applied.kind !== kind) {
      throw badRequest(`the apply configuration must have apiVersion ${apiVersion} and kind ${kind}, got ${String(applied.apiVersion)} ${String(applied.kind)}`);
    }
    const schema = patchSchemaFor(typeIdOf(info.group, info.version, kind, info.typeId));
    const run = (force: boolean) => applyPatch(live, applied, { manager: opts.manager, force, schema, apiVersion, now: opts.now, subresource: opts.subresource, ignore }).object as Obj;
    try {
      return run(opts.force);
    } catch (err) {
      if (!(err instanceof ConflictError) || opts.manager !== CSA_UPGRADING_MANAGER) throw err;
      // kubectl taking over what its client-side apply owned: those conflicts are forgiven, the rest still count.
      const allowed = allowedConflictsFromLastApplied(live, schema, apiVersion);
      if (!allowed) throw err;
      const remaining = err.conflicts.filter((c) => !allowed.has(c.field));
      if (remaining.length > 0) throw new ConflictError(remaining);
      return run(true);
    }
  },
};

/** Everything `ApiServer` takes from the api layer. */
export function defaultServices(): { hooks: KindHooks; patcher: Patcher } {
  return { hooks: kindHooks, patcher };
}
