import assert from 'node:assert/strict';
import {
  DEFAULT_TANK_MODEL,
  PlanInputError,
  PlanRequest,
  PriceSlot,
  TankModel,
  chargeOf,
  energyAt,
  energyForCharge,
  forecastChargeAt,
  hasDrifted,
  planHeating,
  planPayload,
  settingAt,
  tempOf,
  wallClock,
  zonedTime,
} from '../../src/shared/planner';

const TZ = 'Europe/Berlin';
const H = 3_600_000;
/** The simulator's tank (heat capacity from the captured status). */
const MODEL: TankModel = { ...DEFAULT_TANK_MODEL, capacityWhPerK: 372.2 };
const SETPOINT = 60.5;

function hourly(from: number, hours: number, priceAt: (localHour: number) => number): PriceSlot[] {
  return Array.from({ length: hours }, (_, i) => {
    const start = from + i * H;
    return { start, end: start + H, price: priceAt(wallClock(start, TZ).hour) };
  });
}

/** Cheapest 01:00-05:00, a morning and an evening peak, medium otherwise (local time). */
function nightValley(hour: number): number {
  if (hour >= 1 && hour < 5) return 0.1;
  if ((hour >= 7 && hour < 9) || (hour >= 17 && hour < 20)) return 0.45;
  if (hour >= 22 || hour < 1 || (hour >= 5 && hour < 7)) return 0.22;
  return 0.3;
}

function request(over: Partial<PlanRequest> = {}): PlanRequest {
  const now = over.now ?? zonedTime(2025, 1, 15, 18, 0, TZ);
  return {
    now,
    prices: hourly(now, 24, nightValley),
    targets: [{ at: '06:30', charge: 90 }],
    timeZone: TZ,
    energyKWh: energyForCharge(40, SETPOINT, MODEL),
    model: MODEL,
    userMode: 'heat-pump',
    userSetpointC: SETPOINT,
    maxSetpointC: 65,
    allowElement: false,
    // These tests are about prices and charge targets: no draws (the comfort tests below give them).
    draws: [],
    ...over,
  };
}

function local(t: number): string {
  const w = wallClock(t, TZ);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

describe('planner: the plan', () => {
  it('cheapest hours 01:00-05:00, 90 % at 06:30 from 40 %: heats only in the cheap hours and meets the target', () => {
    const plan = planHeating(request());
    assert.ok(plan.windows.length > 0);
    const from = zonedTime(2025, 1, 16, 1, 0, TZ);
    const to = zonedTime(2025, 1, 16, 5, 0, TZ);
    for (const w of plan.windows) {
      assert.ok(w.start >= from && w.end <= to, `window ${local(w.start)}-${local(w.end)} outside 01:00-05:00`);
      assert.equal(w.mode, 'heat-pump');
      assert.ok(w.setpointC <= 65);
    }
    assert.deepEqual(plan.targets.map((t) => [local(t.at), t.charge, t.met]), [['06:30', 90, true]]);
    assert.ok(plan.targets[0].expectedCharge >= 90);
    // 10 cents an hour for every kWh: the whole plan costs what its windows cost.
    const windowsCost = plan.windows.reduce((s, w) => s + w.cost, 0);
    assert.ok(Math.abs(plan.expectedCost - windowsCost) < 1e-3);
    assert.ok(Math.abs(plan.expectedCost - 0.1 * plan.expectedKWh) < 1e-3);
    assert.ok(plan.baselineCost > plan.expectedCost, `baseline ${plan.baselineCost} <= plan ${plan.expectedCost}`);
    assert.ok(plan.savings > 0);
  });

  it('the heater left in its mode (baseline) heats at once, at evening prices', () => {
    const plan = planHeating(request());
    // The tank is 12 K below the setpoint at 18:00: the baseline recovers right away at 0.45, the plan waits.
    assert.ok(plan.baselineCost / plan.baselineKWh > 0.3, `baseline paid ${plan.baselineCost} for ${plan.baselineKWh} kWh`);
    assert.ok(plan.baselineKWh > plan.expectedKWh, 'a tank kept hot loses more and heats at a lower COP');
    assert.equal(plan.hold.mode, 'heat-pump');
    // The hold guards the comfort temperature: Heat Pump starts 2 K below it, so 43 °C + 2 K, on the half degree.
    assert.equal(plan.hold.setpointC, 45.5);
    assert.deepEqual(plan.restore, { mode: 'heat-pump', setpointC: SETPOINT });
  });

  it('uses free surplus first, even when the night is cheap', () => {
    const now = zonedTime(2025, 6, 14, 20, 0, TZ);
    const noon = { start: zonedTime(2025, 6, 15, 10, 0, TZ), end: zonedTime(2025, 6, 15, 15, 0, TZ), watts: 1000 };
    const plan = planHeating(request({ now, prices: hourly(now, 24, nightValley), surplus: [noon], targets: [{ at: '18:00', charge: 90 }] }));
    assert.ok(plan.targets[0].met);
    const heatedInSurplus = plan.windows.filter((w) => w.start >= noon.start && w.end <= noon.end).reduce((s, w) => s + w.kWh, 0);
    assert.ok(heatedInSurplus > 1.5, `only ${heatedInSurplus} kWh in the surplus`);
    assert.ok(plan.windows.every((w) => w.start >= noon.start), 'nothing bought at night');
    assert.equal(plan.expectedCost, 0);
    // Without the surplus the same target costs money.
    assert.ok(planHeating(request({ now, prices: hourly(now, 24, nightValley), targets: [{ at: '18:00', charge: 90 }] })).expectedCost > 0.1);
  });

  it('a surplus smaller than the heat pump pays part of it', () => {
    const now = zonedTime(2025, 6, 15, 8, 0, TZ);
    const surplus = [{ start: now, end: now + 12 * H, watts: 215 }]; // half the heat pump's 430 W
    const plan = planHeating(request({ now, prices: hourly(now, 24, () => 0.3), surplus, targets: [{ at: '18:00', charge: 90 }] }));
    assert.ok(plan.targets[0].met);
    assert.ok(Math.abs(plan.expectedCost - 0.3 * plan.expectedKWh / 2) < 0.01, `cost ${plan.expectedCost} for ${plan.expectedKWh} kWh`);
  });

  it('uses the element only when allowed and needed', () => {
    const now = zonedTime(2025, 1, 16, 0, 0, TZ);
    const flat = hourly(now, 24, () => 0.3);
    // 90 % at 03:00 from 40 % is more than three hours of heat pump.
    const noElement = planHeating(request({ now, prices: flat, targets: [{ at: '03:00', charge: 90 }], allowElement: false }));
    assert.ok(noElement.windows.every((w) => w.mode === 'heat-pump'));
    assert.equal(noElement.targets[0].met, false);
    assert.ok(noElement.targets[0].expectedCharge > 80, 'gets as close as the heat pump can');
    const element = planHeating(request({ now, prices: flat, targets: [{ at: '03:00', charge: 90 }], allowElement: true }));
    assert.ok(element.windows.some((w) => w.mode === 'high-demand' || w.mode === 'electric'));
    assert.equal(element.targets[0].met, true);
    // With time enough, the heat pump alone is cheaper per kWh of heat: no element although it is allowed.
    const later = planHeating(request({ now, prices: flat, targets: [{ at: '12:00', charge: 90 }], allowElement: true }));
    assert.ok(later.windows.length > 0);
    assert.ok(later.windows.every((w) => w.mode === 'heat-pump'));
    assert.ok(later.targets[0].met);
  });

  it('plans across the spring DST change: 06:30 is 06:30 CEST, windows in the cheap hours of the 23-hour night', () => {
    const now = zonedTime(2025, 3, 29, 18, 0, TZ);
    // From 60 % three hours of heat pump are enough (from 55 % they are not quite: the plan then adds the hour before).
    const plan = planHeating(request({ now, prices: hourly(now, 30, nightValley), energyKWh: energyForCharge(60, SETPOINT, MODEL) }));
    assert.equal(new Date(plan.targets[0].at).toISOString(), '2025-03-30T04:30:00.000Z');
    assert.ok(plan.targets[0].met);
    const cheap = hourly(now, 30, nightValley).filter((s) => s.price === 0.1);
    assert.equal(cheap.length, 3, 'the clocks skip 02:00-03:00');
    assert.ok(plan.windows.length > 0);
    for (const w of plan.windows) assert.ok(w.start >= cheap[0].start && w.end <= cheap[2].end, `window ${local(w.start)}-${local(w.end)}`);
    // 01:00 CET to 05:00 CEST is three hours of heating, not four.
    assert.ok(plan.windows.reduce((s, w) => s + w.end - w.start, 0) <= 3 * H);
  });

  it('no windows when the tank is already full enough', () => {
    const now = zonedTime(2025, 1, 16, 4, 0, TZ);
    const plan = planHeating(request({ now, energyKWh: energyForCharge(100, SETPOINT, MODEL) }));
    assert.deepEqual(plan.windows, []);
    assert.equal(plan.expectedCost, 0);
    assert.ok(plan.targets[0].met);
    assert.ok(plan.baselineCost >= plan.expectedCost);
  });

  it('never plans past the highest setpoint, and keeps the plan inside the horizon', () => {
    const now = zonedTime(2025, 1, 15, 12, 0, TZ);
    const plan = planHeating(request({ now, prices: hourly(now, 48, nightValley), targets: [{ at: '06:30', charge: 100 }, { at: '19:00', charge: 100 }], maxSetpointC: 62, allowElement: true, horizonHours: 36 }));
    assert.equal(plan.end, now + 36 * H);
    const ceiling = chargeOf(energyAt(62, MODEL), SETPOINT, MODEL);
    for (const p of plan.chargeForecast) assert.ok(p.charge <= ceiling + 0.1, `${p.charge} above ${ceiling}`);
    for (const w of plan.windows) assert.ok(w.setpointC <= 62 && w.end <= plan.end);
  });

  it('stores energy at negative prices (paid to use it) and when the surplus is free, within the highest setpoint', () => {
    const now = zonedTime(2025, 6, 15, 0, 0, TZ);
    const plan = planHeating(request({ now, prices: hourly(now, 24, (h) => (h === 13 ? -0.05 : 0.3)), targets: [], allowElement: true }));
    assert.ok(plan.windows.length > 0);
    assert.ok(plan.expectedCost < 0, `cost ${plan.expectedCost}`);
    assert.ok(plan.windows.every((w) => wallClock(w.start, TZ).hour === 13));
    assert.ok(Math.max(...plan.chargeForecast.map((p) => p.charge)) > 100, 'heated above the user setpoint');
    // Nothing to gain and no target: no heating at all (the hold keeps the heater off).
    assert.deepEqual(planHeating(request({ now, prices: hourly(now, 24, () => 0.3), targets: [] })).windows, []);
  });

  it('is deterministic for a given input', () => {
    const a = planHeating(request({ allowElement: true, targets: [{ at: '06:30', charge: 90 }, { at: '18:00', charge: 70 }] }));
    const b = planHeating(request({ allowElement: true, targets: [{ at: '06:30', charge: 90 }, { at: '18:00', charge: 70 }] }));
    assert.deepEqual(a, b);
  });

  it('rejects settings out of range and prices that end before now', () => {
    const bad = (over: Partial<PlanRequest>, path: string) =>
      assert.throws(() => planHeating(request(over)), (err: unknown) => err instanceof PlanInputError && err.path === path);
    bad({ maxSetpointC: 30 }, 'maxSetpoint');
    bad({ userMode: 'vacation' as PlanRequest['userMode'] }, 'mode');
    bad({ horizonHours: 0 }, 'horizon');
    bad({ reservePercent: -1 }, 'reserve');
    bad({ prices: hourly(zonedTime(2025, 1, 14, 0, 0, TZ), 24, nightValley) }, 'payload');
  });
});

describe('planner: the plan as a message, and drift', () => {
  it('has the Output 1 shape with ISO times and setpoints in the node unit', () => {
    const plan = planHeating(request());
    const payload = planPayload(plan, 'preview', 'F');
    assert.deepEqual(Object.keys(payload).sort(), ['apply', 'baselineCost', 'chargeForecast', 'comfort', 'expectedCost', 'hold', 'restore', 'savings', 'targets', 'unit', 'windows']);
    assert.equal(payload.apply, 'preview');
    assert.match(payload.windows[0].start, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(Object.keys(payload.windows[0]), ['start', 'end', 'mode', 'setpoint', 'kWh', 'cost']);
    assert.deepEqual(Object.keys(payload.targets[0]), ['at', 'kind', 'charge', 'expectedCharge', 'expectedLitres', 'met']);
    assert.equal(payload.comfort.temperature, 109.4, '43 °C in °F');
    assert.equal(payload.windows[0].setpoint, Math.round((plan.windows[0].setpointC * 1.8 + 32) * 10) / 10);
    assert.equal(payload.restore.setpoint, 140.9);
    assert.equal(payload.chargeForecast[0].at, new Date(plan.start).toISOString());
  });

  it('knows the setting at any time and notices when the tank leaves the forecast', () => {
    const plan = planHeating(request());
    const w = plan.windows[0];
    assert.deepEqual(settingAt(plan, w.start), { mode: 'heat-pump', setpointC: w.setpointC, window: 0 });
    assert.deepEqual(settingAt(plan, w.start - 1), { mode: 'heat-pump', setpointC: 45.5, window: -1 });
    const at = w.end;
    const expected = forecastChargeAt(plan, at);
    assert.ok(expected > 90);
    // By default 2.5 points (half the default reserve) call for a new plan, either way.
    assert.equal(hasDrifted(plan, at, expected - 2), false);
    assert.equal(hasDrifted(plan, at, expected - 3), true);
    assert.equal(hasDrifted(plan, at, expected + 3), true);
    assert.equal(hasDrifted(plan, at, expected - 3, 5), false);
    // Between forecast points the charge is interpolated.
    assert.ok(forecastChargeAt(plan, plan.start + 30 * 60_000) < 40 && forecastChargeAt(plan, plan.start + 30 * 60_000) > 39);
    assert.ok(tempOf(energyForCharge(expected, SETPOINT, MODEL), MODEL) <= w.setpointC + 0.01);
  });
});
