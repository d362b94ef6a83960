/**
 * A scripted evening and night in the simulator, on an accelerated (fake) clock: the simulated NWP500's own tank model
 * runs minute by minute while a controller follows the plan the way navien-planner's `live` mode will (window ->
 * its mode and setpoint, otherwise the hold), and plans again when the tank leaves the forecast. The same evening
 * with the heater simply left in Heat Pump mode is the baseline.
 */
import assert from 'node:assert/strict';
import {
  DEFAULT_TANK_MODEL,
  MODE_IDS,
  Plan,
  PriceSlot,
  chargeOf,
  hasDrifted,
  planHeating,
  settingAt,
  tankFromStatus,
  wallClock,
  zonedTime,
} from '../../src/shared/planner';
import { SimulatedDevice } from '../../tools/simulator/device';

const TZ = 'Europe/Berlin';
const MIN = 60_000;
const H = 60 * MIN;
const START = zonedTime(2025, 1, 15, 18, 0, TZ); // Wednesday 18:00
const TARGET_AT = zonedTime(2025, 1, 16, 6, 30, TZ);
const USER_SETPOINT_C = 60.5;

/** Cheapest 01:00-05:00 (0.10), evening peak 17-20 and morning peak 7-9 (0.45), shoulders 0.22, day 0.30. */
function price(hour: number): number {
  if (hour >= 1 && hour < 5) return 0.1;
  if ((hour >= 7 && hour < 9) || (hour >= 17 && hour < 20)) return 0.45;
  if (hour >= 22 || hour < 1 || (hour >= 5 && hour < 7)) return 0.22;
  return 0.3;
}
const PRICES: PriceSlot[] = Array.from({ length: 30 }, (_, i) => ({ start: START + i * H, end: START + (i + 1) * H, price: price(wallClock(START + i * H, TZ).hour) }));
const priceAt = (t: number) => (PRICES.find((s) => s.start <= t && t < s.end) as PriceSlot).price;

function newDevice(drawLitres: number): SimulatedDevice {
  const device = new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 });
  // Heat Pump mode at 60.5 °C, the tank at 40 % (mean 48.5 °C), a draw at 21:00 nobody announced.
  device.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 500, tankLowerTemperature: 470 });
  device.scheduledDraws = [{ atMs: 3 * H, litres: drawLitres, lpm: 8 }];
  device.tick(1); // the status counters follow the new temperatures
  return device;
}

interface Run {
  cost: number;
  kWh: number;
  chargeAtTarget: number;
  plans: Plan[];
}

/** Charge in % of a full tank at the user's setpoint, as the controller reads it from the status (for its drift check). */
function charge(device: SimulatedDevice, capacity: number): number {
  const tank = tankFromStatus(device.snapshot(), capacity);
  assert.ok(tank);
  return chargeOf(tank.energyKWh, USER_SETPOINT_C, { ...DEFAULT_TANK_MODEL, capacityWhPerK: capacity });
}

function runNight(planned: boolean, drawLitres: number): Run {
  const device = newDevice(drawLitres);
  const first = tankFromStatus(device.snapshot());
  assert.ok(first && first.capacityWhPerK && first.ambientC);
  const capacity = first.capacityWhPerK;
  const model = { ...DEFAULT_TANK_MODEL, capacityWhPerK: capacity, ambientC: first.ambientC };
  const plans: Plan[] = [];
  const plan = (now: number): Plan => {
    const tank = tankFromStatus(device.snapshot(), capacity);
    assert.ok(tank);
    const p = planHeating({
      now, prices: PRICES, targets: [{ at: '06:30', charge: 90 }], timeZone: TZ, energyKWh: tank.energyKWh, heating: tank.source, model,
      userMode: 'heat-pump', userSetpointC: USER_SETPOINT_C, maxSetpointC: 65, allowElement: false,
      // Nobody announced the draw, and the controller below writes each setting as a control (live).
      draws: [], appliedBy: 'control', upperC: tank.upperC, lowerC: tank.lowerC,
    });
    plans.push(p);
    return p;
  };
  let current = planned ? plan(START) : undefined;
  let cost = 0;
  let kWh = 0;
  for (let now = START; now < TARGET_AT; now += MIN) {
    if (current) {
      if ((now - START) % (15 * MIN) === 0 && hasDrifted(current, now, charge(device, capacity))) current = plan(now);
      const want = settingAt(current, now);
      const mode = MODE_IDS[want.mode];
      if (device.status.dhwOperationSetting !== mode || device.status.dhwTemperatureSetting !== want.setpointC * 2) {
        device.setStatus({ dhwOperationSetting: mode, dhwTemperatureSetting: want.setpointC * 2 });
      }
    }
    const before = device.energyTotals();
    device.tick(MIN);
    const after = device.energyTotals();
    const usedKWh = (after.hpUsage - before.hpUsage + after.heUsage - before.heUsage) / 1000;
    kWh += usedKWh;
    cost += usedKWh * priceAt(now);
  }
  // Judged by the simulated tank's own zones (equal volumes), not by the planner's reading of its status.
  const { upperC, lowerC } = device.tankTemperatures();
  const chargeAtTarget = (100 * ((upperC + lowerC) / 2 - 40.5)) / (USER_SETPOINT_C - 40.5);
  return { cost, kWh, chargeAtTarget, plans };
}

/** Windows of the last plan that overlap an hour dearer than `limit`. */
function dearer(run: Run, limit: number): Plan['windows'] {
  const last = run.plans[run.plans.length - 1];
  return last.windows.filter((w) => PRICES.some((s) => s.price > limit && s.start < w.end && w.start < s.end));
}

describe('planner: a scripted night in the simulator (accelerated clock)', () => {
  const planned = runNight(true, 0);
  const baseline = runNight(false, 0);

  it('cheapest hours 01:00-05:00, 90 % at 06:30 from 40 %: the windows lie in the cheap hours', () => {
    const from = zonedTime(2025, 1, 16, 1, 0, TZ);
    const to = zonedTime(2025, 1, 16, 5, 0, TZ);
    assert.equal(planned.plans.length, 1, 'the tank followed the forecast: no re-plan');
    const windows = planned.plans[0].windows;
    assert.ok(windows.length > 0);
    for (const w of windows) assert.ok(w.start >= from && w.end <= to, `window ${new Date(w.start).toISOString()}-${new Date(w.end).toISOString()}`);
  });

  it('the simulated tank reaches 90 % at 06:30', () => {
    assert.ok(planned.chargeAtTarget >= 90, `charge at 06:30: ${planned.chargeAtTarget.toFixed(1)} %`);
    assert.ok(Math.abs(planned.chargeAtTarget - planned.plans[0].targets[0].expectedCharge) < 2, 'as forecast');
  });

  it('the simulated energy costs less than with the heater left in its mode', () => {
    assert.ok(planned.cost < baseline.cost, `planned ${planned.cost.toFixed(3)} vs baseline ${baseline.cost.toFixed(3)}`);
    // All of it bought at the night price, and about what the plan forecast.
    assert.ok(Math.abs(planned.cost - 0.1 * planned.kWh) < 0.005, `${planned.cost} for ${planned.kWh} kWh`);
    assert.ok(Math.abs(planned.plans[0].expectedCost - planned.cost) < 0.03, `forecast ${planned.plans[0].expectedCost}, simulated ${planned.cost}`);
    // The baseline reheated at once, at the evening peak.
    assert.ok(baseline.cost / baseline.kWh > 0.3, `baseline paid ${baseline.cost} for ${baseline.kWh} kWh`);
  });

  for (const litres of [12, 50]) {
    it(`a ${litres} l draw at 21:00 nobody announced: plans again, still meets the target, still cheaper`, () => {
      const run = runNight(true, litres);
      const unplanned = runNight(false, litres);
      assert.ok(run.plans.length >= 2, `${run.plans.length} plan(s)`);
      assert.ok(run.plans[1].createdAt >= START + 3 * H, 'the second plan follows the draw');
      assert.ok(run.chargeAtTarget >= 90, `charge at 06:30: ${run.chargeAtTarget.toFixed(1)} %`);
      assert.ok(run.cost < unplanned.cost, `planned ${run.cost.toFixed(3)} vs baseline ${unplanned.cost.toFixed(3)}`);
      // The cheap hours alone no longer carry it; the extra heat comes from the next cheapest (0.22), never the peak.
      assert.deepEqual(dearer(run, 0.22), []);
    });
  }
});
