import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HostPortUsage } from '../../framework/node-info.js';
import type { HostPort } from '../../framework/pod-info.js';
import { fits } from './node-ports.js';

const port = (port: number, ip = '0.0.0.0', protocol = 'TCP'): HostPort => ({ ip, protocol, port });

describe('NodePorts.fits', () => {
  const cases: { name: string; used: HostPort[]; wanted: HostPort[]; want: boolean }[] = [
    { name: 'nothing used', used: [], wanted: [port(80)], want: true },
    { name: 'same port, any IP', used: [port(80)], wanted: [port(80)], want: false },
    { name: 'other port', used: [port(80)], wanted: [port(81)], want: true },
    { name: 'other protocol', used: [port(53, '0.0.0.0', 'UDP')], wanted: [port(53)], want: true },
    { name: 'different specific IPs', used: [port(80, '10.0.0.1')], wanted: [port(80, '10.0.0.2')], want: true },
    { name: 'same specific IP', used: [port(80, '10.0.0.1')], wanted: [port(80, '10.0.0.1')], want: false },
    { name: 'wildcard wanted vs specific used', used: [port(80, '10.0.0.1')], wanted: [port(80)], want: false },
    { name: 'specific wanted vs wildcard used', used: [port(80)], wanted: [port(80, '10.0.0.1')], want: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const used = new HostPortUsage();
      for (const p of c.used) used.add(p);
      assert.equal(fits(c.wanted, used), c.want);
    });
  }
  test('a released port is free again', () => {
    const used = new HostPortUsage();
    used.add(port(80));
    used.add(port(80), -1);
    assert.equal(fits([port(80)], used), true);
  });
});
