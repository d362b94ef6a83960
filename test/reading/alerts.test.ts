import assert from 'node:assert/strict';
import { AlertState, airFilterDue, presenceAlerts, statusAlerts } from '../../src/shared/reading/alerts';

/** A healthy unit in Heat Pump mode (sensor flags 1 as in the capture). */
const HEALTHY = {
  dhwOperationSetting: 1,
  errorCode: 0,
  subErrorCode: 0,
  wtrOvrSensorUse: 1,
  conOvrSensorUse: 1,
  freezeProtectionUse: 2,
  freezeProtectionTemperature: 12, // 6 °C
  dhwTemperature: 115, // 57.5 °C
  tankLowerTemperature: 480, // 48 °C
  airFilterAlarmPeriod: 1000,
  airFilterAlarmElapsed: 10,
  antiLegionellaOperationBusy: 1,
  drEventStatus: 0,
};
const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);
const HOUR = 3_600_000;

/** Feeds statuses in order; returns the event names of each step. */
function run(statuses: Array<Record<string, unknown>>, start?: AlertState, times?: number[]) {
  let state = start;
  return statuses.map((raw, i) => {
    const result = statusAlerts(state, raw, times?.[i] ?? T0 + i * 1000);
    state = result.state;
    return result.events;
  });
}
const names = (steps: ReturnType<typeof run>) => steps.map((events) => events.map((e) => e.name));

describe('reading: alert transitions', () => {
  it('a healthy first status raises nothing', () => {
    assert.deepEqual(names(run([HEALTHY, HEALTHY])), [[], []]);
  });

  it('error raised, changed, cleared - once per transition, with description and advice', () => {
    const steps = run([
      HEALTHY,
      { ...HEALTHY, errorCode: 407, subErrorCode: 1 },
      { ...HEALTHY, errorCode: 407, subErrorCode: 1 },
      { ...HEALTHY, errorCode: 480, subErrorCode: 0 },
      { ...HEALTHY, errorCode: 0 },
      { ...HEALTHY, errorCode: 0 },
    ]);
    assert.deepEqual(names(steps), [[], ['error-raised'], [], ['error-changed'], ['error-cleared'], []]);
    const raised = steps[1][0].details.error as Record<string, unknown>;
    assert.equal(raised.code, 'E407');
    assert.equal(raised.subCode, 1);
    assert.match(String(raised.description), /DHW temperature sensor abnormal/);
    assert.match(String(raised.advice), /power-cycle/);
    assert.equal((steps[3][0].details.previous as Record<string, unknown>).code, 'E407');
    assert.equal((steps[3][0].details.error as Record<string, unknown>).code, 'E480');
    assert.equal((steps[4][0].details.previous as Record<string, unknown>).code, 'E480');
  });

  it('an error already present at the first status is raised (not lost), but nothing is reported cleared without a before', () => {
    assert.deepEqual(names(run([{ ...HEALTHY, errorCode: 990 }])), [['error-raised', 'condensate-overflow']]);
  });

  it('leak from E799 or the leak sensor; condensate overflow from E990 or its sensor', () => {
    assert.deepEqual(names(run([HEALTHY, { ...HEALTHY, errorCode: 799 }, HEALTHY])),
      [[], ['error-raised', 'leak-detected'], ['error-cleared', 'leak-cleared']]);
    assert.deepEqual(names(run([HEALTHY, { ...HEALTHY, wtrOvrSensorUse: 2 }, { ...HEALTHY, wtrOvrSensorUse: 2, errorCode: 799 }])),
      [[], ['leak-detected'], ['error-raised']], 'the leak continues: no second leak event');
    assert.deepEqual(names(run([HEALTHY, { ...HEALTHY, conOvrSensorUse: 2 }, HEALTHY])), [[], ['condensate-overflow'], ['condensate-overflow-cleared']]);
  });

  it('freeze protection: tank at or below the threshold while enabled, ending 1 °C above it', () => {
    const steps = run([
      HEALTHY,
      { ...HEALTHY, dhwTemperature: 13, tankLowerTemperature: 65 }, // 6.5 °C: above 6 °C
      { ...HEALTHY, dhwTemperature: 13, tankLowerTemperature: 60 }, // lower probe 6.0 °C: at the threshold
      { ...HEALTHY, dhwTemperature: 14, tankLowerTemperature: 70 }, // 7.0 °C: within 1 °C, still on
      { ...HEALTHY, dhwTemperature: 15, tankLowerTemperature: 71 }, // 7.1 °C: ended
      { ...HEALTHY, freezeProtectionUse: 1, dhwTemperature: 2, tankLowerTemperature: 10 }, // disabled: never
    ]);
    assert.deepEqual(names(steps), [[], [], ['freeze-protection-started'], [], ['freeze-protection-ended'], []]);
    assert.deepEqual(steps[2][0].details, { thresholdC: 6, coldestC: 6 });
  });

  it('air filter due when elapsed reaches the period (period > 0), reset when the counter restarts', () => {
    assert.equal(airFilterDue({ airFilterAlarmPeriod: 0, airFilterAlarmElapsed: 5000 }), false);
    const steps = run([
      HEALTHY,
      { ...HEALTHY, airFilterAlarmElapsed: 999 },
      { ...HEALTHY, airFilterAlarmElapsed: 1000 },
      { ...HEALTHY, airFilterAlarmElapsed: 1001 },
      { ...HEALTHY, airFilterAlarmElapsed: 0 },
    ]);
    assert.deepEqual(names(steps), [[], [], ['air-filter-due'], [], ['air-filter-reset']]);
    assert.deepEqual(steps[2][0].details, { elapsedHours: 1000, periodHours: 1000 });
  });

  it('anti-legionella cycle started and finished; 0 (unknown) changes nothing', () => {
    assert.deepEqual(names(run([
      HEALTHY,
      { ...HEALTHY, antiLegionellaOperationBusy: 2 },
      { ...HEALTHY, antiLegionellaOperationBusy: 0 },
      { ...HEALTHY, antiLegionellaOperationBusy: 1 },
    ])), [[], ['anti-legionella-started'], [], ['anti-legionella-finished']]);
  });

  it('demand response: every change of drEventStatus, by name', () => {
    const steps = run([HEALTHY, { ...HEALTHY, drEventStatus: 2 }, { ...HEALTHY, drEventStatus: 2 }, { ...HEALTHY, drEventStatus: 0 }]);
    assert.deepEqual(names(steps), [[], ['demand-response'], [], ['demand-response']]);
    assert.deepEqual(steps[1][0].details, { status: 'shed', previous: 'none' });
    assert.deepEqual(steps[3][0].details, { status: 'none', previous: 'shed' });
  });

  it('vacation ending: days left reaching 1, then 0', () => {
    const vacation = (days: number) => ({ ...HEALTHY, dhwOperationSetting: 5, vacationDaySetting: 7, vacationDayElapsed: days });
    const steps = run([vacation(3), vacation(2), vacation(1), vacation(1), vacation(0), HEALTHY]);
    assert.deepEqual(names(steps), [[], [], ['vacation-ending'], [], ['vacation-ending'], []]);
    assert.deepEqual(steps[2][0].details, { daysLeft: 1 });
    assert.deepEqual(steps[4][0].details, { daysLeft: 0 });
  });

  it('Electric mode: warned once 2 h before the 72 h revert, counted from when Electric was first seen', () => {
    const electric = { ...HEALTHY, dhwOperationSetting: 2 };
    const times = [T0, T0 + 69 * HOUR, T0 + 70 * HOUR, T0 + 71 * HOUR, T0 + 72 * HOUR, T0 + 73 * HOUR, T0 + 74 * HOUR];
    const statuses = [electric, electric, electric, electric, HEALTHY, electric, electric];
    let state: AlertState | undefined;
    const seen: string[][] = [];
    const details: Array<Record<string, unknown>> = [];
    statuses.forEach((raw, i) => {
      const r = statusAlerts(state, raw, times[i]);
      state = r.state;
      seen.push(r.events.map((e) => e.name));
      details.push(...r.events.map((e) => e.details));
      if (i === 0) assert.equal(state.electricSince, T0);
    });
    assert.deepEqual(seen, [[], [], ['electric-reverting'], [], [], [], []]);
    assert.deepEqual(details[0], { since: '2025-01-01T00:00:00.000Z', revertsAt: '2025-01-04T00:00:00.000Z', hoursLeft: 2 });
    assert.equal(state?.electricSince, T0 + 73 * HOUR, 'Electric again: a new 72 h');
    const custom = statusAlerts(undefined, electric, T0);
    assert.equal(statusAlerts(custom.state, electric, T0 + 60 * HOUR, { electricWarnHours: 12 }).events[0]?.name, 'electric-reverting');
  });

  it('presence: offline once, online only after offline', () => {
    let state: AlertState | undefined;
    const seen = (['online', 'online', 'offline', 'offline', 'unknown', 'online'] as const).map((p) => {
      const r = presenceAlerts(state, p);
      state = r.state;
      return r.events.map((e) => e.name);
    });
    assert.deepEqual(seen, [[], [], ['offline'], [], [], ['online']]);
    assert.deepEqual(presenceAlerts(undefined, 'offline').events.map((e) => e.name), ['offline'], 'offline from the start');
  });
});
