import * as assert from 'node:assert/strict';
import { decodeEnergyUsage } from '../../src/shared/codec';
import { loadFixture } from './fixtures';

// Lifetime counters in both replies: hp 1266585 Wh / 3124 h, he 146337 Wh / 35 h.
const lifetime = {
  heatPumpWh: 1266585,
  elementWh: 146337,
  totalWh: 1412922,
  heatPumpHours: 3124,
  elementHours: 35,
  heatPumpShare: 89.6,
};

describe('codec/energy', () => {
  it('decodes the daily reply with per-day items and summed month totals', () => {
    const e = decodeEnergyUsage(loadFixture('mqtt/energy-usage.daily.response.composite.json').payload.response);
    assert.equal(e.kind, 'daily');
    assert.deepEqual(e.lifetime, lifetime);
    assert.equal(e.periods.length, 1);
    const september = e.periods[0];
    assert.equal(september.year, 2025);
    assert.equal(september.month, 9);
    assert.equal(september.items.length, 30);
    assert.deepEqual(september.items[0], {
      day: 1, heatPumpWh: 3277, elementWh: 0, totalWh: 3277, heatPumpHours: 8, elementHours: 0, heatPumpShare: 100,
    });
    assert.deepEqual(september.items[8], {
      day: 9, heatPumpWh: 3778, elementWh: 4217, totalWh: 7995, heatPumpHours: 9, elementHours: 1, heatPumpShare: 47.3,
    });
    assert.equal(september.items[29].day, 30);
    // Sums of the 30 day items (element days 9, 18, 27: 4217 + 4234 + 4251).
    const totals = { heatPumpWh: 100205, elementWh: 12702, totalWh: 112907, heatPumpHours: 240, elementHours: 3, heatPumpShare: 88.8 };
    assert.deepEqual(september.totals, totals);
    assert.deepEqual(e.totals, totals);
  });

  it('decodes the monthly reply with per-month items', () => {
    const e = decodeEnergyUsage(loadFixture('mqtt/energy-usage.monthly.response.json').payload.response);
    assert.equal(e.kind, 'monthly');
    assert.deepEqual(e.lifetime, lifetime);
    assert.equal(e.periods[0].year, 2026);
    assert.ok(!('month' in e.periods[0]));
    const january = { month: 1, heatPumpWh: 163228, elementWh: 34473, totalWh: 197701, heatPumpHours: 412, elementHours: 9, heatPumpShare: 82.6 };
    assert.deepEqual(e.periods[0].items, [january]);
    const { month: _month, ...figures } = january;
    assert.deepEqual(e.totals, figures);
  });

  it('never throws on an empty or odd reply', () => {
    const empty = { heatPumpWh: 0, elementWh: 0, totalWh: 0, heatPumpHours: 0, elementHours: 0, heatPumpShare: null };
    assert.deepEqual(decodeEnergyUsage({}), { kind: 'monthly', lifetime: null, periods: [], totals: empty });
    assert.equal(decodeEnergyUsage({ typeOfUsage: 0, usage: [] }).kind, 'daily');
    assert.deepEqual(decodeEnergyUsage({ usage: [{ year: 2025, data: 'x' }, 7] }).periods, [{ year: 2025, items: [], totals: empty }]);
  });
});
