/**
 * The pod status the kubelet reports, computed from the pod, its runtime state and its probe results — a pure
 * function, so the status of every situation can be tested without a runtime:
 *  - containerStatuses/initContainerStatuses: state waiting/running/terminated, lastState, restartCount, ready,
 *    started, image, imageID, containerID `containerd://…`;
 *  - phase by the kubelet's rules (Pending while initializing or waiting; Running while any runs or restarts;
 *    Succeeded/Failed once every container stopped and will not restart), never leaving a terminal phase;
 *  - conditions PodReadyToStartContainers, Initialized, ContainersReady, Ready (PodScheduled is kept) with the
 *    kubelet's reasons, keeping lastTransitionTime when a status does not change;
 *  - podIP(s), hostIP(s) and startTime.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainer, RuntimePod, RuntimeSandbox } from './runtime-cache.js';
import { qosClass } from './container-resources.js';
import { rfc3339 as time } from '../../util/time.js';

/** A reason a container is waiting, decided by the pod worker (CrashLoopBackOff, ErrImagePull, …). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** Inputs of {@link computePodStatus} beyond the pod. */
export interface StatusInputs {
  runtime: RuntimePod | undefined;
  /** The sandbox the pod runs in now (newest), if any. */
  sandbox: RuntimeSandbox | undefined;
  waiting: Map<string, WaitingReason>;
  ready(containerId: string, c: Container): boolean;
  started(containerId: string, c: Container): boolean;
  terminationMessage(rc: RuntimeContainer, c: Container): string;
  nodeIP: string;
  now: number;
  /** Set when the kubelet evicted or rejected the pod: phase Failed with this reason/message. */
  failure?: { reason: string; message: string };
}


/** Instances of a container, newest first. */
function instances(rt: RuntimePod | undefined, name: string, init: boolean): RuntimeContainer[] {
  return (rt?.containers ?? []).filter((c) => c.name === name && c.isInit === init);
}

function terminated(rc: RuntimeContainer, c: Container, inputs: StatusInputs): ContainerState {
  const message = inputs.terminationMessage(rc, c);
  return {
    terminated: {
      exitCode: rc.exitCode,
      reason: rc.reason || (rc.exitCode === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      startedAt: rc.startedAt ? time(rc.startedAt) : undefined,
      finishedAt: rc.finishedAt ? time(rc.finishedAt) : undefined,
      containerID: `containerd://${rc.id}`,
    },
  };
}

function containerStatus(c: Container, init: boolean, inputs: StatusInputs, defaultWaiting: string): ContainerStatus {
  const list = instances(inputs.runtime, c.name, init);
  const cur = list[0];
  const prev = list[1];
  const waiting = inputs.waiting.get(c.name);
  const base: ContainerStatus = { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: {}, lastState: {} };
  if (!cur) {
    base.state = { waiting: { reason: waiting?.reason ?? defaultWaiting, ...(waiting?.message ? { message: waiting.message } : {}) } };
    return base;
  }
  base.restartCount = cur.restartCount;
  base.imageID = cur.imageRef;
  base.containerID = `containerd://${cur.id}`;
  if (cur.state === 'CONTAINER_RUNNING') {
    base.state = { running: { startedAt: time(cur.startedAt || cur.createdAt) } };
    base.ready = !init && inputs.ready(cur.id, c);
    base.started = init ? true : inputs.started(cur.id, c);
    if (prev && prev.state === 'CONTAINER_EXITED') base.lastState = terminated(prev, c, inputs);
  } else if (cur.state === 'CONTAINER_EXITED') {
    if (waiting) {
      base.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      base.lastState = terminated(cur, c, inputs);
    } else {
      base.state = terminated(cur, c, inputs);
      if (prev && prev.state === 'CONTAINER_EXITED') base.lastState = terminated(prev, c, inputs);
    }
  } else {
    base.state = { waiting: { reason: waiting?.reason ?? 'ContainerCreating', ...(waiting?.message ? { message: waiting.message } : {}) } };
    if (prev && prev.state === 'CONTAINER_EXITED') base.lastState = terminated(prev, c, inputs);
  }
  if (init) base.ready = !!base.state.terminated && base.state.terminated.exitCode === 0;
  return base;
}

/** The pod phase from its container statuses, by the kubelet's rules. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[]): PodStatus['phase'] {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
    else pendingInit++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || failedInit > 0) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting && s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(prev: PodCondition[] | undefined, type: string, ok: boolean, now: number, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = prev?.find((c) => c.type === type);
  return {
    type, status, lastProbeTime: null as unknown as undefined,
    lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : time(now),
    ...(reason ? { reason } : {}), ...(message ? { message } : {}),
  };
}

/** The status of `pod`; see the module comment. */
export function computePodStatus(pod: Pod, inputs: StatusInputs): PodStatus {
  const old = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  const initStatuses = initSpecs.map((c) => containerStatus(c, true, inputs, 'PodInitializing'));
  const initialized = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const appStatuses = (pod.spec?.containers ?? []).map((c) => containerStatus(c, false, inputs, initialized ? 'ContainerCreating' : 'PodInitializing'));
  let phase = podPhase(pod, initStatuses, appStatuses);
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  if (inputs.failure) phase = 'Failed';
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const incomplete = initStatuses.filter((s) => !(s.state?.terminated?.exitCode === 0)).map((s) => s.name);
  const now = inputs.now;
  const prev = old.conditions;
  const sandboxReady = inputs.sandbox?.state === 'SANDBOX_READY';
  const conditions: PodCondition[] = [
    condition(prev, 'PodReadyToStartContainers', sandboxReady && !terminal, now),
    initialized || terminal
      ? condition(prev, 'Initialized', true, now, terminal && initSpecs.length > 0 && !initialized ? 'PodCompleted' : undefined)
      : condition(prev, 'Initialized', false, now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
  ];
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const allReady = unready.length === 0 && !terminal && initialized;
  conditions.push(allReady ? condition(prev, 'ContainersReady', true, now) : condition(prev, 'ContainersReady', false, now, readyReason, readyMessage));
  conditions.push(allReady ? condition(prev, 'Ready', true, now) : condition(prev, 'Ready', false, now, readyReason, readyMessage));
  for (const c of prev ?? []) if (!conditions.some((x) => x.type === c.type)) conditions.push(c);
  const hostNet = !!pod.spec?.hostNetwork;
  const podIP = hostNet ? inputs.nodeIP : inputs.sandbox?.ip || old.podIP || '';
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inputs.nodeIP,
    hostIPs: [{ ip: inputs.nodeIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? time(now),
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
    qosClass: old.qosClass ?? qosClass(pod),
  };
  if (inputs.failure) {
    status.reason = inputs.failure.reason;
    status.message = inputs.failure.message;
  } else if (old.reason && terminal) {
    status.reason = old.reason;
    status.message = old.message;
  }
  return status;
}

/** JSON with sorted keys, for comparing statuses regardless of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null)
      .map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** True when two statuses say the same thing (ignoring key order and null/absent differences). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return canonical(a ?? {}) === canonical(b ?? {});
}

/**
 * A JSON merge patch that turns `old` into `next`: every field of `next`, and null for top-level fields that
 * `old` has and `next` drops. Lists (conditions, container statuses) are replaced whole by merge patch.
 */
export function statusMergePatch(uid: string, old: PodStatus | undefined, next: PodStatus): Record<string, unknown> {
  const status: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old ?? {})) if (!(k in status)) status[k] = null;
  return { metadata: { uid }, status };
}
