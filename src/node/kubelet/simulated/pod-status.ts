/**
 * The status a simulated pod has at a given time: a pure function of the pod, the moment its containers first
 * started and the clock, so a re-sync computes the same status and writes nothing.
 *
 * The pod's containers move together (one duration and one exit code per pod, from annotations):
 *  - restartPolicy Always: they start and stay running and ready;
 *  - Never / OnFailure: they run for the duration (default 1 s, annotation kubelite.io/simulate-duration) and exit
 *    with the annotated code (default 0, kubelite.io/simulate-exit-code). Exit 0 → Succeeded (reason Completed).
 *    Non-zero with Never → Failed (reason Error). Non-zero with OnFailure → the kubelet's CrashLoopBackOff: the
 *    container waits 10 s, then 20 s, 40 s … capped at 5 min, and runs again with restartCount + 1.
 * Init containers complete at once with exit 0; restartable init containers (sidecars) run alongside.
 */
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { createHash } from 'node:crypto';
import { rfc3339 } from './node-template.js';
import { parseDuration, SIMULATE_DURATION_ANNOTATION, SIMULATE_EXIT_CODE_ANNOTATION } from './simulation-spec.js';

/** The kubelet's crash-loop back-off: 10 s doubling per restart, at most 5 min. */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

/** What a pod's containers are told to do. `problem` describes an annotation that was ignored. */
export interface PodScript {
  durationMs: number;
  exitCode: number;
  problem?: string;
}

/** Reads the simulate annotations of a pod, falling back to the defaults for missing or malformed values. */
export function podScript(pod: Pod, defaultDurationMs: number): PodScript {
  const ann = pod.metadata?.annotations ?? {};
  const script: PodScript = { durationMs: defaultDurationMs, exitCode: 0 };
  const problems: string[] = [];
  const d = ann[SIMULATE_DURATION_ANNOTATION];
  if (d !== undefined) {
    const ms = parseDuration(d);
    if (ms === undefined) problems.push(`${SIMULATE_DURATION_ANNOTATION}="${d}" is not a duration such as 5s or 500ms`);
    else script.durationMs = ms;
  }
  const e = ann[SIMULATE_EXIT_CODE_ANNOTATION];
  if (e !== undefined) {
    if (!/^\d{1,3}$/.test(e.trim()) || Number(e) > 255) problems.push(`${SIMULATE_EXIT_CODE_ANNOTATION}="${e}" is not an exit code 0-255`);
    else script.exitCode = Number(e);
  }
  if (problems.length > 0) script.problem = problems.join('; ');
  return script;
}

/** Where the simulated pod runs and when it started. */
export interface PodRunContext {
  now: number;
  /** When the pod's containers first started (ms since the epoch). */
  firstStartMs: number;
  hostIP: string;
  /** The pod's IP (the host IP for hostNetwork pods). */
  podIP: string;
  defaultDurationMs: number;
}

/** The computed status, whether it is final, and when it next changes by itself. */
export interface SimulatedPodStatus {
  /** The status fields the kubelet owns; `conditions` lists only the kubelet's condition types. */
  status: PodStatus;
  terminal: boolean;
  wakeAtMs?: number;
  script: PodScript;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

/** `sim://` plus a stable id per pod, container and run. */
export function simContainerId(uid: string, container: string, run: number): string {
  return `sim://${hash(`${uid}/${container}/${run}`)}`;
}

/** A made-up digest reference for an image (repository@sha256:…), stable per image. */
export function simImageId(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repo = colon > slash ? image.slice(0, colon) : image;
  return `${repo}@sha256:${hash(image)}`;
}

/** A finished run of the containers: when it started and ended. */
interface Span {
  start: number;
  finish: number;
}

/** Where the pod's run history stands at `now`; run k (0-based) is the container's k-th start. */
type Run =
  | { kind: 'running'; start: number; restarts: number; last?: Span }
  | { kind: 'backoff'; restarts: number; last: Span; backoffMs: number; until: number }
  | { kind: 'done'; restarts: number; final: Span };

function terminated(exitCode: number, span: Span, containerID: string): ContainerState {
  return {
    terminated: {
      exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: rfc3339(span.start), finishedAt: rfc3339(span.finish), containerID,
    },
  };
}

/** Walks the pod's run history from its first start up to `now`. */
function runAt(pod: Pod, ctx: PodRunContext, script: PodScript): Run {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let start = ctx.firstStartMs;
  let restarts = 0;
  let last: Span | undefined;
  if (policy === 'Always') return { kind: 'running', start, restarts };
  // Every loop turn moves at least 10 s forward, so even a day of agent downtime is a few hundred turns.
  for (;;) {
    const span = { start, finish: start + script.durationMs };
    if (ctx.now < span.finish) return { kind: 'running', start, restarts, last };
    if (script.exitCode === 0 || policy === 'Never') return { kind: 'done', restarts, final: span };
    const backoffMs = Math.min(BACKOFF_INITIAL_MS * 2 ** restarts, BACKOFF_MAX_MS);
    const until = span.finish + backoffMs;
    if (ctx.now < until) return { kind: 'backoff', restarts, last: span, backoffMs, until };
    last = span;
    restarts++;
    start = until;
  }
}

function condition(type: string, status: 'True' | 'False', now: number, previous: PodCondition[], reason?: string, message?: string): PodCondition {
  const prev = previous.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  const c: PodCondition = { type, status, lastTransitionTime };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** Computes the kubelet-owned part of a simulated pod's status at `ctx.now`. */
export function simulatePodStatus(pod: Pod, ctx: PodRunContext): SimulatedPodStatus {
  const uid = pod.metadata?.uid ?? '';
  const script = podScript(pod, ctx.defaultDurationMs);
  const containers = pod.spec?.containers ?? [];
  const run = runAt(pod, ctx, script);
  const previous = pod.status?.conditions ?? [];
  const started = rfc3339(ctx.firstStartMs);
  const exit = script.exitCode;

  const containerStatuses: ContainerStatus[] = containers.map((c) => {
    const id = (k: number) => simContainerId(uid, c.name, k);
    const base = { name: c.name, image: c.image ?? '', imageID: simImageId(c.image ?? ''), restartCount: run.restarts };
    switch (run.kind) {
      case 'running':
        return {
          ...base, containerID: id(run.restarts), ready: true, started: true,
          state: { running: { startedAt: rfc3339(run.start) } }, lastState: run.last ? terminated(exit, run.last, id(run.restarts - 1)) : {},
        };
      case 'backoff':
        return {
          ...base, containerID: id(run.restarts), ready: false, started: false,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off ${run.backoffMs / 1000}s restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`,
            },
          },
          lastState: terminated(exit, run.last, id(run.restarts)),
        };
      case 'done':
        return { ...base, containerID: id(run.restarts), ready: false, started: false, state: terminated(exit, run.final, id(run.restarts)), lastState: {} };
    }
  });

  const terminal = run.kind === 'done';
  const initContainerStatuses: ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => {
    const containerID = simContainerId(uid, c.name, 0);
    const base = { name: c.name, image: c.image ?? '', imageID: simImageId(c.image ?? ''), restartCount: 0, containerID };
    const sidecar = c.restartPolicy === 'Always';
    if (sidecar && !terminal) return { ...base, ready: true, started: true, state: { running: { startedAt: started } }, lastState: {} };
    // A plain init container finished before the app containers started; a sidecar is stopped when they end.
    const span = { start: ctx.firstStartMs, finish: sidecar && run.kind === 'done' ? run.final.finish : ctx.firstStartMs };
    return { ...base, ready: !sidecar, started: false, state: terminated(0, span, containerID), lastState: {} };
  });

  const completed = terminal ? 'PodCompleted' : undefined;
  const unready = run.kind === 'backoff' ? containers.map((c) => c.name) : [];
  const readyStatus = run.kind === 'running' ? 'True' : 'False';
  const readyReason = terminal ? 'PodCompleted' : unready.length > 0 ? 'ContainersNotReady' : undefined;
  const readyMessage = unready.length > 0 ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', terminal ? 'False' : 'True', ctx.now, previous),
    condition('Initialized', 'True', ctx.now, previous, completed),
    condition('Ready', readyStatus, ctx.now, previous, readyReason, readyMessage),
    condition('ContainersReady', readyStatus, ctx.now, previous, readyReason, readyMessage),
    condition('PodScheduled', 'True', ctx.now, previous),
  ];

  const status: PodStatus = {
    phase: terminal ? (exit === 0 ? 'Succeeded' : 'Failed') : 'Running',
    conditions,
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime: started,
    containerStatuses,
  };
  if (initContainerStatuses.length > 0) status.initContainerStatuses = initContainerStatuses;
  const wakeAtMs = run.kind === 'running' && (pod.spec?.restartPolicy ?? 'Always') !== 'Always'
    ? run.start + script.durationMs
    : run.kind === 'backoff' ? run.until : undefined;
  return { status, terminal, wakeAtMs, script };
}

/**
 * Deep equality of JSON values, ignoring key order; a key whose value is null or undefined counts as absent (the
 * server writes `lastProbeTime: null` where we leave the key out).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b || (a == null && b == null)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] != null);
  const bk = Object.keys(bo).filter((k) => bo[k] != null);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/**
 * True when `current` already shows every field of `desired`. Conditions are compared per type, since other
 * writers (the scheduler, disruption controllers) own other condition types.
 */
export function statusUpToDate(current: PodStatus | undefined, desired: PodStatus): boolean {
  const cur = (current ?? {}) as Record<string, unknown>;
  for (const [key, want] of Object.entries(desired)) {
    if (key === 'conditions') {
      const have = current?.conditions ?? [];
      for (const c of want as PodCondition[]) {
        if (!jsonEqual(have.find((h) => h.type === c.type), c)) return false;
      }
    } else if (!jsonEqual(cur[key], want)) {
      return false;
    }
  }
  return true;
}
