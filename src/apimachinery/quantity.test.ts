import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, Quantity, QUANTITY_FORMAT_MESSAGE } from './quantity.js';

describe('quantity canonical form', () => {
  const cases: [string, string][] = [
    ['100m', '100m'], ['1000m', '1'], ['0.5', '500m'], ['1.5', '1500m'], ['1Gi', '1Gi'], ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'], ['500Mi', '500Mi'], ['1024Mi', '1Gi'], ['1e3', '1e3'], ['1000e0', '1e3'], ['1.5e3', '1500'],
    ['1e-3', '1e-3'], ['1000', '1k'], ['1500', '1500'], ['0.1Ki', '102400m'], ['1Ki', '1Ki'], ['512', '512'],
    ['2000000', '2M'], ['1k', '1k'], ['1M', '1M'], ['0', '0'], ['0Gi', '0'], ['-1', '-1'], ['-100m', '-100m'],
    ['+5', '5'], ['0.000000001', '1n'], ['0.0000000001', '1n'], ['1E', '1E'], ['12Ei', '12Ei'], ['1.', '1'],
    ['.5', '500m'], ['1536', '1536'], ['3Mi', '3Mi'], ['1023', '1023'], ['1100Ki', '1100Ki'],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${want}`, () => assert.equal(parseQuantity(input).toString(), want));
  }
});

describe('quantity errors', () => {
  for (const bad of ['', 'abc', '1.2.3', '1 Gi', 'Gi1x', '1Gb', '1e', '1x']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseQuantity(bad), (e: Error) => /quantities must match|unable to parse quantity's suffix/.test(e.message));
    });
  }
  test('format error text is upstream\'s', () => {
    assert.throws(() => parseQuantity('1.2.3'), { message: QUANTITY_FORMAT_MESSAGE });
  });
  test('unknown suffix', () => {
    assert.throws(() => parseQuantity('1KM'), { message: "unable to parse quantity's suffix" });
    assert.throws(() => parseQuantity('1Gb'), { message: QUANTITY_FORMAT_MESSAGE });
  });
});

describe('quantity arithmetic', () => {
  test('compare across formats', () => {
    assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1G')), 1);
    assert.equal(parseQuantity('1000m').cmp(parseQuantity('1')), 0);
    assert.equal(parseQuantity('100m').cmp(parseQuantity('0.2')), -1);
  });
  test('add keeps the first format', () => {
    assert.equal(parseQuantity('500m').add(parseQuantity('1.5')).toString(), '2');
    assert.equal(parseQuantity('1Gi').add(parseQuantity('512Mi')).toString(), '1536Mi');
    assert.equal(Quantity.zero().add(parseQuantity('1Gi')).toString(), '1Gi');
  });
  test('value and milliValue round up', () => {
    assert.equal(parseQuantity('1500m').value(), 2);
    assert.equal(parseQuantity('0.1').milliValue(), 100);
    assert.equal(parseQuantity('1Gi').value(), 1073741824);
    assert.equal(parseQuantity('1n').milliValue(), 1);
    assert.equal(parseQuantity('2').milliValue(), 2000);
  });
  test('fromMilli', () => {
    assert.equal(Quantity.fromMilli(1500).toString(), '1500m');
    assert.equal(Quantity.fromMilli(2000).toString(), '2');
    assert.equal(JSON.stringify({ q: Quantity.fromInt(1024 * 1024, 'BinarySI') }), '{"q":"1Mi"}');
  });
});
