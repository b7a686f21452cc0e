import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computePodStatus, sameStatus, statusMergePatch, type StatusInputs } from './pod-status.js';
import type { RuntimeContainer, RuntimePod } from './runtime-cache.js';

const T0 = Date.UTC(2024, 0, 1);

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { containers: [{ name: 'a', image: 'busybox' }], restartPolicy: 'Always', ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
}

function ctr(name: string, over: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `${name}-id`, sandboxId: 's1', podUid: 'u1', name, attempt: 0, state: 'CONTAINER_RUNNING', createdAt: T0, startedAt: T0,
    finishedAt: 0, exitCode: 0, reason: '', message: '', image: 'busybox', imageRef: 'sha256:abc', hash: '', restartCount: 0,
    isInit: false, logPath: '', terminationMessageFile: '', ...over,
  };
}

function inputs(containers: RuntimeContainer[], over: Partial<StatusInputs> = {}): StatusInputs {
  const runtime: RuntimePod = {
    uid: 'u1', namespace: 'default', name: 'p', containers,
    sandboxes: [{ id: 's1', podUid: 'u1', namespace: 'default', name: 'p', attempt: 0, state: 'SANDBOX_READY', createdAt: T0, ip: '10.0.0.5', cgroupParent: '' }],
  };
  return {
    runtime, sandbox: runtime.sandboxes[0], waiting: new Map(), ready: () => true, started: () => true, terminationMessage: () => '',
    nodeIP: '192.0.2.2', now: T0 + 5000, ...over,
  };
}

describe('computePodStatus', () => {
  test('no container yet: Pending, ContainerCreating, sandbox ready, pod IP set', () => {
    const s = computePodStatus(pod(), inputs([]));
    assert.equal(s.phase, 'Pending');
    assert.equal(s.containerStatuses![0].state!.waiting!.reason, 'ContainerCreating');
    assert.equal(s.podIP, '10.0.0.5');
    assert.equal(s.conditions!.find((c) => c.type === 'PodReadyToStartContainers')!.status, 'True');
    assert.equal(s.conditions!.find((c) => c.type === 'Ready')!.message, 'containers with unready status: [a]');
    assert.ok(s.conditions!.some((c) => c.type === 'PodScheduled'), 'PodScheduled kept');
  });

  test('running and ready: Running, Ready True, containerID and startedAt', () => {
    const s = computePodStatus(pod(), inputs([ctr('a')]));
    assert.equal(s.phase, 'Running');
    assert.equal(s.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
    const cs = s.containerStatuses![0];
    assert.equal(cs.containerID, 'containerd://a-id');
    assert.equal(cs.state!.running!.startedAt, '2024-01-01T00:00:00Z');
    assert.equal(cs.ready, true);
  });

  test('init containers pending: PodInitializing for app containers, Initialized False', () => {
    const p = pod({ initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }] });
    const s = computePodStatus(p, inputs([ctr('i1', { isInit: true, state: 'CONTAINER_EXITED', finishedAt: T0 + 1 })]));
    assert.equal(s.phase, 'Pending');
    assert.equal(s.containerStatuses![0].state!.waiting!.reason, 'PodInitializing');
    assert.equal(s.initContainerStatuses![0].state!.terminated!.reason, 'Completed');
    const init = s.conditions!.find((c) => c.type === 'Initialized')!;
    assert.equal(init.status, 'False');
    assert.equal(init.message, 'containers with incomplete status: [i2]');
  });

  test('crash loop: waiting CrashLoopBackOff with lastState, phase Running for restartPolicy Always', () => {
    const dead = ctr('a', { state: 'CONTAINER_EXITED', exitCode: 2, reason: 'Error', finishedAt: T0 + 100, restartCount: 3 });
    const s = computePodStatus(pod(), inputs([dead], { waiting: new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 40s' }]]) }));
    const cs = s.containerStatuses![0];
    assert.equal(cs.state!.waiting!.reason, 'CrashLoopBackOff');
    assert.equal(cs.lastState!.terminated!.exitCode, 2);
    assert.equal(cs.restartCount, 3);
    assert.equal(s.phase, 'Running');
  });

  test('finished pods: Succeeded when all exit 0 with Never/OnFailure, Failed when any fails with Never', () => {
    const ok = ctr('a', { state: 'CONTAINER_EXITED', exitCode: 0, finishedAt: T0 + 1 });
    assert.equal(computePodStatus(pod({ restartPolicy: 'Never' }), inputs([ok])).phase, 'Succeeded');
    assert.equal(computePodStatus(pod({ restartPolicy: 'OnFailure' }), inputs([ok])).phase, 'Succeeded');
    const bad = ctr('a', { state: 'CONTAINER_EXITED', exitCode: 1, finishedAt: T0 + 1 });
    const failed = computePodStatus(pod({ restartPolicy: 'Never' }), inputs([bad]));
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
    assert.equal(computePodStatus(pod({ restartPolicy: 'OnFailure' }), inputs([bad])).phase, 'Running');
    const initFail = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i', image: 'busybox' }] });
    assert.equal(computePodStatus(initFail, inputs([ctr('i', { isInit: true, state: 'CONTAINER_EXITED', exitCode: 1 })])).phase, 'Failed');
  });

  test('a terminal phase is never left; unchanged conditions keep their transition time', () => {
    const p: Pod = { ...pod(), status: { phase: 'Succeeded' } };
    assert.equal(computePodStatus(p, inputs([ctr('a')])).phase, 'Succeeded');
    const first = computePodStatus(pod(), inputs([ctr('a')]));
    const again = computePodStatus({ ...pod(), status: first }, inputs([ctr('a')], { now: T0 + 60_000 }));
    assert.ok(sameStatus(first, again));
  });

  test('statusMergePatch nulls dropped top-level fields and carries the uid', () => {
    const patch = statusMergePatch('u1', { phase: 'Failed', reason: 'Evicted' }, { phase: 'Running' }) as { metadata: { uid: string }; status: Record<string, unknown> };
    assert.equal(patch.metadata.uid, 'u1');
    assert.equal(patch.status.reason, null);
    assert.equal(patch.status.phase, 'Running');
  });
});
