import assert from 'node:assert/strict';
import type { TouPlan } from '../../src/shared/codec';
import { decodeEnergyUsage } from '../../src/shared/codec';
import { dayPrice, energyReport, estimateCost } from '../../src/shared/codec/energy-report';
import { activeHeatSource } from '../../src/shared/codec/heat-source';
import { deriveStatus } from '../../src/shared/reading/derived';
import { parseReadRequest } from '../../src/shared/reading/read-request';
import { changedFields, heartbeatDue, mergeReported, nonNegative } from '../../src/shared/reading/report-by-exception';

const NOW = new Date(2025, 2, 10, 12, 0, 0); // 10 March 2025, local time

describe('reading: read requests', () => {
  it('a message without read asks for the configured read (status when none is configured)', () => {
    assert.deepEqual(parseReadRequest(undefined), { ok: true, request: { read: 'status' } });
    assert.deepEqual(parseReadRequest('anything'), { ok: true, request: { read: 'status' } });
    assert.deepEqual(parseReadRequest({ foo: 1 }, { read: 'schedule' }), { ok: true, request: { read: 'schedule' } });
    // An unknown configured value (a hand-edited flow) falls back to status.
    assert.deepEqual(parseReadRequest(42, { read: 'bogus' }), { ok: true, request: { read: 'status' } });
  });

  it('energy defaults to the current month (daily) or year (monthly)', () => {
    assert.deepEqual(parseReadRequest({ read: 'energy' }, {}, NOW), { ok: true, request: { read: 'energy', period: 'daily', year: 2025, month: 3 } });
    assert.deepEqual(parseReadRequest(null, { read: 'energy', period: 'monthly' }, NOW), { ok: true, request: { read: 'energy', period: 'monthly', year: 2025 } });
    assert.deepEqual(parseReadRequest({ read: 'energy', period: 'daily', year: 2024, month: 2 }, {}, NOW),
      { ok: true, request: { read: 'energy', period: 'daily', year: 2024, month: 2 } });
    assert.deepEqual(parseReadRequest({ read: 'energy', period: 'monthly', year: 2023 }, {}, NOW),
      { ok: true, request: { read: 'energy', period: 'monthly', year: 2023 } });
    assert.deepEqual(parseReadRequest({ read: 'tou' }), { ok: true, request: { read: 'tou' } });
    assert.deepEqual(parseReadRequest({ read: 'features' }), { ok: true, request: { read: 'features' } });
  });

  it('the service reads (installer, firmware, recirculation, device) take no options, per message or as configured', () => {
    for (const read of ['installer', 'firmware', 'recirculation', 'device']) {
      assert.deepEqual(parseReadRequest({ read }), { ok: true, request: { read } });
      assert.deepEqual(parseReadRequest('go', { read }), { ok: true, request: { read } });
      assert.deepEqual(parseReadRequest({ read, period: 'daily' }), { ok: false, error: { key: 'unknown-key', field: 'period', value: '"daily"', allowed: 'read' } });
    }
  });

  const rejects: Array<[unknown, Record<string, string>]> = [
    [{ read: 'weekly' }, { key: 'bad-value', field: 'read', value: '"weekly"', allowed: 'status, features, schedule, energy, tou, installer, firmware, recirculation, device' }],
    [{ read: undefined }, { key: 'bad-value', field: 'read', value: 'undefined', allowed: 'status, features, schedule, energy, tou, installer, firmware, recirculation, device' }],
    [{ read: 'energy', period: 'hourly' }, { key: 'bad-value', field: 'period', value: '"hourly"', allowed: 'daily, monthly' }],
    [{ read: 'energy', year: 1999 }, { key: 'bad-value', field: 'year', value: '1999', allowed: 'a whole number 2000-2025' }],
    [{ read: 'energy', year: 2026 }, { key: 'bad-value', field: 'year', value: '2026', allowed: 'a whole number 2000-2025' }],
    [{ read: 'energy', year: '2024' }, { key: 'bad-value', field: 'year', value: '"2024"', allowed: 'a whole number 2000-2025' }],
    [{ read: 'energy', month: 13 }, { key: 'bad-value', field: 'month', value: '13', allowed: 'a whole number 1-12' }],
    [{ read: 'energy', month: 2.5 }, { key: 'bad-value', field: 'month', value: '2.5', allowed: 'a whole number 1-12' }],
    [{ read: 'energy', period: 'monthly', month: 2 }, { key: 'unknown-key', field: 'month', value: '2', allowed: 'read, period, year' }],
    [{ read: 'schedule', entries: [] }, { key: 'unknown-key', field: 'entries', value: '[]', allowed: 'read' }],
  ];
  for (const [payload, error] of rejects) {
    it(`rejects ${JSON.stringify(payload)} naming ${error.field}`, () => {
      assert.deepEqual(parseReadRequest(payload, {}, NOW), { ok: false, error });
    });
  }
});

describe('reading: derived values', () => {
  const on = { dhwOperationSetting: 1 };
  it('the running heat source follows the power first, the flags second', () => {
    assert.equal(activeHeatSource({ ...on, compUse: 2, currentInstPower: 410 }), 'heat-pump');
    assert.equal(activeHeatSource({ ...on, compUse: 2, heatUpperUse: 2, currentInstPower: 5200 }), 'both');
    assert.equal(activeHeatSource({ ...on, compUse: 1, heatUpperUse: 1, currentInstPower: 4800 }), 'element', 'flags lag: the power says element');
    assert.equal(activeHeatSource({ ...on, compUse: 2, currentInstPower: 15 }), 'none', 'a flag on while the unit draws idle power');
    assert.equal(activeHeatSource({ ...on, heatLowerUse: 2, currentInstPower: 1999 }), 'heat-pump', 'below 2000 W no element runs');
    assert.equal(activeHeatSource({ ...on, heatLowerUse: 2 }), 'element', 'no power reading: the flags');
    assert.equal(activeHeatSource({ dhwOperationSetting: 6, compUse: 2, currentInstPower: 410 }), 'none', 'powered off');
  });

  it('tank energy in kWh from the 4 Wh counters (capture: total 1861, available 386)', () => {
    const d = deriveStatus({ ...on, totalEnergyCapacity: 1861, availableEnergyCapacity: 386 });
    assert.equal(d.usableEnergyKWh, 5.9); // (1861 - 386) x 4 = 5900 Wh
    assert.equal(d.fullChargeKWh, 7.44); // 1861 x 4 = 7444 Wh
    assert.equal(d.energyToFullKWh, 1.54); // 386 x 4 = 1544 Wh
    assert.equal(d.vacationDaysLeft, null);
    assert.equal(d.electricRevertsAt, null);
    assert.equal(deriveStatus({ ...on }).usableEnergyKWh, null);
  });

  it('Electric mode: reverts 72 h after it was first seen', () => {
    const since = Date.UTC(2025, 0, 1, 6, 0, 0);
    assert.equal(deriveStatus({ dhwOperationSetting: 2 }, since).electricRevertsAt, '2025-01-04T06:00:00.000Z');
    assert.equal(deriveStatus({ dhwOperationSetting: 1 }, since).electricRevertsAt, null);
  });

  // Weekdays: 00:00-15:59 0.30/0.40, 16:00-20:59 0.50/0.70, 21:00-23:59 0.30/0.40; weekends all day 0.20. June-August only.
  const summer = ['jun', 'jul', 'aug'] as TouPlan['periods'][number]['months'];
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as TouPlan['periods'][number]['days'];
  const plan: TouPlan = {
    name: 'Test plan', utility: 'Test utility', zipCode: null, controllerId: null, registerPath: null, sourceType: null,
    periods: [
      { months: summer, days: weekdays, start: '00:00', end: '15:59', priceMin: 0.3, priceMax: 0.4, decimalPoint: 2 },
      { months: summer, days: weekdays, start: '16:00', end: '20:59', priceMin: 0.5, priceMax: 0.7, decimalPoint: 2 },
      { months: summer, days: weekdays, start: '21:00', end: '23:59', priceMin: 0.3, priceMax: 0.4, decimalPoint: 2 },
      { months: summer, days: ['sat', 'sun'], start: '00:00', end: '23:59', priceMin: 0.2, priceMax: 0.2, decimalPoint: 2 },
    ],
  };

  it('a day\'s price is the time-weighted average of its windows', () => {
    // Monday 3 June 2024: 960 min x 0.35 + 300 min x 0.60 + 180 min x 0.35 = 579 per 1440 min.
    const monday = dayPrice(plan, 2024, 6, 3);
    assert.ok(monday);
    assert.equal(monday.coveredMinutes, 1440);
    assert.ok(Math.abs(monday.average - 579 / 1440) < 1e-12);
    assert.ok(Math.abs(monday.low - 492 / 1440) < 1e-12); // 960 x 0.3 + 300 x 0.5 + 180 x 0.3
    assert.ok(Math.abs(monday.high - 666 / 1440) < 1e-12); // 960 x 0.4 + 300 x 0.7 + 180 x 0.4
    assert.equal(dayPrice(plan, 2024, 6, 1)?.average, 0.2); // a Saturday
    assert.equal(dayPrice(plan, 2024, 1, 3), null, 'January is not in the plan');
  });

  it('estimates a period\'s cost from daily totals, and counts what it cannot price', () => {
    const items = [
      { day: 1, heatPumpWh: 10000, elementWh: 0, totalWh: 10000, heatPumpHours: 23, elementHours: 0, heatPumpShare: 100 },
      { day: 2, heatPumpWh: 0, elementWh: 0, totalWh: 0, heatPumpHours: 0, elementHours: 0, heatPumpShare: null },
      { day: 3, heatPumpWh: 9600, elementWh: 4800, totalWh: 14400, heatPumpHours: 22, elementHours: 1, heatPumpShare: 66.7 },
    ];
    const { items: costs, total } = estimateCost(plan, 2024, 6, items);
    assert.deepEqual(costs[0], { estimate: 2, low: 2, high: 2 }); // 10 kWh x 0.20
    assert.deepEqual(costs[2], { estimate: 5.79, low: 4.92, high: 6.66 }); // 14.4 kWh x 579/1440 = 5.79
    assert.deepEqual(total, { estimate: 7.79, low: 6.92, high: 8.66, plan: 'Test plan', utility: 'Test utility', unpriced: 0, method: 'daily-average-price' });
    const january = estimateCost(plan, 2024, 1, items);
    assert.equal(january.total.unpriced, 2, 'two January days used energy, none is priced');
    assert.equal(january.total.estimate, 0);
  });

  it('energy report: the requested period, totals, lifetime labelled, share and kWh', () => {
    const decoded = decodeEnergyUsage({
      typeOfUsage: 1,
      total: { heUsage: 146337, hpUsage: 1266585, heTime: 35, hpTime: 3124 },
      usage: [
        { year: 2023, data: Array.from({ length: 12 }, () => ({ heUsage: 1, hpUsage: 1, heTime: 0, hpTime: 0 })) },
        { year: 2024, data: [{ heUsage: 1000, hpUsage: 3000, heTime: 1, hpTime: 7 }, { heUsage: 0, hpUsage: 6000, heTime: 0, hpTime: 14 }] },
      ],
    });
    const report = energyReport(decoded, { period: 'monthly', year: 2024 });
    assert.ok(report);
    assert.equal(report.items.length, 2);
    assert.deepEqual(report.items[0], { month: 1, heatPumpWh: 3000, elementWh: 1000, totalWh: 4000, heatPumpHours: 7, elementHours: 1, heatPumpShare: 75 });
    assert.deepEqual(report.totals, { heatPumpWh: 9000, elementWh: 1000, totalWh: 10000, heatPumpHours: 21, elementHours: 1, heatPumpShare: 90, totalKWh: 10 });
    // Lifetime: 1266585 + 146337 = 1412922 Wh; share 1266585 / 1412922 = 89.64 %.
    assert.deepEqual(report.lifetime, { heatPumpWh: 1266585, elementWh: 146337, totalWh: 1412922, heatPumpHours: 3124, elementHours: 35, heatPumpShare: 89.6, totalKWh: 1412.92 });
    assert.equal(report.cost, null, 'no plan, no cost');
    assert.equal(energyReport(decoded, { period: 'monthly', year: 2022 }), null, 'another year');
    assert.equal(energyReport(decoded, { period: 'daily', year: 2024, month: 1 }), null, 'a monthly reply does not answer a daily read');
  });
});

describe('reading: report by exception', () => {
  const bands = { temperature: 0.5, power: 20 };
  const base = { online: true, temperature: 57.5, setpoint: 60, powerW: 410, tankCharge: 80, error: null as unknown };

  it('everything is new the first time', () => {
    assert.deepEqual(changedFields(undefined, base, bands), ['online', 'temperature', 'setpoint', 'powerW', 'tankCharge', 'error']);
  });

  it('temperatures from 0.5 °, power from 20 W, other fields on any change', () => {
    assert.deepEqual(changedFields(base, { ...base, temperature: 57.9, powerW: 429 }, bands), []);
    assert.deepEqual(changedFields(base, { ...base, temperature: 58, powerW: 430 }, bands), ['temperature', 'powerW']);
    assert.deepEqual(changedFields(base, { ...base, temperature: 57, setpoint: 59.5 }, bands), ['temperature', 'setpoint']);
    assert.deepEqual(changedFields(base, { ...base, tankCharge: 79 }, bands), ['tankCharge']);
    assert.deepEqual(changedFields(base, { ...base, powerW: null }, bands), ['powerW'], 'a value that disappears');
    assert.deepEqual(changedFields(base, { ...base, error: { code: 'E407' } }, bands), ['error']);
    assert.deepEqual(changedFields({ ...base, error: { code: 'E407' } }, { ...base, error: { code: 'E407' } }, bands), [], 'equal objects');
    // °F steps of 0.9 are always beyond a 0.5 deadband; a 1 ° deadband holds them back.
    assert.deepEqual(changedFields({ temperature: 135.5 }, { temperature: 136.4 }, { temperature: 1, power: 20 }), []);
    assert.deepEqual(changedFields({ powerW: 410 }, { powerW: 411 }, { temperature: 0, power: 0 }), ['powerW'], 'deadband 0 = any change');
  });

  it('drifts add up against the value last reported', () => {
    let reported: Record<string, unknown> = { ...base };
    for (const t of [57.8, 57.9]) {
      const next = { ...base, temperature: t };
      const changed = changedFields(reported, next, bands);
      assert.deepEqual(changed, []);
      reported = mergeReported(reported, next, changed);
    }
    assert.equal(reported.temperature, 57.5, 'values inside the band are not taken as reported');
    const next = { ...base, temperature: 58.1 };
    assert.deepEqual(changedFields(reported, next, bands), ['temperature']);
    assert.equal(mergeReported(reported, next, ['temperature']).temperature, 58.1);
  });

  it('heartbeat due when set and the last full snapshot is that old', () => {
    assert.equal(heartbeatDue(0, undefined, 1000), false);
    assert.equal(heartbeatDue(60, undefined, 1000), true);
    assert.equal(heartbeatDue(60, 1000, 60_999), false);
    assert.equal(heartbeatDue(60, 1000, 61_000), true);
  });

  it('settings: numbers >= 0, empty = default', () => {
    assert.equal(nonNegative('', 0.5), 0.5);
    assert.equal(nonNegative(undefined, 20), 20);
    assert.equal(nonNegative('1.5', 0.5), 1.5);
    assert.equal(nonNegative(0, 20), 0);
    assert.equal(nonNegative(-1, 20), 20);
    assert.equal(nonNegative('abc', 20), 20);
  });
});
