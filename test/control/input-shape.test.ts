/**
 * The shape of an input: only the keys a flow really set on the message count (own keys, nested objects included),
 * and an unknown key anywhere is refused with its path, for controls and for read requests alike.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { decodeFeature } from '../../src/shared/codec';
import { ControlInputError, ControlLimits } from '../../src/shared/control/plan';
import type { TimedRequest } from '../../src/shared/control/plans/timed';
import { planRequest } from '../../src/shared/control/request/parse';
import { parseReadRequest } from '../../src/shared/reading/read-request';

const FEATURE: Record<string, unknown> = {
  powerUse: 2, dhwUse: 2, holidayUse: 2, programReservationUse: 2, antiLegionellaSettingUse: 2, heatpumpUse: 2,
  electricUse: 2, energySaverUse: 2, highDemandUse: 2, recirculationUse: 2, dhwTemperatureSettingUse: 2,
  dhwTemperatureMin: 81, dhwTemperatureMax: 131, controllerSerialNumber: 'TEST0000SN00000001',
};
const LIMITS: ControlLimits = { unit: 'F', allowPowerOff: true, readOnly: false, features: decodeFeature(FEATURE, 'F'), boostMinutes: 45 };

const ENTRY = { days: ['mon'], time: '06:30', mode: 'heat-pump', setpoint: 120 };
const PERIOD = { months: ['jan'], days: ['mon'], start: '00:00', end: '05:59', priceMin: 0.1, priceMax: 0.2, decimalPoint: 2 };

/** The unknown-key error of `payload`, or a failure when it is accepted or refused for another reason. */
function unknownKey(payload: unknown): { key: string | number; allowed: string | number } {
  try {
    planRequest(undefined, payload, undefined, LIMITS);
  } catch (err) {
    assert.ok(err instanceof ControlInputError, `expected an input error, got ${String(err)}`);
    assert.equal(err.key, 'unknown-key', `${inspect(payload)}: ${err.message}`);
    return { key: err.args.key, allowed: err.args.allowed };
  }
  assert.fail(`accepted ${inspect(payload)}`);
}

/** An object whose prototype carries `inherited`: what a flow gets from Object.create or a class default. */
function withInherited(own: Record<string, unknown>, inherited: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(inherited) as Record<string, unknown>, own);
}

describe('control input: unknown keys in nested objects are refused by path', () => {
  it('a typo in a weekly-program entry ({enable: false}) is refused, not written as an enabled entry', () => {
    assert.deepEqual(unknownKey({ schedule: { entries: [{ ...ENTRY, enable: false }] } }),
      { key: 'schedule.entries[0].enable', allowed: 'enabled, days, time, mode, setpoint' });
    assert.equal(unknownKey({ schedule: { enabled: true, entries: [ENTRY, { ...ENTRY, time: '07:00', setpiont: 120 }] } }).key, 'schedule.entries[1].setpiont');
  });

  it('every nested object the control node accepts names the unknown key with its path', () => {
    const cases: Array<[unknown, string]> = [
      [{ schedule: { enable: false } }, 'schedule.enable'],
      [{ schedule: { add: { ...ENTRY, enable: false } } }, 'schedule.add.enable'],
      [{ schedule: { remove: { days: ['mon'], time: '06:30', enable: false } } }, 'schedule.remove.enable'],
      [{ antiLegionella: { periodDays: 7, period: 7 } }, 'antiLegionella.period'],
      [{ vacation: { days: 3, restor: true } }, 'vacation.restor'],
      [{ boost: { setpoint: 140, minute: 10 } }, 'boost.minute'],
      [{ touSchedule: { periods: [PERIOD], enable: true } }, 'touSchedule.enable'],
      [{ touSchedule: { periods: [{ ...PERIOD, price: 0.3 }] } }, 'touSchedule.periods[0].price'],
      [{ recirculation: { mode: 'always', minutes: 5 } }, 'recirculation.minutes'],
    ];
    for (const [payload, key] of cases) assert.equal(unknownKey(payload).key, key, JSON.stringify(payload));
    // A payload that refers to itself is refused like any other, not copied forever.
    const boost: Record<string, unknown> = { setpoint: 140 };
    boost.self = boost;
    assert.equal(unknownKey({ boost }).key, 'boost.self');
  });
});

describe('control input: only own keys of msg.payload count', () => {
  it('an inherited setpoint is not obeyed: only the own power control is planned', () => {
    const { controls } = planRequest(undefined, withInherited({ power: true }, { setpoint: 130 }), undefined, LIMITS);
    assert.deepEqual(controls.map((c) => c.command), ['power']);
  });

  it('a payload with nothing of its own is empty, whatever its prototype holds', () => {
    assert.throws(() => planRequest(undefined, withInherited({}, { setpoint: 130 }), undefined, LIMITS),
      (err: unknown) => err instanceof ControlInputError && err.key === 'empty');
  });

  it('inherited keys of nested objects are not obeyed either (entry enabled, boost minutes)', () => {
    const { controls } = planRequest(undefined, { schedule: { entries: [withInherited(ENTRY, { enabled: false })] } }, undefined, LIMITS);
    const wire = controls[0].build({ clientId: 'c', sessionId: '1', device: { mac: '0a1b2c3d4e5f', additionalValue: '1', deviceType: 52 } });
    const entries = (wire.payload as { request: { reservation: Array<{ enable: number }> } }).request.reservation;
    assert.deepEqual(entries.map((e) => e.enable), [2], 'written as enabled: the inherited enabled: false is not the flow\'s');
    const { timed } = planRequest(undefined, { boost: withInherited({ setpoint: 140 }, { minutes: 5 }) }, undefined, LIMITS);
    assert.equal((timed[0] as Extract<TimedRequest, { kind: 'boost' }>).minutes, 45, 'the node\'s boost length, not the inherited 5');
  });

  it('an own __proto__ key (JSON.parse makes one) is an unknown key, never a prototype', () => {
    const payload: unknown = JSON.parse('{"power": true, "boost": {"setpoint": 140, "__proto__": {"minutes": 5}}}');
    assert.equal(unknownKey(payload).key, 'boost.__proto__');
  });
});

describe('read requests: only own keys of msg.payload count', () => {
  const NOW = new Date(2025, 2, 10, 12, 0, 0);

  it('an inherited read is not a request: the configured read answers', () => {
    assert.deepEqual(parseReadRequest(withInherited({}, { read: 'energy' }), { read: 'status' }, NOW), { ok: true, request: { read: 'status' } });
  });

  it('inherited year and month are not obeyed: the defaults are', () => {
    assert.deepEqual(parseReadRequest(withInherited({ read: 'energy' }, { year: 2020, month: 1 }), {}, NOW),
      { ok: true, request: { read: 'energy', period: 'daily', year: 2025, month: 3 } });
  });
});
