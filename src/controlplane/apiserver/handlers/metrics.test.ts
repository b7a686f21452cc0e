import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuQuantity, memoryQuantity } from './metrics.js';

test('usage quantities are written as metrics-server writes them', () => {
  assert.equal(cpuQuantity(123456789), '123456789n');
  assert.equal(cpuQuantity(0), '0');
  assert.equal(memoryQuantity(2804 * 1024), '2804Ki');
  assert.equal(memoryQuantity(3 * 1024 * 1024), '3Mi');
  assert.equal(memoryQuantity(1000), '1000');
  assert.equal(memoryQuantity(0), '0');
});
