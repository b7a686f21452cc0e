/**
 * The Job controller, as kube-controller-manager's: a Job runs pods from its template until `completions` of them
 * succeed (one per index for an Indexed Job), retrying failures with exponential back-off until backoffLimit, and
 * stops at activeDeadlineSeconds, on a FailJob podFailurePolicy rule, or while suspended.
 *
 * Pods are tracked with the `batch.kubernetes.io/job-tracking` finalizer, in three steps that make each finished pod
 * count exactly once across crashes and stale caches: (1) its uid is written to status.uncountedTerminatedPods,
 * (2) its finalizer is removed, (3) it moves from the uncounted list into succeeded/failed (and completedIndexes).
 * A pod whose finalizer is gone and whose uid is not uncounted has been counted. A failure decision is made durable
 * in step 1 as a FailureTarget condition; Complete/Failed are set once nothing is left uncounted. Finished Jobs with
 * ttlSecondsAfterFinished are deleted when it expires, as the TTL-after-finished controller does.
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { selectorFromLabelSelector } from '../../../apimachinery/labels/selector.js';
import { cloneJson, deepEqual } from '../../../apimachinery/patch/json-value.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckOwner } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import { PodControl } from '../common/pod-control.js';
import { isPodActive, isPodReady } from '../common/pods.js';
import { clientOf, informerOf, JOBS, PODS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { slowStartBatch } from '../common/slow-start.js';
import { formatIndexes, parseIndexes, podCompletionIndex } from './completed-indexes.js';
import { ensureCondition, hasTrueCondition, isJobFinished, jobCondition, rfc3339 } from './job-conditions.js';
import {
  DEFAULT_POD_FAILURE_BACKOFF_MS, JOB_TRACKING_FINALIZER, MAX_POD_CREATE_DELETE_PER_SYNC, MAX_POD_FAILURE_BACKOFF_MS,
} from './job-constants.js';
import { deletionOrder, indexedTemplate, planIndexed, wantActiveNonIndexed } from './job-pods.js';
import { newBackoffRecord, observeFinished, remainingBackoff, type BackoffRecord } from './pod-failure-backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

const log = logger('job-controller');
const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' };

/** Options of {@link JobController} beyond the shared context. */
export interface JobControllerOptions {
  /** Back-off after the first pod failure (default 10 s), doubled per further failure. */
  podFailureBackoffMs?: number;
  /** Cap of the back-off (default 6 min). */
  maxPodFailureBackoffMs?: number;
}

/** Builds the Job controller (registry entry `job`). */
export function newJobController(ctx: ControllerContext, opts: JobControllerOptions = {}): JobController {
  return new JobController(ctx, opts);
}

/** A failure or success decision for a Job. */
interface Finish {
  type: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** Runs Jobs to completion. */
export class JobController implements Controller {
  readonly name = 'job';
  /** Job keys (`ns/name`). */
  readonly queue: RateLimitingQueue<string>;
  /** Pod keys of pods with the tracking finalizer whose Job may be gone. */
  readonly orphanQueue: RateLimitingQueue<string>;
  readonly expectations: ControllerExpectations;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly jobClient: ResourceClient<Job>;
  private readonly podClient: ResourceClient<Pod>;
  /** Per Job: pods whose finalizer this controller removed, until the pod cache shows it (stale-cache guard). */
  private readonly finalizersRemoved = new Map<string, Set<string>>();
  private readonly backoffs = new Map<string, BackoffRecord>();
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly ctx: ControllerContext, opts: JobControllerOptions = {}) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.orphanQueue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.backoffBaseMs = opts.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS;
    this.recorder = ctx.recorder('job-controller');
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.jobClient = clientOf<Job>(ctx.client, JOBS);
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.jobs = informerOf<Job>(ctx.informers, JOBS);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.jobs.addEventHandler({
      onAdd: (job) => this.queue.add(objectKey(job)),
      onUpdate: (_old, job) => this.queue.add(objectKey(job)),
      onDelete: (tomb) => {
        const job = objectOf(tomb);
        this.queue.add(objectKey(job));
        // Its pods keep the tracking finalizer until someone removes it: that is the orphan worker's job now.
        for (const pod of this.pods.lister.listNamespace(job.metadata?.namespace ?? '')) {
          if (getControllerOf(pod)?.uid === job.metadata?.uid && hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
        }
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.onPod(undefined, pod),
      onUpdate: (old, pod) => this.onPod(old, pod),
      onDelete: (tomb) => {
        const pod = objectOf(tomb);
        const key = this.jobKeyOf(pod);
        if (!key) return;
        if (!pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
        this.queue.add(key);
      },
    });
  }

  /** Runs the Job and orphan-pod workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.jobs.waitForSync(signal)) || !(await this.pods.waitForSync(signal))) return;
    await Promise.all([
      runQueue(this.queue, (key) => this.sync(key), { name: 'job-controller', workers: this.ctx.workers, signal }),
      runQueue(this.orphanQueue, (key) => this.syncOrphanPod(key), { name: 'job-controller', workers: 1, signal }),
    ]);
  }

  /** The key of the Job controlling `pod`, if it is one the cache knows (same uid). */
  private jobKeyOf(pod: Pod): string | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.lister.get(pod.metadata?.namespace ?? '', ref.name);
    return job && job.metadata?.uid === ref.uid ? objectKey(job) : undefined;
  }

  private onPod(old: Pod | undefined, pod: Pod): void {
    if (old && old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const key = this.jobKeyOf(pod);
    if (key) {
      if (!old) this.expectations.creationObserved(key);
      // A graceful deletion is observed when it starts, as upstream: the pod no longer counts as active.
      if (pod.metadata?.deletionTimestamp && !old?.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
      this.queue.add(key);
    } else if (getControllerOf(pod)) {
      if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    } else {
      // An orphan: any Job whose selector matches may adopt it.
      for (const job of this.jobs.lister.listNamespace(pod.metadata?.namespace ?? '')) {
        if (job.spec?.selector && selectorFromLabelSelector(job.spec.selector).matches(pod.metadata?.labels ?? {})) this.queue.add(objectKey(job));
      }
    }
    const oldRef = old && getControllerOf(old);
    if (oldRef && oldRef.uid !== getControllerOf(pod)?.uid) {
      const oldJob = this.jobs.lister.get(pod.metadata?.namespace ?? '', oldRef.name);
      if (oldJob) this.queue.add(objectKey(oldJob));
    }
  }

  /** Level-based sync of Job `key`; see the module comment. A Job deleted meanwhile (404 on its own writes) is done. */
  async sync(key: string): Promise<void> {
    try {
      await this.syncJob(key);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404 && err.status.details?.kind === 'jobs') return;
      throw err;
    }
  }

  private async syncJob(key: string): Promise<void> {
    const cached = this.jobs.lister.getByKey(key);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      this.finalizersRemoved.delete(key);
      this.backoffs.delete(key);
      return;
    }
    const job = structuredClone(cached);
    if (!job.spec?.selector) {
      log.warn('job has no selector; skipping', { job: key });
      return;
    }
    const now = this.ctx.clock.now();
    const pods = await this.claimPods(job);
    const removed = this.staleRemovals(key, pods);
    if (isJobFinished(job)) {
      await this.removeFinalizers(key, pods.filter((p) => hasTrackingFinalizer(p) && !removed.has(p.metadata!.uid!)));
      await this.handleTTL(key, job, now);
      return;
    }
    const errors: unknown[] = [];
    const status: JobStatus = structuredClone(job.status ?? {});
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };
    const tracked = (p: Pod) => hasTrackingFinalizer(p) && !removed.has(p.metadata!.uid!);
    const isUncounted = (p: Pod) => uncounted.succeeded.has(p.metadata!.uid!) || uncounted.failed.has(p.metadata!.uid!);
    const replaceTerminating = job.spec.podReplacementPolicy !== 'Failed';

    // Newly finished pods: terminal, or (unless podReplacementPolicy is Failed) being deleted.
    const newSucceeded: Pod[] = [];
    const newFailed: Pod[] = [];
    const ignored: Pod[] = [];
    let failJobMessage: string | undefined;
    for (const p of pods) {
      if (!tracked(p) || isUncounted(p)) continue;
      if (p.status?.phase === 'Succeeded') {
        newSucceeded.push(p);
      } else if (p.status?.phase === 'Failed' || (p.metadata?.deletionTimestamp && replaceTerminating)) {
        const verdict = p.status?.phase === 'Failed' ? matchPodFailurePolicy(job.spec.podFailurePolicy, p) : { action: 'Count' as const };
        if (verdict.action === 'Ignore') {
          ignored.push(p);
          continue;
        }
        if (verdict.action === 'FailJob') failJobMessage ??= verdict.message;
        newFailed.push(p);
      }
    }
    let backoff = this.backoffs.get(key);
    if (!backoff) this.backoffs.set(key, (backoff = newBackoffRecord()));
    observeFinished(backoff, [...newSucceeded.map((p) => ({ uid: p.metadata!.uid!, succeeded: true })), ...newFailed.map((p) => ({ uid: p.metadata!.uid!, succeeded: false }))], now);

    const active = pods.filter(isPodActive);
    const completions = job.spec.completions;
    const succeededPods = pods.filter((p) => uncounted.succeeded.has(p.metadata!.uid!)).concat(newSucceeded);
    const succeededIndexes = parseIndexes(status.completedIndexes, completions ?? 0);
    if (isIndexed(job)) {
      for (const p of succeededPods) {
        const ix = podCompletionIndex(p);
        if (ix !== undefined && ix < (completions ?? 0)) succeededIndexes.add(ix);
      }
    }
    const succeeded = isIndexed(job) ? succeededIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.size + newSucceeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.size + newFailed.length;

    const suspended = job.spec.suspend === true;
    const finish = this.decideFinish(job, { failJobMessage, failed, succeeded, active, now, succeededIndexes, suspended });

    // Pods: stop everything on a decision or suspension, else converge on what the Job wants.
    let activeCount = active.length;
    if (finish || suspended) {
      activeCount -= await this.deletePods(key, job, active, errors);
    } else if (this.expectations.satisfiedExpectations(key)) {
      activeCount += await this.managePods(key, job, active, succeeded, succeededIndexes, now, errors);
    }

    // Step 1: remember newly finished pods (and, once finished, every pod still tracked) as uncounted.
    let current = job;
    const toUncount = finish ? pods.filter((p) => tracked(p) && !isUncounted(p) && !ignored.includes(p)) : [...newSucceeded, ...newFailed];
    const conditions = [...(status.conditions ?? [])];
    const stamp = rfc3339(now);
    const failureTarget = finish?.type === 'Failed' && ensureCondition(conditions, 'FailureTarget', 'True', finish.reason, finish.message, stamp);
    if (toUncount.length > 0 || failureTarget) {
      for (const p of toUncount) (p.status?.phase === 'Succeeded' ? uncounted.succeeded : uncounted.failed).add(p.metadata!.uid!);
      status.uncountedTerminatedPods = { succeeded: [...uncounted.succeeded], failed: [...uncounted.failed] };
      status.conditions = conditions;
      current = await this.jobClient.namespace(job.metadata!.namespace!).updateStatus({ ...job, status: structuredClone(status) });
    }

    // Step 2: remove the finalizers of uncounted (and ignored) pods.
    const done = await this.removeFinalizers(key, pods.filter((p) => tracked(p) && (isUncounted(p) || ignored.includes(p))), errors);

    // Step 3: count what step 2 released, plus uncounted pods that lost their finalizer (or vanished) earlier.
    const byUid = new Map(pods.map((p) => [p.metadata!.uid!, p]));
    const released = (uid: string) => done.has(uid) || !byUid.get(uid) || !hasTrackingFinalizer(byUid.get(uid)!) || removed.has(uid);
    let counted = 0;
    const countedIndexes = parseIndexes(status.completedIndexes, completions ?? 0);
    for (const uid of [...uncounted.succeeded]) {
      if (!released(uid)) continue;
      uncounted.succeeded.delete(uid);
      counted++;
      const ix = byUid.get(uid) && podCompletionIndex(byUid.get(uid)!);
      if (!isIndexed(job)) status.succeeded = (status.succeeded ?? 0) + 1;
      else if (ix !== undefined && ix < (completions ?? 0)) countedIndexes.add(ix);
    }
    for (const uid of [...uncounted.failed]) {
      if (!released(uid)) continue;
      uncounted.failed.delete(uid);
      counted++;
      status.failed = (status.failed ?? 0) + 1;
    }
    if (isIndexed(job)) {
      // Upstream counts an Indexed Job's successes by index: a second success of one index adds nothing.
      status.succeeded = countedIndexes.size;
      if (countedIndexes.size > 0) status.completedIndexes = formatIndexes(countedIndexes);
    }
    status.uncountedTerminatedPods = { succeeded: [...uncounted.succeeded], failed: [...uncounted.failed] };
    if (status.uncountedTerminatedPods.succeeded!.length === 0) delete status.uncountedTerminatedPods.succeeded;
    if (status.uncountedTerminatedPods.failed!.length === 0) delete status.uncountedTerminatedPods.failed;
    status.active = Math.max(0, activeCount);
    status.ready = active.filter((p) => isPodReady(p)).length;
    status.terminating = pods.filter((p) => p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    status.failed ??= 0;
    status.succeeded ??= 0;

    // Conditions: suspension, and the final condition once nothing is left to count.
    this.suspension(job, status, conditions, suspended && !finish, now);
    const drained = uncounted.succeeded.size === 0 && uncounted.failed.size === 0;
    if (finish && drained) {
      ensureCondition(conditions, finish.type, 'True', finish.reason, finish.message, stamp);
      if (finish.type === 'Complete') status.completionTime = stamp;
      status.active = 0;
      status.ready = 0;
    }
    if (!status.startTime && !suspended) status.startTime = stamp;
    status.conditions = conditions.length ? conditions : undefined;
    if (status.conditions === undefined) delete status.conditions;

    // Key order and undefined members aside, an unchanged status is not written (a write would trigger another sync).
    if (!deepEqual(cloneJson(status), current.status ?? {}) || counted > 0) {
      current = await this.jobClient.namespace(job.metadata!.namespace!).updateStatus({ ...current, status });
      if (finish && drained) this.recordFinish(current, finish);
    }
    if (!finish && !suspended) this.requeueForDeadline(key, current, now);
    if (finish && drained) await this.handleTTL(key, current, now);
    if (errors.length > 0) throw errors[0];
  }

  /** Pods this Job owns, adopting matching orphans and releasing owned pods that stopped matching. */
  private async claimPods(job: Job): Promise<Pod[]> {
    const selector = selectorFromLabelSelector(job.spec!.selector!);
    const ns = job.metadata?.namespace ?? '';
    const { claimed, errors } = await claimObjects(this.pods.lister.listNamespace(ns), {
      owner: job, controllerRef: newControllerRef(job, JOB_KIND), client: this.podClient,
      matches: (p) => selector.matches(p.metadata?.labels ?? {}),
      canAdopt: recheckOwner(job, () => this.jobClient.namespace(ns).get(job.metadata!.name!)),
    });
    if (errors.length > 0) throw errors[0];
    return claimed;
  }

  /** The pods whose finalizer removal the cache has not caught up with yet (and forgets those it has). */
  private staleRemovals(key: string, pods: readonly Pod[]): Set<string> {
    const set = this.finalizersRemoved.get(key);
    if (!set) return new Set();
    const present = new Map(pods.map((p) => [p.metadata!.uid!, p]));
    for (const uid of set) {
      const p = present.get(uid);
      if (!p || !hasTrackingFinalizer(p)) set.delete(uid);
    }
    return new Set(set);
  }

  private decideFinish(job: Job, s: {
    failJobMessage?: string; failed: number; succeeded: number; active: Pod[]; now: number; succeededIndexes: Set<number>; suspended: boolean;
  }): Finish | undefined {
    const target = jobCondition(job, 'FailureTarget');
    if (target?.status === 'True') return { type: 'Failed', reason: target.reason ?? '', message: target.message ?? '' };
    if (s.failJobMessage) return { type: 'Failed', reason: 'PodFailurePolicy', message: s.failJobMessage };
    const limit = job.spec?.backoffLimit ?? 6;
    if (s.failed > limit || this.pastBackoffLimitOnFailure(job, s.active)) {
      return { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    if (!s.suspended && this.pastActiveDeadline(job, s.now)) {
      return { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    const completions = job.spec?.completions;
    const complete = isIndexed(job)
      ? s.succeededIndexes.size >= (completions ?? 0)
      : completions == null ? s.succeeded > 0 && s.active.length === 0 : s.succeeded >= completions;
    if (complete) return { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    return undefined;
  }

  /** With restartPolicy OnFailure failures show as container restarts, which count against backoffLimit. */
  private pastBackoffLimitOnFailure(job: Job, active: readonly Pod[]): boolean {
    if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const p of active) {
      for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
    }
    const limit = job.spec?.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  private pastActiveDeadline(job: Job, now: number): boolean {
    const ads = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (ads == null || !start) return false;
    return now - Date.parse(start) >= ads * 1000;
  }

  private requeueForDeadline(key: string, job: Job, now: number): void {
    const ads = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (ads == null || !start) return;
    this.queue.addAfter(key, Math.max(0, Date.parse(start) + ads * 1000 - now));
  }

  /** Creates or deletes pods so the Job has what it wants; returns the change in active pods. */
  private async managePods(key: string, job: Job, active: Pod[], succeeded: number, succeededIndexes: Set<number>,
    now: number, errors: unknown[]): Promise<number> {
    let create: (PodTemplateSpec & { generateName: string })[] = [];
    let remove: Pod[] = [];
    const name = job.metadata!.name!;
    if (isIndexed(job)) {
      const plan = planIndexed(job, active, succeededIndexes);
      remove = plan.remove;
      create = plan.create.map((ix) => ({ ...indexedTemplate(job, ix), generateName: `${name}-${ix}-` }));
    } else {
      const want = wantActiveNonIndexed(job, succeeded, active.length);
      if (active.length > want) remove = deletionOrder(active).slice(0, active.length - want);
      else create = Array.from({ length: want - active.length }, () => ({ ...job.spec!.template, generateName: `${name}-` }));
    }
    let delta = 0;
    if (remove.length > 0) delta -= await this.deletePods(key, job, remove.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC), errors);
    if (create.length === 0) return delta;
    const wait = remainingBackoff(this.backoffs.get(key), now, this.backoffBaseMs, this.backoffMaxMs);
    if (wait > 0) {
      // Failures are recent: replacements wait out the back-off.
      this.queue.addAfter(key, wait);
      return delta;
    }
    create = create.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    this.expectations.expectCreations(key, create.length);
    const ref = newControllerRef(job, JOB_KIND);
    const res = await slowStartBatch(create.length, async (i) => {
      const { generateName, ...template } = create[i];
      try {
        await this.podControl.createPod(template, job, ref, { generateName, finalizers: [JOB_TRACKING_FINALIZER] });
      } catch (err) {
        this.expectations.creationObserved(key);
        throw err;
      }
    });
    if (res.skipped > 0) this.expectations.lowerExpectations(key, res.skipped, 0);
    if (res.error !== undefined) errors.push(res.error);
    return delta + res.successes;
  }

  /** Deletes `pods` (active pods of the Job); returns how many deletions were accepted. */
  private async deletePods(key: string, job: Job, pods: readonly Pod[], errors: unknown[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expectDeletions(key, pods.length);
    let ok = 0;
    await Promise.all(pods.map(async (p) => {
      try {
        await this.podControl.deletePod(p.metadata!.name!, job, { uid: p.metadata?.uid });
        ok++;
      } catch (err) {
        this.expectations.deletionObserved(key);
        if (!isNotFound(err)) errors.push(err);
      }
    }));
    return ok;
  }

  /** Removes the tracking finalizer from `pods`; returns the uids done. Failures go to `errors` (or are thrown). */
  private async removeFinalizers(key: string, pods: readonly Pod[], errors?: unknown[]): Promise<Set<string>> {
    const done = new Set<string>();
    let set = this.finalizersRemoved.get(key);
    await Promise.all(pods.map(async (p) => {
      try {
        await this.dropFinalizer(p);
        done.add(p.metadata!.uid!);
        if (!set) this.finalizersRemoved.set(key, (set = new Set()));
        set.add(p.metadata!.uid!);
      } catch (err) {
        if (errors) errors.push(err);
        else throw err;
      }
    }));
    return done;
  }

  /** A resourceVersion-guarded patch of the finalizer list; on a conflict, once more against the live pod. */
  private async dropFinalizer(pod: Pod): Promise<void> {
    const pods = this.podClient.namespace(pod.metadata!.namespace!);
    const patchOf = (p: Pod) => {
      const kept = (p.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      return { metadata: { resourceVersion: p.metadata?.resourceVersion, finalizers: kept.length ? kept : null } };
    };
    try {
      await pods.patch(pod.metadata!.name!, patchOf(pod), 'merge');
    } catch (err) {
      if (isNotFound(err)) return;
      if (!(err && typeof err === 'object' && (err as { code?: number }).code === 409)) throw err;
      let live: Pod;
      try {
        live = await pods.get(pod.metadata!.name!);
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (live.metadata?.uid !== pod.metadata?.uid || !hasTrackingFinalizer(live)) return;
      await pods.patch(pod.metadata!.name!, patchOf(live), 'merge');
    }
  }

  /** The Suspended condition, its events, and the fresh startTime of a resumed Job (upstream's behaviour). */
  private suspension(job: Job, status: JobStatus, conditions: JobCondition[], suspended: boolean, now: number): void {
    const stamp = rfc3339(now);
    if (suspended) {
      if (ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', stamp)) {
        this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else if (hasTrueCondition(job, 'Suspended') && ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', stamp)) {
      this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      status.startTime = stamp;
    }
  }

  private recordFinish(job: Job, finish: Finish): void {
    if (finish.type === 'Complete') this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    else this.recorder.event(job, 'Warning', finish.reason, finish.message);
  }

  /** ttlSecondsAfterFinished: delete the finished Job (and, in the foreground, its pods) once it expires. */
  private async handleTTL(key: string, job: Job, now: number): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl == null) return;
    const finished = job.status?.completionTime ?? job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.lastTransitionTime;
    if (!finished) return;
    const wait = Date.parse(finished) + ttl * 1000 - now;
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    const { namespace, name } = splitKey(key);
    // As the TTL controller: re-read the Job so a just-changed TTL is honoured, and delete exactly that Job.
    let fresh: Job;
    try {
      fresh = await this.jobClient.namespace(namespace).get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata?.uid !== job.metadata?.uid || fresh.spec?.ttlSecondsAfterFinished !== ttl) {
      this.queue.add(key);
      return;
    }
    try {
      await this.jobClient.namespace(namespace).delete(name, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata?.uid } });
      log.info('deleted finished job after its TTL', { job: key, ttlSeconds: ttl });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** A pod with the tracking finalizer whose Job is gone (or replaced) loses the finalizer. */
  async syncOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.lister.getByKey(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = getControllerOf(pod);
    const ns = pod.metadata?.namespace ?? '';
    if (ref?.kind === 'Job') {
      let job: Job | undefined = this.jobs.lister.get(ns, ref.name);
      if (job?.metadata?.uid === ref.uid) {
        this.queue.add(objectKey(job));
        return;
      }
      // The cache may not have seen a new Job yet: only the API can say it is gone.
      try {
        job = await this.jobClient.namespace(ns).get(ref.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        job = undefined;
      }
      if (job?.metadata?.uid === ref.uid) return;
    }
    await this.dropFinalizer(pod);
  }
}
