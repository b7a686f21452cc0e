/**
 * Pods: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS GATES.
 *
 * STATUS is the one-word summary users read first, computed as kube-apiserver's pod printer does: the pod's phase or
 * reason, overridden by the first failing init container (`Init:1/2`, `Init:CrashLoopBackOff`, `Init:ExitCode:1`),
 * then by the first main container that is waiting or terminated (`CrashLoopBackOff`, `Completed`, `Signal:9`),
 * then `Terminating` for a pod being deleted. Sidecars (init containers with `restartPolicy: Always`) count towards
 * READY and RESTARTS like main containers.
 */
import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wideColumn, type Printer, type TableRowCondition } from './printer.js';

/** The pod status reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_LOST_REASON = 'NodeLost';

function isSidecar(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function hasTrueCondition(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  // Only the first condition of a type counts, as the upstream helpers stop at the first match.
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

/** Tracks the latest `lastState.terminated.finishedAt` seen, for "3 (5m ago)". */
function later(current: number | undefined, status: ContainerStatus): number | undefined {
  const t = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (t === undefined) return current;
  return current === undefined || t > current ? t : current;
}

/** The status word of a terminated container without a reason. */
function exitText(prefix: string, terminated: { signal?: number; exitCode: number }): string {
  return terminated.signal ? `${prefix}Signal:${terminated.signal}` : `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function podSummary(pod: Pod, now: Date): { ready: string; status: string; restarts: string } {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initSpecs = new Map<string, Container>();
  let total = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) {
    initSpecs.set(c.name, c);
    if (isSidecar(c)) total++;
  }

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const sidecar = isSidecar(initSpecs.get(c.name));
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c);
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c);
    }
    const terminated = c.state?.terminated;
    const waitingReason = c.state?.waiting?.reason;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason ? `Init:${terminated.reason}` : exitText('Init:', terminated);
    } else if (waitingReason && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(status.conditions, 'Initialized')) {
    // Once initialised, finished init containers no longer count; sidecars keep counting.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walk backwards so that the first container's state has the final word, as upstream does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c);
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = exitText('', terminated);
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose first container completed while another still runs is still running.
    if (reason === 'Completed' && hasRunning) {
      reason = hasTrueCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_LOST_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartText = restarts !== 0 && lastRestart !== undefined
    ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
    : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** The pod printer. */
export const podPrinter: Printer<Pod> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'Ready containers out of all containers.'),
    column('Status', 'string', 'Summary of the pod and container states.'),
    column('Restarts', 'string', 'Container restarts, and how long ago the last one was.'),
    AGE_COLUMN,
    wideColumn('IP', 'The first IP address of the pod.'),
    wideColumn('Node', 'The node the pod is bound to.'),
    wideColumn('Nominated Node', 'The node the scheduler nominated while preempting.'),
    wideColumn('Readiness Gates', 'Readiness gates that are true, out of all gates.'),
  ],
  cells(pod, now) {
    const s = podSummary(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    return [
      pod.metadata?.name ?? '', s.ready, s.status, s.restarts, translateTimestampSince(pod.metadata?.creationTimestamp, now),
      ip, pod.spec?.nodeName || '<none>', pod.status?.nominatedNodeName || '<none>', readinessGates(pod),
    ];
  },
  conditions(pod) {
    if (pod.status?.phase === 'Succeeded') return SUCCEEDED;
    if (pod.status?.phase === 'Failed') return FAILED;
    return undefined;
  },
};
