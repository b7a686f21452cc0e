/**
 * Framework: one scheduling profile — the plugins enabled at each extension point, in order, with score weights —
 * and the code that runs them, as upstream's frameworkImpl. A plugin takes part in every extension point whose
 * method it has.
 */
import type { CycleState } from './cycle-state.js';
import {
  MAX_NODE_SCORE, type BindPlugin, type EnqueueExtensions, type FilterPlugin, type Plugin, type PreFilterPlugin,
  type PreScorePlugin, type ReservePlugin, type ScorePlugin, type Snapshot,
} from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { asStatus, Code, SUCCESS, Status } from './status.js';

/** A score plugin with its weight. */
export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

function has<K extends string>(p: Plugin, method: K): p is Plugin & Record<K, (...args: never[]) => unknown> {
  return typeof (p as unknown as Record<string, unknown>)[method] === 'function';
}

/** The plugins of one profile and the runners for each extension point. */
export class Framework {
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: WeightedScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  /** Plugins that said which cluster events may help pods they rejected. */
  readonly enqueueExtensions = new Map<string, EnqueueExtensions>();

  /**
   * @param plugins in the order they run (upstream's default profile order).
   * @param weights score weight per plugin name (default 1).
   */
  constructor(readonly plugins: readonly Plugin[], weights: Readonly<Record<string, number>> = {}) {
    for (const p of plugins) {
      if (has(p, 'preFilter')) this.preFilterPlugins.push(p as unknown as PreFilterPlugin);
      if (has(p, 'filter')) this.filterPlugins.push(p as unknown as FilterPlugin);
      if (has(p, 'preScore')) this.preScorePlugins.push(p as unknown as PreScorePlugin);
      if (has(p, 'score')) this.scorePlugins.push({ plugin: p as unknown as ScorePlugin, weight: weights[p.name] ?? 1 });
      if (has(p, 'reserve')) this.reservePlugins.push(p as unknown as ReservePlugin);
      if (has(p, 'bind')) this.bindPlugins.push(p as unknown as BindPlugin);
      const events = (p as Partial<EnqueueExtensions>).events;
      if (events) this.enqueueExtensions.set(p.name, p as unknown as EnqueueExtensions);
    }
  }

  /** Runs every PreFilter; the first rejection or error ends the cycle. Skips are recorded in `state`. */
  runPreFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    for (const p of this.preFilterPlugins) {
      let s: Status;
      try {
        s = p.preFilter(state, pod, snapshot);
      } catch (err) {
        s = asStatus(err);
      }
      if (s.code === Code.Skip) state.skipFilter.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /** The Filter plugins that run this cycle (those whose PreFilter did not Skip). */
  activeFilters(state: CycleState): FilterPlugin[] {
    return state.skipFilter.size ? this.filterPlugins.filter((p) => !state.skipFilter.has(p.name)) : this.filterPlugins;
  }

  /** Runs the Filters for one node; the first non-success is the node's status. Pass `filters` from activeFilters. */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo, filters = this.activeFilters(state)): Status {
    for (let i = 0; i < filters.length; i++) {
      const s = filters[i].filter(state, pod, node);
      if (s.code !== Code.Success) return s.withPlugin(filters[i].name);
    }
    return SUCCESS;
  }

  /** Runs every PreScore; Skip disables that plugin's Score for this cycle. */
  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    for (const p of this.preScorePlugins) {
      let s: Status;
      try {
        s = p.preScore(state, pod, nodes, snapshot);
      } catch (err) {
        s = asStatus(err);
      }
      if (s.code === Code.Skip) state.skipScore.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /**
   * Scores `nodes`: each plugin's raw scores are normalised to 0..100, multiplied by its weight and summed.
   * Returns the totals in node order.
   */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Float64Array {
    const total = new Float64Array(nodes.length);
    const scores = new Float64Array(nodes.length);
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]);
      plugin.normalizeScore?.(state, pod, nodes, scores);
      for (let i = 0; i < nodes.length; i++) {
        const s = Math.min(MAX_NODE_SCORE, Math.max(0, scores[i]));
        total[i] += s * weight;
      }
    }
    return total;
  }

  /** Runs Reserve in order; on a failure, un-reserves everything (in reverse) and returns it. */
  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const p of this.reservePlugins) {
      const s = p.reserve(state, pod, nodeName);
      if (!s.isSuccess()) {
        this.runUnreserve(state, pod, nodeName);
        return s.withPlugin(p.name);
      }
    }
    return SUCCESS;
  }

  /** Runs Unreserve in reverse order. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i].unreserve(state, pod, nodeName);
  }

  /** Asks each binder in turn until one does not Skip. */
  async runBind(state: CycleState, pod: PodInfo, nodeName: string, signal?: AbortSignal): Promise<Status> {
    for (const p of this.bindPlugins) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName, signal);
      } catch (err) {
        s = asStatus(err);
      }
      if (s.code !== Code.Skip) return s.withPlugin(p.name);
    }
    return new Status(Code.Error, [`no bind plugin bound pod ${pod.key}`]);
  }
}

/** Upstream's default normalisation: scale so the best node gets 100 (`reverse`: the lowest raw score gets 100). */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}
