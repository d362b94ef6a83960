import assert from 'node:assert/strict';
import { SimulatedDevice } from '../../tools/simulator/device';
import { litresBetween } from '../../tools/simulator/draws';
import { COMPRESSOR_W, ELEMENT_W, TANK_WH_PER_K, heatPumpCop, stepTank, type TankState } from '../../tools/simulator/thermal';

/** The figures docs/planner-model.md states for the simulated tank, checked against the model itself. */
function tank(c: number): TankState {
  return { upperC: c, lowerC: c, compressor: false, upperElement: false, lowerElement: false };
}
const mean = (t: TankState) => (t.upperC + t.lowerC) / 2;

describe('simulated tank physics: the figures a plan is judged by', () => {
  it('heat pump: ~430 W in, COP 2.89 at 55 °C, lower in a hotter tank', () => {
    assert.equal(heatPumpCop(55), 2.89);
    assert.ok(heatPumpCop(40) > 3.4 && heatPumpCop(40) < 3.6, `COP at 40 °C ${heatPumpCop(40)}`);
    assert.ok(heatPumpCop(65) < heatPumpCop(55));
    // One hour from 45 °C in Heat Pump mode: the tank gains input x COP, less a little standby loss.
    const t = tank(45);
    const used = stepTank(t, 1, 60, 3600, 0, 20);
    assert.ok(Math.abs(used.compressorWh - COMPRESSOR_W) < 1e-6, `${used.compressorWh} Wh in an hour`);
    const gainWh = (mean(t) - 45) * TANK_WH_PER_K;
    assert.ok(gainWh > 1300 && gainWh < 1450, `heat-pump gain ${gainWh} Wh in an hour`);
  });

  it('element: 4.8 kW in, all of it heat (~13 K/h on this tank)', () => {
    const t = tank(45);
    const used = stepTank(t, 2, 60, 600, 0, 20);
    assert.ok(Math.abs(used.elementWh - ELEMENT_W / 6) < 1e-6);
    const gainWh = (mean(t) - 45) * TANK_WH_PER_K;
    assert.ok(gainWh > 770 && gainWh < 800, `element gain ${gainWh} Wh in 10 minutes`);
  });

  it('standby loss follows the temperature difference to the room (2.5 W/K)', () => {
    const hot = tank(60);
    const warm = tank(40);
    for (let i = 0; i < 24; i++) {
      stepTank(hot, 6, 60, 3600, 0, 20); // powered off: only losses
      stepTank(warm, 6, 40, 3600, 0, 20);
    }
    const lossHotWh = (60 - mean(hot)) * TANK_WH_PER_K;
    const lossWarmWh = (40 - mean(warm)) * TANK_WH_PER_K;
    assert.ok(lossHotWh > 2100 && lossHotWh < 2450, `a day at 60 °C loses ${lossHotWh} Wh`); // ~2.5 W/K x 40 K x 24 h
    assert.ok(Math.abs(lossHotWh / lossWarmWh - 2) < 0.1, 'twice the difference to the room, twice the loss');
  });

  it('a draw replaces hot water with 15 °C inlet water, litre for litre', () => {
    const t = tank(60);
    stepTank(t, 6, 60, 600, 6, 20); // 60 l in 10 minutes, nothing heating
    const lostWh = (60 - mean(t)) * TANK_WH_PER_K;
    const expectedWh = 60 * 1.163 * (60 - 15); // litres x Wh/(l K) x (tank - inlet), the upper zone leaving first
    assert.ok(Math.abs(lostWh - expectedWh) / expectedWh < 0.1, `draw took ${lostWh} Wh, expected about ${expectedWh}`);
  });

  it('scripted draws take their litres whatever the step length', () => {
    const draws = [{ atMs: 60_000, litres: 40, lpm: 8 }, { atMs: 3_600_000, litres: 10, lpm: 5 }];
    assert.equal(litresBetween(draws, 0, 86_400_000), 50);
    let sum = 0;
    for (let t = 0; t < 7_200_000; t += 7_000) sum += litresBetween(draws, t, t + 7_000);
    assert.ok(Math.abs(sum - 50) < 1e-9);
    assert.equal(litresBetween(draws, 60_000, 90_000), 4);
  });

  it('the simulated device runs scripted draws on its own clock and shows them in the status', () => {
    const device = new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 });
    device.setStatus({ dhwOperationSetting: 6, tankUpperTemperature: 600, tankLowerTemperature: 600 });
    device.scheduledDraws = [{ atMs: 10 * 60_000, litres: 80, lpm: 8 }];
    const flowBefore = device.status.cumulatedDhwFlowRate;
    device.tick(5 * 60_000);
    assert.equal(device.status.dhwUse, 1);
    const before = device.status.availableEnergyCapacity;
    device.tick(5 * 60_000 + 1000); // the draw starts
    assert.equal(device.status.dhwUse, 2);
    for (let i = 0; i < 11; i++) device.tick(60_000); // past its end (10 minutes at 8 l/min)
    assert.equal(device.status.dhwUse, 1);
    assert.ok(device.status.availableEnergyCapacity - before > 800, 'the deficit grew by about 80 l x 45 K');
    assert.ok(Math.abs(device.status.cumulatedDhwFlowRate - flowBefore - 80) < 1e-6, 'the lifetime volume counts the 80 l');
  });
});

describe('simulated tank physics: independent of the step length', () => {
  it('an hour in one call or in 5-minute ticks ends at the same state and energy, the element handing over to the lower zone', () => {
    const one = tank(45);
    const many = tank(45);
    one.lowerC = many.lowerC = 30;
    const a = stepTank(one, 2, 60, 3600, 0, 20);
    let wh = 0;
    for (let i = 0; i < 12; i++) wh += stepTank(many, 2, 60, 300, 0, 20).elementWh;
    assert.ok(Math.abs(a.elementWh - wh) < 5, `${a.elementWh} vs ${wh} Wh`);
    assert.ok(Math.abs(mean(one) - mean(many)) < 0.05);
    // The heat went into the tank: nothing is burnt into a zone that is already at the thermostat.
    assert.ok(Math.abs((mean(one) - 37.5) * TANK_WH_PER_K - a.elementWh) < 0.05 * a.elementWh);
  });
});
