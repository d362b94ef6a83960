import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandContext, InboundMessage, decodeFeature } from '../../src/shared/codec';
import type { ControlOutcome } from '../../src/shared/control/device-commands';
import type { Clock } from '../../src/shared/clock';
import { TimedActions } from '../../src/shared/control/timed-actions';
import type { KeeperEvent } from '../../src/shared/ledger/settings-keeper';
import { memoryKeeper } from '../helpers/memory-keeper';
import { ControlInputError, ControlLimits, PlannedControl } from '../../src/shared/control/plan';
import type { TimedRequest } from '../../src/shared/control/plans/timed';
import { planRequest } from '../../src/shared/control/request/parse';

const CATALOG_PATH = path.resolve(__dirname, '..', '..', '..', 'locales', 'en-US', 'navien-control.json');
const ERRORS = (JSON.parse(fs.readFileSync(CATALOG_PATH, 'utf8')) as { 'navien-control': { errors: Record<string, string> } })['navien-control'].errors;

function render(err: ControlInputError): string {
  const template = ERRORS[err.key];
  assert.ok(template, `catalog has errors.${err.key}`);
  return template.replace(/__(\w+)__/g, (_m, name: string) => {
    assert.ok(name in err.args, `errors.${err.key} uses __${name}__ but the error passes no '${name}'`);
    return String(err.args[name]);
  });
}

const FEATURE: Record<string, unknown> = {
  powerUse: 2, dhwUse: 2, holidayUse: 2, programReservationUse: 2, antiLegionellaSettingUse: 2, drSettingUse: 2,
  heatpumpUse: 2, electricUse: 2, energySaverUse: 2, highDemandUse: 2, recirculationUse: 1, recircReservationUse: 2,
  dhwTemperatureSettingUse: 2, dhwTemperatureMin: 81, dhwTemperatureMax: 131, controllerSerialNumber: 'TEST0000SN00000001',
};

function limits(overrides: Record<string, unknown> = {}, unit: 'F' | 'C' = 'F'): ControlLimits {
  return { unit, allowPowerOff: true, readOnly: false, features: decodeFeature({ ...FEATURE, ...overrides }, unit), boostMinutes: 45 };
}

function reject(payload: unknown, lim: ControlLimits = limits()): string {
  try {
    planRequest(undefined, payload, undefined, lim);
  } catch (err) {
    assert.ok(err instanceof ControlInputError, `expected ControlInputError, got ${String(err)}`);
    return render(err);
  }
  assert.fail(`accepted ${JSON.stringify(payload)}`);
}

const CTX: CommandContext = { clientId: 'c', sessionId: '1', device: { mac: '0a1b2c3d4e5f', additionalValue: '1234', deviceType: 52 } };

function only(payload: unknown, lim = limits()): PlannedControl {
  const { controls } = planRequest(undefined, payload, undefined, lim);
  assert.equal(controls.length, 1);
  return controls[0];
}

describe('planRequest: the write keys of issue 5', () => {
  it('refuses bad input naming field, value and what is allowed', () => {
    const cases: Array<[unknown, string]> = [
      [{ schedule: [] }, 'schedule must be {enabled, entries: [...]}, {add: entry}, {remove: entry} or {enabled: false}, got []'],
      [{ schedule: { entries: [{ days: ['mon'], time: '25:00', mode: 'heat-pump', setpoint: 120 }] } }, `schedule.entries[0].time = "25:00" is not valid; allowed: a time 'HH:MM' from 00:00 to 23:59`],
      [{ schedule: { entries: [{ days: ['funday'], time: '06:00', mode: 'heat-pump', setpoint: 120 }] } }, 'schedule.entries[0].days[0] = "funday" is not valid; allowed: mon, tue, wed, thu, fri, sat, sun'],
      [{ schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 160 } } }, 'schedule.add.setpoint = 160 is not valid; allowed: 104.9-149.9 °F'],
      [{ schedule: { add: { days: ['mon'], time: '06:00', mode: 'turbo', setpoint: 120 } } }, 'schedule.add.mode = "turbo" is not valid; allowed: heat-pump, electric, energy-saver, high-demand'],
      [{ schedule: { remove: { days: ['mon'] } } }, 'schedule.remove must be an entry with at least days and time, got {"days":["mon"]}'],
      [{ schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 }, remove: { days: ['mon'], time: '06:00' } } }, 'schedule.add cannot be combined with schedule.remove in one message'],
      [{ schedule: { enabled: 'yes' } }, 'schedule.enabled must be true or false, got "yes"'],
      [{ vacation: { days: 31 } }, 'vacation.days = 31 is out of range; allowed 1 to 30'],
      [{ vacation: true }, 'vacation must be {"days": 1-30} (optionally "restore": true), or false to end it, got true'],
      [{ vacation: { days: 3 }, mode: 'electric' }, 'vacation cannot be combined with mode in one message'],
      [{ touSchedule: { periods: [] } }, "touSchedule.periods must be a non-empty list of periods {months: ['jan', ...], days: ['mon', ...], start: 'HH:MM', end: 'HH:MM', priceMin, priceMax, decimalPoint}, got []"],
      [{ touSchedule: { periods: [{ months: ['jan'], days: ['mon'], start: '00:00', end: '24:00', priceMin: 0.1, priceMax: 0.2, decimalPoint: 2 }] } }, `touSchedule.periods[0].end = "24:00" is not valid; allowed: a time 'HH:MM' from 00:00 to 23:59`],
      [{ demandResponse: 'on' }, 'demandResponse must be true or false, got "on"'],
      [{ airFilter: 3200 }, "airFilter = 3200 is not valid; allowed: 'reset', 0 (alarm off) or hours 1000-10000 in steps of 500"],
      [{ airFilter: 'clean' }, `airFilter must be 'reset', 0 (alarm off) or hours 1000-10000 in steps of 500, got "clean"`],
      [{ reservationMode: false }, 'reservationMode must be true (sends the water-program command), got false'],
      [{ recirculation: { mode: 'always' } }, 'this device does not support recirculation'],
      [{ boost: { minutes: 10 } }, 'boost must be {setpoint, mode, minutes} or {setpoint, mode, untilCharge: 1-100}, or false to end it, got {"minutes":10}'],
      [{ boost: { setpoint: 150.5, minutes: 10 } }, 'boost.setpoint = 150.5 °F is out of range; allowed 104.9 to 149.9'],
      [{ boost: { mode: 'vacation', minutes: 10 } }, "boost.mode = 'vacation' is not allowed; use one of heat-pump, electric, energy-saver, high-demand"],
      [{ boost: { setpoint: 140, untilCharge: 101 } }, 'boost.untilCharge = 101 is out of range; allowed 1 to 100'],
      [{ boost: { setpoint: 140, minutes: 0 } }, 'boost.minutes = 0 is out of range; allowed above 0 to 4320'],
      [{ boost: { setpoint: 140 }, setpoint: 120 }, 'boost cannot be combined with setpoint in one message'],
    ];
    for (const [payload, text] of cases) assert.equal(reject(payload), text, JSON.stringify(payload));
    // Capability gating from the feature flags: each a known "no".
    assert.equal(reject({ schedule: { enabled: false } }, limits({ programReservationUse: 1 })), 'this device does not support schedule');
    assert.equal(reject({ touSchedule: { periods: [{}] } }, limits({ programReservationUse: 1 })), 'this device does not support touSchedule');
    assert.equal(reject({ demandResponse: true }, limits({ drSettingUse: 1 })), 'this device does not support demandResponse');
    assert.equal(reject({ vacation: { days: 2 } }, limits({ holidayUse: 0 })), 'this device does not support vacation');
    assert.equal(reject({ reservationMode: true }, limits({ programReservationUse: 1 })), 'this device does not support reservationMode');
    assert.equal(reject({ boost: { mode: 'electric' } }, limits({ electricUse: 1 })), "this device does not support mode 'electric'");
    // No serial, no TOU write (the serial is part of the message).
    const period = { months: ['jan'], days: ['mon'], start: '00:00', end: '05:59', priceMin: 0.1, priceMax: 0.2, decimalPoint: 2 };
    assert.equal(reject({ touSchedule: { periods: [period] } }, limits({ controllerSerialNumber: '' })),
      "touSchedule needs the controller serial number from the device's features, which it did not report; nothing was sent");
    // Read-only refuses the new writes too.
    assert.equal(reject({ demandResponse: true }, { ...limits(), readOnly: true }), 'the account is read-only; demandResponse was not sent');
    assert.equal(reject({ boost: false }, { ...limits(), readOnly: true }), 'the account is read-only; boost was not sent');
  });

  it('builds the wire messages worked out by hand from docs/protocol.md#commands', () => {
    const request = (plan: PlannedControl) => plan.build(CTX).payload.request as Record<string, unknown>;
    // Mon-Fri = 64+32+16+8+4 = 124; 140 °F = round(108 * 10 / 9) = 120 half-°C; Sat+Sun = 2+128 = 130; 120 °F -> 98.
    const replace = only({ schedule: { enabled: true, entries: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', mode: 'high-demand', setpoint: 140 },
      { enabled: false, days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 120 },
    ] } });
    const built = replace.build(CTX);
    assert.equal(built.topic, 'cmd/52/navilink-0a1b2c3d4e5f/ctrl/rsv/rd');
    assert.equal(built.payload.responseTopic, 'cmd/52/c/res/rsv/rd');
    assert.deepEqual([request(replace).command, request(replace).reservationUse, request(replace).reservation], [16777226, 2, [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 1, week: 130, hour: 8, min: 0, mode: 3, param: 98 },
    ]]);
    // Confirmed by the echo in any order, in hex too (027c061e0478 = the first entry, 0182080003 62 = the second).
    const echo = (response: Record<string, unknown>): InboundMessage => ({ kind: 'reservation', topic: 't', mac: '0a1b2c3d4e5f', response, payload: {} });
    assert.ok(replace.confirmedByReply?.(echo({ reservationUse: 2, reservation: '018208000362027c061e0478' })));
    assert.equal(replace.confirmedByReply?.(echo({ reservationUse: 1, reservation: '018208000362027c061e0478' })), undefined, 'program off is not what was sent');
    assert.equal(replace.confirmedByReply?.(echo({ reservationUse: 2, reservation: '027c061e0478' })), undefined, 'an entry missing');

    const cases: Array<[unknown, string, unknown[]]> = [
      [{ demandResponse: true }, 'dr-on', []],
      [{ demandResponse: false }, 'dr-off', []],
      [{ airFilter: 'reset' }, 'air-filter-reset', []],
      [{ airFilter: 3000 }, 'air-filter-life', [6]],
      [{ airFilter: 0 }, 'air-filter-life', [0]],
      [{ reservationMode: true }, 'reservation-mode', []],
    ];
    for (const [payload, mode, param] of cases) {
      const r = request(only(payload));
      assert.deepEqual([r.mode, r.param], [mode, param], JSON.stringify(payload));
    }
    const pump = limits({ recirculationUse: 2 });
    assert.deepEqual([request(only({ recirculation: { mode: 'temperature' } }, pump)).mode, request(only({ recirculation: { mode: 'temperature' } }, pump)).param], ['recirc-mode', [4]]);
    assert.deepEqual(request(only({ recirculation: { hotButton: true } }, pump)).param, [1]);
    // TOU: 0.36261 at 5 decimals = 36261; Jan-May + Oct-Dec = 1+2+4+8+16+512+1024+2048 = 3615.
    const tou = only({ touSchedule: { periods: [{ months: ['jan', 'feb', 'mar', 'apr', 'may', 'oct', 'nov', 'dec'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '16:00', end: '20:59', priceMin: 0.36261, priceMax: 0.46378, decimalPoint: 5 }] } });
    const touWire = tou.build(CTX);
    assert.equal(touWire.topic, 'cmd/52/navilink-0a1b2c3d4e5f/ctrl/tou/rd');
    assert.deepEqual(touWire.payload.request, {
      command: 33554439, deviceType: 52, macAddress: '0a1b2c3d4e5f', additionalValue: '1234', controllerSerialNumber: 'TEST0000SN00000001', reservationUse: 2,
      reservation: [{ season: 3615, week: 124, startHour: 16, startMinute: 0, endHour: 20, endMinute: 59, priceMin: 36261, priceMax: 46378, decimalPoint: 5 }],
    });
  });

  it('plans boost and vacation as timed actions with the durations asked for', () => {
    const timed = (payload: unknown): TimedRequest => {
      const { controls, timed: t } = planRequest(undefined, payload, undefined, limits());
      assert.equal(controls.length, 0);
      return t[0];
    };
    // 140 °F -> 120 half-°C; high-demand = 4.
    assert.deepEqual(timed({ boost: { setpoint: 140, mode: 'high-demand', minutes: 0.5 } }), {
      kind: 'boost', requested: { setpoint: 140, mode: 'high-demand', minutes: 0.5 }, setpointRaw: 120, modeId: 4, minutes: 0.5, untilCharge: undefined,
    });
    // Without a duration: the node's default (45 here), shown in requested.
    assert.deepEqual(timed({ boost: { setpoint: 140 } }), { kind: 'boost', requested: { setpoint: 140, minutes: 45 }, setpointRaw: 120, modeId: undefined, minutes: 45, untilCharge: undefined });
    // Until a charge: capped at 12 h.
    assert.equal((timed({ boost: { mode: 'electric', untilCharge: 90 } }) as { minutes: number }).minutes, 720);
    assert.deepEqual(timed({ boost: false }), { kind: 'boost-cancel', requested: false });
    assert.deepEqual(timed({ vacation: { days: 7 } }), { kind: 'vacation', requested: { days: 7, restore: false }, days: 7, restore: false });
    assert.deepEqual(timed({ vacation: false }), { kind: 'vacation-end', requested: false });
  });
});

/** A fake clock: timers run when the test moves time on. */
class FakeClock implements Clock {
  time = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.ids;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}

describe('TimedActions and the heater\'s keeper (fake device, fake clock, in-memory ledger)', () => {
  function rig(initial: Record<string, unknown> = { dhwOperationSetting: 3, dhwTemperatureSetting: 100 }) {
    const device = { ...initial };
    const sent: string[] = [];
    const listeners = new Set<(s: Record<string, unknown>) => void>();
    const clock = new FakeClock();
    /** The heater ignores our writes (they time out) while set. */
    let deaf = false;
    const submit = async (plan: PlannedControl): Promise<ControlOutcome> => {
      if (deaf) return { command: plan.command, requested: plan.requested, applied: null, result: 'timeout', latencyMs: 1, status: { ...device } };
      const request = plan.build(CTX).payload.request as { mode: string; param: number[] };
      sent.push(`${request.mode} ${request.param.join(',')}`);
      if (request.mode === 'dhw-temperature') device.dhwTemperatureSetting = request.param[0];
      if (request.mode === 'dhw-mode') {
        device.dhwOperationSetting = request.param[0];
        if (request.param[1]) device.vacationDaySetting = request.param[1];
      }
      const applied = plan.confirmedValue({ ...device });
      return { command: plan.command, requested: plan.requested, applied, result: applied === undefined ? 'timeout' : 'confirmed', latencyMs: 1, status: { ...device } };
    };
    const readStatus = async () => ({ ...device });
    const watchStatus = (listener: (s: Record<string, unknown>) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    };
    const kept = memoryKeeper('aa', { submit, readStatus, watchStatus, clock });
    const reported: KeeperEvent[] = [];
    kept.keeper.subscribe('n1', (e) => reported.push(e));
    const deps = { mac: 'aa', unit: 'F' as const, owner: 'n1', submit, readStatus, keeper: kept.keeper, clock };
    const restored = () => reported.flatMap((e) => (e.type === 'restored' && e.cause !== 'requested' ? [e.event] : []));
    return { device, sent, reported, restored, deps, clock, record: kept.record, deaf: (on: boolean) => void (deaf = on), push: (s: Record<string, unknown>) => listeners.forEach((l) => l(s)) };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('boost for minutes: started at once, restored when the time is up, the record gone', async () => {
    const r = rig();
    const actions = new TimedActions(r.deps);
    const started = await actions.run({ kind: 'boost', requested: { setpoint: 140, mode: 'high-demand', minutes: 30 }, setpointRaw: 120, modeId: 4, minutes: 30 }, 'evening');
    assert.deepEqual([started?.phase, started?.result, started?.applied], ['started', 'confirmed', { setpoint: 140, mode: 'high-demand' }]);
    assert.deepEqual(r.sent, ['dhw-temperature 120', 'dhw-mode 4']);
    assert.deepEqual(r.record()?.baseline, { mode: 3, setpointRaw: 100 });
    assert.deepEqual(r.record()?.changes.map((c) => [c.owner, c.kind, c.ours, c.until]), [['n1', 'boost', { mode: 4, setpointRaw: 120 }, 1_000_000 + 30 * 60_000]]);
    r.clock.advance(30 * 60_000 - 1);
    await settle();
    assert.equal(r.restored().length, 0, 'not before its time');
    r.clock.advance(1);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.sent.slice(2), ['dhw-temperature 100', 'dhw-mode 3']);
    // 100 half-°C = 50 °C = 122 °F; energy-saver = 3.
    assert.deepEqual(r.restored().map((e) => [e.command, e.phase, e.result, e.topic]), [['boost', 'restored', 'confirmed', 'evening']]);
    assert.deepEqual(r.restored()[0].requested, { mode: 'energy-saver', setpoint: 122 });
    assert.equal(r.record(), undefined);
  });

  it('a restored boost is done only when the heater confirms it: a timeout keeps the record and retries with backoff', async () => {
    const r = rig();
    const actions = new TimedActions(r.deps);
    await actions.run({ kind: 'boost', requested: {}, setpointRaw: 120, minutes: 1 }, undefined);
    // The heater stops taking the setpoint (its writes time out) just as the boost ends.
    r.deaf(true);
    r.clock.advance(60_000);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.reported.map((e) => e.type), ['retrying']);
    assert.ok((r.record()?.changes[0].until ?? Infinity) <= r.clock.now(), 'kept, overdue (put back at the next chance, also after a restart)');
    r.clock.advance(29_999);
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(r.reported.length, 1, 'not before 30 s');
    r.clock.advance(1);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.reported.map((e) => e.type), ['retrying', 'retrying'], 'tried again after 30 s');
    assert.equal((r.reported[1] as { retryInMs: number }).retryInMs, 60_000, 'then 60 s');
    r.deaf(false);
    r.clock.advance(60_000);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.reported.map((e) => e.type), ['retrying', 'retrying', 'restored']);
    assert.equal(r.device.dhwTemperatureSetting, 100);
    assert.equal(r.record(), undefined);
  });

  it('a new instance on the same keeper resumes the timer, or restores at once when overdue', async () => {
    const r = rig();
    const first = new TimedActions(r.deps);
    await first.run({ kind: 'boost', requested: {}, setpointRaw: 120, minutes: 10 }, undefined);
    assert.ok(r.record());
    const second = new TimedActions(r.deps);
    await second.resume();
    r.clock.advance(10 * 60_000);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.restored().map((e) => e.phase), ['restored']);
    assert.equal(r.device.dhwTemperatureSetting, 100);
  });

  it('boost until a tank charge restores on the first status at or above it; a second boost keeps the first baseline', async () => {
    const r = rig();
    const actions = new TimedActions(r.deps);
    await actions.run({ kind: 'boost', requested: {}, setpointRaw: 131, untilCharge: 90, minutes: 720 }, undefined);
    await actions.run({ kind: 'boost', requested: {}, setpointRaw: 125, untilCharge: 90, minutes: 720 }, undefined);
    assert.deepEqual(r.record()?.baseline, { mode: 3, setpointRaw: 100 });
    r.push({ dhwChargePer: 89 });
    await settle();
    assert.equal(r.restored().length, 0);
    r.push({ dhwChargePer: 90 });
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.restored().map((e) => e.phase), ['restored']);
    assert.equal(r.device.dhwTemperatureSetting, 100);
  });

  it('vacation puts the mode back; a setpoint the owner changed meanwhile stays theirs; refusals when off or nothing pending', async () => {
    const r = rig({ dhwOperationSetting: 1, dhwTemperatureSetting: 110 });
    const actions = new TimedActions(r.deps);
    const started = await actions.run({ kind: 'vacation', requested: { days: 4, restore: true }, days: 4, restore: true }, undefined);
    assert.deepEqual([started?.result, started?.applied], ['confirmed', { mode: 'vacation', days: 4 }]);
    assert.equal(r.record()?.changes[0].until, 1_000_000 + 4 * 86_400_000);
    r.device.dhwTemperatureSetting = 90; // changed meanwhile on the panel: the owner's newest setting
    const ended = await actions.run({ kind: 'vacation-end', requested: false }, undefined);
    assert.deepEqual([ended?.phase, ended?.result], ['restored', 'confirmed']);
    assert.deepEqual(r.sent, ['dhw-mode 5,4', 'dhw-mode 1']);
    assert.equal(r.device.dhwTemperatureSetting, 90);
    await assert.rejects(actions.run({ kind: 'vacation-end', requested: false }, undefined), (err: ControlInputError) => err.key === 'no-vacation');
    await assert.rejects(actions.run({ kind: 'boost-cancel', requested: false }, undefined), (err: ControlInputError) => err.key === 'no-boost');
    const off = rig({ dhwOperationSetting: 6, dhwTemperatureSetting: 110 });
    await assert.rejects(new TimedActions(off.deps).run({ kind: 'boost', requested: {}, setpointRaw: 120, minutes: 5 }, undefined), (err: ControlInputError) => err.key === 'timed-off');
    assert.deepEqual(off.sent, []);
  });

  it('a vacation with restore longer than setTimeout can wait re-arms in steps and restores on the day', async () => {
    const r = rig();
    const actions = new TimedActions(r.deps);
    await actions.run({ kind: 'vacation', requested: { days: 30, restore: true }, days: 30, restore: true }, undefined);
    r.clock.advance(29 * 86_400_000);
    for (let i = 0; i < 10; i++) await settle();
    assert.equal(r.restored().length, 0);
    r.clock.advance(86_400_000);
    for (let i = 0; i < 10; i++) await settle();
    assert.deepEqual(r.restored().map((e) => [e.command, e.phase]), [['vacation', 'restored']]);
  });
});
