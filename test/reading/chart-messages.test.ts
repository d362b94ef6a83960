import assert from 'node:assert/strict';
import { decodeEnergyUsage } from '../../src/shared/codec';
import { chartReadAnswer, energyChartRows, statusChartMessages } from '../../src/shared/reading/chart-messages';
import { energyReport } from '../../src/shared/codec/energy-report';
import { statusMessage } from '../../src/shared/reading/status-messages';

const DEVICE = { mac: '0a1b2c3d4e5f', name: 'Garage', deviceType: 52, model: 'NWP500' };
/** Heat pump, 57.5 °C (135.5 °F) in the tank, 80 % charged. */
const RAW = { dhwOperationSetting: 1, dhwTemperatureSetting: 120, dhwTemperature: 115, dhwChargePer: 80, currentInstPower: 410, errorCode: 0 };

const status = (raw: Record<string, unknown>, online = true, unit: 'F' | 'C' = 'F') =>
  statusMessage(raw, { unit, online, device: DEVICE, electricSince: null });

describe('reading: chart messages (navien-status output "chart")', () => {
  it('one small message per series: topic temperature (node\'s unit) and tankCharge, the number as payload, the device', () => {
    assert.deepEqual(statusChartMessages(status(RAW), false), [
      { topic: 'temperature', payload: 135.5, device: DEVICE },
      { topic: 'tankCharge', payload: 80, device: DEVICE },
    ]);
    assert.equal(statusChartMessages(status(RAW, true, 'C'), false)[0].payload, 57.5);
    // Nothing of the full status travels with a point: the chart stores every message it draws.
    for (const point of statusChartMessages(status(RAW), false)) assert.deepEqual(Object.keys(point).sort(), ['device', 'payload', 'topic']);
  });

  it('a node watching all devices names each series after the device too', () => {
    assert.deepEqual(statusChartMessages(status(RAW), true).map((p) => p.topic), ['Garage temperature', 'Garage tankCharge']);
  });

  it('no point for an offline device, nor for a missing or implausible value (a chart cannot take a null payload)', () => {
    assert.deepEqual(statusChartMessages(status(RAW, false), false), []);
    assert.deepEqual(statusChartMessages(status({ ...RAW, dhwChargePer: 140 }), false).map((p) => p.topic), ['temperature']);
    const { dhwChargePer: _charge, ...withoutCharge } = RAW;
    assert.deepEqual(statusChartMessages(status(withoutCharge), false).map((p) => p.topic), ['temperature']);
  });

  const dailyReply = {
    typeOfUsage: 0,
    total: { hpUsage: 900000, heUsage: 100000, hpTime: 3000, heTime: 40 },
    usage: [{ year: 2025, month: 3, data: [{ hpUsage: 3456, heUsage: 0, hpTime: 5, heTime: 0 }, { hpUsage: 2100, heUsage: 4801, hpTime: 4, heTime: 1 }, { hpUsage: -5, heUsage: 12, hpTime: 0, heTime: 0 }] }],
  };

  it('an energy report as bar rows: the day and both parts in kWh (exact to the Wh), an implausible figure null', () => {
    const report = energyReport(decodeEnergyUsage(dailyReply), { period: 'daily', year: 2025, month: 3 });
    assert.ok(report);
    assert.deepEqual(energyChartRows(report), [
      { day: 1, heatPumpKWh: 3.456, elementKWh: 0 },
      { day: 2, heatPumpKWh: 2.1, elementKWh: 4.801 },
      { day: 3, heatPumpKWh: null, elementKWh: 0.012 },
    ]);
  });

  it('a monthly report gives one row per month, keyed month', () => {
    const monthly = { total: dailyReply.total, usage: [{ year: 2024, data: [{ hpUsage: 90000, heUsage: 1000 }, { hpUsage: 80000, heUsage: 0 }] }] };
    const report = energyReport(decodeEnergyUsage(monthly), { period: 'monthly', year: 2024 });
    assert.ok(report);
    assert.deepEqual(energyChartRows(report), [
      { month: 1, heatPumpKWh: 90, elementKWh: 1 },
      { month: 2, heatPumpKWh: 80, elementKWh: 0 },
    ]);
  });

  it('under output chart an energy read answers with the rows and without raw; any other read as it is', () => {
    const report = energyReport(decodeEnergyUsage(dailyReply), { period: 'daily', year: 2025, month: 3 });
    const energy = chartReadAnswer('energy', { payload: report, raw: dailyReply });
    assert.deepEqual(Object.keys(energy), ['payload']);
    assert.equal((energy.payload as unknown[]).length, 3);
    const features = { payload: { setpointMin: 104.9 }, raw: { dhwTemperatureMin: 81 } };
    assert.equal(chartReadAnswer('features', features), features);
  });
});
