/**
 * ProbeManager: runs the liveness, readiness and startup probes of running containers, one timer-driven worker
 * per container instance and probe type, as the kubelet's prober workers do:
 *  - the first run waits initialDelaySeconds after the container started, then one run every periodSeconds;
 *  - a result flips after successThreshold consecutive successes or failureThreshold consecutive failures;
 *  - readiness starts as "not ready", liveness as "alive", startup as "not started"; until the startup probe
 *    succeeds the other two do not run;
 *  - every failed run is reported as a Warning `Unhealthy` event (`Liveness probe failed: …`);
 *  - when a result flips, `onChange(podUid)` asks the pod's worker to act (restart, readiness, status).
 * Workers of a container stop when it is no longer running.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import { logger } from '../../../util/log.js';
import { runExec, runGrpc, runHttpGet, runTcp, type ProbeResult } from './handlers.js';

/** The three probe kinds. */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** A running container the manager should probe. */
export interface ProbeTarget {
  container: Container;
  containerId: string;
  /** When the container started (ms). */
  startedAt: number;
  podIP: string;
  /**
   * The container was reported ready before (an agent restart re-adopting it): readiness starts as ready instead
   * of not ready, so a kubelet restart does not flap the pod out of its Services.
   */
  wasReady?: boolean;
}

interface Worker {
  type: ProbeType;
  probe: Probe;
  target: ProbeTarget;
  podUid: string;
  pod: Pod;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  successes: number;
  failures: number;
  result: boolean;
  running: boolean;
}

/** Reports a probe failure event: (pod, container, message). */
export type UnhealthyReporter = (pod: Pod, container: Container, type: ProbeType, message: string) => void;

const log = logger('kubelet');
const label: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** Runs probes; see the module comment. */
export class ProbeManager {
  /** containerId → type → worker. */
  private readonly workers = new Map<string, Map<ProbeType, Worker>>();

  constructor(
    private readonly cri: CriClient,
    private readonly onUnhealthy: UnhealthyReporter,
    private readonly onChange: (podUid: string) => void,
  ) {}

  /** Makes the probed set of a pod's containers exactly `targets` (running containers). */
  sync(pod: Pod, targets: ProbeTarget[]): void {
    const uid = pod.metadata?.uid ?? '';
    const ids = new Set(targets.map((t) => t.containerId));
    for (const [id, ws] of this.workers) {
      const any = ws.values().next().value as Worker | undefined;
      if (any?.podUid === uid && !ids.has(id)) this.stopContainer(id);
    }
    for (const t of targets) {
      let ws = this.workers.get(t.containerId);
      if (!ws) {
        ws = new Map();
        this.workers.set(t.containerId, ws);
        for (const type of ['startup', 'liveness', 'readiness'] as ProbeType[]) {
          const probe = type === 'startup' ? t.container.startupProbe : type === 'liveness' ? t.container.livenessProbe : t.container.readinessProbe;
          if (!probe) continue;
          const w: Worker = {
            type, probe, target: t, podUid: uid, pod, stopped: false, successes: 0, failures: 0, running: false,
            result: type === 'liveness' || (type === 'readiness' && !!t.wasReady) || (type === 'startup' && !!t.wasReady),
          };
          ws.set(type, w);
          const delayMs = Math.max(0, t.startedAt + (probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
          w.timer = setTimeout(() => this.tick(w), delayMs);
        }
      } else {
        for (const w of ws.values()) {
          w.pod = pod;
          w.target.podIP = t.podIP || w.target.podIP;
        }
      }
    }
  }

  /** Whether the container passed its startup probe (true when it has none). */
  started(containerId: string, container: Container): boolean {
    if (!container.startupProbe) return true;
    return this.workers.get(containerId)?.get('startup')?.result ?? false;
  }

  /** Whether the container is ready by its readiness probe (true when it has none, once started). */
  ready(containerId: string, container: Container): boolean {
    if (!this.started(containerId, container)) return false;
    if (!container.readinessProbe) return true;
    return this.workers.get(containerId)?.get('readiness')?.result ?? false;
  }

  /** The probe whose failure requires a restart of the container, if any. */
  failed(containerId: string): 'liveness' | 'startup' | undefined {
    const ws = this.workers.get(containerId);
    if (!ws) return undefined;
    if (ws.get('liveness')?.result === false) return 'liveness';
    const s = ws.get('startup');
    if (s && !s.result && s.failures >= (s.probe.failureThreshold ?? 3)) return 'startup';
    return undefined;
  }

  /** Stops the workers of one container instance. */
  stopContainer(containerId: string): void {
    const ws = this.workers.get(containerId);
    if (!ws) return;
    for (const w of ws.values()) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.workers.delete(containerId);
  }

  /** Stops every worker of a pod. */
  removePod(uid: string): void {
    for (const [id, ws] of this.workers) {
      const any = ws.values().next().value as Worker | undefined;
      if (!any || any.podUid === uid) this.stopContainer(id);
    }
  }

  /** Stops everything. */
  stopAll(): void {
    for (const id of [...this.workers.keys()]) this.stopContainer(id);
  }

  private async run(w: Worker): Promise<ProbeResult> {
    const timeout = w.probe.timeoutSeconds ?? 1;
    const c = w.target.container;
    if (w.probe.exec) return runExec(this.cri, w.target.containerId, w.probe.exec, timeout);
    if (w.probe.httpGet) return runHttpGet(w.probe.httpGet, c, w.target.podIP, timeout);
    if (w.probe.tcpSocket) return runTcp(w.probe.tcpSocket, c, w.target.podIP, timeout);
    if (w.probe.grpc) return runGrpc(w.probe.grpc, w.target.podIP, timeout);
    return { ok: true, message: '' };
  }

  private async tick(w: Worker): Promise<void> {
    if (w.stopped) return;
    const period = (w.probe.periodSeconds ?? 10) * 1000;
    const ws = this.workers.get(w.target.containerId);
    const startup = ws?.get('startup');
    const gated = w.type !== 'startup' && startup && !startup.result;
    const done = w.type === 'startup' && w.result;
    if (!gated && !done && !w.running) {
      w.running = true;
      let res: ProbeResult;
      try {
        res = await this.run(w);
      } finally {
        w.running = false;
      }
      if (w.stopped) return;
      if (log.enabled('debug')) log.debug('probe', { type: w.type, container: w.target.container.name, ok: res.ok, message: res.message.slice(0, 200) });
      const before = w.result;
      if (res.ok) {
        w.failures = 0;
        w.successes++;
        if (w.successes >= (w.probe.successThreshold ?? 1)) w.result = true;
      } else {
        w.successes = 0;
        w.failures++;
        this.onUnhealthy(w.pod, w.target.container, w.type, `${label[w.type]} probe failed: ${res.message.trim()}`);
        if (w.failures >= (w.probe.failureThreshold ?? 3)) w.result = false;
      }
      const startupGaveUp = w.type === 'startup' && !w.result && w.failures === (w.probe.failureThreshold ?? 3);
      if (before !== w.result || startupGaveUp) this.onChange(w.podUid);
    }
    if (!w.stopped) w.timer = setTimeout(() => this.tick(w), period);
  }
}
