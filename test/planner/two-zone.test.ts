import assert from 'node:assert/strict';
import {
  DEFAULT_TANK_MODEL,
  DOE_MEDIUM_USAGE,
  LITRES_PER_SHOWER,
  LOWER_TRIGGER_C,
  PlanRequest,
  PriceSlot,
  TankModel,
  ZoneState,
  decideZones,
  drawFrom,
  energyForCharge,
  expectedDraws,
  hotLitres,
  learnDrawPattern,
  learnThermostat,
  parseTargets,
  planHeating,
  simulateZones,
  startsOnApply,
  wallClock,
  zonedTime,
} from '../../src/shared/planner';

const TZ = 'Europe/Berlin';
const H = 3_600_000;
const MODEL: TankModel = { ...DEFAULT_TANK_MODEL, capacityWhPerK: 372.2 };
const state = (upperC: number, lowerC: number): ZoneState => ({ upperC, lowerC, compressor: false, element: false });

describe('planner: the two-zone tank (the heater\'s thermostat on its own probes)', () => {
  it('a setpoint at or below what the upper probe reads never starts, whether written as a control or a program entry', () => {
    const tank = state(52, 44);
    for (const by of ['control', 'program'] as const) {
      assert.equal(startsOnApply(tank, 'heat-pump', 52, by, false), false, `${by} at the upper probe`);
      assert.equal(startsOnApply(tank, 'heat-pump', 50, by, false), false, `${by} below it`);
    }
    // The mean is 48 °C: a setpoint of 51 °C is 3 K above the mean but below the top, so nothing heats.
    const s = { ...tank };
    decideZones(s, 'heat-pump', 51, 50, false);
    assert.equal(s.compressor, false);
  });

  it('a control write above the upper probe starts a recovery outside TOU; a program entry waits for the start point', () => {
    const tank = state(52, 45);
    assert.equal(startsOnApply(tank, 'heat-pump', 53, 'control', false), true);
    assert.equal(startsOnApply(tank, 'heat-pump', 53, 'program', false), false, 'Heat Pump starts 2 K below the setpoint');
    assert.equal(startsOnApply(tank, 'heat-pump', 54, 'program', false), true);
    assert.equal(startsOnApply(tank, 'heat-pump', 53, 'control', true), false, 'under TOU a control write does not force it');
  });

  it('the lower-tank trigger at 104.9 °F (40.5 °C) starts the heat pump whatever the setpoint', () => {
    assert.equal(LOWER_TRIGGER_C, 40.5);
    const cold = state(50, 40.4);
    decideZones(cold, 'heat-pump', 45, 60, false);
    assert.equal(cold.compressor, true, 'lower probe below 104.9 °F, top 5 K above the setpoint');
    const warm = state(50, 40.6);
    decideZones(warm, 'heat-pump', 45, 60, false);
    assert.equal(warm.compressor, false);
    // Electric mode has no heat pump: the trigger does not apply.
    const electric = state(50, 30);
    decideZones(electric, 'electric', 45, 60, false);
    assert.equal(electric.compressor, false);
  });

  it('a recovery stops with the top at the setpoint and the bottom within 1 K; under TOU the heat pump stops near 90 %', () => {
    const s = { ...state(57, 55), compressor: true };
    decideZones(s, 'heat-pump', 60, 80, false);
    assert.equal(s.compressor, true);
    const done = { ...state(60, 59.2), compressor: true };
    decideZones(done, 'heat-pump', 60, 98, false);
    assert.equal(done.compressor, false);
    const tou = { ...state(57, 55), compressor: true };
    decideZones(tou, 'heat-pump', 60, 90, true);
    assert.equal(tou.compressor, false);
  });

  it('a draw takes water from the top; the hot water above comfort is what can be drawn before the top falls below it', () => {
    const s = state(55, 50);
    const before = hotLitres(s, 43, MODEL);
    // Each zone is well mixed, so the top cools as soon as water is drawn: a conservative count (docs/planner-model.md).
    assert.ok(before > 120, `${before} l`);
    drawFrom(s, 100, MODEL);
    assert.ok(s.upperC < 55 && s.lowerC < 50);
    const after = hotLitres(s, 43, MODEL);
    assert.ok(after < before - 50 && after > 0, `${before} -> ${after} l`);
    assert.equal(hotLitres(state(42.9, 40), 43, MODEL), 0);
  });
});

describe('planner: expected draws', () => {
  it('the default is the DOE 24-hour medium-usage pattern: 12 draws, 55 gal a day', () => {
    assert.equal(DOE_MEDIUM_USAGE.length, 12);
    assert.equal(DOE_MEDIUM_USAGE.reduce((a, d) => a + d.gallons, 0), 55);
    const from = zonedTime(2025, 1, 15, 0, 0, TZ);
    const draws = expectedDraws({ source: 'default', days: 0, litres: null }, from, from + 24 * H, TZ);
    assert.equal(draws.length, 12);
    assert.ok(Math.abs(draws.reduce((a, d) => a + d.litres, 0) - 55 * 3.785411784) < 1e-6);
    assert.equal(wallClock(draws.find((d) => d.litres > 50)?.at ?? 0, TZ).hour, 6, 'the 15 gal draw starts the day at 06:30');
  });

  it('learns litres per weekday and hour from the heater\'s delivered-volume counter once it has a week (by hour alone from three days)', () => {
    const start = zonedTime(2025, 1, 6, 0, 0, TZ); // a Monday
    const samples = [];
    let litres = 1000;
    for (let t = start; t < start + 8 * 24 * H; t += 10 * 60_000) {
      const hour = wallClock(t, TZ).hour;
      samples.push({ at: t, cumulativeLitres: litres });
      if (hour === 7) litres += 10; // 60 l between 07:00 and 08:00 every day
    }
    assert.equal(learnDrawPattern(samples.slice(0, 2 * 144), TZ).source, 'default', 'two days are not enough');
    // Three to six days: by time of day alone, the same every weekday.
    const pooled = learnDrawPattern(samples.slice(0, 4 * 144), TZ);
    assert.equal(pooled.source, 'history');
    assert.ok(pooled.litres && pooled.litres.every((row) => Math.abs(row[7] - 60) < 1e-6 && row[8] === 0), JSON.stringify(pooled.litres?.[0]));
    const pattern = learnDrawPattern(samples, TZ);
    assert.equal(pattern.source, 'history');
    const day = zonedTime(2025, 1, 20, 0, 0, TZ);
    const draws = expectedDraws(pattern, day, day + 24 * H, TZ);
    assert.equal(draws.length, 1);
    assert.equal(wallClock(draws[0].at, TZ).hour, 7);
    assert.ok(Math.abs(draws[0].litres - 60) < 1e-6);
  });
});

function hourly(from: number, hours: number, priceAt: (localHour: number) => number): PriceSlot[] {
  return Array.from({ length: hours }, (_, i) => ({ start: from + i * H, end: from + (i + 1) * H, price: priceAt(wallClock(from + i * H, TZ).hour) }));
}
const valley = (hour: number) => (hour >= 1 && hour < 5 ? 0.1 : hour >= 17 && hour < 20 ? 0.45 : 0.25);

function request(over: Partial<PlanRequest> = {}): PlanRequest {
  const now = zonedTime(2025, 1, 15, 18, 0, TZ);
  return {
    now,
    prices: hourly(now, 24, valley),
    targets: [],
    timeZone: TZ,
    energyKWh: energyForCharge(40, 60.5, MODEL),
    upperC: 50,
    lowerC: 47,
    model: MODEL,
    userMode: 'heat-pump',
    userSetpointC: 60.5,
    maxSetpointC: 65,
    allowElement: false,
    ...over,
  };
}

describe('planner: comfort is a hard constraint', () => {
  it('under the default draw pattern no draw of the plan gets water below comfort (checked in the two-zone tank)', () => {
    const plan = planHeating(request());
    assert.equal(plan.comfort.comfortC, 43);
    assert.equal(plan.comfort.draws.source, 'default');
    assert.equal(plan.comfort.draws.count, 11, '18:00 to 18:00: the evening draws of one pattern day, the morning and midday ones of the next');
    assert.equal(plan.comfort.met, true);
    assert.equal(plan.comfort.feasible, true);
    assert.ok(plan.comfort.coldestDraw && plan.comfort.coldestDraw.deliveredC >= 42.95, JSON.stringify(plan.comfort));
    // Independently: the same schedule, draws and tank, simulated again, never deliver below comfort.
    const draws = expectedDraws({ source: 'default', days: 0, litres: null }, plan.start, plan.end, TZ);
    const cells = [{ start: plan.start, end: plan.end, price: 0, priced: true, freeW: 0 }];
    const sim = simulateZones(cells, { between: plan.hold, windows: plan.windows }, state(50, 47), MODEL, { draws, appliedBy: 'program', tou: false });
    for (const d of sim.draws) assert.ok(d.deliveredC >= 42.95, `${new Date(d.draw.at).toISOString()}: ${d.deliveredC.toFixed(2)} °C`);
    // The hold itself guards the line: Heat Pump starts 2 K below its setpoint, so it holds at 45.5 °C, not 40.5 °C.
    assert.equal(plan.hold.setpointC, 45.5);
  });

  it('says infeasible when even the highest setpoint cannot keep a draw above comfort', () => {
    // 600 l at 06:30 from a 320 l tank, with the highest setpoint at 50 °C and comfort at 49 °C.
    const at = zonedTime(2025, 1, 16, 6, 30, TZ);
    const plan = planHeating(request({ comfortC: 49, maxSetpointC: 50, draws: [{ at, litres: 600, lpm: 10 }] }));
    assert.equal(plan.comfort.met, false);
    assert.equal(plan.comfort.feasible, false);
  });

  it('a tank too cool for the morning draw: the plan heats before it, and the draw stays above comfort', () => {
    const at = zonedTime(2025, 1, 16, 6, 30, TZ);
    const plan = planHeating(request({ upperC: 44, lowerC: 41, energyKWh: energyForCharge(10, 60.5, MODEL), draws: [{ at, litres: 150, lpm: 7.6 }] }));
    assert.equal(plan.comfort.met, true, JSON.stringify(plan.comfort));
    assert.ok(plan.windows.length > 0);
  });
});

describe('planner: litres and showers targets', () => {
  it('parses {at, litres} and {at, showers}, refuses two kinds at once', () => {
    assert.deepEqual(parseTargets([{ at: '06:30', litres: 120 }, { at: '21:00', showers: 2 }]), [{ at: '06:30', litres: 120 }, { at: '21:00', showers: 2 }]);
    assert.throws(() => parseTargets([{ at: '06:30', litres: 120, charge: 90 }]), /payload.targets\[0\].*exactly one of charge, litres, showers/);
    assert.throws(() => parseTargets([{ at: '06:30', showers: 1.5 }]), /payload.targets\[0\].showers.*whole number/);
    assert.throws(() => parseTargets([{ at: '06:30', litres: -1 }]), /payload.targets\[0\].litres/);
  });

  it('a reachable litres target is met and reported with the hot water expected then', () => {
    const plan = planHeating(request({ draws: [], targets: [{ at: '06:30', litres: 180 }] }));
    const t = plan.targets[0];
    assert.equal(t.kind, 'litres');
    assert.equal(t.litres, 180);
    assert.equal(t.met, true);
    assert.ok(t.expectedLitres >= 180, `${t.expectedLitres} l`);
    assert.ok(plan.windows.every((w) => valley(wallClock(w.start, TZ).hour) <= 0.25), 'not at the evening peak');
  });

  it('showers count LITRES_PER_SHOWER litres each; more than the tank holds is reported not met', () => {
    const plan = planHeating(request({ draws: [], targets: [{ at: '06:30', showers: 3 }, { at: '06:45', showers: 12 }] }));
    assert.equal(plan.targets[0].litres, 3 * LITRES_PER_SHOWER);
    assert.equal(plan.targets[0].showers, 3);
    assert.equal(plan.targets[0].met, true);
    assert.equal(plan.targets[1].met, false, `${plan.targets[1].expectedLitres} l for ${12 * LITRES_PER_SHOWER} l`);
  });
});

describe('planner: the thermostat learned from the heater\'s history', () => {
  const sample = (at: number, upperC: number, source: 'none' | 'heat-pump', over: Record<string, unknown> = {}) => ({
    at, energyKWh: 5, powerW: source === 'none' ? 10 : 430, source, upperC, lowerC: 50, mode: 'heat-pump' as const, setpointC: 60, drawing: false, ...over,
  });

  it('the heat pump\'s start point is the median deficit on the upper probe over three starts; fewer keep the default', () => {
    const samples = [];
    let t = 0;
    for (const startUpper of [58.6, 58.5, 58.4]) {
      samples.push(sample(t, startUpper + 0.3, 'none'), sample(t + 60_000, startUpper, 'none'), sample(t + 120_000, startUpper + 0.1, 'heat-pump'));
      t += 3_600_000;
    }
    // Not the thermostat: a start during a draw, and one with the lower probe below the 104.9 °F trigger.
    samples.push(sample(t, 59, 'none', { drawing: true }), sample(t + 60_000, 59, 'heat-pump', { drawing: true }));
    samples.push(sample(t + 600_000, 59.5, 'none', { lowerC: 38 }), sample(t + 660_000, 59.5, 'heat-pump', { lowerC: 38 }));
    const learned = learnThermostat(samples);
    assert.ok(learned['heat-pump']);
    assert.equal(learned['heat-pump'].runs, 3);
    assert.ok(Math.abs(learned['heat-pump'].value - 1.5) < 1e-9);
    assert.deepEqual(learnThermostat(samples.slice(0, 6)), {});
    // A program entry now needs only the learned deficit above the upper probe to start.
    const m = { ...MODEL, heatPumpStartK: { 'heat-pump': learned['heat-pump'].value } };
    assert.equal(startsOnApply(state(55, 50), 'heat-pump', 56.5, 'program', false, m), true);
    assert.equal(startsOnApply(state(55, 50), 'heat-pump', 56.5, 'program', false, MODEL), false);
  });
});
