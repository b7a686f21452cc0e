import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { intValue, scaledValue } from './intstr.js';

describe('scaledValue', () => {
  const cases: [number | string, number, boolean, number][] = [
    ['25%', 10, true, 3], ['25%', 10, false, 2], [1, 10, true, 1], ['100%', 3, false, 3], ['0%', 5, true, 0],
    ['50%', 1, true, 1], ['50%', 1, false, 0], [0, 4, false, 0],
  ];
  for (const [v, total, up, want] of cases) {
    test(`${v} of ${total} roundUp=${up} is ${want}`, () => assert.equal(scaledValue(v, total, up), want));
  }
  test('a non-percent string is an error with upstream wording', () => {
    assert.throws(() => scaledValue('abc', 10, true), { message: 'invalid value for IntOrString: invalid type: string is not a percentage' });
    assert.throws(() => scaledValue('x%', 10, true), /invalid value for IntOrString: invalid value "x%"/);
    assert.throws(() => scaledValue(undefined, 10, true), { message: 'nil value for IntOrString' });
  });
  test('intValue', () => {
    assert.equal(intValue('8080'), 8080);
    assert.equal(intValue('http'), 0);
    assert.equal(intValue(3), 3);
  });
});
