/**
 * Container lifecycle hooks (postStart, preStop): exec through CRI ExecSync, httpGet against the pod IP, and
 * sleep, each bounded by a timeout — for preStop, the pod's remaining grace period, as the kubelet runs them.
 */
import type { Container, LifecycleHandler } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../cri/index.js';
import { runExec, runHttpGet, runTcp, type ProbeResult } from './prober/handlers.js';

/** Runs one lifecycle handler with a timeout in seconds. */
export async function runLifecycleHandler(cri: CriClient, h: LifecycleHandler, c: Container, containerId: string, podIP: string, timeoutSeconds: number): Promise<ProbeResult> {
  const t = Math.max(1, Math.ceil(timeoutSeconds));
  if (h.exec) return runExec(cri, containerId, h.exec, t);
  if (h.httpGet) {
    const res = await runHttpGet(h.httpGet, c, podIP, t, 'kube-lifecycle/1.32');
    return res.ok ? res : { ok: false, message: res.message };
  }
  if (h.tcpSocket) return runTcp(h.tcpSocket, c, podIP, t);
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(h.sleep!.seconds, t) * 1000));
    return { ok: true, message: '' };
  }
  return { ok: true, message: '' };
}
