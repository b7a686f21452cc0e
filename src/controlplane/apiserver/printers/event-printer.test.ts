import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.js';
import { eventPrinter } from './event-printer.js';
import { ago, NOW } from './test-clock.js';

describe('event printer', () => {
  test('columns: the default view is LAST SEEN TYPE REASON OBJECT MESSAGE', () => {
    assert.deepEqual(eventPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    assert.deepEqual(eventPrinter.columns.filter((c) => c.priority === 1).map((c) => c.name), ['Subobject', 'Source', 'First Seen', 'Count', 'Name']);
  });

  test('a core event with first and last timestamps', () => {
    const ev: Event = {
      metadata: { name: 'web.17c1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff', type: 'Warning', message: 'Back-off restarting failed container app\n',
      firstTimestamp: ago(3600), lastTimestamp: ago(125), count: 12,
      source: { component: 'kubelet', host: 'node-1' },
    };
    assert.deepEqual(eventPrinter.cells(ev, NOW), [
      '2m5s', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, node-1',
      'Back-off restarting failed container app', '60m', 12, 'web.17c1',
    ]);
  });

  test('an events.k8s.io style event uses eventTime and its series', () => {
    const ev: Event = {
      metadata: { name: 'web.17c2' },
      involvedObject: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet', type: 'Normal', message: 'Scaled up replica set web-5d9 to 3',
      eventTime: ago(900), series: { count: 4, lastObservedTime: ago(20) },
      reportingComponent: 'deployment-controller', reportingInstance: '',
    };
    assert.deepEqual(eventPrinter.cells(ev, NOW), [
      '20s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller',
      'Scaled up replica set web-5d9 to 3', '15m', 4, 'web.17c2',
    ]);
  });

  test('a singleton event counts 1 and falls back to its first time; a nameless object prints its kind', () => {
    const ev: Event = { metadata: { name: 'n.1' }, involvedObject: { kind: 'Node' }, reason: 'Starting', type: 'Normal', eventTime: ago(45) };
    const cells = eventPrinter.cells(ev, NOW);
    assert.deepEqual([cells[0], cells[3], cells[7], cells[8]], ['45s', 'node', '45s', 1]);
  });
});
