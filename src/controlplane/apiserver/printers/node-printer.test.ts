import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { nodePrinter } from './node-printer.js';
import { ago, NOW } from './test-clock.js';

function node(over: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; addresses?: { type: string; address: string }[] }): Node {
  return {
    metadata: { name: 'node-1', creationTimestamp: ago(2 * 86400 + 3 * 3600), labels: over.labels },
    spec: { unschedulable: over.unschedulable },
    status: {
      conditions: over.ready ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: over.ready }] : [],
      addresses: over.addresses,
      nodeInfo: {
        kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64',
        containerRuntimeVersion: 'containerd://1.7.24', architecture: 'amd64', bootID: '', machineID: '', systemUUID: '',
        kubeProxyVersion: '', operatingSystem: 'linux',
      },
    },
  };
}

describe('node printer', () => {
  test('columns', () => {
    assert.deepEqual(nodePrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Roles', 0], ['Age', 0], ['Version', 0],
      ['Internal-IP', 1], ['External-IP', 1], ['OS-Image', 1], ['Kernel-Version', 1], ['Container-Runtime', 1],
    ]);
  });

  const cases: { name: string; node: Node; want: [string, string] }[] = [
    { name: 'ready worker', node: node({ ready: 'True' }), want: ['Ready', '<none>'] },
    { name: 'not ready', node: node({ ready: 'False' }), want: ['NotReady', '<none>'] },
    { name: 'ready unknown', node: node({ ready: 'Unknown' }), want: ['NotReady', '<none>'] },
    { name: 'no Ready condition yet', node: node({}), want: ['Unknown', '<none>'] },
    { name: 'cordoned', node: node({ ready: 'True', unschedulable: true }), want: ['Ready,SchedulingDisabled', '<none>'] },
    { name: 'cordoned and not ready', node: node({ ready: 'False', unschedulable: true }), want: ['NotReady,SchedulingDisabled', '<none>'] },
    {
      name: 'control plane roles, sorted',
      node: node({ ready: 'True', labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' } }),
      want: ['Ready', 'control-plane,master'],
    },
    { name: 'legacy kubernetes.io/role label', node: node({ ready: 'True', labels: { 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': '' } }), want: ['Ready', 'edge'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(nodePrinter.cells(c.node, NOW).slice(1, 3), c.want));
  }

  test('all cells, wide included', () => {
    const n = node({ ready: 'True', addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '192.168.1.10' }] });
    assert.deepEqual(nodePrinter.cells(n, NOW), [
      'node-1', 'Ready', '<none>', '2d3h', 'v1.32.0', '192.168.1.10', '<none>',
      'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'containerd://1.7.24',
    ]);
  });

  test('missing node info reads <unknown>', () => {
    const n: Node = { metadata: { name: 'bare', creationTimestamp: ago(30) } };
    assert.deepEqual(nodePrinter.cells(n, NOW), ['bare', 'Unknown', '<none>', '30s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});
