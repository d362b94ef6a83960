import assert from 'node:assert/strict';
import { intervalSeconds } from '../../src/shared/seconds';

describe('intervalSeconds: a node interval setting', () => {
  const rule = { fallback: 30, min: 10 };

  it('an empty, missing, invalid or negative field means the default, never "off"', () => {
    for (const value of [undefined, null, '', '  ', 'soon', -5, Number.NaN, Infinity]) assert.equal(intervalSeconds(value, rule), 30, String(value));
  });

  it('0 means off, from a number or a string', () => {
    assert.equal(intervalSeconds(0, rule), 0);
    assert.equal(intervalSeconds('0', rule), 0);
  });

  it('rounds to whole seconds and raises anything below the minimum to it', () => {
    assert.equal(intervalSeconds('45', rule), 45);
    assert.equal(intervalSeconds(61.6, rule), 62);
    assert.equal(intervalSeconds(3, rule), 10);
    assert.equal(intervalSeconds(0.2, rule), 10);
  });
});
