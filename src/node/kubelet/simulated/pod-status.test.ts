import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { simulatePodStatus, statusUpToDate, podScript, type PodRunContext } from './pod-status.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function pod(restartPolicy: string, annotations: Record<string, string> = {}, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', annotations },
    spec: { restartPolicy, containers: [{ name: 'app', image: 'nginx:1.7.9' }], ...extra },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-01-01T11:59:59Z' }] },
  };
}

const at = (secondsAfterStart: number): PodRunContext => ({
  now: T0 + secondsAfterStart * 1000, firstStartMs: T0, hostIP: '172.16.0.1', podIP: '10.192.0.2', defaultDurationMs: 1000,
});

const cond = (s: ReturnType<typeof simulatePodStatus>, type: string) => s.status.conditions!.find((c) => c.type === type);

test('restartPolicy Always runs forever, ready, with the pod IP and sim:// container ids', () => {
  const s = simulatePodStatus(pod('Always'), at(3600));
  assert.equal(s.status.phase, 'Running');
  assert.equal(s.terminal, false);
  assert.equal(s.wakeAtMs, undefined);
  assert.equal(s.status.podIP, '10.192.0.2');
  assert.equal(s.status.hostIP, '172.16.0.1');
  const cs = s.status.containerStatuses![0];
  assert.equal(cs.ready, true);
  assert.ok(cs.state?.running?.startedAt);
  assert.match(cs.containerID!, /^sim:\/\/[0-9a-f]{64}$/);
  assert.match(cs.imageID!, /^nginx@sha256:[0-9a-f]{64}$/);
  for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) assert.equal(cond(s, t)?.status, 'True', t);
  // The scheduler's PodScheduled transition time is kept.
  assert.equal(cond(s, 'PodScheduled')?.lastTransitionTime, '2024-01-01T11:59:59Z');
});

test('run-to-completion pods: table of policy, exit code and time', () => {
  const cases: { name: string; policy: string; ann: Record<string, string>; t: number; phase: string; reason?: string; exit?: number; restarts: number; wake?: number }[] = [
    { name: 'Never, default 1 s, still running', policy: 'Never', ann: {}, t: 0.5, phase: 'Running', restarts: 0, wake: 1 },
    { name: 'Never, default 1 s, done', policy: 'Never', ann: {}, t: 1, phase: 'Succeeded', reason: 'Completed', exit: 0, restarts: 0 },
    { name: 'Never, 5s annotation, running at 4 s', policy: 'Never', ann: { 'kubelite.io/simulate-duration': '5s' }, t: 4, phase: 'Running', restarts: 0, wake: 5 },
    { name: 'Never, exit 3 → Failed/Error', policy: 'Never', ann: { 'kubelite.io/simulate-exit-code': '3' }, t: 2, phase: 'Failed', reason: 'Error', exit: 3, restarts: 0 },
    { name: 'OnFailure, exit 0 → Succeeded', policy: 'OnFailure', ann: {}, t: 2, phase: 'Succeeded', reason: 'Completed', exit: 0, restarts: 0 },
    { name: 'OnFailure, exit 1, in 10 s back-off', policy: 'OnFailure', ann: { 'kubelite.io/simulate-exit-code': '1' }, t: 5, phase: 'Running', restarts: 0, wake: 11 },
    { name: 'OnFailure, exit 1, second run', policy: 'OnFailure', ann: { 'kubelite.io/simulate-exit-code': '1' }, t: 11.5, phase: 'Running', restarts: 1, wake: 12 },
    { name: 'OnFailure, exit 1, 20 s back-off after the second run', policy: 'OnFailure', ann: { 'kubelite.io/simulate-exit-code': '1' }, t: 20, phase: 'Running', restarts: 1, wake: 32 },
    { name: 'malformed annotations fall back to the defaults', policy: 'Never', ann: { 'kubelite.io/simulate-duration': 'soon', 'kubelite.io/simulate-exit-code': 'x' }, t: 1, phase: 'Succeeded', reason: 'Completed', exit: 0, restarts: 0 },
  ];
  for (const c of cases) {
    const s = simulatePodStatus(pod(c.policy, c.ann), at(c.t));
    const cs = s.status.containerStatuses![0];
    assert.equal(s.status.phase, c.phase, c.name);
    assert.equal(cs.restartCount, c.restarts, c.name);
    assert.equal(s.wakeAtMs, c.wake === undefined ? undefined : T0 + c.wake * 1000, c.name);
    if (c.reason) {
      assert.equal(cs.state?.terminated?.reason, c.reason, c.name);
      assert.equal(cs.state?.terminated?.exitCode, c.exit, c.name);
      assert.equal(s.terminal, true, c.name);
      assert.equal(cond(s, 'Ready')?.status, 'False', c.name);
      assert.equal(cond(s, 'Ready')?.reason, 'PodCompleted', c.name);
    }
  }
});

test('a crash-looping container waits with CrashLoopBackOff and shows its last termination', () => {
  const s = simulatePodStatus(pod('OnFailure', { 'kubelite.io/simulate-exit-code': '2' }), at(25));
  const cs = s.status.containerStatuses![0];
  assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.match(cs.state!.waiting!.message!, /^back-off 20s restarting failed container=app pod=p_default\(u1\)$/);
  assert.equal(cs.lastState?.terminated?.exitCode, 2);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.equal(cs.ready, false);
  assert.equal(cond(s, 'Ready')?.reason, 'ContainersNotReady');
  assert.equal(cond(s, 'Ready')?.message, 'containers with unready status: [app]');
});

test('init containers complete before the app containers; sidecars run alongside', () => {
  const p = pod('Always', {}, { initContainers: [{ name: 'init', image: 'busybox' }, { name: 'side', image: 'envoy', restartPolicy: 'Always' }] });
  const s = simulatePodStatus(p, at(1));
  const [init, side] = s.status.initContainerStatuses!;
  assert.equal(init.state?.terminated?.reason, 'Completed');
  assert.equal(init.state?.terminated?.exitCode, 0);
  assert.equal(init.ready, true);
  assert.ok(side.state?.running);
});

test('a status written once is up to date on the next sync (no second write), and a later change is not', () => {
  const p = pod('Never', { 'kubelite.io/simulate-duration': '2s' });
  const first = simulatePodStatus(p, at(0));
  assert.equal(statusUpToDate(p.status, first.status), false);
  // What the server returns: our status merged over the scheduler's, with its `lastProbeTime: null`.
  const stored = { ...first.status, qosClass: 'BestEffort', conditions: first.status.conditions!.map((c) => ({ lastProbeTime: null as unknown as string, ...c })) };
  const again = simulatePodStatus({ ...p, status: stored }, at(1));
  assert.equal(statusUpToDate(stored, again.status), true);
  const later = simulatePodStatus({ ...p, status: stored }, at(2));
  assert.equal(statusUpToDate(stored, later.status), false);
  assert.equal(later.status.phase, 'Succeeded');
});

test('podScript reports malformed annotations', () => {
  const s = podScript(pod('Never', { 'kubelite.io/simulate-duration': '5 parsecs', 'kubelite.io/simulate-exit-code': '300' }), 1000);
  assert.equal(s.durationMs, 1000);
  assert.equal(s.exitCode, 0);
  assert.match(s.problem!, /simulate-duration="5 parsecs"/);
  assert.match(s.problem!, /simulate-exit-code="300"/);
});
