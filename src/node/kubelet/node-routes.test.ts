import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeApi } from '../../client/testing/fake-api-server.js';
import { runNodeRoutes } from './node-routes.js';

const node = (name: string, cidr: string | undefined, ip: string) => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: cidr ? { podCIDR: cidr } : {},
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});

test('routes to the other nodes\' pod CIDRs follow the Nodes; this node gets none', async (t) => {
  const { fake, client } = await startFakeApi(t);
  for (const n of [node('self', '10.42.0.0/24', '192.0.2.1'), node('b', '10.42.1.0/24', '192.0.2.2'), node('c', undefined, '192.0.2.3')]) fake.seed('/api/v1/nodes', n);
  const calls: string[] = [];
  const ac = new AbortController();
  let cleanup = false;
  const done = runNodeRoutes(client, { signal: ac.signal, nodeName: 'self', ip: (args) => void calls.push(args.join(' ')), removeOnStop: () => cleanup });
  const eventually = async (want: string[]) => {
    for (let i = 0; i < 100 && JSON.stringify(calls) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, want);
  };
  await eventually(['route replace 10.42.1.0/24 via 192.0.2.2']);
  const c = await client.resource<any>('', 'v1', 'nodes').get('c');
  c.spec = { podCIDR: '10.42.2.0/24' };
  await client.resource<any>('', 'v1', 'nodes').update(c);
  await eventually(['route replace 10.42.1.0/24 via 192.0.2.2', 'route replace 10.42.2.0/24 via 192.0.2.3']);
  await client.resource<any>('', 'v1', 'nodes').delete('b');
  await eventually(['route replace 10.42.1.0/24 via 192.0.2.2', 'route replace 10.42.2.0/24 via 192.0.2.3', 'route del 10.42.1.0/24 via 192.0.2.2']);
  cleanup = true;
  ac.abort();
  await done;
  assert.equal(calls.at(-1), 'route del 10.42.2.0/24 via 192.0.2.3');
});
