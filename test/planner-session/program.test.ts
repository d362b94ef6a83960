import assert from 'node:assert/strict';
import type { Plan } from '../../src/shared/planner';
import { desiredEntries, lastUserSwitch } from '../../src/shared/planner-session';
import { InputError } from '../../src/shared/input-error';

const TZ = 'Europe/Berlin';
const MIN = 60_000;
// Wednesday 15 January 2025 in Berlin.
const at = (day: number, hour: number, minute = 0) => Date.UTC(2025, 0, day, hour - 1, minute);

function plan(windows: Array<[number, number]>, end = at(16, 7)): Plan {
  return {
    createdAt: at(15, 18),
    start: at(15, 18),
    end,
    windows: windows.map(([start, stop]) => ({ start, end: stop, mode: 'heat-pump', setpointC: 62, kWh: 1, cost: 0.1 })),
    targets: [],
    expectedCost: 0,
    expectedKWh: 0,
    baselineCost: 0,
    baselineKWh: 0,
    savings: 0,
    chargeForecast: [],
    hold: { mode: 'energy-saver', setpointC: 40.5 },
    restore: { mode: 'energy-saver', setpointC: 60.5 },
    comfort: { comfortC: 43, met: true, feasible: true, draws: { source: 'given', count: 0, litres: 0 }, worst: { at: at(15, 18), litres: 0 }, coldestDraw: null },
  };
}

describe('navien-planner device mode: a plan as program entries', () => {
  it('a hold two minutes ahead, each window\'s start and end, and the user\'s setting at the plan\'s end', () => {
    const { entries, merged } = desiredEntries(plan([[at(16, 1, 8) + 30_000, at(16, 5)]]), at(15, 18) + 10_000, 16, TZ);
    assert.equal(merged, 0);
    assert.deepEqual(entries.map((e) => [new Date(e.at).toISOString(), e.setting.mode, e.setting.setpointC, e.restores ?? false]), [
      ['2025-01-15T17:03:00.000Z', 'energy-saver', 40.5, false], // 18:00:10 plus two minutes, up to the whole minute
      ['2025-01-16T00:08:00.000Z', 'heat-pump', 62, false],
      ['2025-01-16T04:00:00.000Z', 'energy-saver', 40.5, false],
      ['2025-01-16T06:00:00.000Z', 'energy-saver', 60.5, true],
    ]);
  });

  it('no hold when a window starts now; a window ending at the plan\'s end needs no end entry of its own', () => {
    const now = at(16, 1);
    const { entries } = desiredEntries(plan([[now - 10 * MIN, at(16, 7)]]), now, 16, TZ);
    assert.deepEqual(entries.map((e) => [new Date(e.at).toISOString(), e.setting.mode, e.restores ?? false]), [
      ['2025-01-16T00:02:00.000Z', 'heat-pump', false],
      ['2025-01-16T06:00:00.000Z', 'energy-saver', true],
    ]);
  });

  it('merges windows to fit the free entries, and refuses when not even one window fits', () => {
    const windows: Array<[number, number]> = [[at(15, 22), at(15, 23)], [at(16, 1), at(16, 2)], [at(16, 3), at(16, 4)]];
    const { entries, merged } = desiredEntries(plan(windows), at(15, 18), 6, TZ);
    assert.ok(entries.length <= 6);
    assert.equal(merged, 1);
    assert.throws(() => desiredEntries(plan(windows), at(15, 18), 3, TZ), (err: unknown) => err instanceof InputError && err.key === 'program-full' && err.args.needed === 4);
    // Without windows a plan still holds and restores: two entries.
    assert.equal(desiredEntries(plan([]), at(15, 18), 2, TZ).entries.length, 2);
  });

  it('the user\'s own program switching during the plan decides what its end puts back', () => {
    const user = [
      { enable: 2, week: 124, hour: 6, min: 0, mode: 4, param: 120 }, // Mon-Fri 06:00 High Demand 60 °C
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 110 }, // Sat, Sun 08:00
      { enable: 1, week: 124, hour: 6, min: 30, mode: 2, param: 130 }, // inactive
    ];
    assert.deepEqual(lastUserSwitch(user, at(15, 18), at(16, 7), TZ), { mode: 4, setpointRaw: 120 });
    assert.equal(lastUserSwitch(user, at(15, 18), at(16, 5), TZ), undefined);
    // Friday 18:00 to Saturday 09:00: the Saturday entry is the last one.
    assert.deepEqual(lastUserSwitch(user, at(17, 18), at(18, 9), TZ), { mode: 3, setpointRaw: 110 });
  });
});
