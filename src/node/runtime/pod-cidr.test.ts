import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPodCidr, cidrsOverlap, gatewayOf, parseIpv4Cidr } from './pod-cidr.js';

test('pod CIDRs are canonicalised and their gateway is the first address', () => {
  assert.equal(canonicalPodCidr('10.42.0.7/24'), '10.42.0.0/24');
  assert.equal(gatewayOf('10.42.3.0/24'), '10.42.3.1');
  assert.equal(gatewayOf('10.88.0.0/16'), '10.88.0.1');
  for (const bad of ['10.42.0.0', '10.42.0.0/31', '10.42.0.0/4', '10.42.0/24', '300.1.1.1/24', 'fd00::/64']) {
    assert.throws(() => canonicalPodCidr(bad), /Invalid pod CIDR/, bad);
  }
});

test('overlap is decided on the shorter prefix', () => {
  assert.ok(cidrsOverlap('10.42.0.0/16', '10.42.7.0/24'));
  assert.ok(cidrsOverlap('0.0.0.0/0', '10.1.1.0/24'));
  assert.ok(cidrsOverlap('10.88.5.9', '10.88.5.0/24'));
  assert.ok(!cidrsOverlap('10.88.5.0/24', '10.88.6.0/24'));
  assert.deepEqual(parseIpv4Cidr('192.0.2.1'), { network: 0xc0000201, prefix: 32 });
});
