/**
 * Node IPAM on a real server: nodes registered without a pod CIDR each get their own /24 of 10.42.0.0/16, and a
 * controller manager restarted while nodes come and go rebuilds its map from the nodes, handing out no subnet twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { eventually } from './support.js';
import { startSimEnv, type SimEnv } from './simulated-env.js';

let env: SimEnv;
before(async () => {
  env = await startSimEnv({ enabled: ['nodeipam'] });
});
after(() => env?.stop());

test('unique pod CIDRs across a controller manager restart', async () => {
  const nodes = env.client.resource<Node>('', 'v1', 'nodes');
  const add = (name: string) => nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const cidrs = async () => Object.fromEntries((await nodes.list()).items.map((n) => [n.metadata!.name!, n.spec?.podCIDR]));
  for (const n of ['w1', 'w2', 'w3']) await add(n);
  const first = await eventually(async () => {
    const c = await cidrs();
    return Object.values(c).every(Boolean) && Object.keys(c).length === 3 && c;
  }, 'three nodes with pod CIDRs');
  assert.deepEqual(Object.values(first).sort(), ['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24']);
  const w1 = await nodes.get('w1');
  assert.deepEqual(w1.spec?.podCIDRs, [w1.spec?.podCIDR]);

  await env.stopManager();
  await nodes.delete('w2');
  for (const n of ['w4', 'w5']) await add(n);
  env.startManager();
  const second = await eventually(async () => {
    const c = await cidrs();
    return Object.keys(c).length === 4 && Object.values(c).every(Boolean) && c;
  }, 'the new nodes get pod CIDRs after the restart');
  assert.equal(second.w1, first.w1, 'existing nodes keep theirs');
  assert.equal(second.w3, first.w3);
  const all = Object.values(second);
  assert.equal(new Set(all).size, all.length, `duplicates: ${JSON.stringify(second)}`);
  assert.ok(all.every((c) => /^10\.42\.\d+\.0\/24$/.test(c!)));
  const get = await env.server.kubectl(['get', 'nodes', '-o', 'custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDR', '--no-headers']);
  assert.match(get.stdout, new RegExp(`^w4\\s+${second.w4!.replace(/\./g, '\\.')}$`, 'm'));
});
