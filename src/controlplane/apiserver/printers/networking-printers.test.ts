import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { endpointSlicePrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking-printers.js';
import { ago, NOW } from './test-clock.js';

const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: ago(20) });

describe('ingress printer', () => {
  const ing = (spec: Ingress['spec'], status?: Ingress['status']): Ingress => ({ metadata: meta('web'), spec, status });
  test('columns', () => assert.deepEqual(ingressPrinter.columns.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']));
  test('no class, no hosts, no address yet', () => {
    assert.deepEqual(ingressPrinter.cells(ing({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } }), NOW), ['web', '<none>', '*', '', '80', '20s']);
  });
  test('class, hosts, TLS and a load balancer address', () => {
    const i = ing(
      { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      { loadBalancer: { ingress: [{ ip: '192.168.1.10' }, { ip: '192.168.1.9' }] } },
    );
    assert.deepEqual(ingressPrinter.cells(i, NOW), ['web', 'nginx', 'a.example.com,b.example.com', '192.168.1.10,192.168.1.9', '80, 443', '20s']);
  });
  test('more than three rules', () => {
    const i = ing({ rules: [{ host: 'a' }, {}, { host: 'b' }, { host: 'c' }, { host: 'd' }] });
    assert.equal(ingressPrinter.cells(i, NOW)[2], 'a,b,c + 2 more...');
  });
});

describe('ingress classes, network policies, endpoint slices', () => {
  test('ingress class parameters', () => {
    const ic = { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } };
    assert.deepEqual(ingressClassPrinter.cells(ic, NOW), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '20s']);
    assert.equal(ingressClassPrinter.cells({ metadata: meta('x'), spec: { controller: 'c' } }, NOW)[2], '<none>');
  });
  test('network policy POD-SELECTOR', () => {
    assert.deepEqual(networkPolicyPrinter.cells({ metadata: meta('deny-all'), spec: { podSelector: {} } }, NOW), ['deny-all', '<none>', '20s']);
    assert.deepEqual(networkPolicyPrinter.cells({ metadata: meta('db'), spec: { podSelector: { matchLabels: { role: 'db' } } } }, NOW), ['db', 'role=db', '20s']);
  });
  test('endpoint slice ADDRESSTYPE PORTS ENDPOINTS', () => {
    const es = {
      metadata: meta('web-abc12'), addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }],
      endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'] }, { addresses: ['10.244.1.7'] }, { addresses: ['10.244.1.8'] }],
    };
    assert.deepEqual(endpointSlicePrinter.cells(es, NOW), ['web-abc12', 'IPv4', '80,443', '10.244.0.5,10.244.0.6,10.244.1.7 + 1 more...', '20s']);
  });
  test('an empty endpoint slice reads <unset>; a port without a number prints its name', () => {
    const es = { metadata: meta('web-x'), addressType: 'IPv6', ports: [{ name: 'dyn' }], endpoints: [] };
    assert.deepEqual(endpointSlicePrinter.cells(es, NOW), ['web-x', 'IPv6', 'dyn', '<unset>', '20s']);
  });
});
