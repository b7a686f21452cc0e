/**
 * Builds the meta.k8s.io/v1 Table that `kubectl get` asks for
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), from stored objects and the resource's printer.
 *
 * Each row carries, besides its cells, the object kubectl needs for `-A` (namespace), `--show-labels` and `-L`
 * (labels) and `--sort-by` (fields): by default a PartialObjectMetadata with the whole `metadata`, the full object
 * for `includeObject=Object`, nothing for `None`.
 */
import { defaultPrinter } from './default-printer.js';
import type { Printer, TableColumn, TableRowCondition } from './printer.js';
import { PRINTERS } from './registry.js';

export type { TableColumn, TableRowCondition } from './printer.js';

/** One row of a Table. */
export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata, the full object, or absent, per `includeObject`. */
  object?: unknown;
}

/** The list metadata of a Table: the list's (or single object's) resourceVersion and paging fields. */
export interface TableListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A meta.k8s.io/v1 Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/** The `includeObject` query parameter of a Table request. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Options of buildTable. */
export interface BuildTableOptions {
  /** The time ages are measured against. */
  now: Date;
  /** What each row's `object` holds; kube-apiserver's default is Metadata. */
  includeObject?: IncludeObject;
  listMeta: TableListMeta;
  /** Leave out column definitions (`TableOptions.noHeaders`, used for watch events after the first). */
  noHeaders?: boolean;
}

/** The printer for a resource, or the default NAME / CREATED AT printer. */
export function printerFor(group: string, resource: string): Printer {
  return PRINTERS.get(`${group}/${resource}`) ?? defaultPrinter;
}

/** Column definitions of a resource's table, wide columns included. */
export function columnsFor(group: string, resource: string): TableColumn[] {
  return printerFor(group, resource).columns.map((c) => ({ ...c }));
}

/** The cells of one object, wide cells included, aged against `now`. */
export function rowFor(group: string, resource: string, obj: any, now: Date): unknown[] {
  return printerFor(group, resource).cells(obj, now);
}

function rowObject(obj: any, includeObject: IncludeObject): unknown {
  if (includeObject === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj?.metadata ?? {} };
}

/** Builds the Table for a list (or a single object, passed as a one-element list). */
export function buildTable(group: string, resource: string, objs: readonly any[], opts: BuildTableOptions): Table {
  const printer = printerFor(group, resource);
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows = objs.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, opts.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (includeObject !== 'None') row.object = rowObject(obj, includeObject);
    return row;
  });
  const metadata: TableListMeta = { resourceVersion: opts.listMeta.resourceVersion };
  if (opts.listMeta.continue) metadata.continue = opts.listMeta.continue;
  if (opts.listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = opts.listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
