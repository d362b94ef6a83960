import assert from 'node:assert/strict';
import { decodeEnergyUsage, decodeTouPlan } from '../../src/shared/codec';
import { statusAlerts } from '../../src/shared/reading/alerts';
import { dayPrice, energyReport } from '../../src/shared/codec/energy-report';
import { activeHeatSource } from '../../src/shared/codec/heat-source';
import { deriveStatus } from '../../src/shared/reading/derived';

/** One window all day, every day, at `priceMin`/`priceMax` raw with `decimalPoint` places, as the REST plan sends it. */
function restPlan(...intervals: Array<Record<string, number>>): unknown {
  return {
    touInfo: {
      name: 'crafted',
      utility: 'crafted',
      schedule: [{ season: 4095, interval: intervals.map((i) => ({ week: 254, startHour: 0, startMinute: 0, endHour: 23, endMinute: 59, priceMin: 20, priceMax: 30, decimalPoint: 2, ...i })) }],
    },
  };
}

const JANUARY = {
  typeOfUsage: 1,
  total: { hpUsage: 1266585, heUsage: 146337, hpTime: 3124, heTime: 35 },
  usage: [{
    year: 2025,
    month: 1,
    data: [
      { hpUsage: 4000, heUsage: -2000, hpTime: 9, heTime: 0 }, // the element "gave back" 2 kWh: share would be 200 %
      { hpUsage: 3000, heUsage: 1000, hpTime: 7, heTime: 1 },
    ],
  }],
};

describe('reading: derived values from implausible input', () => {
  it('the heat-pump share never exceeds 100 % and no cost is computed from unknown energy', () => {
    const plan = decodeTouPlan(restPlan({}));
    const report = energyReport(decodeEnergyUsage(JANUARY), { period: 'daily', year: 2025, month: 1 }, plan);
    assert.ok(report);
    const [bad, good] = report.items;
    assert.deepEqual([bad.elementWh, bad.totalWh, bad.heatPumpShare, bad.cost], [null, null, null, null]);
    assert.equal(good.heatPumpShare, 75);
    assert.deepEqual(good.cost, { estimate: 1, low: 0.8, high: 1.2 }); // 4 kWh x 0.25 (0.20-0.30)
    for (const figures of [report.totals, ...report.items]) {
      assert.ok(figures.heatPumpShare === null || (figures.heatPumpShare >= 0 && figures.heatPumpShare <= 100), JSON.stringify(figures));
    }
    assert.deepEqual([report.totals.heatPumpWh, report.totals.elementWh, report.totals.totalWh, report.totals.totalKWh], [7000, 1000, 8000, 8]);
    assert.equal(report.totals.heatPumpShare, 87.5);
    assert.deepEqual(report.cost && [report.cost.estimate, report.cost.unpriced], [1, 0]);
  });

  it('costs are never NaN or infinite: windows with an impossible price or time are left out', () => {
    const hostile = decodeTouPlan(restPlan({ decimalPoint: -400 }, { priceMin: -50 }, { endHour: 99 }));
    assert.equal(dayPrice(hostile, 2025, 1, 1), null, 'no usable window: the day is unpriced');
    const report = energyReport(decodeEnergyUsage(JANUARY), { period: 'daily', year: 2025, month: 1 }, hostile);
    assert.ok(report?.cost);
    assert.deepEqual([report.cost.estimate, report.cost.low, report.cost.high, report.cost.unpriced], [0, 0, 0, 1]);
    // One good window beside the bad ones prices the day from the good one alone.
    const mixed = decodeTouPlan(restPlan({ decimalPoint: -400 }, { priceMin: -50 }, {}));
    assert.deepEqual(dayPrice(mixed, 2025, 1, 1), { average: 0.25, low: 0.2, high: 0.3, coveredMinutes: 1440 });
  });

  it('tank energy and the running heat source ignore impossible power and energy counters', () => {
    const raw = { dhwOperationSetting: 1, compUse: 2, heatUpperUse: 1, heatLowerUse: 1, currentInstPower: -3000, totalEnergyCapacity: 1861, availableEnergyCapacity: -386 };
    // -3000 W would read as "nothing heats"; the compressor flag decides instead.
    assert.equal(activeHeatSource(raw), 'heat-pump');
    const derived = deriveStatus(raw);
    assert.deepEqual([derived.fullChargeKWh, derived.energyToFullKWh, derived.usableEnergyKWh], [7.44, null, null]);
    assert.equal(activeHeatSource({ ...raw, currentInstPower: 99_999 }), 'heat-pump', 'beyond what the unit can draw');
  });

  it('an implausible reading raises no alert: a -90 °C tank probe is no freeze, a negative filter period no service call', () => {
    const healthy = { dhwOperationSetting: 1, errorCode: 0, freezeProtectionUse: 2, freezeProtectionTemperature: 12, dhwTemperature: 115, tankLowerTemperature: 480, airFilterAlarmPeriod: 1000, airFilterAlarmElapsed: 10 };
    const first = statusAlerts(undefined, healthy, 0);
    const names = (raw: Record<string, unknown>) => statusAlerts(first.state, raw, 1000).events.map((e) => e.name);
    assert.deepEqual(names({ ...healthy, tankLowerTemperature: -900 }), []);
    assert.deepEqual(names({ ...healthy, freezeProtectionTemperature: 400 }), [], 'a 200 °C freeze threshold');
    assert.deepEqual(names({ ...healthy, airFilterAlarmElapsed: 2000, airFilterAlarmPeriod: 1000 }), ['air-filter-due'], 'a real one still fires');
    assert.deepEqual(names({ ...healthy, tankLowerTemperature: 50 }), ['freeze-protection-started'], 'a real 5 °C tank still fires');
  });
});
