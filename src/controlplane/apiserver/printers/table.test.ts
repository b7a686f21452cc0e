import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RESOURCES } from '../../../api/resources.js';
import { buildTable, columnsFor, rowFor } from './table.js';
import { ago, NOW } from './test-clock.js';

const pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '1007', creationTimestamp: ago(240), labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1' },
  status: { phase: 'Succeeded', podIP: '10.244.0.16', containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
};

describe('buildTable', () => {
  test('a pod list as kubectl receives it by default', () => {
    const table = buildTable('', 'pods', [pod], { now: NOW, listMeta: { resourceVersion: '1009' } });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '1009' });
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.equal(table.rows.length, 1);
    assert.deepEqual(table.rows[0].cells, ['web', '0/1', 'Completed', '0', '4m', '10.244.0.16', 'node-1', '<none>', '<none>']);
    assert.equal(table.rows[0].conditions?.[0].type, 'Completed');
    // Metadata is the default: the whole metadata, so -A, --show-labels and -L work.
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
  });

  test('includeObject=Object carries the full object (for --sort-by); None carries none', () => {
    const full = buildTable('', 'pods', [pod], { now: NOW, includeObject: 'Object', listMeta: { resourceVersion: '1' } });
    assert.equal(full.rows[0].object, pod);
    const none = buildTable('', 'pods', [pod], { now: NOW, includeObject: 'None', listMeta: { resourceVersion: '1' } });
    assert.equal('object' in none.rows[0], false);
  });

  test('paging metadata and noHeaders', () => {
    const t = buildTable('apps', 'deployments', [], { now: NOW, noHeaders: true, listMeta: { resourceVersion: '7', continue: 'tok', remainingItemCount: 3 } });
    assert.deepEqual(t.metadata, { resourceVersion: '7', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(t.columnDefinitions, []);
    assert.deepEqual(t.rows, []);
  });

  test('a kind without a printer gets NAME and CREATED AT, in UTC RFC 3339', () => {
    assert.deepEqual(columnsFor('', 'limitranges').map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
    const lr = { metadata: { name: 'limits', creationTimestamp: '2024-04-30T23:10:05+02:00' } };
    assert.deepEqual(rowFor('', 'limitranges', lr, NOW), ['limits', '2024-04-30T21:10:05Z']);
    assert.deepEqual(rowFor('example.com', 'widgets', { metadata: { name: 'w' } }, NOW), ['w', '0001-01-01T00:00:00Z']);
  });

  test('columnsFor returns copies callers may change', () => {
    columnsFor('', 'pods')[0].name = 'changed';
    assert.equal(columnsFor('', 'pods')[0].name, 'Name');
  });
});

describe('every served resource', () => {
  // A printer must never throw on a sparse object, and must give one cell per column, or kubectl misaligns the table.
  for (const r of RESOURCES) {
    test(`${r.group || 'core'}/${r.resource}: one cell per column, empty and sparse objects`, () => {
      const columns = columnsFor(r.group, r.resource);
      assert.equal(columns[0].name, r.resource === 'events' ? 'Last Seen' : 'Name');
      for (const obj of [{}, { metadata: { name: 'x', creationTimestamp: ago(1) }, spec: {}, status: {} }]) {
        const cells = rowFor(r.group, r.resource, obj, NOW);
        assert.equal(cells.length, columns.length);
        for (const c of cells) assert.ok(['string', 'number', 'boolean'].includes(typeof c), `cell ${String(c)} of ${r.resource}`);
      }
    });
  }
});
