import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { servicePrinter } from './service-printer.js';
import { ago, NOW } from './test-clock.js';

function svc(spec: Service['spec'], status?: Service['status']): Service {
  return { metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3 * 3600) }, spec, status };
}

describe('service printer', () => {
  test('columns', () => {
    assert.deepEqual(servicePrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
  });

  const cases: { name: string; svc: Service; want: unknown[] }[] = [
    {
      name: 'ClusterIP',
      svc: svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web', tier: 'fe' }, ports: [{ port: 80, protocol: 'TCP' }] }),
      want: ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '3h', 'app=web,tier=fe'],
    },
    {
      name: 'ClusterIP with external IPs and a UDP port',
      svc: svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.11'], externalIPs: ['192.0.2.1', '192.0.2.2'], ports: [{ port: 53, protocol: 'UDP' }] }),
      want: ['web', 'ClusterIP', '10.96.0.11', '192.0.2.1,192.0.2.2', '53/UDP', '3h', '<none>'],
    },
    {
      name: 'headless',
      svc: svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] }),
      want: ['web', 'ClusterIP', 'None', '<none>', '5432/TCP', '3h', 'app=db'],
    },
    {
      name: 'NodePort with two ports',
      svc: svc({ type: 'NodePort', clusterIPs: ['10.96.1.1'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 443, nodePort: 30443, protocol: 'TCP' }] }),
      want: ['web', 'NodePort', '10.96.1.1', '<none>', '80:30080/TCP,443:30443/TCP', '3h', '<none>'],
    },
    {
      name: 'LoadBalancer still pending',
      svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.96.2.2'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }, { loadBalancer: {} }),
      want: ['web', 'LoadBalancer', '10.96.2.2', '<pending>', '80:31000/TCP', '3h', '<none>'],
    },
    {
      name: 'LoadBalancer with ingress points, sorted and not clipped',
      svc: svc(
        { type: 'LoadBalancer', clusterIPs: ['10.96.2.3'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] },
        { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } },
      ),
      want: ['web', 'LoadBalancer', '10.96.2.3', '203.0.113.10,203.0.113.9,lb.example.com', '443:31443/TCP', '3h', '<none>'],
    },
    {
      name: 'LoadBalancer with ingress and external IPs',
      svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.96.2.4'], externalIPs: ['192.0.2.7'], ports: [{ port: 80, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } }),
      want: ['web', 'LoadBalancer', '10.96.2.4', '203.0.113.1,192.0.2.7', '80/TCP', '3h', '<none>'],
    },
    {
      name: 'ExternalName',
      svc: svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      want: ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '3h', '<none>'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(servicePrinter.cells(c.svc, NOW), c.want));
  }
});
