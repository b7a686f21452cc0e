/**
 * Status: what every plugin returns instead of throwing, as kube-scheduler's framework.Status. The code decides what
 * the scheduler does next (try other nodes, give up on this node for good, retry later); the reasons are the short
 * per-node strings that FailedScheduling messages count ("Insufficient cpu", "node(s) were unschedulable").
 */

/** Status codes, with upstream's meaning. */
export enum Code {
  /** The plugin ran and the pod may proceed. */
  Success = 0,
  /** An internal failure (not the pod's or the node's fault); the pod is retried with backoff. */
  Error = 1,
  /** The pod does not fit this node now; preemption or a cluster change might help. */
  Unschedulable = 2,
  /** The pod does not fit this node and removing pods would not help (taint, selector, node name). */
  UnschedulableAndUnresolvable = 3,
  /** From PreFilter/PreScore: this plugin has nothing to do for this pod; its Filter/Score are skipped. */
  Skip = 4,
}

/** A plugin's answer. Immutable. `null` is never used: success is the shared SUCCESS value. */
export class Status {
  constructor(
    readonly code: Code,
    /** Short reasons, counted per node in FailedScheduling messages. */
    readonly reasons: readonly string[] = [],
    /** The plugin that produced the status (filled in by the framework). */
    readonly plugin = '',
    /** The underlying error for Code.Error. */
    readonly cause?: unknown,
  ) {}

  /** True for Success. */
  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  /** True for Unschedulable or UnschedulableAndUnresolvable: the pod was rejected, not failed. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  /** The reasons joined as upstream's Status.Message does. */
  message(): string {
    return this.reasons.join(', ');
  }

  /** The same status attributed to `plugin`. */
  withPlugin(plugin: string): Status {
    return this.plugin === plugin ? this : new Status(this.code, this.reasons, plugin, this.cause);
  }
}

/** The one success value (no allocation on the hot path). */
export const SUCCESS = new Status(Code.Success);
/** The one skip value. */
export const SKIP = new Status(Code.Skip);

/** A rejection for this node that a cluster change might resolve. */
export function unschedulable(...reasons: string[]): Status {
  return new Status(Code.Unschedulable, reasons);
}

/** A rejection that no amount of preemption would resolve. */
export function unresolvable(...reasons: string[]): Status {
  return new Status(Code.UnschedulableAndUnresolvable, reasons);
}

/** An internal error. */
export function asStatus(err: unknown): Status {
  return new Status(Code.Error, [err instanceof Error ? err.message : String(err)], '', err);
}
