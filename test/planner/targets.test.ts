import assert from 'node:assert/strict';
import { PlanInputError, parseTargets, resolveTargets, wallClock, zonedTime } from '../../src/shared/planner';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const H = 3_600_000;

function rejects(value: unknown, path: string, expected: RegExp): void {
  assert.throws(() => parseTargets(value), (err: unknown) => {
    assert.ok(err instanceof PlanInputError);
    assert.equal(err.path, path);
    assert.match(err.expected, expected);
    return true;
  });
}

describe('planner: targets', () => {
  it('parses times of day with charges', () => {
    assert.deepEqual(parseTargets([{ at: '06:30', charge: 90 }, { at: '18:00', charge: 70 }, { at: '7:05', charge: 0 }]), [
      { at: '06:30', charge: 90 },
      { at: '18:00', charge: 70 },
      { at: '07:05', charge: 0 },
    ]);
    assert.deepEqual(parseTargets([]), []);
  });

  it('names the offending path and what is allowed', () => {
    rejects({ at: '06:30', charge: 90 }, 'payload.targets', /a list/);
    rejects([{ at: '24:00', charge: 90 }], 'payload.targets[0].at', /HH:MM/);
    rejects([{ at: '06:30', charge: 90 }, { at: 630, charge: 90 }], 'payload.targets[1].at', /HH:MM/);
    rejects([{ at: '06:30', charge: 101 }], 'payload.targets[0].charge', /0-100/);
    rejects([{ at: '06:30', charge: '90' }], 'payload.targets[0].charge', /0-100/);
    rejects([{ at: '06:30', charge: 90, time: '07:00' }], 'payload.targets[0].time', /only the keys at and one of charge, litres, showers/);
    rejects([{ at: '06:30', charge: 90 }, { at: '6:30', charge: 80 }], 'payload.targets[1].at', /different from payload.targets\[0\]\.at/);
    rejects(['06:30'], 'payload.targets[0]', /an object/);
  });

  it('turns clock times into instants over the horizon, day after day, in time order', () => {
    const from = zonedTime(2025, 1, 15, 18, 0, BERLIN);
    const got = resolveTargets([{ at: '18:30', charge: 70 }, { at: '06:30', charge: 90 }], from, from + 48 * H, BERLIN);
    assert.deepEqual(got.map((t) => new Date(t.at).toISOString()), [
      '2025-01-15T17:30:00.000Z',
      '2025-01-16T05:30:00.000Z',
      '2025-01-16T17:30:00.000Z',
      '2025-01-17T05:30:00.000Z',
    ]);
    assert.deepEqual(got.map((t) => t.charge), [70, 90, 70, 90]);
    // A target exactly at `from` is past; one exactly at the horizon's end counts.
    const at = zonedTime(2025, 1, 16, 6, 30, BERLIN);
    assert.deepEqual(resolveTargets([{ at: '06:30', charge: 90 }], at, at + 24 * H, BERLIN).map((t) => t.at), [at + 24 * H]);
  });

  it('is DST-safe: 06:30 stays 06:30 on the clock across both changes', () => {
    // Europe/Berlin: clocks go forward on 30 March 2025 (02:00 -> 03:00) and back on 26 October 2025.
    const spring = resolveTargets([{ at: '06:30', charge: 90 }], Date.parse('2025-03-29T12:00:00Z'), Date.parse('2025-03-31T12:00:00Z'), BERLIN);
    assert.deepEqual(spring.map((t) => new Date(t.at).toISOString()), ['2025-03-30T04:30:00.000Z', '2025-03-31T04:30:00.000Z']);
    assert.equal(spring[1].at - spring[0].at, 24 * H);
    const autumn = resolveTargets([{ at: '06:30', charge: 90 }], Date.parse('2025-10-25T12:00:00Z'), Date.parse('2025-10-27T12:00:00Z'), BERLIN);
    assert.deepEqual(autumn.map((t) => new Date(t.at).toISOString()), ['2025-10-26T05:30:00.000Z', '2025-10-27T05:30:00.000Z']);
    // The day the clocks go back lasts 25 hours: 06:30 to 06:30 is 24 h, midnight to 06:30 is 7.5 h.
    for (const t of [...spring, ...autumn]) assert.deepEqual([wallClock(t.at, BERLIN).hour, wallClock(t.at, BERLIN).minute], [6, 30]);
  });

  it('a skipped clock time happens when the clocks jump; a repeated one counts once, at its first occurrence', () => {
    const skipped = resolveTargets([{ at: '02:30', charge: 80 }], Date.parse('2025-03-30T00:00:00Z'), Date.parse('2025-03-30T12:00:00Z'), BERLIN);
    assert.deepEqual(skipped.map((t) => new Date(t.at).toISOString()), ['2025-03-30T01:00:00.000Z']); // 03:00 CEST
    const repeated = resolveTargets([{ at: '02:30', charge: 80 }], Date.parse('2025-10-25T22:00:00Z'), Date.parse('2025-10-26T12:00:00Z'), BERLIN);
    assert.deepEqual(repeated.map((t) => new Date(t.at).toISOString()), ['2025-10-26T00:30:00.000Z']); // 02:30 CEST
    // Same rules in another zone (US: 2 am, second Sunday of March).
    assert.equal(new Date(zonedTime(2025, 3, 9, 2, 30, NEW_YORK)).toISOString(), '2025-03-09T07:00:00.000Z');
    assert.equal(new Date(zonedTime(2025, 11, 2, 1, 30, NEW_YORK)).toISOString(), '2025-11-02T05:30:00.000Z');
  });

  it("uses the host's zone when none is given", () => {
    const from = new Date(2025, 5, 1, 12, 0).getTime();
    const [t] = resolveTargets([{ at: '06:30', charge: 90 }], from, from + 24 * H);
    const d = new Date(t.at);
    assert.deepEqual([d.getDate(), d.getHours(), d.getMinutes()], [2, 6, 30]);
  });
});
