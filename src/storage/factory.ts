/**
 * openBackend: the one registry of storage drivers. The API server and the commands name a driver by kind; this
 * explicit map is the only place that knows which drivers exist.
 */
import type { Backend } from './backend.js';
import type { EtcdBackendOptions } from './drivers/etcd/etcd-backend.js';
import type { SqliteBackendOptions } from './drivers/sqlite/sqlite-backend.js';

/** Options for the embedded SQLite store. */
export type SqliteOpenOptions = { kind: 'sqlite' } & SqliteBackendOptions;
/** Options for an external etcd cluster. */
export type EtcdOpenOptions = { kind: 'etcd' } & EtcdBackendOptions;
/** What {@link openBackend} accepts: one variant per driver. */
export type BackendOptions = SqliteOpenOptions | EtcdOpenOptions;

// Drivers are imported when chosen: the etcd client and gRPC alone add ~28 MB to a server that uses SQLite.
const drivers: { [K in BackendOptions['kind']]: (opts: Extract<BackendOptions, { kind: K }>) => Promise<Backend> } = {
  sqlite: async (opts) => (await import('./drivers/sqlite/sqlite-backend.js')).SqliteBackend.open(opts),
  etcd: async (opts) => {
    const { EtcdBackend } = await import('./drivers/etcd/etcd-backend.js');
    const backend = new EtcdBackend(opts);
    try {
      await backend.currentRevision(); // fail now, not on the first request, when etcd is unreachable
    } catch (err) {
      await backend.close();
      throw new Error(`Cannot reach etcd at ${opts.endpoints.join(',')}: ${(err as Error).message}`, { cause: err });
    }
    return backend;
  },
};

/** Opens the store named by `opts.kind`. */
export function openBackend(opts: BackendOptions): Promise<Backend> {
  const open = drivers[opts.kind] as ((o: BackendOptions) => Promise<Backend>) | undefined;
  if (!open) return Promise.reject(new Error(`unknown storage kind "${(opts as { kind: string }).kind}"`));
  return open(opts);
}
