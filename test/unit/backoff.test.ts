import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, isDeepAttempt, reconnectDelay } from '../../src/shared/backoff';

describe('reconnect backoff', () => {
  it('starts at 0.5 s and doubles up to the 60 s cap when jitter draws the middle', () => {
    const middle = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => reconnectDelay(a, DEFAULT_BACKOFF, middle)),
      [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('spreads attempts by +/-50 % and never exceeds the cap', () => {
    assert.equal(reconnectDelay(1, DEFAULT_BACKOFF, () => 0), 250);
    assert.equal(reconnectDelay(1, DEFAULT_BACKOFF, () => 0.999999), 750);
    assert.equal(reconnectDelay(20, DEFAULT_BACKOFF, () => 0.999999), 60_000);
    assert.equal(reconnectDelay(20, DEFAULT_BACKOFF, () => 0), 30_000);
  });

  it('makes the attempt after every 5 failed quick ones a deep reconnect', () => {
    const deep = Array.from({ length: 13 }, (_, i) => i).filter((a) => isDeepAttempt(a));
    assert.deepEqual(deep, [6, 12]);
  });

  it('stays within 20 attempts over a 5-minute outage', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 5 * 60_000) {
      attempts++;
      elapsed += reconnectDelay(attempts, DEFAULT_BACKOFF, () => 0); // the fastest jitter draws
    }
    assert.ok(attempts <= 20, `${attempts} attempts`);
  });
});
