import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPool } from './address-pool.js';
import { isServiceLbService, nodeIngressIPs } from './servicelb-controller.js';

test('address pool hands out the lowest free host address and skips network/broadcast', () => {
  const p = new AddressPool('192.168.100.0/30');
  assert.equal(p.allocate(new Set()), '192.168.100.1');
  assert.equal(p.allocate(new Set(['192.168.100.1'])), '192.168.100.2');
  assert.equal(p.allocate(new Set(['192.168.100.1', '192.168.100.2'])), undefined);
  assert.ok(!p.contains('192.168.100.3'));
  assert.throws(() => new AddressPool('nope'), /Invalid service LB pool "nope"/);
});

test('ServiceLB serves LoadBalancers without a class or with its own, and advertises usable nodes', () => {
  assert.ok(isServiceLbService({ spec: { type: 'LoadBalancer' } }));
  assert.ok(isServiceLbService({ spec: { type: 'LoadBalancer', loadBalancerClass: 'kubelite.io/servicelb' } }));
  assert.ok(!isServiceLbService({ spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' } }));
  assert.ok(!isServiceLbService({ spec: { type: 'NodePort' } }));
  assert.deepEqual(nodeIngressIPs([
    { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'b' }] } },
    { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } },
    { spec: { unschedulable: true }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.3' }] } },
    { status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '10.0.0.4' }] } },
  ]), ['10.0.0.1', '10.0.0.2']);
});
