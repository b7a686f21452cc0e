import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { podPrinter } from './pod-printer.js';
import { ago, NOW } from './test-clock.js';

/** A pod created 10 minutes ago with the given containers and status. */
function pod(over: { containers?: string[]; init?: { name: string; sidecar?: boolean }[]; status?: Pod['status']; deleting?: boolean; spec?: Partial<Pod['spec']> }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(600), ...(over.deleting ? { deletionTimestamp: ago(5) } : {}) },
    spec: {
      containers: (over.containers ?? ['app']).map((name) => ({ name, image: `${name}:1` })),
      initContainers: over.init?.map((c) => ({ name: c.name, image: 'busybox', ...(c.sidecar ? { restartPolicy: 'Always' } : {}) })),
      ...over.spec,
    },
    status: over.status ?? {},
  };
}

const running = (name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name, image: `${name}:1`, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: ago(500) } }, ...extra,
});
const waiting = (name: string, reason: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name, image: `${name}:1`, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } }, ...extra,
});
const terminated = (name: string, exitCode: number, reason?: string, signal?: number): ContainerStatus => ({
  name, image: `${name}:1`, imageID: '', ready: false, restartCount: 0,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}), finishedAt: ago(30) } },
});

/** READY, STATUS, RESTARTS. */
function summary(p: Pod): unknown[] {
  return podPrinter.cells(p, NOW).slice(1, 4);
}

describe('pod printer', () => {
  test('columns match kube-apiserver, wide ones at priority 1', () => {
    assert.deepEqual(podPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0],
      ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    assert.equal(podPrinter.columns[0].format, 'name');
  });

  const cases: { name: string; pod: Pod; want: unknown[] }[] = [
    {
      name: 'one running and one crash-looping container',
      pod: pod({
        containers: ['app', 'sidecar'],
        status: {
          phase: 'Running',
          containerStatuses: [
            running('app'),
            waiting('sidecar', 'CrashLoopBackOff', { restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(120) } } }),
          ],
        },
      }),
      want: ['1/2', 'CrashLoopBackOff', '4 (2m ago)'],
    },
    { name: 'running and ready', pod: pod({ status: { phase: 'Running', containerStatuses: [running('app')] } }), want: ['1/1', 'Running', '0'] },
    {
      name: 'a pending pod not yet scheduled',
      pod: pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } }),
      want: ['0/1', 'Pending', '0'],
    },
    {
      name: 'scheduling gates',
      pod: pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }),
      want: ['0/1', 'SchedulingGated', '0'],
    },
    { name: 'container creating', pod: pod({ status: { phase: 'Pending', containerStatuses: [waiting('app', 'ContainerCreating')] } }), want: ['0/1', 'ContainerCreating', '0'] },
    { name: 'image pull error', pod: pod({ status: { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull')] } }), want: ['0/1', 'ErrImagePull', '0'] },
    { name: 'image pull back-off', pod: pod({ status: { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] } }), want: ['0/1', 'ImagePullBackOff', '0'] },
    {
      name: 'a completed pod',
      pod: pod({ status: { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] } }),
      want: ['0/1', 'Completed', '0'],
    },
    { name: 'a failed container', pod: pod({ status: { phase: 'Failed', containerStatuses: [terminated('app', 1, 'Error')] } }), want: ['0/1', 'Error', '0'] },
    { name: 'killed by a signal, no reason', pod: pod({ status: { phase: 'Running', containerStatuses: [terminated('app', 137, undefined, 9)] } }), want: ['0/1', 'Signal:9', '0'] },
    { name: 'exit code, no reason', pod: pod({ status: { phase: 'Running', containerStatuses: [terminated('app', 2)] } }), want: ['0/1', 'ExitCode:2', '0'] },
    { name: 'evicted', pod: pod({ status: { phase: 'Failed', reason: 'Evicted' } }), want: ['0/1', 'Evicted', '0'] },
    {
      name: 'a deleting running pod',
      pod: pod({ deleting: true, status: { phase: 'Running', containerStatuses: [running('app')] } }),
      want: ['1/1', 'Terminating', '0'],
    },
    {
      name: 'a deleting pod that already succeeded keeps Completed',
      pod: pod({ deleting: true, status: { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] } }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'a deleting pod on a lost node',
      pod: pod({ deleting: true, status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] } }),
      want: ['1/1', 'Unknown', '0'],
    },
    {
      name: 'first init container running',
      pod: pod({ init: [{ name: 'setup' }], status: { phase: 'Pending', initContainerStatuses: [running('setup', { ready: false })], containerStatuses: [waiting('app', 'PodInitializing')] } }),
      want: ['0/1', 'Init:0/1', '0'],
    },
    {
      name: 'second of two init containers waiting to start',
      pod: pod({
        init: [{ name: 'a' }, { name: 'b' }],
        status: { phase: 'Pending', initContainerStatuses: [terminated('a', 0, 'Completed'), waiting('b', 'PodInitializing')] },
      }),
      want: ['0/1', 'Init:1/2', '0'],
    },
    {
      name: 'crash-looping init container',
      pod: pod({
        init: [{ name: 'setup' }],
        status: { phase: 'Pending', initContainerStatuses: [waiting('setup', 'CrashLoopBackOff', { restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(45) } } })] },
      }),
      want: ['0/1', 'Init:CrashLoopBackOff', '3 (45s ago)'],
    },
    {
      name: 'failed init container with a reason',
      pod: pod({ init: [{ name: 'setup' }], status: { phase: 'Pending', initContainerStatuses: [terminated('setup', 1, 'Error')] } }),
      want: ['0/1', 'Init:Error', '0'],
    },
    {
      name: 'failed init container without a reason',
      pod: pod({ init: [{ name: 'setup' }], status: { phase: 'Pending', initContainerStatuses: [terminated('setup', 3)] } }),
      want: ['0/1', 'Init:ExitCode:3', '0'],
    },
    {
      name: 'init container killed by a signal',
      pod: pod({ init: [{ name: 'setup' }], status: { phase: 'Pending', initContainerStatuses: [terminated('setup', 137, undefined, 9)] } }),
      want: ['0/1', 'Init:Signal:9', '0'],
    },
    {
      name: 'a started sidecar counts as a ready container, and its restarts count',
      pod: pod({
        init: [{ name: 'proxy', sidecar: true }],
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          initContainerStatuses: [running('proxy', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } })],
          containerStatuses: [running('app')],
        },
      }),
      want: ['2/2', 'Running', '2 (10m ago)'],
    },
    {
      name: 'finished init containers do not count restarts once initialised',
      pod: pod({
        init: [{ name: 'setup' }],
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ ...terminated('setup', 0, 'Completed'), restartCount: 5 }],
          containerStatuses: [running('app')],
        },
      }),
      want: ['1/1', 'Running', '0'],
    },
    {
      name: 'one container completed, another still running and the pod ready',
      pod: pod({
        containers: ['job', 'server'],
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [terminated('job', 0, 'Completed'), running('server')] },
      }),
      want: ['1/2', 'Running', '0'],
    },
    {
      name: 'one container completed, another running but the pod not ready',
      pod: pod({
        containers: ['job', 'server'],
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [terminated('job', 0, 'Completed'), running('server')] },
      }),
      want: ['1/2', 'NotReady', '0'],
    },
    {
      name: 'restarts add up across containers and report the latest restart',
      pod: pod({
        containers: ['a', 'b'],
        status: {
          phase: 'Running',
          containerStatuses: [
            running('a', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(7200) } } }),
            running('b', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(310) } } }),
          ],
        },
      }),
      want: ['2/2', 'Running', '3 (5m10s ago)'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(summary(c.pod), c.want));
  }

  test('name, age and the wide cells', () => {
    const p = pod({
      spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      status: {
        phase: 'Running', podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }, { ip: 'fd00::9' }],
        conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
        containerStatuses: [running('app')],
      },
    });
    assert.deepEqual(podPrinter.cells(p, NOW), ['web', '1/1', 'Running', '0', '10m', '10.244.0.9', 'node-1', '<none>', '1/2']);
  });

  test('an unscheduled pod shows <none> for IP, node, nominated node and gates', () => {
    const p = pod({ status: { phase: 'Pending', nominatedNodeName: 'node-2' } });
    assert.deepEqual(podPrinter.cells(p, NOW).slice(5), ['<none>', '<none>', 'node-2', '<none>']);
  });

  test('finished pods carry the Completed row condition', () => {
    const done = pod({ status: { phase: 'Succeeded' } });
    assert.deepEqual(podPrinter.conditions?.(done), [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    assert.equal(podPrinter.conditions?.(pod({ status: { phase: 'Failed' } }))?.[0].reason, 'Failed');
    assert.equal(podPrinter.conditions?.(pod({ status: { phase: 'Running' } })), undefined);
  });
});
