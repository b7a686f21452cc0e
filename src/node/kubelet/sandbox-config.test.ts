import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podDnsConfig, sandboxConfig } from './sandbox-config.js';
import { linuxResources, podCgroupParent, qosClass } from './container-resources.js';

test('DNS by policy: ClusterFirst, Default, None, ClusterFirst on the host network, dnsConfig merged', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dns-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, 'nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n');
  const dns = { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', resolvConf };
  const pod = (spec: Partial<Pod['spec']>): Pod => ({ metadata: { name: 'p', namespace: 'web' }, spec: { containers: [], ...spec } });
  assert.deepEqual(podDnsConfig(pod({}), dns), {
    servers: ['10.43.0.10'], searches: ['web.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'],
  });
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), dns), { servers: ['192.0.2.53'], searches: ['corp.example'], options: ['edns0'] });
  assert.deepEqual(podDnsConfig(pod({ hostNetwork: true }), dns).servers, ['192.0.2.53']);
  assert.deepEqual(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns).servers, ['10.43.0.10']);
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], options: [{ name: 'ndots', value: '2' }] } }), dns),
    { servers: ['1.2.3.4'], searches: [], options: ['ndots:2'] });
});

test('sandbox config: hostPorts, namespaces, hostname; resources by QoS', () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }], resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } }] },
  };
  const cfg = sandboxConfig(pod, { attempt: 0, logDirectory: '/logs', cgroupParent: '/kp/pod', dns: { clusterDns: [], clusterDomain: 'cluster.local' } });
  assert.equal(cfg.hostname, 'web');
  assert.deepEqual(cfg.port_mappings, [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }]);
  assert.deepEqual(cfg.linux!.security_context!.namespace_options, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.equal(qosClass(pod), 'Burstable');
  assert.equal(podCgroupParent('/kubepods', pod), '/kubepods/burstable/podu1');
  const r = linuxResources(pod, pod.spec!.containers[0], 1024 * 1024 * 1024);
  assert.equal(r.cpu_shares, '256');
  assert.equal(r.cpu_quota, '50000');
  assert.equal(r.cpu_period, '100000');
  assert.equal(r.memory_limit_in_bytes, String(128 * 1024 * 1024));
  assert.equal(r.oom_score_adj, String(1000 - Math.floor((1000 * 64) / 1024)));
  const best: Pod = { metadata: { uid: 'u2' }, spec: { containers: [{ name: 'c' }] } };
  assert.equal(linuxResources(best, best.spec!.containers[0], 1).oom_score_adj, '1000');
  assert.equal(linuxResources(best, best.spec!.containers[0], 1).cpu_shares, '2');
});
