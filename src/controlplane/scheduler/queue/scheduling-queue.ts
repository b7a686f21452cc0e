/**
 * SchedulingQueue: the pods waiting for a node, in three parts, as upstream's PriorityQueue:
 *  - activeQ: ready to be tried; higher `spec.priority` first, then first-come first-served;
 *  - backoffQ: failed recently; each pod waits 1 s, 2 s, 4 s … up to 10 s (doubling per attempt) before it is
 *    active again;
 *  - unschedulable: fitted no node; it stays parked until a cluster event that one of the plugins that rejected it
 *    registered (a node added or updated, an assigned pod deleted …) moves it back — never on a blind timer, except
 *    upstream's safety net: pods parked longer than 5 minutes are flushed back.
 * Time comes from an injected Clock, so tests drive backoff with a FakeClock.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock, type TimerHandle } from '../../../util/clock.js';
import type { ClusterEvent, EnqueueExtensions } from '../framework/interfaces.js';
import { PodInfo, podKey } from '../framework/pod-info.js';
import { KeyedHeap } from './heap.js';

/** A pod in the queue with its scheduling history. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was (re)added; FIFO order within a priority, and the start of its backoff. */
  timestamp: number;
  /** Scheduling attempts so far (incremented by pop). */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

/** Options of the queue. */
export interface SchedulingQueueOptions {
  clock?: Clock;
  /** Backoff after the first failure (upstream podInitialBackoffSeconds: 1 s). */
  initialBackoffMs?: number;
  /** Backoff cap (upstream podMaxBackoffSeconds: 10 s). */
  maxBackoffMs?: number;
  /** Pods parked longer than this are flushed back (upstream: 5 min). */
  maxUnschedulableMs?: number;
  /** The plugins' registered events, by plugin name. */
  enqueueExtensions?: ReadonlyMap<string, EnqueueExtensions>;
}

const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;

/** The scheduler's queue of pending pods. */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly ext: ReadonlyMap<string, EnqueueExtensions>;
  private readonly active = new KeyedHeap<QueuedPodInfo>((q) => q.podInfo.key, (a, b) =>
    a.podInfo.priority !== b.podInfo.priority ? a.podInfo.priority > b.podInfo.priority : a.timestamp < b.timestamp);
  private readonly backoff = new KeyedHeap<QueuedPodInfo>((q) => q.podInfo.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet given back (being scheduled or bound). */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private waiters: (() => void)[] = [];
  private backoffTimer: TimerHandle | undefined;
  private backoffTimerAt = Infinity;
  private flushTimer: TimerHandle | undefined;
  private closed = false;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.ext = opts.enqueueExtensions ?? new Map();
  }

  /** Sizes of the three parts (for tests and metrics). */
  lengths(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** A new pending pod: straight to activeQ. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) return;
    this.unschedulable.delete(key);
    this.backoff.delete(key);
    const existing = this.active.get(key);
    this.pushActive(existing ? { ...existing, podInfo: new PodInfo(pod) } : this.newQueued(pod));
  }

  /**
   * A pending pod changed. In activeQ/backoffQ it is updated in place; a parked pod whose spec, labels or
   * annotations changed may fit now, so it is moved back (to backoffQ if still backing off).
   */
  update(oldPod: Pod | undefined, pod: Pod): void {
    const key = podKey(pod);
    const info = new PodInfo(pod);
    const inActive = this.active.get(key);
    if (inActive) return this.active.push({ ...inActive, podInfo: info });
    const inBackoff = this.backoff.get(key);
    if (inBackoff) return this.backoff.push({ ...inBackoff, podInfo: info });
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      inFlight.podInfo = info;
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      parked.podInfo = info;
      if (!oldPod || schedulingRelevantChange(oldPod, pod)) this.requeue(parked);
      return;
    }
    this.add(pod);
  }

  /** A pending pod was deleted (or bound by someone else). */
  delete(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod without waiting, or undefined. */
  tryPop(): QueuedPodInfo | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.attempts++;
    this.inFlight.set(q.podInfo.key, q);
    return q;
  }

  /** The next pod; waits while activeQ is empty. Undefined once closed or aborted. */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const q = this.tryPop();
      if (q) return q;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** The pod was scheduled (or assumed); it leaves the queue for good. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * A popped pod that did not get a node. Rejected pods are parked until a relevant event; pods that hit an error
   * (or whose `plugins` is empty) go to backoffQ, as upstream's AddUnschedulableIfNotPresent.
   */
  requeueFailed(q: QueuedPodInfo, opts: { plugins?: Iterable<string>; error?: boolean } = {}): void {
    const key = q.podInfo.key;
    if (!this.inFlight.has(key)) return; // deleted or bound meanwhile
    this.inFlight.delete(key);
    q.timestamp = this.clock.now();
    q.unschedulablePlugins = new Set(opts.plugins ?? []);
    if (opts.error || q.unschedulablePlugins.size === 0) this.pushBackoff(q);
    else {
      this.unschedulable.set(key, q);
      // The safety-net flush only ticks while pods are parked, so an idle queue holds no timer.
      if (!this.flushTimer && !this.closed) this.flushTimer = this.clock.setTimeout(() => this.flushLeftovers(), UNSCHEDULABLE_FLUSH_INTERVAL_MS);
    }
  }

  /**
   * A cluster event: moves parked pods that a rejecting plugin registered this event for (and whose hint, if any,
   * says the change may help) back to activeQ, or to backoffQ while their backoff lasts.
   */
  onEvent(event: ClusterEvent, oldObj?: Node | Pod, newObj?: Node | Pod): number {
    let moved = 0;
    for (const q of [...this.unschedulable.values()]) {
      if (!this.isRelevant(q, event, oldObj, newObj)) continue;
      this.requeue(q);
      moved++;
    }
    return moved;
  }

  /** Moves every parked pod back (e.g. after a relist). */
  moveAll(): void {
    for (const q of [...this.unschedulable.values()]) this.requeue(q);
  }

  /** Stops timers and wakes waiting pops. */
  close(): void {
    this.closed = true;
    if (this.backoffTimer) this.clock.clearTimeout(this.backoffTimer);
    if (this.flushTimer) this.clock.clearTimeout(this.flushTimer);
    this.wake();
  }

  /** When the pod's backoff ends: timestamp + 1 s × 2^(attempts−1), capped. */
  backoffExpiry(q: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < q.attempts && d < this.maxBackoff; i++) d *= 2;
    return q.timestamp + Math.min(d, this.maxBackoff);
  }

  private isRelevant(q: QueuedPodInfo, event: ClusterEvent, oldObj?: Node | Pod, newObj?: Node | Pod): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const name of q.unschedulablePlugins) {
      const ext = this.ext.get(name);
      if (!ext) return true; // a plugin that registered nothing: any event may help
      if (!ext.events.includes(event)) continue;
      if (!ext.isSchedulableAfter || ext.isSchedulableAfter(event, q.podInfo.pod, oldObj, newObj)) return true;
    }
    return false;
  }

  private requeue(q: QueuedPodInfo): void {
    this.unschedulable.delete(q.podInfo.key);
    if (this.backoffExpiry(q) > this.clock.now()) this.pushBackoff(q);
    else this.pushActive(q);
  }

  private newQueued(pod: Pod): QueuedPodInfo {
    return { podInfo: new PodInfo(pod), timestamp: this.clock.now(), attempts: 0, unschedulablePlugins: new Set() };
  }

  private pushActive(q: QueuedPodInfo): void {
    this.active.push(q);
    this.wake();
  }

  private pushBackoff(q: QueuedPodInfo): void {
    this.backoff.push(q);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    const head = this.backoff.peek();
    if (!head || this.closed) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimerAt <= at) return;
    if (this.backoffTimer) this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoff();
    }, at - this.clock.now());
  }

  private flushBackoff(): void {
    const now = this.clock.now();
    for (let head = this.backoff.peek(); head && this.backoffExpiry(head) <= now; head = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  private flushLeftovers(): void {
    this.flushTimer = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    for (const q of [...this.unschedulable.values()]) if (now - q.timestamp > this.maxUnschedulable) this.requeue(q);
    if (this.unschedulable.size) this.flushTimer = this.clock.setTimeout(() => this.flushLeftovers(), UNSCHEDULABLE_FLUSH_INTERVAL_MS);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** True if an update touched what scheduling reads (spec, labels, annotations), not just status or bookkeeping. */
export function schedulingRelevantChange(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec)
    || JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {})
    || JSON.stringify(a.metadata?.annotations ?? {}) !== JSON.stringify(b.metadata?.annotations ?? {});
}
