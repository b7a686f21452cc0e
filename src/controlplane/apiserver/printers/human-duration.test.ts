import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { humanDuration, translateTimestampSince, translateTimestampUntil } from './human-duration.js';
import { ago, NOW } from './test-clock.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * S, '59s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [5 * M + 10 * S, '5m10s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M + 59 * S, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [731 * D, '2y1d'],
    [8 * 365 * D - D, '7y364d'],
    [8 * 365 * D, '8y'],
    [12 * 365 * D + 100 * D, '12y'],
  ];
  for (const [ms, want] of cases) {
    test(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('translateTimestampSince', () => {
  test('ages a timestamp against now', () => {
    assert.equal(translateTimestampSince(ago(310), NOW), '5m10s');
    assert.equal(translateTimestampSince(ago(3 * 24 * 3600 + 7200), NOW), '3d2h');
  });
  test('unset, null, unparsable and Go zero timestamps read <unknown>', () => {
    for (const ts of [undefined, null, '', 'yesterday', '0001-01-01T00:00:00Z']) {
      assert.equal(translateTimestampSince(ts, NOW), '<unknown>');
    }
  });
  test('translateTimestampUntil counts forward', () => {
    assert.equal(translateTimestampUntil(new Date(NOW.getTime() + 3 * 3600 * 1000).toISOString(), NOW), '3h');
    assert.equal(translateTimestampUntil(undefined, NOW), '<unknown>');
  });
});
