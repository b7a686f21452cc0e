import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PodInfo } from '../framework/pod-info.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { SchedulerCache } from './scheduler-cache.js';

describe('SchedulerCache', () => {
  test('an assumed pod is counted at once, confirmed by the informer, and not counted twice', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('n', { cpu: '2' }));
    const pod = makePod('p', { cpu: '1500m' });
    c.assumePod(new PodInfo(pod), 'n');
    assert.equal(c.get('n')!.requested.milliCPU, 1500);
    assert.equal(c.isAssumed('default/p'), true);
    c.finishBinding('default/p');
    c.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'n' } });
    assert.equal(c.isAssumed('default/p'), false);
    assert.equal(c.get('n')!.requested.milliCPU, 1500);
    assert.equal(c.get('n')!.pods.size, 1);
  });

  test('a failed bind forgets the assumption', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('n'));
    c.assumePod(new PodInfo(makePod('p', { cpu: '1' })), 'n');
    c.forgetPod('default/p');
    assert.equal(c.get('n')!.requested.milliCPU, 0);
    assert.equal(c.hasPod('default/p'), false);
  });

  test('confirmation on another node moves the pod', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    c.addNode(makeNode('b'));
    const pod = makePod('p', { cpu: '1' });
    c.assumePod(new PodInfo(pod), 'a');
    c.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'b' } });
    assert.equal(c.get('a')!.requested.milliCPU, 0);
    assert.equal(c.get('b')!.requested.milliCPU, 1000);
  });

  test('pods, ports and affinity pods are tracked per node; deleting frees them', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('n'));
    const pod = makePod('p', {
      nodeName: 'n', cpu: '1', memory: '1Gi',
      spec: {
        containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }], resources: { requests: { cpu: '1' } } }],
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: {} }] } },
      },
    });
    c.addPod(pod);
    assert.equal(c.nodesWithAffinityPods.length, 1);
    assert.equal(c.nodesWithRequiredAntiAffinityPods.length, 1);
    assert.equal(c.get('n')!.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 }), true);
    c.removePod(pod);
    assert.equal(c.nodesWithAffinityPods.length, 0);
    assert.equal(c.get('n')!.usedPorts.size, 0);
    assert.equal(c.get('n')!.requested.milliCPU, 0);
  });

  test('a removed node leaves the snapshot; pods still on it keep a node-less entry', () => {
    const c = new SchedulerCache();
    const node = makeNode('n');
    c.addNode(node);
    c.addPod(makePod('p', { nodeName: 'n' }));
    c.removeNode(node);
    assert.equal(c.nodes.length, 0);
    assert.equal(c.get('n'), undefined);
    c.addNode(node);
    assert.equal(c.get('n')!.pods.size, 1);
  });
});
