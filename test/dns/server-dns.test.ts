/**
 * `kubelite server` runs cluster DNS and publishes it as the kube-dns Service (10.43.0.10) with Endpoints and an
 * EndpointSlice naming the address and port it serves on; Service names resolve through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { startKubelite } from '../support/kubelite.js';

function queryA(host: string, port: number, name: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no answer for ${name}`)); }, 3000);
    sock.on('message', (msg) => { clearTimeout(timer); sock.close(); resolve(dnsPacket.decode(msg)); });
    sock.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, host);
  });
}

test('the server publishes kube-dns and answers for Services', async (t) => {
  const k = await startKubelite();
  t.after(() => k.stop());
  const svc = JSON.parse((await k.kubectl(['-n', 'kube-system', 'get', 'svc', 'kube-dns', '-o', 'json'])).stdout);
  assert.equal(svc.spec.clusterIP, '10.43.0.10');
  const ep = JSON.parse((await k.kubectl(['-n', 'kube-system', 'get', 'endpoints', 'kube-dns', '-o', 'json'])).stdout);
  const address = ep.subsets[0].addresses[0].ip;
  const port = ep.subsets[0].ports[0].port;
  assert.equal(svc.spec.ports[0].targetPort, port);
  assert.equal((await k.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).code, 0);
  const ip = JSON.parse((await k.kubectl(['get', 'svc', 'web', '-o', 'json'])).stdout).spec.clusterIP;
  let answer: any;
  for (let i = 0; i < 30; i++) {
    answer = await queryA(address, port, 'web.default.svc.cluster.local');
    if (answer.answers?.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(answer.answers[0].data, ip);
  const missing = await queryA(address, port, 'nope.default.svc.cluster.local');
  assert.equal(missing.rcode, 'NXDOMAIN');
});
