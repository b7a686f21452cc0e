/**
 * Node and pod metrics (metrics.k8s.io/v1beta1), as metrics-server prints them: NAME, one column per resource
 * (cpu, memory) and WINDOW. Pod usage is the sum over its containers.
 */
import { column, NAME_COLUMN, type Printer } from './printer.js';

/** The metrics.k8s.io NodeMetrics shape the printer reads. */
export interface NodeMetricsLike {
  metadata?: { name?: string };
  window?: string;
  usage?: Record<string, string>;
}

/** The metrics.k8s.io PodMetrics shape the printer reads. */
export interface PodMetricsLike {
  metadata?: { name?: string };
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

const RESOURCES = ['cpu', 'memory'];

/**
 * Adds quantities that share one suffix ("120n" + "30n" = "150n", "1024Ki" + "512Ki" = "1536Ki"), which is how
 * metrics usage is written. Mixed suffixes fall back to the plain list, since a canonical Quantity sum needs the full
 * Quantity arithmetic this printer does not carry.
 */
export function sumQuantities(values: readonly string[]): string {
  if (values.length === 0) return '0';
  const parsed = values.map((v) => /^(\d+)([a-zA-Z]*)$/.exec(v));
  const suffix = parsed[0]?.[2];
  if (parsed.every((m) => m && m[2] === suffix)) {
    return `${parsed.reduce((sum, m) => sum + BigInt(m![1]), 0n)}${suffix}`;
  }
  return values.join('+');
}

const COLUMNS = [
  NAME_COLUMN,
  column('cpu', 'string', 'CPU usage.', { format: 'quantity' }),
  column('memory', 'string', 'Memory working set.', { format: 'quantity' }),
  column('Window', 'string', 'Interval the usage was measured over.', { format: 'duration' }),
];

/** The node metrics printer. */
export const nodeMetricsPrinter: Printer<NodeMetricsLike> = {
  columns: COLUMNS,
  cells: (m) => [m.metadata?.name ?? '', ...RESOURCES.map((r) => m.usage?.[r] ?? '0'), m.window ?? ''],
};

/** The pod metrics printer. */
export const podMetricsPrinter: Printer<PodMetricsLike> = {
  columns: COLUMNS,
  cells: (m) => [
    m.metadata?.name ?? '',
    ...RESOURCES.map((r) => sumQuantities((m.containers ?? []).flatMap((c) => (c.usage?.[r] ? [c.usage[r]] : [])))),
    m.window ?? '',
  ],
};
