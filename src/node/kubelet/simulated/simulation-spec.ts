/**
 * What a simulated node looks like and how simulated pods behave, as plain values, plus the parsers that turn
 * command-line text (labels, taints, Go-style durations) into them. Nothing here talks to the API.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../../apimachinery/quantity.js';
import { validateLabels } from '../../../apimachinery/validation/labels.js';
import { FieldPath } from '../../../apimachinery/validation/field-path.js';

/** Pod annotation: how long a run-to-completion pod's containers run, as a Go duration ("5s", "1m30s", "500ms"). */
export const SIMULATE_DURATION_ANNOTATION = 'kubelite.io/simulate-duration';
/** Pod annotation: the exit code its containers finish with (default 0). */
export const SIMULATE_EXIT_CODE_ANNOTATION = 'kubelite.io/simulate-exit-code';
/** Node label that marks a node as simulated, so that nobody mistakes it for one that runs containers. */
export const SIMULATED_NODE_LABEL = 'kubelite.io/simulated';

/** The shape of every node of one simulator. */
export interface SimulatedNodeSpec {
  /** Node names are `${namePrefix}${index}`. */
  namePrefix: string;
  /** First index (so several agents can share one cluster without clashing names). */
  startIndex: number;
  /** How many nodes. */
  count: number;
  /** Capacity (= allocatable) as quantities. */
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
  /** Extra labels on every node. */
  labels: Record<string, string>;
  taints: Taint[];
  /** status.nodeInfo.kubeletVersion, e.g. "v1.32.0". */
  kubeletVersion: string;
}

/** Node names of a spec, in index order. */
export function nodeNames(spec: Pick<SimulatedNodeSpec, 'namePrefix' | 'startIndex' | 'count'>): string[] {
  return Array.from({ length: spec.count }, (_, i) => `${spec.namePrefix}${spec.startIndex + i}`);
}

/** A parse error of a command-line value; its message names the value. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Parses `k=v` pairs into labels, validating keys and values as the API server would. */
export function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new SpecError(`invalid label "${p}": expected key=value`);
    labels[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const errs = validateLabels(labels, FieldPath.root('labels'));
  if (errs.length > 0) throw new SpecError(`invalid label: ${errs.map((e) => `${e.field}: ${e.detail}`).join('; ')}`);
  return labels;
}

const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** Parses kubectl-taint style `key=value:Effect` or `key:Effect` into taints. */
export function parseTaints(items: string[]): Taint[] {
  return items.map((item) => {
    const colon = item.lastIndexOf(':');
    if (colon <= 0) throw new SpecError(`invalid taint "${item}": expected key=value:Effect or key:Effect`);
    const effect = item.slice(colon + 1);
    if (!TAINT_EFFECTS.has(effect)) throw new SpecError(`invalid taint "${item}": effect must be NoSchedule, PreferNoSchedule or NoExecute`);
    const kv = item.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    const errs = validateLabels({ [key]: value ?? '' }, FieldPath.root('taints'));
    if (errs.length > 0) throw new SpecError(`invalid taint "${item}": ${errs.map((e) => e.detail).join('; ')}`);
    return value === undefined || value === '' ? { key, effect } : { key, value, effect };
  });
}

/** Checks a quantity flag value, returning its canonical text. */
export function parseResource(what: string, text: string): string {
  try {
    const q = parseQuantity(text);
    if (q.sign() <= 0) throw new Error('must be positive');
    return q.toString();
  } catch (err) {
    throw new SpecError(`invalid ${what} "${text}": ${(err as Error).message}`);
  }
}

/** Go duration parsing lives in util; re-exported for the simulator's callers. */
export { parseDuration } from '../../../util/duration.js';
