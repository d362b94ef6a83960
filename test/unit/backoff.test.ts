import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, isDeepAttempt, reconnectDelay } from '../../src/shared/backoff';

/** Attempts made during an outage of `outageMs`, and how long after its end the next attempt comes. */
function simulateOutage(outageMs: number, random: () => number): { attempts: number; waitAfterEnd: number } {
  let elapsed = 0;
  let attempts = 0;
  while (elapsed < outageMs) {
    attempts++;
    elapsed += reconnectDelay(attempts, DEFAULT_BACKOFF, random, elapsed);
  }
  return { attempts, waitAfterEnd: elapsed - outageMs };
}

describe('reconnect backoff', () => {
  it('starts at 0.5 s and doubles up to the 60 s cap for a long-running outage (middle jitter draw)', () => {
    const middle = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => reconnectDelay(a, DEFAULT_BACKOFF, middle)),
      [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('spreads attempts by +/-20 % and never exceeds the cap', () => {
    assert.equal(reconnectDelay(1, DEFAULT_BACKOFF, () => 0), 400);
    assert.equal(reconnectDelay(1, DEFAULT_BACKOFF, () => 0.999999), 600);
    assert.equal(reconnectDelay(20, DEFAULT_BACKOFF, () => 0.999999), 60_000);
    assert.equal(reconnectDelay(20, DEFAULT_BACKOFF, () => 0), 48_000);
  });

  it('never waits longer than 40 % of the outage so far, once past the first doublings', () => {
    const middle = () => 0.5;
    assert.equal(reconnectDelay(8, DEFAULT_BACKOFF, middle, 40_000), 16_000);
    assert.equal(reconnectDelay(8, DEFAULT_BACKOFF, middle, 5_000), 2_500, 'never below 2.5 s once doubling got there');
    assert.equal(reconnectDelay(1, DEFAULT_BACKOFF, middle, 0), 500, 'the initial delay is the start');
    assert.equal(reconnectDelay(12, DEFAULT_BACKOFF, middle, 10 * 60_000), 60_000, 'and the maximum the ceiling');
  });

  it('makes the attempt after every 5 failed quick ones a deep reconnect', () => {
    const deep = Array.from({ length: 13 }, (_, i) => i).filter((a) => isDeepAttempt(a));
    assert.deepEqual(deep, [6, 12]);
  });

  it('a 5-minute outage costs at most 20 attempts with typical draws, and stays bounded with the fastest draws', () => {
    assert.ok(simulateOutage(5 * 60_000, () => 0.5).attempts <= 20);
    assert.ok(simulateOutage(5 * 60_000, () => 0).attempts <= 24);
  });

  it('comes back within 29 s of a one-minute outage ending, within 60 s of a 5-minute one, within 3 s of a 5 s one', () => {
    for (const draw of [0, 0.5, 0.999]) {
      assert.ok(simulateOutage(60_000, () => draw).waitAfterEnd <= 60_000 * 0.4 * 1.2);
      assert.ok(simulateOutage(5 * 60_000, () => draw).waitAfterEnd <= 60_000);
      assert.ok(simulateOutage(5_000, () => draw).waitAfterEnd <= 2_500 * 1.2);
    }
  });
});
