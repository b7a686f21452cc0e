/**
 * ControllerRevision history, as kube-controller-manager's pkg/controller/history, shared by the DaemonSet and
 * StatefulSet controllers. A revision stores the owner's pod template as the patch `kubectl rollout undo` applies
 * (`{"spec":{"template":{…,"$patch":"replace"}}}`), is named `<owner>-<hash>` and numbered 1, 2, 3, … An
 * unchanged template re-uses its revision (bumping the number when an old one comes back, as a rollback does); a
 * name taken by a different template bumps the owner's collisionCount and hashes again.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import type { KubeObject, ResourceClient } from '../../../client/index.js';
import { canonicalJson } from './canonical-json.js';
import { objectHash } from './object-hash.js';

/** The label on revisions (and DaemonSet/StatefulSet pods) naming their revision's hash or name. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** The data a revision keeps: the template as a replacing strategic-merge patch of the owner. */
export interface RevisionData {
  spec: { template: PodTemplateSpec & { $patch: 'replace' } };
}

/** The revision data of a template. */
export function revisionData(template: PodTemplateSpec | undefined): RevisionData {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision records (the `$patch` directive removed). */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec {
  const t = structuredClone((rev.data as Partial<RevisionData> | undefined)?.spec?.template ?? {}) as PodTemplateSpec & { $patch?: string };
  delete t.$patch;
  return t;
}

/**
 * The hash of a revision's data, salted with `collisionCount` when it is non-zero (upstream
 * HashControllerRevision). The data is hashed in canonical JSON form.
 */
export function hashRevision(data: unknown, collisionCount?: number): string {
  return objectHash(data, collisionCount || undefined);
}

/** True if two revisions record the same template. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/** Revisions oldest first: by revision number, then creation time, then name (upstream byRevision). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => (a.revision - b.revision)
    || String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? ''))
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** The number the next new revision gets: one past the highest. */
export function nextRevisionNumber(revs: readonly ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
}

/** Options of {@link newControllerRevision}. */
export interface NewRevisionOptions {
  controllerRef: OwnerReference;
  revision: number;
  collisionCount?: number;
  /** Labels copied onto the revision (the owner's template labels, so its selector finds it). */
  labels?: Record<string, string>;
}

/** A revision of `owner` recording `data`, named `<owner>-<hash>` and labelled with the hash. */
export function newControllerRevision(owner: KubeObject, data: unknown, opts: NewRevisionOptions): ControllerRevision {
  const hash = hashRevision(data, opts.collisionCount);
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata?.name}-${hash}`, namespace: owner.metadata?.namespace,
      labels: { ...(opts.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [opts.controllerRef],
    },
    data: data as ControllerRevision['data'],
    revision: opts.revision,
  };
}

/** What {@link createControllerRevision} made or found. */
export interface CreatedRevision {
  revision: ControllerRevision;
  /** The owner's collisionCount after any collisions (write it to status). */
  collisionCount: number;
}

/**
 * Creates `rev` (built by `build` for a collision count). When its name is taken by an equal revision of the same
 * owner, that one is returned; when taken by anything else, the collision count goes up and the next name is tried
 * (upstream realHistory.CreateControllerRevision).
 */
export async function createControllerRevision(client: ResourceClient<ControllerRevision>, build: (collisionCount: number) => ControllerRevision, collisionCount: number): Promise<CreatedRevision> {
  for (let count = collisionCount, tries = 0; tries < 100; count++, tries++) {
    const rev = build(count);
    const ns = client.namespace(rev.metadata?.namespace ?? '');
    try {
      return { revision: await ns.create(rev), collisionCount: count };
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
      const existing = await ns.get(rev.metadata?.name ?? '');
      const sameOwner = existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === rev.metadata?.ownerReferences?.[0]?.uid);
      if (sameOwner && equalRevision(existing, rev)) return { revision: existing, collisionCount: count };
    }
  }
  throw new Error(`Cannot create a ControllerRevision for ${build(collisionCount).metadata?.name}: too many hash collisions`);
}

/** Inputs of {@link ensureRevision}. */
export interface EnsureRevisionOptions {
  owner: KubeObject;
  controllerRef: OwnerReference;
  /** The owner's revisions (claimed), any order. */
  revisions: readonly ControllerRevision[];
  template: PodTemplateSpec | undefined;
  collisionCount: number;
  client: ResourceClient<ControllerRevision>;
}

/** The revision of the owner's current template, and the owner's revisions including it (oldest first). */
export interface EnsuredRevision extends CreatedRevision {
  revisions: ControllerRevision[];
}

/**
 * Finds or makes the revision of the current template (upstream getStatefulSetRevisions / constructHistory): the
 * newest revision if it already records it; an older equal one renumbered to the next number (a rollback); or a
 * new revision.
 */
export async function ensureRevision(opts: EnsureRevisionOptions): Promise<EnsuredRevision> {
  const sorted = sortRevisions(opts.revisions);
  const data = revisionData(opts.template);
  const next = nextRevisionNumber(sorted);
  const build = (collisionCount: number) => newControllerRevision(opts.owner, data, {
    controllerRef: opts.controllerRef, revision: next, collisionCount, labels: opts.template?.metadata?.labels,
  });
  const probe = build(opts.collisionCount);
  const equal = sorted.filter((r) => equalRevision(r, probe));
  const newest = sorted[sorted.length - 1];
  if (equal.length && equal[equal.length - 1] === newest) {
    return { revision: newest, collisionCount: opts.collisionCount, revisions: sorted };
  }
  if (equal.length) {
    const old = equal[equal.length - 1];
    const ns = opts.client.namespace(old.metadata?.namespace ?? '');
    const bumped = await ns.update({ ...old, revision: next });
    return { revision: bumped, collisionCount: opts.collisionCount, revisions: sortRevisions([...sorted.filter((r) => r !== old), bumped]) };
  }
  const created = await createControllerRevision(opts.client, build, opts.collisionCount);
  const others = sorted.filter((r) => r.metadata?.name !== created.revision.metadata?.name);
  return { ...created, revisions: sortRevisions([...others, created.revision]) };
}

/**
 * Deletes the oldest revisions beyond `limit` that no live pod uses and that are not `keep` (upstream
 * truncateHistory / cleanupHistory). `inUse` holds revision names.
 */
export async function truncateHistory(client: ResourceClient<ControllerRevision>, revisions: readonly ControllerRevision[], opts: { limit: number; inUse: ReadonlySet<string> }): Promise<void> {
  const unused = sortRevisions(revisions).filter((r) => !opts.inUse.has(r.metadata?.name ?? ''));
  const excess = unused.length - Math.max(0, opts.limit);
  for (const r of unused.slice(0, Math.max(0, excess))) {
    try {
      await client.namespace(r.metadata?.namespace ?? '').delete(r.metadata?.name ?? '', { preconditions: { uid: r.metadata?.uid } });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}
