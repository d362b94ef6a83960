import assert from 'node:assert/strict';
import { decodeReservationResponse, encodeReservation } from '../../src/shared/codec';
import { DEFAULT_TANK_MODEL, PlanInputError, ProgramWindow, energyForCharge, planHeating, toWeeklyProgram, wallClock, zonedTime } from '../../src/shared/planner';

const TZ = 'Europe/Berlin';
const H = 3_600_000;
const HOLD = { mode: 'energy-saver' as const, setpointC: 40.5 };

function window(day: number, fromHour: number, toHour: number, mode: ProgramWindow['mode'] = 'heat-pump', setpointC = 60): ProgramWindow {
  return { start: zonedTime(2025, 1, day, fromHour, 0, TZ), end: zonedTime(2025, 1, day, toHour, 0, TZ), mode, setpointC };
}

describe('planner: windows as weekly-program entries', () => {
  it('a window is a start entry with its mode and setpoint and an end entry back to the hold, on the local weekday', () => {
    // 16 January 2025 is a Thursday.
    const program = toWeeklyProgram([window(16, 1, 5, 'heat-pump', 61.5)], { restore: HOLD, timeZone: TZ });
    assert.deepEqual(program.entries, [
      { enabled: true, days: ['thu'], time: '01:00', mode: 'heat-pump', setpoint: 61.5 },
      { enabled: true, days: ['thu'], time: '05:00', mode: 'energy-saver', setpoint: 40.5 },
    ]);
    assert.equal(program.merged, 0);
    // The codec accepts them as a program write, and a read-back decodes to the same entries.
    const wire = encodeReservation({ enabled: true, entries: program.entries }, 'C');
    assert.deepEqual(wire.reservation[0], { enable: 2, week: 8, hour: 1, min: 0, mode: 1, param: 123 });
    assert.deepEqual(decodeReservationResponse(wire, 'C').entries, program.entries);
  });

  it('writes setpoints in the unit asked for, and whole minutes (start on the minute, end on the next)', () => {
    const w = { start: zonedTime(2025, 1, 16, 1, 0, TZ) + 28_000, end: zonedTime(2025, 1, 16, 4, 41, TZ) + 5_000, mode: 'high-demand' as const, setpointC: 61 };
    const program = toWeeklyProgram([w], { restore: { mode: 'heat-pump', setpointC: 60.5 }, unit: 'F', timeZone: TZ });
    assert.deepEqual(program.entries.map((e) => [e.time, e.mode, e.setpoint]), [['01:00', 'high-demand', 141.8], ['04:42', 'heat-pump', 140.9]]);
    encodeReservation({ enabled: true, entries: program.entries }, 'F');
  });

  it('back-to-back windows need no end entry between them; a window over midnight ends on the next day', () => {
    const program = toWeeklyProgram([window(16, 22, 23), { ...window(16, 23, 23), end: zonedTime(2025, 1, 17, 1, 0, TZ), mode: 'high-demand' }], { restore: HOLD, timeZone: TZ });
    assert.deepEqual(program.entries.map((e) => [e.days[0], e.time, e.mode]), [
      ['thu', '22:00', 'heat-pump'],
      ['thu', '23:00', 'high-demand'],
      ['fri', '01:00', 'energy-saver'],
    ]);
    // When each entry switches: what navien-planner's device mode needs to remove it once it has done its job.
    assert.deepEqual(program.times, [zonedTime(2025, 1, 16, 22, 0, TZ), zonedTime(2025, 1, 16, 23, 0, TZ), zonedTime(2025, 1, 17, 1, 0, TZ)]);
  });

  it('merges the closest windows until the entries fit the budget', () => {
    const windows = [window(16, 1, 2), window(16, 3, 4), window(16, 4, 5, 'electric'), window(16, 10, 11), window(16, 13, 14), window(16, 20, 21)];
    // Unmerged: 6 starts + 5 ends (3-4 and 4-5 touch) = 11 entries.
    assert.equal(toWeeklyProgram(windows, { restore: HOLD, timeZone: TZ }).entries.length, 11);
    const program = toWeeklyProgram(windows, { restore: HOLD, timeZone: TZ, maxEntries: 6 });
    assert.ok(program.entries.length <= 6);
    assert.equal(program.merged, 3);
    // The touching 03-04 and 04-05 merge first, then 01-02 with them (1 h apart), then 10-11 and 13-14 (2 h);
    // heat pump and electric together are High Demand.
    assert.deepEqual(
      program.windows.map((w) => [wallClock(w.start, TZ).hour, wallClock(w.end, TZ).hour, w.mode]),
      [[1, 5, 'high-demand'], [10, 14, 'heat-pump'], [20, 21, 'heat-pump']],
    );
    assert.throws(() => toWeeklyProgram(windows, { restore: HOLD, maxEntries: 1 }), PlanInputError);
    assert.throws(() => toWeeklyProgram(windows, { restore: HOLD, maxEntries: 17 }), PlanInputError);
  });

  it("turns a real plan's windows into a program the codec accepts", () => {
    const model = { ...DEFAULT_TANK_MODEL, capacityWhPerK: 372.2 };
    const now = zonedTime(2025, 1, 15, 12, 0, TZ);
    const prices = Array.from({ length: 36 }, (_, i) => ({ start: now + i * H, end: now + (i + 1) * H, price: 0.2 + 0.15 * Math.sin(i / 2) }));
    const plan = planHeating({
      now, prices, timeZone: TZ, targets: [{ at: '06:30', charge: 90 }, { at: '19:00', charge: 80 }], energyKWh: energyForCharge(30, 60.5, model), model,
      userMode: 'heat-pump', userSetpointC: 60.5, maxSetpointC: 65, allowElement: true, horizonHours: 36,
    });
    assert.ok(plan.windows.length >= 2);
    const program = toWeeklyProgram(plan.windows, { restore: plan.hold, timeZone: TZ });
    assert.ok(program.entries.length <= 16 && program.entries.length >= plan.windows.length + 1);
    const wire = encodeReservation({ enabled: true, entries: program.entries }, 'C');
    assert.equal(wire.reservation.length, program.entries.length);
  });
});
