import assert from 'node:assert/strict';
import { HeldDrop, HeldInputs } from '../../src/shared/held-inputs';
import { delay } from '../helpers/wait';

/** A holder on a clock the test moves, recording what it drops. */
function holder(options: { maxItems?: number; maxAgeMs?: number; paceMs?: number } = {}) {
  let now = 1_000;
  const dropped: Array<[string, HeldDrop]> = [];
  const held = new HeldInputs<string>({
    limits: { maxItems: options.maxItems ?? 10, maxAgeMs: options.maxAgeMs ?? 60_000 },
    paceMs: options.paceMs ?? 0,
    now: () => now,
    onDropped: (value, reason) => dropped.push([value, reason]),
  });
  return { held, dropped, advance: (ms: number) => (now += ms) };
}

describe('held inputs (bounded like the offline queue)', () => {
  it('refuses the newest when full, keeping what it accepted', async () => {
    const { held, dropped } = holder({ maxItems: 2 });
    for (const value of ['a', 'b', 'c']) held.hold(value);
    await delay(0);
    assert.deepEqual(dropped, [['c', 'full']]);
    const released: string[] = [];
    held.release((value) => released.push(value));
    assert.deepEqual(released, ['a', 'b']);
    assert.equal(held.busy, false);
  });

  it('drops an input older than the limit on its own timer, without a new input or a release', async () => {
    const { held, dropped, advance } = holder({ maxAgeMs: 40 });
    held.hold('old');
    advance(30);
    held.hold('young');
    advance(20);
    await delay(60); // the expiry check runs every 10 ms at this limit
    assert.deepEqual(dropped, [['old', 'expired']]);
    assert.deepEqual(held.close(), ['young']);
  });

  it('paced: one input per period, in order; one held during the release queues behind; close stops it', async () => {
    const { held, dropped } = holder({ paceMs: 50 });
    held.hold('a');
    held.hold('b');
    const released: Array<[string, number]> = [];
    const started = Date.now();
    held.release((value) => {
      released.push([value, Date.now() - started]);
      if (value === 'a') held.hold('late');
    });
    assert.deepEqual(released.map(([v]) => v), ['a']);
    assert.ok(held.busy, 'a new input must wait behind the release');
    await delay(160);
    assert.deepEqual(released.map(([v]) => v), ['a', 'b', 'late']);
    assert.ok(released[2][1] - released[1][1] >= 45, 'still paced');
    held.hold('d');
    assert.deepEqual(held.close(), ['d']);
    await delay(80);
    assert.equal(released.length, 3, 'nothing released after close');
    assert.deepEqual(dropped, []);
  });

  it('releaseAll hands every input over at once, unpaced (the account will not connect)', () => {
    const { held } = holder({ paceMs: 1_000 });
    for (const value of ['a', 'b', 'c']) held.hold(value);
    const failed: string[] = [];
    held.releaseAll((value) => failed.push(value));
    assert.deepEqual(failed, ['a', 'b', 'c']);
    assert.equal(held.busy, false);
  });
});
