/**
 * A resource's strategy: the per-kind behaviour plugged into the one generic store, as kube-apiserver's registry
 * strategies are (PrepareForCreate/PrepareForUpdate, Validate, field labels, graceful deletion, …).
 * The generic store calls these in one fixed order; see generic-store.ts.
 */
import type { FieldError } from '../../../apimachinery/errors/status-error.js';
import type { ResourceInfo } from '../../../api/resources.js';

/** A stored API object as plain JSON data. */
export type Obj = Record<string, any>;

/** What a strategy hook knows about the request it serves. */
export interface RequestContext {
  /** True under `dryRun=All`: allocations must be released and nothing stored. */
  dryRun: boolean;
  /** The authenticated user, for fields such as the field manager defaults. */
  user: string;
  /** Request time. */
  now: Date;
}

/** Per-resource behaviour. Every hook is optional except the identity fields. */
export interface Strategy {
  readonly info: ResourceInfo;
  /** Fields a field selector may name, with the object's values. metadata.name/namespace are always supported. */
  fieldValues?(obj: Obj): Record<string, string>;
  /** Called on create after defaulting, before validation: reset status, set derived fields. */
  prepareForCreate?(obj: Obj, ctx: RequestContext): void;
  /** Called on an update of the main resource: keep status from `old`, etc. */
  prepareForUpdate?(obj: Obj, old: Obj, ctx: RequestContext): void;
  /** Called on an update of the status subresource: keep everything but status from `old`. */
  prepareForStatusUpdate?(obj: Obj, old: Obj, ctx: RequestContext): void;
  /** Updates of other subresources (e.g. a Namespace's `finalize`): shape `obj` from the request and `old`. */
  subresourceUpdates?: Record<string, (obj: Obj, old: Obj) => void>;
  /** Extra validation beyond the kind's registered validation (e.g. against server configuration). */
  validate?(obj: Obj, old: Obj | undefined): FieldError[];
  /** Async admission after validation and before storage (allocations, cross-object checks). May throw StatusError. */
  beforeStore?(obj: Obj, old: Obj | undefined, ctx: RequestContext): Promise<void>;
  /** Undoes beforeStore's side effects when the write does not happen (conflict, dry run). */
  rollback?(obj: Obj, old: Obj | undefined): Promise<void>;
  /** Called after an update was stored (release what the old object held and the new one does not). */
  afterUpdate?(obj: Obj, old: Obj): Promise<void>;
  /**
   * Finalizers outside metadata.finalizers that also hold an object while it is deleted (a Namespace's
   * spec.finalizers, emptied by the namespace controller through `namespaces/x/finalize`).
   */
  extraFinalizers?(obj: Obj): string[];
  /** Marks an object that is being deleted but kept for now (a Namespace's status.phase Terminating). */
  markDeleting?(obj: Obj): void;
  /** Called after an object is really deleted from storage (release allocations). */
  afterDelete?(obj: Obj): Promise<void>;
  /** Keys written with this TTL (Events live one hour in kube-apiserver). */
  ttlSeconds?(obj: Obj): number | undefined;
  /**
   * Graceful deletion: the grace period to apply, or 0 to delete at once. Pods on a node are deleted gracefully:
   * the kubelet stops the containers and then deletes with grace 0.
   */
  gracePeriodSeconds?(obj: Obj, requested: number | undefined): number;
  /** Whether PUT on a missing object creates it (Endpoints, Nodes, Leases…). */
  allowCreateOnUpdate?: boolean;
  /** Whether an update without metadata.resourceVersion is allowed (most kinds; not Leases' optimistic users). */
  allowUnconditionalUpdate?: boolean;
}
