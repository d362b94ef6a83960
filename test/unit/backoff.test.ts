import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, isDeepAttempt, reconnectDelay, retryAfterDropDelay } from '../../src/shared/connection/backoff';

/**
 * Attempts made during an outage of `outageMs`, and how long after its end the next attempt comes. `sessionMs`: the
 * outage dropped a live session that lasted this long (the first retry as AccountConnection makes it).
 */
function simulateOutage(outageMs: number, random: () => number, sessionMs?: number): { attempts: number; waitAfterEnd: number } {
  let elapsed = 0;
  let attempts = 0;
  while (elapsed < outageMs) {
    attempts++;
    elapsed += attempts === 1 && sessionMs !== undefined ? retryAfterDropDelay(sessionMs, DEFAULT_BACKOFF, random) : reconnectDelay(attempts, DEFAULT_BACKOFF, random, elapsed);
  }
  return { attempts, waitAfterEnd: elapsed - outageMs };
}

/** A seeded generator: the same draws every run, many outages. */
const draws = (seed: number) => () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

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

  it('never waits longer than half the outage so far, nor 10 s while it is under 80 s old, once past the first doublings', () => {
    const middle = () => 0.5;
    assert.equal(reconnectDelay(8, DEFAULT_BACKOFF, middle, 100_000), 50_000);
    assert.equal(reconnectDelay(8, DEFAULT_BACKOFF, middle, 40_000), 10_000, 'a short outage: at most 10 s');
    assert.equal(reconnectDelay(8, DEFAULT_BACKOFF, middle, 16_000), 8_000);
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

  it('comes back within 12 s of a one-minute outage ending, within 60 s of a 5-minute one, within 3 s of a 5 s one', () => {
    for (const draw of [0, 0.5, 0.999]) {
      assert.ok(simulateOutage(60_000, () => draw).waitAfterEnd <= 10_000 * 1.2);
      assert.ok(simulateOutage(5 * 60_000, () => draw).waitAfterEnd <= 60_000);
      assert.ok(simulateOutage(5_000, () => draw).waitAfterEnd <= 2_500 * 1.2);
    }
  });

  it('retries within 250 ms after a session that was up 10 s, after the usual 0.5 s after a shorter one', () => {
    for (const draw of [0, 0.5, 0.999]) {
      assert.ok(retryAfterDropDelay(10_000, DEFAULT_BACKOFF, () => draw) <= 250);
      assert.equal(retryAfterDropDelay(9_999, DEFAULT_BACKOFF, () => draw), reconnectDelay(1, DEFAULT_BACKOFF, () => draw));
    }
    assert.equal(retryAfterDropDelay(60_000, DEFAULT_BACKOFF, () => 0), 0);
  });

  it('after a stable session: back sooner after a 5 s outage, and at most 20 attempts during a 5-minute one', () => {
    const quick = draws(7);
    const usual = draws(7);
    const quickWaits = Array.from({ length: 2_000 }, () => simulateOutage(5_000, quick, 60_000).waitAfterEnd);
    const usualWaits = Array.from({ length: 2_000 }, () => simulateOutage(5_000, usual).waitAfterEnd);
    assert.ok(median(quickWaits) <= median(usualWaits) - 200, `median wait ${median(quickWaits)} ms against ${median(usualWaits)} ms`);
    // Attempts made while a 5-minute outage lasts (the last one, after its end, is the one that connects).
    const longOutages = Array.from({ length: 2_000 }, () => simulateOutage(5 * 60_000, quick, 60_000).attempts - 1);
    assert.ok(Math.max(...longOutages) <= 20, `at most ${Math.max(...longOutages)} attempts during 5 minutes`);
  });

  it('after a one-minute outage, the next attempt comes within 7 s in half the cases and within 12 s in all', () => {
    const random = draws(11);
    const waits = Array.from({ length: 2_000 }, () => simulateOutage(60_000, random, 60_000).waitAfterEnd);
    assert.ok(median(waits) <= 7_000, `median wait ${median(waits)} ms`);
    assert.ok(Math.max(...waits) <= 12_000, `longest wait ${Math.max(...waits)} ms`);
  });
});
