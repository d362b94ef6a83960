import assert from 'node:assert/strict';
import { normalizeMac } from '../../src/shared/mac';

describe('normalizeMac: the MAC as the cloud writes it', () => {
  it('accepts capitals, colons, dashes and spaces', () => {
    for (const typed of ['0A:1B:2C:3D:4E:5F', '0a-1b-2c-3d-4e-5f', ' 0A1B2C3D4E5F ', '0a 1b 2c 3d 4e 5f', '0a1b2c3d4e5f']) {
      assert.equal(normalizeMac(typed), '0a1b2c3d4e5f', typed);
    }
  });

  it('turns anything that is not a string into an empty MAC (no device chosen)', () => {
    for (const value of [undefined, null, 42, {}]) assert.equal(normalizeMac(value), '');
  });
});
