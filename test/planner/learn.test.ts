import assert from 'node:assert/strict';
import { DEFAULT_TANK_MODEL, TankSample, heatPumpHeatKW, learnTankModel, learnThermostat, sampleFromStatus, tankFromStatus } from '../../src/shared/planner';
import { SimulatedDevice } from '../../tools/simulator/device';
import { COMPRESSOR_W, ELEMENT_W, HEAT_PUMP_COP_55, STANDBY_W_PER_K, TANK_WH_PER_K } from '../../tools/simulator/thermal';

const MIN = 60_000;
const H = 60 * MIN;

/**
 * Three simulated days of status history every 5 minutes: the heater held (only standby loss), heat-pump recoveries,
 * element recoveries, and draws in all of them (the learning must not mistake a shower for standby loss).
 */
function history(): TankSample[] {
  const device = new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 });
  device.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 520, tankLowerTemperature: 500 });
  const samples: TankSample[] = [];
  // The capacity the status showed at the user's setpoint stands in while the planner holds the setpoint at 40.5 °C
  // (the counters then read 0 whatever the tank's temperature; the probes still tell).
  const capacity = tankFromStatus(device.snapshot())?.capacityWhPerK ?? undefined;
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += 5 * MIN) {
      device.tick(5 * MIN);
      const s = sampleFromStatus(device.snapshot(), device.simElapsedMs, capacity);
      if (s) samples.push(s);
    }
  };
  const set = (mode: number, setpointHalfC: number) => device.setStatus({ dhwOperationSetting: mode, dhwTemperatureSetting: setpointHalfC });
  const draw = (inMs: number, litres: number) => device.scheduledDraws.push({ atMs: device.simElapsedMs + inMs, litres, lpm: 8 });
  for (let day = 0; day < 3; day++) {
    set(1, 81); // held at 40.5 °C: nothing heats
    draw(4 * H, 40);
    run(9 * H);
    set(1, 121); // heat pump to 60.5 °C
    draw(H, 15);
    run(5 * H);
    set(1, 81);
    run(6 * H);
    draw(0, 120); // a bath, then the element recovers it
    run(20 * MIN);
    set(2, 121);
    run(2 * H);
  }
  return samples;
}

describe('planner: learning the tank from its status history', () => {
  const samples = history();
  const ambientC = tankFromStatus(new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 }).snapshot())?.ambientC;
  const base = { ...DEFAULT_TANK_MODEL, ambientC: ambientC ?? 20 };
  const result = learnTankModel(samples, base);

  it('reads the heat capacity from the status counters', () => {
    assert.ok(result.capacityWhPerK.learned);
    assert.ok(Math.abs(result.model.capacityWhPerK - TANK_WH_PER_K) / TANK_WH_PER_K < 0.02, `capacity ${result.model.capacityWhPerK}`);
  });

  it('learns the standby loss despite draws in the idle hours', () => {
    assert.ok(result.standbyWPerK.learned && result.standbyWPerK.runs >= 3);
    assert.ok(Math.abs(result.model.standbyWPerK - STANDBY_W_PER_K) < 0.4, `UA ${result.model.standbyWPerK} W/K`);
  });

  it("learns the heat pump's heating rate (input x COP) and the element's power", () => {
    assert.ok(result.heatPumpCop55.learned && result.heatPumpInputW.learned);
    const truth = (COMPRESSOR_W * HEAT_PUMP_COP_55) / 1000;
    const learned = heatPumpHeatKW(55, result.model);
    assert.ok(Math.abs(learned - truth) / truth < 0.08, `heat pump ${learned} kW at 55 °C, simulator ${truth} kW`);
    assert.ok(result.elementW.learned);
    assert.ok(Math.abs(result.model.elementW - ELEMENT_W) / ELEMENT_W < 0.05, `element ${result.model.elementW} W`);
  });

  it('keeps the defaults until enough runs agree, and ignores samples without counters', () => {
    const few = learnTankModel(samples.slice(0, 40), base);
    assert.equal(few.heatPumpCop55.learned, false);
    assert.equal(few.model.cop55, base.cop55);
    assert.equal(few.elementW.learned, false);
    assert.equal(sampleFromStatus({ dhwOperationSetting: 1 }, 0), null);
    assert.deepEqual(learnTankModel([], base).model, base);
  });
});

describe('planner: learning the thermostat from its status history', () => {
  it('the heat pump\'s start point from three days of a simulated heater left in Heat Pump mode at 60.5 °C', () => {
    const device = new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 });
    device.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 605, tankLowerTemperature: 600 });
    const samples: TankSample[] = [];
    for (let t = 0; t < 72 * H; t += 5 * MIN) {
      device.tick(5 * MIN);
      const s = sampleFromStatus(device.snapshot(), device.simElapsedMs);
      if (s) samples.push(s);
    }
    const learned = learnThermostat(samples)['heat-pump'];
    assert.ok(learned, 'learned');
    // The tank cools by standby alone and the simulated thermostat starts 2 K below the setpoint; at rest its zones
    // are mixed, so the upper probe is that far below too (the 5-minute samples see it within a few tenths).
    assert.ok(learned.runs >= 3, `${learned.runs} starts`);
    assert.ok(learned.value > 1.5 && learned.value <= 2.05, `${learned.value} K`);
  });
});
