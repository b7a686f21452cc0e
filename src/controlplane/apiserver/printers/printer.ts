/**
 * The contract of one resource's table printer, plus the column helpers every printer shares.
 *
 * A printer is pure data in, cells out: it never looks at the clock (the caller passes `now`) and never throws on
 * a half-filled object, because `kubectl get` must print whatever is stored. Like kube-apiserver, which always
 * generates tables in wide mode, a printer returns every cell including the `priority: 1` ones; kubectl hides those
 * unless `-o wide` is given.
 */

/** One column of a meta.k8s.io/v1 Table (`TableColumnDefinition` on the wire). */
export interface TableColumn {
  /** Human name; kubectl upper-cases it for the header ("Up-to-date" → "UP-TO-DATE"). */
  name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `number`, `boolean` or `date`. */
  type: string;
  /** Extra hint; `name` marks the column kubectl prefixes with `kind/` in `get all` and `--show-kind`. */
  format: string;
  description: string;
  /** 0 for columns always shown; above 0 for columns only `-o wide` shows. */
  priority: number;
}

/** A row condition (`TableRowCondition`); kube-apiserver marks finished pods with `Completed`. */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** Prints one kind. `T` is the object's JSON shape; the registry stores printers as `Printer<any>`. */
export interface Printer<T = any> {
  /** Column definitions, in cell order. */
  readonly columns: readonly TableColumn[];
  /** Cells for one object, one per column, wide columns included. */
  cells(obj: T, now: Date): unknown[];
  /** Row conditions, when the kind has any. */
  conditions?(obj: T): TableRowCondition[] | undefined;
}

/** Builds a column definition; `priority: 1` puts it behind `-o wide`. */
export function column(
  name: string, type: string, description: string, opts: { format?: string; priority?: number } = {},
): TableColumn {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** Shorthand for a wide-only string column. */
export function wideColumn(name: string, description: string): TableColumn {
  return column(name, 'string', description, { priority: 1 });
}

/** The NAME column every built-in printer starts with. */
export const NAME_COLUMN: TableColumn = column('Name', 'string', 'Name of the object, unique within its namespace.', { format: 'name' });

/** The AGE column: time since `metadata.creationTimestamp`. */
export const AGE_COLUMN: TableColumn = column('Age', 'string', 'Time since the object was created.');

/** CONTAINERS and IMAGES, the wide columns of every workload printer. */
export const CONTAINERS_COLUMN: TableColumn = wideColumn('Containers', 'Names of the containers in the pod template.');
export const IMAGES_COLUMN: TableColumn = wideColumn('Images', 'Images of the containers in the pod template.');

/** DESIRED CURRENT READY, the replica counts replica sets and replication controllers share. */
export const REPLICA_COLUMNS: readonly TableColumn[] = [
  column('Desired', 'integer', 'Desired number of replicas.'),
  column('Current', 'integer', 'Number of replicas that exist.'),
  column('Ready', 'integer', 'Number of ready replicas.'),
];
