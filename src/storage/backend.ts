/**
 * The storage contract: an etcd-like revisioned key-value store.
 *
 * Every write gets the next revision of one global, strictly increasing counter (as etcd's main revision).
 * A key's `createRevision` is the revision that created it and `modRevision` the revision of its last write.
 * Deleting a key is itself a write: it consumes a revision and is delivered to watchers with the old value.
 * Old revisions are discarded by `compact`; reading or watching below the compacted revision fails with
 * {@link CompactedError}, which the API server turns into 410 Gone.
 *
 * This module knows nothing about API objects: keys are strings (the API server uses
 * `/registry/<resource>/<namespace>/<name>`) and values are opaque bytes.
 */

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision of the write that created the key (0 for a key that does not exist). */
  createRevision: number;
  /** Revision of the last write to the key. For a delete event: the revision of the delete. */
  modRevision: number;
}

/** Result of {@link Backend.get}. `kv` is absent when the key does not exist at that revision. */
export interface GetResult {
  /** The store's current revision when the read was served (or the requested revision). */
  revision: number;
  kv?: KeyValue;
}

/** Options for {@link Backend.list}. */
export interface ListOptions {
  /** Read as of this revision (0 or absent: the latest). Fails with CompactedError below the compacted revision. */
  revision?: number;
  /** At most this many keys (0 or absent: no limit). */
  limit?: number;
  /** Start strictly after this key (for continue tokens). Must lie under the prefix. */
  startAfter?: string;
}

/** Result of {@link Backend.list}: keys in ascending byte order. */
export interface ListResult {
  /** The revision the list was read at. Use it to continue a paginated list consistently. */
  revision: number;
  kvs: KeyValue[];
  /** True when keys remain after the last one returned. */
  more: boolean;
}

/** Result of a conditional write ({@link Backend.update}, {@link Backend.delete}). */
export interface WriteResult {
  /** The revision of the write when it succeeded, otherwise the store's current revision. */
  revision: number;
  /** False when the key's modRevision did not match (or the key did not exist). Nothing was written. */
  succeeded: boolean;
  /**
   * On success: the key as written (for delete: the value it had, with modRevision = the delete's revision).
   * On failure: the key's current state, absent when it does not exist, so the caller can report a conflict.
   */
  kv?: KeyValue;
}

/** Options shared by create and update. */
export interface WriteOptions {
  /** Delete the key automatically after this many seconds (etcd lease semantics; Events use it). */
  ttlSeconds?: number;
}

/** One change seen by a watcher. */
export interface WatchEvent {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: key and modRevision (the delete's revision), value empty. */
  kv: KeyValue;
  /** The value before this change: absent for a create; always present for an update or delete. */
  prevKv?: KeyValue;
}

/** Options for {@link Backend.watch}. */
export interface WatchOptions {
  /**
   * Deliver every change with revision > `afterRevision`, in revision order, with no gaps or duplicates.
   * Fails with CompactedError (via onError) when changes after it have been compacted away.
   */
  afterRevision: number;
  /** Stops the watch. After abort no further callback is made. */
  signal: AbortSignal;
  /** Called with batches of events in revision order. */
  onEvents(events: WatchEvent[]): void;
  /**
   * Called at most once when the watch cannot continue (CompactedError, or the backend failed). The watch is over
   * afterwards; the caller re-lists.
   */
  onError(err: Error): void;
  /**
   * Optional progress notification: called now and then with the store's current revision when there were no
   * events for this prefix, so that the API server can send bookmarks.
   */
  onProgress?(revision: number): void;
}

/** The revisioned key-value store that the API server is built on. Both drivers implement it. */
export interface Backend {
  /** Reads one key at the latest (or a given) revision. */
  get(key: string, opts?: { revision?: number }): Promise<GetResult>;
  /** Lists keys under a prefix (a key prefix, normally ending in '/'). */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Counts keys under a prefix at the latest revision. */
  count(prefix: string): Promise<{ revision: number; count: number }>;
  /** Creates a key that must not exist. Fails with KeyExistsError (nothing written) when it exists. */
  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<{ revision: number; kv: KeyValue }>;
  /** Replaces a key's value if its modRevision equals `expectedModRevision`. */
  update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<WriteResult>;
  /** Deletes a key if its modRevision equals `expectedModRevision` (0 deletes unconditionally). */
  delete(key: string, expectedModRevision: number): Promise<WriteResult>;
  /** Watches a prefix from a revision. Events are delivered asynchronously until the signal aborts. */
  watch(prefix: string, opts: WatchOptions): void;
  /** The current revision of the store. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (everything at or below the compacted revision is gone). */
  compactedRevision(): Promise<number>;
  /** Discards history at or below `revision`. The latest value of every live key is kept. */
  compact(revision: number): Promise<void>;
  /** Size of the store on disk in bytes, for metrics and the churn test. */
  dbSize(): Promise<number>;
  /** Flushes and releases everything: timers, watches, files, connections. */
  close(): Promise<void>;
}

/** Thrown by create when the key already exists. */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
    this.name = 'KeyExistsError';
  }
}

/** Thrown (or passed to a watch's onError) when a read or watch asks for a revision that was compacted away. */
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted revision is ${compacted})`);
    this.name = 'CompactedError';
  }
}

/** Thrown when a read asks for a revision newer than the store's current revision. */
export class FutureRevisionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current revision is ${current})`);
    this.name = 'FutureRevisionError';
  }
}
