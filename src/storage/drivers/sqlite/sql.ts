/**
 * The SQL of the SQLite driver, kept as data in one place (as kine keeps its dialect's statements).
 *
 * One append-only log table holds every write: the row id is the write's revision. A key's state at revision R is
 * its row with the highest id <= R, and the key does not exist at R when that row is a deletion (or there is none).
 * Each row also carries the previous value (`old_value`) and the previous row's revision (`prev_revision`), so that
 * watch replay can produce prevKv without a join and compaction can find superseded rows by id.
 */

/** Connection settings applied on open, before the schema. See sqlite-backend.ts for why synchronous=NORMAL. */
export const PRAGMAS = [
  // INCREMENTAL must be set before the first table exists; it lets compaction return free pages to the OS.
  'auto_vacuum = INCREMENTAL',
  'journal_mode = WAL',
  'busy_timeout = 5000',
  // After a checkpoint the WAL file is cut back to this size, so one burst does not leave a huge WAL behind.
  'journal_size_limit = 16777216',
  'wal_autocheckpoint = 1000',
  'cache_size = -32768',
  'temp_store = MEMORY',
] as const;

/** The schema; every statement is idempotent. */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS kv_log (
     id              INTEGER PRIMARY KEY, -- the revision of this write
     name            TEXT    NOT NULL,    -- the key
     created         INTEGER NOT NULL,    -- 1 when this write created the key
     deleted         INTEGER NOT NULL,    -- 1 when this write deleted the key
     create_revision INTEGER NOT NULL,
     prev_revision   INTEGER NOT NULL,    -- id of the key's previous row, 0 for none
     lease           INTEGER NOT NULL,    -- TTL in seconds, 0 for none
     expires_at      INTEGER NOT NULL,    -- Unix ms when the TTL runs out, 0 for none
     value           BLOB,                -- the new value (NULL for a deletion)
     old_value       BLOB                 -- the value before this write (NULL for a creation)
   )`,
  // Rows of one key in revision order: latest-row lookups, range reads and the key's history.
  'CREATE INDEX IF NOT EXISTS kv_log_name_id ON kv_log (name, id)',
  'CREATE INDEX IF NOT EXISTS kv_log_expires ON kv_log (expires_at) WHERE expires_at > 0',
  'CREATE TABLE IF NOT EXISTS kv_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID',
] as const;

/** Columns of a full row, in the order the row decoder expects. */
const ROW = 'id, name, created, deleted, create_revision, prev_revision, value, old_value';

/** Prepared statement texts. Named parameters use `@name`. */
export const SQL = {
  maxRevision: 'SELECT COALESCE(MAX(id), 0) FROM kv_log',
  getMeta: 'SELECT value FROM kv_meta WHERE name = ?',
  setMeta: 'INSERT INTO kv_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',

  /** The latest row of a key (for writes: existence check and previous value). */
  latest: 'SELECT id, deleted, create_revision, value FROM kv_log WHERE name = ? ORDER BY id DESC LIMIT 1',
  /** The latest row of a key at or below a revision. */
  latestAt: 'SELECT id, deleted, create_revision, value FROM kv_log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',

  insert: `INSERT INTO kv_log (id, name, created, deleted, create_revision, prev_revision, lease, expires_at, value, old_value)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,

  /**
   * Live keys in [start, end) at a revision, in key order. Walking the (name, id) index in name order lets LIMIT stop
   * early; the correlated MAX picks each key's latest row at the revision.
   */
  listAt: `SELECT name, create_revision, id, value FROM kv_log AS kv
           WHERE kv.name >= @start AND kv.name < @end AND kv.id <= @rev AND kv.deleted = 0
             AND kv.id = (SELECT MAX(k2.id) FROM kv_log AS k2 WHERE k2.name = kv.name AND k2.id <= @rev)
           ORDER BY kv.name LIMIT @limit`,
  count: `SELECT COUNT(*) FROM kv_log AS kv
          WHERE kv.name >= @start AND kv.name < @end AND kv.deleted = 0
            AND kv.id = (SELECT MAX(k2.id) FROM kv_log AS k2 WHERE k2.name = kv.name)`,

  /** Watch replay: writes under a key range with after < id <= upto, in revision order. */
  changes: `SELECT ${ROW} FROM kv_log
            WHERE id > @after AND id <= @upto AND name >= @start AND name < @end
            ORDER BY id LIMIT @limit`,

  /**
   * Compaction of one batch of the log (from < id <= to, with to <= the compact revision): every row that a row in the
   * batch superseded (its prev_revision), and every deletion row in the batch. Rows superseded by earlier batches
   * went with those batches, so batches cover the whole history exactly once.
   */
  compactBatch: `DELETE FROM kv_log WHERE id IN (
                   SELECT prev_revision FROM kv_log WHERE id > @from AND id <= @to AND prev_revision != 0
                   UNION ALL
                   SELECT id FROM kv_log WHERE id > @from AND id <= @to AND deleted = 1)`,

  /** Keys whose latest row's TTL ran out. */
  expired: `SELECT name, id FROM kv_log AS kv
            WHERE kv.expires_at > 0 AND kv.expires_at <= ? AND kv.deleted = 0
              AND kv.id = (SELECT MAX(k2.id) FROM kv_log AS k2 WHERE k2.name = kv.name)
            LIMIT 1000`,

  incrementalVacuum: 'PRAGMA incremental_vacuum',
  checkpointTruncate: 'PRAGMA wal_checkpoint(TRUNCATE)',
} as const;

/** kv_meta key holding the compacted revision. */
export const META_COMPACTED = 'compacted_revision';
