import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../../testing/fixtures.js';
import { fits } from './node-name.js';

describe('NodeName.fits', () => {
  const cases = [
    { name: 'no nodeName fits any node', nodeName: undefined, node: 'a', want: true },
    { name: 'matching nodeName', nodeName: 'a', node: 'a', want: true },
    { name: 'other nodeName', nodeName: 'b', node: 'a', want: false },
  ];
  for (const c of cases) test(c.name, () => assert.equal(fits(makePod('p', { nodeName: c.nodeName }), c.node), c.want));
});
