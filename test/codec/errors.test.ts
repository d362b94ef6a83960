import * as assert from 'node:assert/strict';
import { describeError } from '../../src/shared/codec';

describe('codec/errors', () => {
  it('returns null when there is no error', () => {
    assert.equal(describeError(0, 0), null);
    assert.equal(describeError(undefined), null);
    assert.equal(describeError('407'), null);
  });

  it('decodes a known code with its sub-code', () => {
    assert.deepEqual(describeError(407, 1), {
      code: 'E407',
      number: 407,
      subCode: 1,
      description: 'DHW temperature sensor abnormal (low)',
    });
    assert.equal(describeError(515, 27)?.description, 'Relay fault (compressor)');
    assert.equal(describeError(990, 0)?.description, 'Condensate overflow');
  });

  it('pads to three digits', () => {
    assert.equal(describeError(96, 0)?.code, 'E096');
    assert.equal(describeError(96, 0)?.description, 'Upper electric element abnormal');
  });

  it('still describes unknown codes', () => {
    assert.deepEqual(describeError(1234, undefined), { code: 'E1234', number: 1234, subCode: null, description: 'Unknown error code' });
  });
});
