/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: candidates poll the Lease every
 * retryPeriod; a candidate takes it when it is free (no holder) or expired (renewTime + leaseDurationSeconds in the
 * past), or renews it when it already holds it. Every write carries the read resourceVersion, so two candidates
 * racing for an expired lease cannot both win (the loser gets 409 Conflict). A leader that cannot renew within
 * renewDeadline stops leading: its `onStartedLeading` signal aborts and `onStoppedLeading` runs.
 *
 * Expiry is judged from the Lease's renewTime against the local clock (kubelite's control plane usually shares one
 * host), so a restarted component takes over a dead leader's lease as soon as it has expired.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { StatusError } from '../apimachinery/errors/status-error.js';
import { isAbortError, jitter, sleep } from '../util/async.js';
import { realClock, type Clock } from '../util/clock.js';
import { logger } from '../util/log.js';
import type { Client } from './client.js';
import type { ResourceClient } from './resource-client.js';
import { rfc3339Micro as microTime } from '../util/time.js';

const log = logger('leader-election');

/** Lease name of kube-scheduler (in kube-system). */
export const KUBE_SCHEDULER_LEASE = 'kube-scheduler';
/** Lease name of kube-controller-manager (in kube-system). */
export const KUBE_CONTROLLER_MANAGER_LEASE = 'kube-controller-manager';

/** Options of a LeaderElector. */
export interface LeaderElectionOptions {
  /** Lease name, e.g. `kube-scheduler`. */
  name: string;
  /** Lease namespace (default `kube-system`). */
  namespace?: string;
  /** This candidate's identity, unique per process (client-go uses `<hostname>_<uuid>`). */
  identity: string;
  /** How long a lease stays valid after its last renewal (default 15 s). */
  leaseDurationSeconds?: number;
  /** How long a leader keeps trying to renew before giving up (default 10 s). */
  renewDeadlineMs?: number;
  /** How often candidates retry and leaders renew (default 2 s). */
  retryPeriodMs?: number;
  /** On a requested stop (signal aborted), hand the lease back at once instead of letting it expire. */
  releaseOnCancel?: boolean;
  clock?: Clock;
  /** Called on becoming leader; `signal` aborts when leadership ends. Should return promptly or run until aborted. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership ends (lost or released). */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

/** Formats a Lease MicroTime: RFC 3339 with microseconds. */
export { rfc3339Micro as microTime } from '../util/time.js';

/** Campaigns for, holds and releases one lease. */
export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly clock: Clock;
  private readonly durationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private leader = '';
  private leading = false;
  /** When the lease another candidate holds runs out, as last observed. */
  private othersExpiry?: number;

  constructor(client: Client, private readonly opts: LeaderElectionOptions) {
    this.leases = client.resource<Lease>('coordination.k8s.io', 'v1', 'leases').namespace(opts.namespace ?? 'kube-system');
    this.clock = opts.clock ?? realClock;
    this.durationS = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.durationS * 1000) {
      throw new Error(`Cannot elect on lease ${opts.name}: renewDeadline ${this.renewDeadlineMs} ms must be shorter than the lease duration ${this.durationS} s`);
    }
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The identity of the last observed holder ('' if none). */
  getLeader(): string {
    return this.leader;
  }

  /**
   * Campaigns until leader, leads until the lease cannot be renewed or `signal` aborts, then returns. Run it again
   * to campaign again (components usually exit instead, as Kubernetes components do).
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!(await this.tryAcquireOrRenew(signal))) {
      // client-go jitters acquisition retries by 1.2 so candidates do not collide in step. When the other holder's
      // lease runs out sooner than that, try right after it does: a dead leader is replaced within the lease
      // duration rather than up to a jittered retry period later.
      let wait = jitter(this.retryMs, 1.2);
      if (this.othersExpiry !== undefined) {
        const untilExpiry = this.othersExpiry - this.clock.now() + 50;
        if (untilExpiry > 0 && untilExpiry < wait) wait = untilExpiry;
        this.othersExpiry = undefined;
      }
      if (!(await sleep(wait, { clock: this.clock, signal }))) return;
    }
    this.leading = true;
    log.info('became leader', { lease: this.opts.name, identity: this.opts.identity });
    const leaderAc = new AbortController();
    Promise.resolve()
      .then(() => this.opts.onStartedLeading(leaderAc.signal))
      .catch((err) => log.error('onStartedLeading failed', { lease: this.opts.name, error: err }));
    try {
      await this.renewLoop(signal);
    } finally {
      this.leading = false;
      leaderAc.abort();
      if (!signal.aborted) log.warn('lost leadership: could not renew in time', { lease: this.opts.name, identity: this.opts.identity });
      else if (this.opts.releaseOnCancel) await this.release();
      this.opts.onStoppedLeading?.();
    }
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now();
    while (await sleep(this.retryMs, { clock: this.clock, signal })) {
      // Bound the attempt by what is left of the deadline, so a hung request cannot keep us leading.
      const ac = new AbortController();
      const left = this.renewDeadlineMs - (this.clock.now() - lastRenew);
      const timer = this.clock.setTimeout(() => ac.abort(), Math.max(left, 0));
      const onAbort = () => ac.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const ok = await this.tryAcquireOrRenew(ac.signal);
      signal.removeEventListener('abort', onAbort);
      this.clock.clearTimeout(timer);
      if (ok) lastRenew = this.clock.now();
      else if (signal.aborted) return;
      else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) return;
    }
  }

  /** One attempt: create, take over or renew the lease. False when someone else holds it or the write failed. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const id = this.opts.identity;
    let lease: Lease;
    try {
      lease = await this.leases.get(this.opts.name, { signal });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) return this.failed('get', err);
      const spec: LeaseSpec = {
        holderIdentity: id, leaseDurationSeconds: this.durationS, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0,
      };
      try {
        await this.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name }, spec }, { signal });
      } catch (e) {
        return this.failed('create', e);
      }
      this.observe(id);
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(holder);
    if (holder && holder !== id) {
      const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '') || 0;
      const validFor = (spec.leaseDurationSeconds ?? this.durationS) * 1000;
      if (renewed + validFor > now) {
        this.othersExpiry = renewed + validFor;
        return false;
      }
    }
    const next: LeaseSpec = {
      ...spec, holderIdentity: id, leaseDurationSeconds: this.durationS, renewTime: microTime(now),
      ...(holder !== id ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.leases.update({ ...lease, spec: next }, { signal });
    } catch (err) {
      return this.failed('update', err);
    }
    this.observe(id);
    return true;
  }

  /** Hands the lease back: no holder, so the next candidate need not wait for expiry. */
  private async release(): Promise<void> {
    try {
      const lease = await this.leases.get(this.opts.name);
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(this.clock.now());
      await this.leases.update({
        ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.observe('');
      log.info('released lease', { lease: this.opts.name, identity: this.opts.identity });
    } catch (err) {
      log.warn('could not release lease', { lease: this.opts.name, error: err });
    }
  }

  private observe(holder: string): void {
    if (holder === this.leader) return;
    this.leader = holder;
    if (holder) {
      try {
        this.opts.onNewLeader?.(holder);
      } catch (err) {
        log.error('onNewLeader failed', { lease: this.opts.name, error: err });
      }
    }
  }

  private failed(what: string, err: unknown): false {
    // A Conflict is the expected outcome of losing a race, and an abort is our own doing; anything else is worth a line.
    if (!(err instanceof StatusError && err.code === 409) && !isAbortError(err)) {
      log.warn(`lease ${what} failed`, { lease: this.opts.name, identity: this.opts.identity, error: err });
    }
    return false;
  }
}
