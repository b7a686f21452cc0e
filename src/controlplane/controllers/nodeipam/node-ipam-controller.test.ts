/**
 * Node IPAM: the subnet arithmetic, and sync(key) handing each node a unique pod CIDR — also after a restart,
 * when the allocation map is rebuilt from the nodes alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { NODES } from '../common/resources.js';
import { CidrSet } from './cidr-set.js';
import { NodeIpamController } from './node-ipam-controller.js';

const node = (name: string, podCIDR?: string): Node => ({ metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });

test('a /16 holds 256 /24s, handed out in order, skipping taken ones, and then it is full', () => {
  const s = new CidrSet('10.42.0.0/16', 24);
  assert.equal(s.capacity, 256);
  assert.equal(s.occupy('10.42.1.0/24'), true);
  assert.equal(s.occupy('192.168.0.0/24'), false, 'outside the cluster CIDR');
  assert.equal(s.occupy('10.42.2.0/25'), false, 'wrong size');
  assert.equal(s.allocateNext(), '10.42.0.0/24');
  assert.equal(s.allocateNext(), '10.42.2.0/24');
  for (let i = 3; i < 256; i++) assert.equal(s.allocateNext(), `10.42.${i}.0/24`);
  assert.equal(s.allocateNext(), undefined);
  s.release('10.42.7.0/24');
  assert.equal(s.allocateNext(), '10.42.7.0/24');
  assert.throws(() => new CidrSet('10.42.0.0/16', 8), /does not fit/);
  assert.equal(new CidrSet('10.0.0.0/8', 16).allocateNext(), '10.0.0.0/16');
});

test('nodes without a pod CIDR get the next free one; a restarted allocator hands out no duplicate', async (t) => {
  const h = await startControllerHarness(t);
  const c = new NodeIpamController(h.ctx);
  h.seed(NODES, node('a', '10.42.0.0/24'));
  h.seed(NODES, node('b'));
  h.seed(NODES, node('c'));
  h.seed(NODES, node('sim', '10.192.0.0/24')); // a simulator's own range: left alone
  await c.sync('b');
  await c.sync('c');
  await c.sync('a');
  const cidrs = () => Object.fromEntries(h.stored<Node>(NODES).map((n) => [n.metadata!.name, n.spec?.podCIDR]));
  assert.deepEqual(cidrs(), { a: '10.42.0.0/24', b: '10.42.1.0/24', c: '10.42.2.0/24', sim: '10.192.0.0/24' });
  assert.deepEqual(h.stored<Node>(NODES).find((n) => n.metadata!.name === 'b')!.spec!.podCIDRs, ['10.42.1.0/24']);
  // A second sync before the cache caught up re-uses the pending subnet instead of taking another.
  await c.sync('b');
  assert.equal(cidrs().b, '10.42.1.0/24');

  // "Restart": a new allocator over the stored nodes, with a new one to place.
  const h2 = await startControllerHarness(t);
  const c2 = new NodeIpamController(h2.ctx);
  for (const n of h.stored<Node>(NODES)) h2.seed(NODES, n);
  h2.seed(NODES, node('d'));
  await c2.sync('d');
  const d = h2.stored<Node>(NODES).find((n) => n.metadata!.name === 'd')!;
  assert.equal(d.spec?.podCIDR, '10.42.3.0/24');
  assert.equal(c2.cidrs.used, 4);
  // A deleted node frees its subnet.
  h2.uncache(NODES, 'b');
  assert.equal(c2.cidrs.used, 3);
});

test('cluster CIDR and mask size come from the settings; a full range is reported on the node', async (t) => {
  const h = await startControllerHarness(t);
  const c = new NodeIpamController({ ...h.ctx, settings: { clusterCidr: '10.99.0.0/23', nodeCidrMaskSize: 24 } });
  h.seed(NODES, node('a'));
  h.seed(NODES, node('b'));
  h.seed(NODES, node('c'));
  await c.sync('a');
  await c.sync('b');
  await assert.rejects(c.sync('c'), /2 subnets of the cluster CIDR are all taken/);
  assert.deepEqual(h.stored<Node>(NODES).map((n) => n.spec?.podCIDR), ['10.99.0.0/24', '10.99.1.0/24', undefined]);
  const events = await h.events();
  assert.equal(events.find((e) => e.involvedObject.name === 'c')?.reason, 'CIDRNotAvailable');
});
