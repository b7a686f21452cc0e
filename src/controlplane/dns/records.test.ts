/**
 * Record building: what each cluster name answers, from Services, EndpointSlices and Pods fed directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ClusterDnsRecords, type QueryType } from './records.js';

function svc(name: string, spec: Service['spec']): Service {
  return { metadata: { name, namespace: 'ns' }, spec };
}

function slice(svcName: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice {
  return { metadata: { name: `${svcName}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4', endpoints, ports };
}

function world(): ClusterDnsRecords {
  const r = new ClusterDnsRecords();
  r.upsertService(svc('web', { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  r.upsertService(svc('db', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  r.upsertSlice(slice('db', [
    { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.42.0.6'], conditions: {} },
    { addresses: ['10.42.0.7'], hostname: 'db-2', conditions: { ready: false } },
  ]));
  r.upsertService(svc('ext', { type: 'ExternalName', externalName: 'example.org.' }));
  r.upsertPod({ metadata: { name: 'p', namespace: 'ns' }, status: { podIP: '10.42.0.9', podIPs: [{ ip: '10.42.0.9' }] } });
  return r;
}

const data = (r: ClusterDnsRecords, name: string, type: QueryType) => r.resolve(name, type)?.answers.map((a) => (a as { data: unknown }).data);

test('ClusterIP Services answer A with the cluster IP, AAAA with NODATA carrying the SOA', () => {
  const r = world();
  assert.deepEqual(data(r, 'web.ns.svc.cluster.local', 'A'), ['10.43.0.20']);
  const aaaa = r.resolve('web.ns.svc.cluster.local', 'AAAA')!;
  assert.equal(aaaa.rcode, 'NOERROR');
  assert.deepEqual(aaaa.answers, []);
  assert.equal(aaaa.authorities[0].type, 'SOA');
  assert.equal(r.resolve('nope.ns.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.equal(r.resolve('web.other.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.equal(r.resolve('ns.svc.cluster.local', 'A')!.rcode, 'NOERROR', 'a namespace with Services is an empty non-terminal');
  assert.equal(r.resolve('nowhere.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.equal(r.resolve('example.org', 'A'), undefined, 'outside the zone: forwarded');
});

test('SRV for a named port; headless Services answer their ready endpoints, by hostname or dashed IP', () => {
  const r = world();
  const srv = r.resolve('_http._tcp.web.ns.svc.cluster.local', 'SRV')!;
  assert.deepEqual(srv.answers.map((a) => (a as { data: unknown }).data), [{ priority: 0, weight: 100, port: 80, target: 'web.ns.svc.cluster.local' }]);
  assert.deepEqual(srv.additionals.map((a) => [a.name, (a as { data: unknown }).data]), [['web.ns.svc.cluster.local', '10.43.0.20']]);
  assert.equal(r.resolve('_grpc._tcp.web.ns.svc.cluster.local', 'SRV')!.rcode, 'NXDOMAIN');
  assert.deepEqual(data(r, 'db.ns.svc.cluster.local', 'A'), ['10.42.0.5', '10.42.0.6'], 'not-ready endpoints are left out');
  assert.deepEqual(data(r, 'db-0.db.ns.svc.cluster.local', 'A'), ['10.42.0.5']);
  assert.deepEqual(data(r, '10-42-0-6.db.ns.svc.cluster.local', 'A'), ['10.42.0.6']);
  assert.equal(r.resolve('db-2.db.ns.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.deepEqual(data(r, '_http._tcp.db.ns.svc.cluster.local', 'SRV'), [
    { priority: 0, weight: 50, port: 8080, target: 'db-0.db.ns.svc.cluster.local' },
    { priority: 0, weight: 50, port: 8080, target: '10-42-0-6.db.ns.svc.cluster.local' },
  ]);
});

test('ExternalName is a CNAME to chase; pod names resolve only for pods that exist; PTR for Service IPs', () => {
  const r = world();
  const ext = r.resolve('ext.ns.svc.cluster.local', 'A')!;
  assert.deepEqual(ext.answers.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'example.org']]);
  assert.equal(ext.chase, 'example.org');
  assert.deepEqual(data(r, '10-42-0-9.ns.pod.cluster.local', 'A'), ['10.42.0.9']);
  assert.equal(r.resolve('10-42-0-8.ns.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.equal(r.resolve('10-42-0-9.other.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  assert.deepEqual(data(r, '20.0.43.10.in-addr.arpa', 'PTR'), ['web.ns.svc.cluster.local']);
  assert.deepEqual(data(r, '5.0.42.10.in-addr.arpa', 'PTR'), ['db-0.db.ns.svc.cluster.local']);
  assert.equal(r.resolve('1.1.168.192.in-addr.arpa', 'PTR'), undefined);
  assert.deepEqual(data(r, 'cluster.local', 'SOA')?.length, 1);
});

test('the version moves only when an answer can change', () => {
  const r = world();
  const v = r.version;
  r.upsertService(svc('web', { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  r.upsertPod({ metadata: { name: 'p', namespace: 'ns', labels: { changed: 'yes' } }, status: { podIP: '10.42.0.9', podIPs: [{ ip: '10.42.0.9' }] } });
  assert.equal(r.version, v);
  r.deleteService('ns', 'web');
  assert.ok(r.version > v);
  assert.equal(r.resolve('web.ns.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
});
