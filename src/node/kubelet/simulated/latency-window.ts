/**
 * A window of latency samples with percentiles, for the simulator's "are heartbeats on time" report (and the
 * scheduling benchmark). Samples are kept until `reset`, which is fine at a few thousand per second per minute.
 */

/** Percentiles of a set of samples, in the samples' unit. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** The value at quantile `q` (0–1) of ascending `sorted`, nearest-rank; 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Summarises samples (any order). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : 0,
    mean: sorted.length ? sum / sorted.length : 0,
  };
}

/** Collects samples until reset. */
export class LatencyWindow {
  private samples: number[] = [];

  /** Adds one sample. */
  record(value: number): void {
    this.samples.push(value);
  }

  /** The summary of the samples so far. */
  summary(): LatencySummary {
    return summarize(this.samples);
  }

  /** Returns the summary and starts a new window. */
  take(): LatencySummary {
    const s = this.summary();
    this.samples = [];
    return s;
  }
}
