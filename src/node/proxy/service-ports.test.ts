import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { buildServicePorts } from './service-ports.js';

const svc = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({ metadata: { namespace: 'ns', name }, spec, status });
const slice = (svcName: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports']): EndpointSlice => ({
  metadata: { namespace: 'ns', name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4', endpoints, ports,
});

describe('buildServicePorts', () => {
  test('joins named ports, keeps only ready endpoints, falls back to serving-terminating ones', () => {
    const s = svc('web', { clusterIP: '10.43.0.5', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 81 }] });
    const sl = slice('web', [
      { addresses: ['10.42.0.2'], conditions: { ready: true }, nodeName: 'n1' },
      { addresses: ['10.42.0.1'], conditions: { ready: false, serving: false }, nodeName: 'n1' },
      { addresses: ['10.42.0.3'], nodeName: 'n2' },
    ], [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
    const [http, metrics] = buildServicePorts([s], [sl], { nodeName: 'n1' });
    assert.deepEqual(http.endpoints, [{ ip: '10.42.0.2', port: 8080, nodeName: 'n1' }, { ip: '10.42.0.3', port: 8080, nodeName: 'n2' }]);
    assert.deepEqual(metrics.endpoints.map((e) => e.port), [9090, 9090]);
    assert.deepEqual(http.localEndpoints.map((e) => e.ip), ['10.42.0.2']);

    const terminating = slice('web', [
      { addresses: ['10.42.0.7'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.42.0.8'], conditions: { ready: false, serving: false, terminating: true } },
    ], [{ name: 'http', port: 8080 }]);
    assert.deepEqual(buildServicePorts([s], [terminating], { nodeName: 'n1' })[0].endpoints.map((e) => e.ip), ['10.42.0.7']);
  });

  test('headless and ExternalName are not proxied; LB ingress and externalIPs are external addresses', () => {
    const ports = buildServicePorts([
      svc('h', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('x', { type: 'ExternalName', externalName: 'example.com' }),
      svc('lb', { type: 'LoadBalancer', clusterIP: '10.43.0.9', externalIPs: ['192.0.2.9'], externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] },
        { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } }),
    ], [], { nodeName: 'n1' });
    assert.equal(ports.length, 1);
    assert.deepEqual(ports[0].externalAddresses, ['192.0.2.1', '192.0.2.9']);
    assert.equal(ports[0].nodePort, 30080);
    assert.equal(ports[0].externalLocal, true);
    assert.deepEqual(ports[0].endpoints, []);
  });

  test('ClientIP affinity defaults to 10800 s', () => {
    const [p] = buildServicePorts([svc('a', { clusterIP: '10.43.0.1', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] })], [], { nodeName: 'n' });
    assert.equal(p.affinitySeconds, 10800);
  });
});
