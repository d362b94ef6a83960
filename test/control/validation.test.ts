import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandContext, decodeFeature } from '../../src/shared/codec';
import { ControlInputError, ControlLimits, PlannedControl } from '../../src/shared/control/plan';
import { planControls } from '../../src/shared/control/request/parse';

/** The English catalog, read from the source tree so a key or placeholder mismatch fails here. */
const CATALOG_PATH = path.resolve(__dirname, '..', '..', '..', 'locales', 'en-US', 'navien-control.json');
const ERRORS = (JSON.parse(fs.readFileSync(CATALOG_PATH, 'utf8')) as { 'navien-control': { errors: Record<string, string> } })['navien-control'].errors;

/** Renders a message the way Node-RED's i18next does (`__name__` placeholders, no escaping). */
function render(err: ControlInputError): string {
  const template = ERRORS[err.key];
  assert.ok(template, `catalog has errors.${err.key}`);
  const text = template.replace(/__(\w+)__/g, (_m, name: string) => {
    assert.ok(name in err.args, `errors.${err.key} uses __${name}__ but the error passes no '${name}' (args ${JSON.stringify(err.args)})`);
    return String(err.args[name]);
  });
  return text;
}

/** A feature record like the NWP500 sends (flags 2 = supported), with overrides. */
function feature(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    powerUse: 2,
    dhwUse: 2,
    holidayUse: 2,
    programReservationUse: 2,
    antiLegionellaSettingUse: 2,
    heatpumpUse: 2,
    electricUse: 2,
    energySaverUse: 2,
    highDemandUse: 2,
    dhwTemperatureSettingUse: 2,
    dhwTemperatureMin: 81,
    dhwTemperatureMax: 131,
    ...overrides,
  };
}

function limits(overrides: Partial<ControlLimits> & { feature?: Record<string, unknown> } = {}): ControlLimits {
  const unit = overrides.unit ?? 'F';
  return {
    unit,
    allowPowerOff: overrides.allowPowerOff ?? true,
    readOnly: overrides.readOnly ?? false,
    features: 'features' in overrides ? overrides.features : decodeFeature(overrides.feature ?? feature(), unit),
  };
}

/** Runs planControls expecting a ControlInputError; returns it with its rendered text. */
function rejectInput(topic: unknown, payload: unknown, msgUnit: unknown, lim: ControlLimits): { err: ControlInputError; text: string } {
  try {
    planControls(topic, payload, msgUnit, lim);
  } catch (err) {
    assert.ok(err instanceof ControlInputError, `expected ControlInputError, got ${String(err)}`);
    return { err, text: render(err) };
  }
  assert.fail(`planControls accepted ${JSON.stringify(payload)} (topic ${String(topic)})`);
}

const CTX: CommandContext = {
  clientId: 'test-client',
  sessionId: '1',
  device: { mac: '0a1b2c3d4e5f', additionalValue: '1234', deviceType: 52, homeSeq: 1 },
};

function wire(plan: PlannedControl): { mode?: string; param?: unknown } {
  return (plan.build(CTX).payload as { request: { mode?: string; param?: unknown } }).request;
}

describe('planControls: invalid input names field, value and what is allowed', () => {
  it('refuses a payload that is not an object (and a topic that is not a shortcut)', () => {
    for (const [topic, payload] of [[undefined, 120], ['navien/x', 120], [undefined, 'on'], [undefined, null], [undefined, [1, 2]]] as const) {
      const { err, text } = rejectInput(topic, payload, undefined, limits());
      assert.equal(err.key, 'bad-type');
      assert.equal(err.args.field, 'msg.payload');
      assert.equal(err.args.value, JSON.stringify(payload));
      assert.match(text, /^msg\.payload must be an object/);
    }
  });

  it('refuses an unknown key and lists the allowed ones', () => {
    const { err, text } = rejectInput(undefined, { setpoint: 120, temp: 5 }, undefined, limits());
    assert.equal(err.key, 'unknown-key');
    assert.deepEqual(err.args, { key: 'temp', allowed: 'power, mode, days, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset' });
    assert.equal(text, "unknown key 'temp'; allowed: power, mode, days, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset");
  });

  it('refuses an empty payload and a payload with only days', () => {
    for (const payload of [{}, { days: 3 }]) {
      const { err, text } = rejectInput(undefined, payload, undefined, limits());
      assert.equal(err.key, 'empty');
      assert.equal(text, 'msg.payload has no command; use one of power, mode, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset');
    }
  });

  it('refuses wrong types for power, setpoint and tou', () => {
    const cases: Array<[Record<string, unknown>, string, string, RegExp]> = [
      [{ power: 'on' }, 'power', '"on"', /^power must be true or false, got "on"$/],
      [{ power: 1 }, 'power', '1', /^power must be true or false, got 1$/],
      [{ setpoint: '120' }, 'setpoint', '"120"', /^setpoint must be a number in °F, got "120"$/],
      [{ setpoint: Number.NaN }, 'setpoint', 'null', /^setpoint must be a number/],
      [{ setpoint: null }, 'setpoint', 'null', /^setpoint must be a number/],
      [{ tou: 'yes' }, 'tou', '"yes"', /^tou must be true or false, got "yes"$/],
    ];
    for (const [payload, field, value, pattern] of cases) {
      const { err, text } = rejectInput(undefined, payload, undefined, limits());
      assert.equal(err.key, 'bad-type', JSON.stringify(payload));
      assert.equal(err.args.field, field);
      assert.equal(err.args.value, value);
      assert.match(text, pattern);
    }
  });

  it("refuses mode 'off' and points to power: false", () => {
    const { err, text } = rejectInput(undefined, { mode: 'off' }, undefined, limits());
    assert.equal(err.key, 'bad-enum');
    assert.equal(err.args.field, 'mode');
    assert.equal(err.args.value, 'off');
    assert.match(text, /^mode = 'off' is not allowed; use one of heat-pump, electric, energy-saver, high-demand, vacation \(use power: false to turn off\)$/);
  });

  it('refuses an unknown or non-string mode, quoting it once (as the help shows)', () => {
    const { err, text } = rejectInput(undefined, { mode: 'eco' }, undefined, limits());
    assert.equal(err.key, 'bad-enum');
    assert.equal(text, "mode = 'eco' is not allowed; use one of heat-pump, electric, energy-saver, high-demand, vacation");
    const numeric = rejectInput(undefined, { mode: 3 }, undefined, limits());
    assert.equal(numeric.err.key, 'bad-enum');
    assert.equal(numeric.err.args.value, '3');
  });

  it('refuses vacation without days, with days out of range or not whole', () => {
    const missing = rejectInput(undefined, { mode: 'vacation' }, undefined, limits());
    assert.equal(missing.err.key, 'bad-type');
    assert.deepEqual(missing.err.args, { field: 'days', expected: 'a whole number 1-30', value: 'undefined' });
    assert.equal(missing.text, 'days must be a whole number 1-30, got undefined');
    for (const days of [0, 31, 99, -1]) {
      const { err, text } = rejectInput(undefined, { mode: 'vacation', days }, undefined, limits());
      assert.equal(err.key, 'out-of-range');
      assert.deepEqual(err.args, { field: 'days', value: days, min: 1, max: 30 });
      assert.equal(text, `days = ${days} is out of range; allowed 1 to 30`);
    }
    for (const days of [2.5, '7']) {
      const { err } = rejectInput(undefined, { mode: 'vacation', days }, undefined, limits());
      assert.equal(err.key, 'bad-type');
      assert.equal(err.args.field, 'days');
    }
  });

  it('refuses days without vacation', () => {
    const withOtherMode = rejectInput(undefined, { mode: 'electric', days: 3 }, undefined, limits());
    assert.equal(withOtherMode.err.key, 'bad-type');
    assert.equal(withOtherMode.err.args.field, 'days');
    assert.equal(withOtherMode.err.args.value, '3');
    assert.equal(withOtherMode.text, "days must be left out unless mode is 'vacation' (then a whole number 1-30), got 3");
    const withoutMode = rejectInput(undefined, { setpoint: 120, days: 3 }, undefined, limits());
    assert.equal(withoutMode.err.key, 'bad-type');
    assert.equal(withoutMode.err.args.field, 'days');
    assert.equal(withoutMode.text, "days must be left out unless mode is 'vacation' (then a whole number 1-30), got 3");
  });

  it("checks a °F setpoint against the device's own limits from its feature record", () => {
    // A device reporting 90..120 half-°C = 45..60 °C = 113..140 °F.
    const lim = limits({ feature: feature({ dhwTemperatureMin: 90, dhwTemperatureMax: 120 }) });
    for (const value of [112, 141, 150]) {
      const { err, text } = rejectInput(undefined, { setpoint: value }, undefined, lim);
      assert.equal(err.key, 'out-of-range');
      assert.deepEqual(err.args, { field: 'setpoint', value: `${value} °F`, min: 113, max: 140 });
      assert.equal(text, `setpoint = ${value} °F is out of range; allowed 113 to 140`);
    }
    assert.equal(planControls(undefined, { setpoint: 113 }, undefined, lim).length, 1);
    assert.equal(planControls(undefined, { setpoint: 140 }, undefined, lim).length, 1);
    // The NWP500's documented limits: 81..131 = 104.9..149.9 °F.
    const std = rejectInput(undefined, { setpoint: 151 }, undefined, limits());
    assert.deepEqual(std.err.args, { field: 'setpoint', value: '151 °F', min: 104.9, max: 149.9 });
  });

  it('checks a °C setpoint (node unit or msg.unit) against the same limits', () => {
    const f = feature({ dhwTemperatureMin: 90, dhwTemperatureMax: 120 });
    const nodeC = rejectInput(undefined, { setpoint: 61 }, undefined, limits({ unit: 'C', feature: f }));
    assert.deepEqual(nodeC.err.args, { field: 'setpoint', value: '61 °C', min: 45, max: 60 });
    const msgC = rejectInput(undefined, { setpoint: 44.5 }, 'C', limits({ unit: 'F', feature: f }));
    assert.deepEqual(msgC.err.args, { field: 'setpoint', value: '44.5 °C', min: 45, max: 60 });
    assert.equal(msgC.text, 'setpoint = 44.5 °C is out of range; allowed 45 to 60');
    // 60 °C is fine in °C, and would be far out of range if it were read as °F.
    const [plan] = planControls(undefined, { setpoint: 60 }, 'C', limits({ unit: 'F', feature: f }));
    assert.deepEqual(wire(plan), { ...wire(plan), mode: 'dhw-temperature', param: [120] });
    assert.equal(rejectInput(undefined, { setpoint: 60 }, undefined, limits({ unit: 'F', feature: f })).err.key, 'out-of-range');
  });

  it('uses the documented 81..131 limits while the feature record is not known yet', () => {
    const lim = limits({ features: undefined });
    assert.deepEqual(rejectInput(undefined, { setpoint: 100 }, undefined, lim).err.args, { field: 'setpoint', value: '100 °F', min: 104.9, max: 149.9 });
    assert.equal(planControls(undefined, { setpoint: 120 }, undefined, lim).length, 1);
  });

  it('refuses a bad msg.unit', () => {
    for (const unit of ['K', 'f', 'celsius', 1]) {
      const { err, text } = rejectInput(undefined, { setpoint: 50 }, unit, limits());
      assert.equal(err.key, 'bad-enum');
      assert.equal(err.args.field, 'msg.unit');
      assert.equal(err.args.allowed, 'F, C');
      assert.equal(text, `msg.unit = '${String(unit)}' is not allowed; use one of F, C`);
    }
  });

  it('refuses antiLegionella in every wrong shape', () => {
    const cases: Array<[unknown, string, string]> = [
      [true, 'bad-type', 'antiLegionella'],
      [7, 'bad-type', 'antiLegionella'],
      ['on', 'bad-type', 'antiLegionella'],
      [null, 'bad-type', 'antiLegionella'],
      [[7], 'bad-type', 'antiLegionella'],
      [{}, 'bad-type', 'antiLegionella.periodDays'],
      [{ periodDays: '7' }, 'bad-type', 'antiLegionella.periodDays'],
      [{ periodDays: 1.5 }, 'bad-type', 'antiLegionella.periodDays'],
      [{ periodDays: 0 }, 'out-of-range', 'antiLegionella.periodDays'],
      [{ periodDays: 31 }, 'out-of-range', 'antiLegionella.periodDays'],
    ];
    for (const [value, key, field] of cases) {
      const { err, text } = rejectInput(undefined, { antiLegionella: value }, undefined, limits());
      assert.equal(err.key, key, JSON.stringify(value));
      assert.equal(err.args.field, field, JSON.stringify(value));
      assert.match(text, new RegExp(`^${field.replace('.', '\\.')} `));
      if (key === 'out-of-range') assert.match(text, /allowed 1 to 30$/);
      else assert.match(text, /1-30/);
    }
    const extra = rejectInput(undefined, { antiLegionella: { periodDays: 7, hour: 3 } }, undefined, limits());
    assert.equal(extra.err.key, 'unknown-key');
    assert.deepEqual(extra.err.args, { key: 'antiLegionella.hour', allowed: 'periodDays' });
  });

  it('refuses every write on a read-only account', () => {
    for (const payload of [{ power: true }, { mode: 'electric' }, { setpoint: 120 }, { antiLegionella: false }, { tou: true }]) {
      const { err, text } = rejectInput(undefined, payload, undefined, limits({ readOnly: true }));
      assert.equal(err.key, 'read-only', JSON.stringify(payload));
      assert.equal(err.args.field, Object.keys(payload)[0]);
      assert.equal(text, `the account is read-only; ${Object.keys(payload)[0]} was not sent`);
    }
    assert.equal(rejectInput('setpoint', 120, undefined, limits({ readOnly: true })).err.key, 'read-only');
  });

  it('refuses power: false when the node does not allow switching off, but allows power: true', () => {
    const { err, text } = rejectInput(undefined, { power: false }, undefined, limits({ allowPowerOff: false }));
    assert.equal(err.key, 'power-off-disallowed');
    assert.match(text, /not allowed by this node/);
    assert.equal(rejectInput('power', false, undefined, limits({ allowPowerOff: false })).err.key, 'power-off-disallowed');
    // Nothing of a combined message gets through either.
    assert.equal(rejectInput(undefined, { setpoint: 120, power: false }, undefined, limits({ allowPowerOff: false })).err.key, 'power-off-disallowed');
    assert.equal(planControls(undefined, { power: true }, undefined, limits({ allowPowerOff: false }))[0].requested, true);
  });

  it("refuses a control the device's features say it lacks", () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{ power: true }, { powerUse: 1 }, 'power'],
      [{ mode: 'electric' }, { dhwUse: 1 }, 'mode'],
      [{ mode: 'electric' }, { electricUse: 1 }, "mode 'electric'"],
      [{ mode: 'heat-pump' }, { heatpumpUse: 1 }, "mode 'heat-pump'"],
      [{ mode: 'energy-saver' }, { energySaverUse: 1 }, "mode 'energy-saver'"],
      [{ mode: 'high-demand' }, { highDemandUse: 1 }, "mode 'high-demand'"],
      [{ mode: 'vacation', days: 3 }, { holidayUse: 1 }, "mode 'vacation'"],
      [{ setpoint: 120 }, { dhwTemperatureSettingUse: 1 }, 'setpoint'],
      [{ antiLegionella: { periodDays: 7 } }, { antiLegionellaSettingUse: 1 }, 'antiLegionella'],
      [{ tou: true }, { programReservationUse: 1 }, 'tou'],
    ];
    for (const [payload, flags, field] of cases) {
      const { err, text } = rejectInput(undefined, payload, undefined, limits({ feature: feature(flags) }));
      assert.equal(err.key, 'unsupported', JSON.stringify(payload));
      assert.equal(err.args.field, field);
      assert.equal(text, `this device does not support ${field}`);
      // The same control passes on a device that has it.
      assert.equal(planControls(undefined, payload, undefined, limits()).length, 1);
    }
    // A flag the record does not carry is not a "no".
    const partial = feature();
    delete partial.electricUse;
    assert.equal(planControls(undefined, { mode: 'electric' }, undefined, limits({ feature: partial })).length, 1);
  });

  it('rejects a whole message when any one part is wrong', () => {
    const { err } = rejectInput(undefined, { power: true, mode: 'heat-pump', setpoint: 500 }, undefined, limits());
    assert.equal(err.key, 'out-of-range');
  });
});

describe('planControls: valid input', () => {
  it('turns the msg.topic shortcuts into controls', () => {
    const [sp] = planControls('setpoint', 120, undefined, limits());
    assert.equal(sp.command, 'setpoint');
    assert.deepEqual(wire(sp).param, [98]);
    const [pw] = planControls('power', false, undefined, limits());
    assert.equal(pw.command, 'power');
    assert.equal(wire(pw).mode, 'power-off');
    const [md] = planControls('mode', 'high-demand', undefined, limits());
    assert.deepEqual([wire(md).mode, wire(md).param], ['dhw-mode', [4]]);
    // An object payload under a shortcut topic is read as the full form.
    assert.equal(planControls('setpoint', { mode: 'electric' }, undefined, limits())[0].command, 'mode');
  });

  it('orders power on first and power off last', () => {
    const on = planControls(undefined, { setpoint: 125, mode: 'energy-saver', power: true }, undefined, limits());
    assert.deepEqual(on.map((p) => p.command), ['power', 'mode', 'setpoint']);
    const off = planControls(undefined, { power: false, tou: false, antiLegionella: false }, undefined, limits());
    assert.deepEqual(off.map((p) => p.command), ['antiLegionella', 'tou', 'power']);
  });

  it('builds the wire payloads of docs/protocol.md#controls', () => {
    const plans = planControls(undefined, { mode: 'vacation', days: 7, antiLegionella: { periodDays: 14 }, tou: true }, undefined, limits());
    assert.deepEqual(plans.map((p) => [p.command, wire(p).mode, wire(p).param, p.requested]), [
      ['mode', 'dhw-mode', [5, 7], { mode: 'vacation', days: 7 }],
      ['antiLegionella', 'anti-leg-on', [14], { periodDays: 14 }],
      ['tou', 'tou-on', [], true],
    ]);
    const [al] = planControls(undefined, { antiLegionella: false }, undefined, limits());
    assert.deepEqual([wire(al).mode, wire(al).param], ['anti-leg-off', []]);
  });

  it('confirms from the status fields the device really changes', () => {
    const [sp] = planControls(undefined, { setpoint: 120 }, undefined, limits());
    assert.equal(sp.confirmedValue({ dhwTemperatureSetting: 97 }), undefined);
    assert.equal(sp.confirmedValue({ dhwTemperatureSetting: 98 }), 120.2, '120 °F is stored as 49.0 °C = 120.2 °F');
    const [spC] = planControls(undefined, { setpoint: 49.2 }, 'C', limits());
    assert.equal(spC.confirmedValue({ dhwTemperatureSetting: 98 }), 49, 'applied in the unit of the request');
    const [off] = planControls(undefined, { power: false }, undefined, limits());
    assert.equal(off.confirmedValue({ dhwOperationSetting: 3 }), undefined);
    assert.equal(off.confirmedValue({ dhwOperationSetting: 6 }), false);
    const [on] = planControls(undefined, { power: true }, undefined, limits());
    assert.equal(on.confirmedValue({ dhwOperationSetting: 6 }), undefined);
    assert.equal(on.confirmedValue({ dhwOperationSetting: 3 }), true);
    const [vac] = planControls(undefined, { mode: 'vacation', days: 7 }, undefined, limits());
    assert.equal(vac.confirmedValue({ dhwOperationSetting: 5, vacationDaySetting: 3 }), undefined);
    assert.deepEqual(vac.confirmedValue({ dhwOperationSetting: 5, vacationDaySetting: 7 }), { mode: 'vacation', days: 7 });
    const [tou] = planControls(undefined, { tou: false }, undefined, limits());
    assert.equal(tou.confirmedValue({ touStatus: 1 }), undefined);
    assert.equal(tou.confirmedValue({ touStatus: 0 }), false);
    const [al] = planControls(undefined, { antiLegionella: { periodDays: 7 } }, undefined, limits());
    assert.equal(al.confirmedValue({ antiLegionellaUse: 2, antiLegionellaPeriod: 14 }), undefined);
    assert.deepEqual(al.confirmedValue({ antiLegionellaUse: 2, antiLegionellaPeriod: 7 }), { periodDays: 7 });
  });

  it('gives each setting its own collapse key', () => {
    const plans = planControls(undefined, { power: true, mode: 'electric', setpoint: 120, antiLegionella: false, tou: true }, undefined, limits());
    assert.equal(new Set(plans.map((p) => p.setting)).size, 5);
  });
});
