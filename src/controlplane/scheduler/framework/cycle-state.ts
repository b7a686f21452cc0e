/**
 * CycleState: per-scheduling-cycle scratch space that a plugin's PreFilter/PreScore fill and its Filter/Score read,
 * so that work done once per pod is not repeated per node (as kube-scheduler's framework.CycleState). Keys are
 * plugin-owned strings; nothing is shared between cycles.
 */

/** Scratch data of one scheduling cycle. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose Filter is skipped this cycle (their PreFilter returned Skip). */
  readonly skipFilter = new Set<string>();
  /** Plugins whose Score is skipped this cycle (their PreScore returned Skip). */
  readonly skipScore = new Set<string>();

  /** Stores a value under `key`. */
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** The value under `key`, or undefined. The caller knows its type (it wrote it). */
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}
