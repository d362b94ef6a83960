import * as assert from 'node:assert/strict';
import {
  SETPOINT_RANGE_RAW,
  STATUS_FIELDS,
  STATUS_RANGES,
  classifyInbound,
  decodeDiagnostics,
  decodeEnergyUsage,
  decodeFeature,
  decodeRecircScheduleResponse,
  decodeReservationResponse,
  decodeStatus,
  decodeTouEcho,
  decodeTouPlan,
  encodeTouPeriods,
  fullChargeWh,
  implausibleValues,
  summarizeStatus,
  usableEnergyWh,
} from '../../src/shared/codec';
import { planControls } from '../../src/shared/control/request/parse';
import { listFixtures, loadFixture, statusOf } from './fixtures';
import { reports } from '../helpers/reports';

describe('codec: values an NWP500 cannot report are null and reported', () => {
  it('every field the decoder converts has a plausible range (one table, plausible.ts)', () => {
    const converted = STATUS_FIELDS.filter((f) => !['raw', 'flag', 'tri', 'tou', 'inverted', 'enum'].includes(f.encoding));
    for (const f of converted) assert.ok(f.key in STATUS_RANGES, `${f.key} (${f.encoding}) has no plausible range`);
  });

  it('status: tank charge outside 0-100, negative power, impossible temperatures and non-finite numbers become null', () => {
    const raw = {
      ...statusOf('mqtt/status.response.json'),
      dhwChargePer: 250,
      currentInstPower: -40,
      dhwTemperature: 400, // 200 °C: hotter than the relief valve lets water get
      tankLowerTemperature: -900, // -90 °C
      totalEnergyCapacity: -10,
      eevStep: JSON.parse('1e400') as number, // JSON gives Infinity for this
    };
    const { names, report } = reports();
    const status = decodeStatus(raw, 'F', report);
    for (const key of ['dhwChargePer', 'currentInstPower', 'dhwTemperature', 'tankLowerTemperature', 'totalEnergyCapacity', 'eevStep']) {
      assert.equal(status[key], null, key);
    }
    assert.deepEqual(names.sort(), ['currentInstPower', 'dhwChargePer', 'dhwTemperature', 'eevStep', 'tankLowerTemperature', 'totalEnergyCapacity']);
    assert.equal(status.tankUpperTemperature, 137.5, 'plausible neighbours are untouched');

    const summary = summarizeStatus(raw, 'F');
    assert.equal(summary.tankCharge, null);
    assert.equal(summary.powerW, null);
    assert.equal(summary.temperature, null);
    assert.equal(summary.setpoint, 140.9);
    assert.equal(fullChargeWh(raw), null);
    assert.equal(usableEnergyWh(raw), null);
  });

  it('status: the edges of each range are still readings (0 and 100 %, 0 W, 0 °C)', () => {
    const status = decodeStatus({ dhwChargePer: 100, currentInstPower: 0, dhwTemperature: 0, tankUpperTemperature: 1000, currentSuperHeat: -31 }, 'C');
    assert.deepEqual(
      [status.dhwChargePer, status.currentInstPower, status.dhwTemperature, status.tankUpperTemperature, status.currentSuperHeat],
      [100, 0, 0, 100, -3.1],
    );
    assert.equal(summarizeStatus({ dhwChargePer: 0 }, 'C').tankCharge, 0);
  });

  it('no captured reply holds an implausible value (the ranges reject nothing a real unit sent)', () => {
    let judged = 0;
    for (const file of listFixtures('mqtt')) {
      const fixture = loadFixture(`mqtt/${file}`);
      const fixtures = Array.isArray(fixture) ? fixture : [fixture];
      for (const f of fixtures) {
        if (!f || typeof f !== 'object' || !('payload' in f)) continue;
        assert.deepEqual(implausibleValues(classifyInbound(f.topic, f.payload)), [], file);
        judged++;
      }
    }
    assert.ok(judged >= 20, `${judged} replies judged`);
    assert.deepEqual(decodeTouPlan(loadFixture('rest/tou-info.response.json').data, () => assert.fail('TOU fixture judged implausible')).periods.length, 12);
  });

  it('feature: setpoint limits outside the unit\'s range, or the wrong way round, are null', () => {
    const feature = loadFixture('mqtt/feature.response.composite.json').payload.response.feature;
    const { names, report } = reports();
    const wide = decodeFeature({ ...feature, dhwTemperatureMin: 60, dhwTemperatureMax: 200 }, 'F', report);
    assert.deepEqual([wide.setpointMin, wide.setpointMax, wide.setpointMinRaw, wide.setpointMaxRaw], [null, null, null, null]);
    assert.deepEqual(names, ['dhwTemperatureMin', 'dhwTemperatureMax']);

    const reversed = decodeFeature({ ...feature, dhwTemperatureMin: 131, dhwTemperatureMax: 90 }, 'C');
    assert.deepEqual([reversed.setpointMinRaw, reversed.setpointMaxRaw], [null, null]);
    const narrower = decodeFeature({ ...feature, dhwTemperatureMin: 90, dhwTemperatureMax: 250 }, 'C');
    assert.deepEqual([narrower.setpointMin, narrower.setpointMax], [45, null], 'a plausible limit is kept beside an implausible one');
    const freeze = decodeFeature({ ...feature, freezeProtectionTempMin: -100, recircTemperatureMax: 1e6 }, 'C');
    assert.deepEqual([freeze.freezeProtectionMin, freeze.freezeProtectionMax, freeze.recircSetpointMax], [null, 10, null]);
  });

  it('feature: a setpoint limit from the cloud never widens what a control accepts beyond 81..131 half-°C', () => {
    const feature = loadFixture('mqtt/feature.response.composite.json').payload.response.feature;
    const limits = (f: Record<string, unknown>) => ({ unit: 'F' as const, allowPowerOff: true, readOnly: false, features: decodeFeature(f, 'F') });
    const widened = limits({ ...feature, dhwTemperatureMin: 20, dhwTemperatureMax: 200 });
    for (const setpoint of [170, 95]) {
      assert.throws(() => planControls(undefined, { setpoint }, undefined, widened), (err: any) => {
        assert.equal(err.key, 'out-of-range');
        assert.deepEqual([err.args.min, err.args.max], [104.9, 149.9]);
        return true;
      }, `${setpoint} °F`);
    }
    assert.equal(planControls(undefined, { setpoint: 140 }, undefined, widened)[0].command, 'setpoint');
    // A narrower (plausible) limit still narrows.
    assert.throws(() => planControls(undefined, { setpoint: 140 }, undefined, limits({ ...feature, dhwTemperatureMax: 110 })), /out-of-range/);
    assert.deepEqual([SETPOINT_RANGE_RAW.min, SETPOINT_RANGE_RAW.max], [81, 131]);
  });

  it('energy: negative or impossible figures are null, so the heat-pump share stays within 0-100', () => {
    const { names, report } = reports();
    const energy = decodeEnergyUsage({
      typeOfUsage: 1,
      total: { hpUsage: 1266585, heUsage: -5, hpTime: 3124, heTime: 35 },
      usage: [{
        year: 2026,
        month: 1,
        data: [
          { hpUsage: 200, heUsage: -100, hpTime: 1, heTime: 0 }, // share would be 200 %
          { hpUsage: 3000, heUsage: 1000, hpTime: 30, heTime: 1 }, // 30 h in one day
          { hpUsage: 2000, heUsage: 500, hpTime: 5, heTime: 1 },
        ],
      }],
    }, report);
    const [bad, tooLong, good] = energy.periods[0].items;
    assert.deepEqual([bad.heatPumpWh, bad.elementWh, bad.totalWh, bad.heatPumpShare], [200, null, null, null]);
    assert.equal(tooLong.heatPumpHours, null);
    assert.equal(good.heatPumpShare, 80);
    // Totals add up the plausible figures.
    const totals = energy.periods[0].totals;
    assert.deepEqual([totals.heatPumpWh, totals.elementWh, totals.totalWh, totals.heatPumpHours], [5200, 1500, 6700, 6]);
    assert.ok(totals.heatPumpShare !== null && totals.heatPumpShare >= 0 && totals.heatPumpShare <= 100);
    assert.equal(energy.lifetime?.elementWh, null);
    assert.deepEqual(names, ['heUsage', 'hpTime', 'heUsage']);
    // Missing figures still count as 0 (days not yet reached).
    assert.equal(decodeEnergyUsage({ usage: [{ year: 2026, data: [{}] }] }).periods[0].items[0].totalWh, 0);
  });

  it('schedules: hours, minutes and setpoints that cannot exist are null', () => {
    const { names, report } = reports();
    const schedule = decodeReservationResponse({
      reservationUse: 2,
      reservation: [
        { enable: 2, week: 124, hour: 30, min: 0, mode: 4, param: 120 },
        { enable: 2, week: 124, hour: 6, min: 75, mode: 4, param: 120 },
      ],
    }, 'F', report);
    assert.deepEqual(schedule.entries.map((e) => [e.time, e.setpoint]), [[null, 140], [null, 140]]);
    // The packed form: bytes are unsigned, 0xff = 127.5 °C is no setpoint.
    const hex = decodeReservationResponse({ reservationUse: 2, reservation: '027c061e04ff' }, 'C', report);
    assert.deepEqual(hex.entries.map((e) => [e.time, e.setpoint]), [['06:30', null]]);
    assert.deepEqual(names, ['hour', 'min', 'param']);
    const recirc = decodeRecircScheduleResponse({ reservationUse: 2, reservation: [{ enable: 2, week: 124, hour: 24, min: 0, mode: 2, param: -1 }] });
    assert.equal(recirc.entries[0].time, null);
  });

  it('TOU: negative prices, impossible decimal places and times are null, and such a period cannot be written back', () => {
    const { names, report } = reports();
    const period = { startHour: 0, startMinute: 0, endHour: 15, endMinute: 59, week: 124, priceMin: 36261, priceMax: 46378, decimalPoint: 5 };
    const plan = decodeTouPlan({
      touInfo: {
        name: 'crafted',
        schedule: [{ season: 4095, interval: [{ ...period, priceMin: -5 }, { ...period, decimalPoint: -400 }, { ...period, endHour: 25 }] }],
      },
    }, report);
    const [negative, decimals, time] = plan.periods;
    assert.deepEqual([negative.priceMin, negative.priceMax], [null, 0.46378]);
    assert.deepEqual([decimals.priceMin, decimals.priceMax, decimals.decimalPoint], [null, null, null]);
    assert.equal(time.end, null);
    assert.deepEqual(names, ['priceMin', 'decimalPoint', 'endHour']);
    assert.throws(() => encodeTouPeriods([negative]), /periods\[0\]\.priceMin: null is not valid/);
    assert.throws(() => encodeTouPeriods([time]), /periods\[0\]\.end: null is not valid/);
    assert.equal(decodeTouEcho({ reservationUse: 2, reservation: [{ ...period, season: 4095, priceMax: -1 }] }).periods[0].priceMax, null);
  });

  it('installer diagnostics: negative lifetime energy and hours are null', () => {
    const d = decodeDiagnostics({ data: { tsData: { cumulatedPwrHp: -1, cumulatedPwrHe: 5, daysSinceInstallation: -3 }, taData: { cumulatedOpTimeComp: -2 } } });
    assert.deepEqual([d.heatPumpWh, d.elementWh, d.daysSinceInstallation, d.compressorHours], [null, 5, null, null]);
  });

  it('names every implausible value of an inbound message by record and field, for the diagnostics count', () => {
    const status = loadFixture('mqtt/status.response.json');
    const crafted = { ...status.payload, response: { ...status.payload.response, status: { ...status.payload.response.status, dhwChargePer: 101, currentInstPower: -1 } } };
    assert.deepEqual(implausibleValues(classifyInbound(status.topic, crafted)).sort(), ['status.currentInstPower', 'status.dhwChargePer']);
    const feature = loadFixture('mqtt/feature.response.composite.json');
    const wide = { ...feature.payload, response: { ...feature.payload.response, feature: { ...feature.payload.response.feature, dhwTemperatureMax: 200 } } };
    assert.deepEqual(implausibleValues(classifyInbound(feature.topic, wide)), ['feature.dhwTemperatureMax']);
  });
});
