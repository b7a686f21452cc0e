/**
 * Expectations, as kube-controller-manager's ControllerExpectations and UIDTrackingExpectations: after a
 * controller asks for N creations (or deletions) for a key it records that it expects to *observe* them through
 * its informer, and does not act on that key again until it has, because until then its cache is stale and a
 * second sync would create (or delete) the same pods again. Expectations expire after five minutes so a lost
 * watch event cannot wedge a controller for ever.
 */
import { realClock, type Clock } from '../../../util/clock.js';

/** Upstream's ExpectationsTimeout: after this an unmet expectation counts as satisfied. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record_ {
  add: number;
  del: number;
  at: number;
}

/** Per-key counts of creations and deletions still to be observed. */
export class ControllerExpectations {
  private readonly records = new Map<string, Record_>();

  constructor(protected readonly clock: Clock = realClock) {}

  /**
   * True when the controller may sync `key`: nothing is pending, the expectations expired, or none were ever set
   * (a new controller or one whose expectations were deleted).
   */
  satisfiedExpectations(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Sets (replaces) the expected counts for `key` and restarts its timeout. */
  setExpectations(key: string, add: number, del: number): void {
    this.records.set(key, { add, del, at: this.clock.now() });
  }

  /** Expects `n` creations. */
  expectCreations(key: string, n: number): void {
    this.setExpectations(key, n, 0);
  }

  /** Expects `n` deletions. */
  expectDeletions(key: string, n: number): void {
    this.setExpectations(key, 0, n);
  }

  /** Adds to the pending counts (the timeout is not restarted). */
  raiseExpectations(key: string, add: number, del: number): void {
    const r = this.records.get(key);
    if (r) {
      r.add += add;
      r.del += del;
    }
  }

  /** Subtracts from the pending counts: an observation, or a request that failed and so will never be observed. */
  lowerExpectations(key: string, add: number, del: number): void {
    const r = this.records.get(key);
    if (r) {
      r.add -= add;
      r.del -= del;
    }
  }

  /** One creation was seen (informer add) or will never happen (the create failed). */
  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  /** One deletion was seen, or will never happen. */
  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  /** Forgets `key` (its owner was deleted). */
  deleteExpectations(key: string): void {
    this.records.delete(key);
  }

  /** The pending counts, for tests and logs. */
  get(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r && { add: r.add, del: r.del };
  }
}

/**
 * Expectations that also remember *which* pods are expected to disappear, as upstream's UIDTrackingExpectations:
 * a pod deleted by someone else (or a graceful deletion seen twice, once with deletionTimestamp and once gone) must
 * not be counted against a deletion the controller asked for — only the pods it named are.
 */
export class UIDTrackingExpectations extends ControllerExpectations {
  private readonly uids = new Map<string, Set<string>>();

  /** Expects the deletion of exactly these pods (by `ns/name` key or uid). */
  expectDeletionsOf(key: string, podKeys: string[]): void {
    this.uids.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  /** Observes the deletion of `podKey` if it was one of the expected ones; other deletions change nothing. */
  deletionObservedOf(key: string, podKey: string): void {
    const set = this.uids.get(key);
    if (set?.delete(podKey)) this.deletionObserved(key);
  }

  /** The pod keys still expected to be deleted. */
  expectedDeletions(key: string): ReadonlySet<string> {
    return this.uids.get(key) ?? new Set();
  }

  override deleteExpectations(key: string): void {
    super.deleteExpectations(key);
    this.uids.delete(key);
  }
}
