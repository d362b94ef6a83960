/**
 * The heater's weekly program runs on its wall clock, which goes back an hour on the first Sunday of November (01:00-
 * 02:00 is shown twice) and forward on the second Sunday of March (02:00-03:00 is never shown). The planner's entries
 * must fire once, at the instant it expects (it removes each a minute later), and never early; fixed 2026 instants.
 */
import assert from 'node:assert/strict';
import { Plan, resolveTargets, unrepeatedTime, wallClock } from '../../src/shared/planner';
import { desiredEntries } from '../../src/shared/planner-session';

const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();

/** Each zone's offsets (hours behind UTC) in daylight and standard time. */
const ZONES = [
  { zone: 'America/New_York', daylight: 4, standard: 5 },
  { zone: 'America/Chicago', daylight: 5, standard: 6 },
  { zone: 'America/Los_Angeles', daylight: 7, standard: 8 },
];
/** Clock time on Sunday 1 November 2026 (clocks go back at 02:00 daylight time) or 8 March 2026 (forward at 02:00). */
const fallBack = (offset: number, hour: number, minute = 0) => Date.UTC(2026, 10, 1, hour + offset, minute);
const spring = (offset: number, hour: number, minute = 0) => Date.UTC(2026, 2, 8, hour + offset, minute);

function plan(start: number, end: number, windows: Array<[number, number]>): Plan {
  return {
    createdAt: start,
    start,
    end,
    windows: windows.map(([from, to]) => ({ start: from, end: to, mode: 'heat-pump', setpointC: 62, kWh: 1, cost: 0.1 })),
    targets: [],
    expectedCost: 0,
    expectedKWh: 0,
    baselineCost: 0,
    baselineKWh: 0,
    savings: 0,
    chargeForecast: [],
    hold: { mode: 'energy-saver', setpointC: 40.5 },
    restore: { mode: 'energy-saver', setpointC: 60.5 },
    comfort: { comfortC: 43, met: true, feasible: true, draws: { source: 'given', count: 0, litres: 0 }, worst: { at: start, litres: 0 }, coldestDraw: null },
  };
}

interface Entry {
  at: number;
  setting: { mode: string; setpointC: number };
}

/**
 * The heater running the entries minute by minute on its own clock in `zone`: an entry fires whenever the clock shows
 * its weekday and time, until the planner removes it a minute after the instant it expects it to switch.
 */
function runHeater(entries: readonly Entry[], from: number, to: number, zone: string) {
  const firings = entries.map(() => [] as number[]);
  const setting = new Map<number, string>();
  let current = 'user';
  const face = (t: number) => {
    const w = wallClock(t, zone);
    return `${w.weekday} ${w.hour}:${w.minute}`;
  };
  for (let t = from; t < to; t += MIN) {
    entries.forEach((e, i) => {
      if (t <= e.at + MIN && face(t) === face(e.at)) {
        firings[i].push(t);
        current = `${e.setting.mode} ${e.setting.setpointC}`;
      }
    });
    setting.set(t, current);
  }
  return { firings, setting };
}

/** Each entry fires exactly once, at its own instant; the heater heats in every minute of every window. */
function assertFollowsPlan(p: Plan, now: number, zone: string): Entry[] {
  const { entries } = desiredEntries(p, now, 16, zone);
  const { firings, setting } = runHeater(entries, now, p.end + 2 * MIN, zone);
  entries.forEach((e, i) => assert.deepEqual(firings[i].map(iso), [iso(e.at)], `entry ${i} (${iso(e.at)}) in ${zone}`));
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i].at > entries[i - 1].at, `entries in time order in ${zone}`);
  for (const w of p.windows) {
    for (let t = w.start; t < w.end; t += MIN) assert.equal(setting.get(t), 'heat-pump 62', `heating at ${iso(t)} in ${zone}`);
  }
  return entries;
}

describe("planner device mode: the heater's clock across the daylight-saving changes (2026)", () => {
  for (const { zone, daylight, standard } of ZONES) {
    describe(zone, () => {
      it('an instant in the second pass of the repeated hour moves to its end; every other instant stays', () => {
        // 01:30 daylight time: the first pass, unchanged. 01:30 standard time: the second pass -> 02:00 standard time.
        assert.equal(iso(unrepeatedTime(fallBack(daylight, 1, 30), zone)), iso(fallBack(daylight, 1, 30)));
        assert.equal(iso(unrepeatedTime(fallBack(standard, 1, 30), zone)), iso(fallBack(standard, 2)));
        assert.equal(iso(unrepeatedTime(fallBack(standard, 1, 0), zone)), iso(fallBack(standard, 2)));
        assert.equal(iso(unrepeatedTime(fallBack(standard, 1, 59) + 30_000, zone)), iso(fallBack(standard, 2)));
        assert.equal(iso(unrepeatedTime(fallBack(standard, 2), zone)), iso(fallBack(standard, 2)));
        assert.equal(iso(unrepeatedTime(fallBack(daylight, 0, 59), zone)), iso(fallBack(daylight, 0, 59)));
        // Nothing repeats when the clocks go forward, nor on an ordinary night.
        assert.equal(iso(unrepeatedTime(spring(standard, 1, 59), zone)), iso(spring(standard, 1, 59)));
        assert.equal(iso(unrepeatedTime(spring(daylight, 3), zone)), iso(spring(daylight, 3)));
        assert.equal(iso(unrepeatedTime(Date.UTC(2026, 0, 14, 7, 30), zone)), iso(Date.UTC(2026, 0, 14, 7, 30)));
      });

      it('fall-back night: a window through the repeated hour runs whole, every entry fires once and never early', () => {
        const now = fallBack(daylight, -6); // Saturday 18:00
        // 00:00-01:30 daylight time, and the hour's second pass up to 03:00 standard time.
        const p = plan(now, fallBack(standard, 7), [
          [fallBack(daylight, 0), fallBack(standard, 1, 15)],
          [fallBack(standard, 1, 40), fallBack(standard, 3)],
        ]);
        const entries = assertFollowsPlan(p, now, zone);
        // The first window's end (01:15 standard time) would fire at 01:15 daylight time: it goes to 02:00, where the
        // second window's start (01:40 standard time) goes too; the heater heats through from 00:00 to 03:00.
        assert.deepEqual(entries.map((e) => [iso(e.at), e.setting.mode]), [
          [iso(now + 2 * MIN), 'energy-saver'],
          [iso(fallBack(daylight, 0)), 'heat-pump'],
          [iso(fallBack(standard, 2)), 'heat-pump'],
          [iso(fallBack(standard, 3)), 'energy-saver'],
          [iso(fallBack(standard, 7)), 'energy-saver'],
        ]);
      });

      it("fall-back night: an entry at 01:30 daylight time fires once (it is removed before the clock shows 01:30 again)", () => {
        const now = fallBack(daylight, -6);
        const entries = assertFollowsPlan(plan(now, fallBack(standard, 7), [[fallBack(daylight, 1, 30), fallBack(daylight, 1, 50)]]), now, zone);
        assert.deepEqual(entries.slice(1, 3).map((e) => iso(e.at)), [iso(fallBack(daylight, 1, 30)), iso(fallBack(daylight, 1, 50))]);
      });

      it('a target at 01:30 on the fall-back night counts once, at its first occurrence', () => {
        const got = resolveTargets([{ at: '01:30', charge: 80 }], fallBack(daylight, -6), fallBack(standard, 12), zone);
        assert.deepEqual(got.map((t) => iso(t.at)), [iso(fallBack(daylight, 1, 30))]);
      });

      it('spring-forward night: a 02:30 target is due when the clocks jump to 03:00; no entry is written for a time the clock skips', () => {
        const now = spring(standard, -6);
        const [target] = resolveTargets([{ at: '02:30', charge: 80 }], now, spring(daylight, 12), zone);
        assert.equal(iso(target.at), iso(spring(daylight, 3)));
        // A window from 01:30 up to that target and on to 03:30.
        const entries = assertFollowsPlan(plan(now, spring(daylight, 7), [[spring(standard, 1, 30), spring(daylight, 3, 30)]]), now, zone);
        const times = entries.map((e) => wallClock(e.at, zone)).map((w) => `${w.hour}:${String(w.minute).padStart(2, '0')}`);
        assert.deepEqual(times, ['18:02', '1:30', '3:30', '7:00']);
      });
    });
  }
});
