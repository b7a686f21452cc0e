import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNftRuleset, chainNames } from './nft-ruleset.js';
import { fullTransaction, incrementalTransaction } from './nft-transaction.js';
import type { ServicePort } from './service-ports.js';

const port = (name: string, ips: string[], extra: Partial<ServicePort> = {}): ServicePort => ({
  service: `ns/${name}`, portName: 'http', protocol: 'tcp', clusterIP: '10.43.0.10', port: 80, externalAddresses: [],
  externalLocal: false, internalLocal: false, endpoints: ips.map((ip) => ({ ip, port: 8080 })), localEndpoints: [], ...extra,
});
const opts = { nodeIPs: ['192.0.2.1'], clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' };

describe('nft ruleset and transactions', () => {
  test('random choice over all endpoints; no endpoints → reject entry instead of a service entry', () => {
    const rs = buildNftRuleset([port('a', ['10.42.0.1', '10.42.0.2', '10.42.0.3']), port('b', [], { clusterIP: '10.43.0.11' })], opts);
    const names = chainNames(port('a', []));
    assert.match(rs.chains.get(names.cluster)!.rules.at(-1)!, /^numgen random mod 3 vmap \{ 0 : goto ep-/);
    assert.equal(rs.sets.get('service-ips')!.elements.get('10.43.0.10 . tcp . 80'), `goto ${names.cluster}`);
    assert.equal(rs.sets.get('no-endpoint-services')!.elements.get('10.43.0.11 . tcp . 80'), 'goto reject-chain');
    assert.ok(!rs.sets.get('service-ips')!.elements.has('10.43.0.11 . tcp . 80'));
  });

  test('an endpoint change touches only that Service chain and its endpoint chains', () => {
    const prev = buildNftRuleset([port('a', ['10.42.0.1', '10.42.0.2']), port('b', ['10.42.0.5'], { clusterIP: '10.43.0.11' })], opts);
    const next = buildNftRuleset([port('a', ['10.42.0.1']), port('b', ['10.42.0.5'], { clusterIP: '10.43.0.11' })], opts);
    const script = incrementalTransaction('t', prev, next);
    const cluster = chainNames(port('a', [])).cluster;
    assert.ok(script.includes(`flush chain ip t ${cluster}`));
    assert.ok(!script.includes('ns/b/'), script);
    assert.match(script, /delete chain ip t ep-\S+10\.42\.0\.2\/8080/);
    assert.ok(script.indexOf(`add rule ip t ${cluster}`) < script.search(/delete chain/), 'references go before the chain is deleted');
    assert.equal(incrementalTransaction('t', next, next), '');
  });

  test('a full transaction recreates the table atomically', () => {
    const s = fullTransaction('t', buildNftRuleset([port('a', ['10.42.0.1'])], opts));
    assert.deepEqual(s.split('\n').slice(0, 3), ['add table ip t', 'delete table ip t', 'add table ip t']);
    assert.match(s, /add element ip t nodeport-ips \{ 192\.0\.2\.1, 127\.0\.0\.1 \}/);
  });

  test('externalTrafficPolicy Local without local endpoints drops external traffic but serves pods and the node', () => {
    const rs = buildNftRuleset([port('a', ['10.42.0.1'], { nodePort: 30001, externalLocal: true })], opts);
    const ext = rs.chains.get(chainNames(port('a', [])).external)!.rules;
    assert.deepEqual(ext.slice(-2), [`fib saddr type local goto ${chainNames(port('a', [])).cluster}`, 'drop']);
    assert.equal(ext[0], `ip saddr 10.42.0.0/16 goto ${chainNames(port('a', [])).cluster}`);
  });

  test('ClientIP affinity: per-endpoint timeout sets checked before the random pick', () => {
    const rs = buildNftRuleset([port('a', ['10.42.0.1', '10.42.0.2'], { affinitySeconds: 60 })], opts);
    const rules = rs.chains.get(chainNames(port('a', [])).cluster)!.rules;
    assert.match(rules[1], /^ip saddr @aff-\w+ goto ep-/);
    const aff = [...rs.sets].filter(([n]) => n.startsWith('aff-'));
    assert.equal(aff.length, 2);
    assert.match(aff[0][1].spec, /flags dynamic,timeout ; timeout 60s/);
  });
});
