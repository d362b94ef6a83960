/**
 * navien-planner `live` on a night with the standard draws (the DOE 24-hour medium-usage day) in the simulator: the
 * planner expects them (its default), the simulated heater really draws them, and the test judges the water by the
 * simulated tank's own temperatures (tools/simulator/thermal.ts), not by the planner's formulas.
 */
import assert from 'node:assert/strict';
import { DEFAULT_COMFORT_C, expectedDraws } from '../../../src/shared/planner';
import { MAC } from '../flow-helper';
import type { Msg } from './planner-flow';
import { MIN, PRICES_END, START, TARGET, baselineNight, runNight } from './night';
import { usePlannerSimulator } from './planner-flow';

describe('navien-planner comfort: a night with the standard draws, judged by the simulated tank (fake clock)', function () {
  this.timeout(240_000);
  const { sim, setClock } = usePlannerSimulator();

  it('every draw comes out at or above the comfort temperature, and the night costs less than no planning', async () => {
    const clock = setClock(START);
    // The planner's default pattern on the host's clock (the test flows name no time zone), as the simulator's draws.
    const draws = expectedDraws({ source: 'default', days: 0, litres: null }, START, PRICES_END).map((d) => ({ atMs: d.at - START, litres: d.litres, lpm: d.lpm }));
    assert.ok(draws.length >= 6, `${draws.length} draws`);
    const run = await runNight(sim(), clock, { planner: { apply: 'live', draws: 'expected' }, draws, until: PRICES_END + 5 * MIN });
    const baseline = baselineNight(0, PRICES_END, draws);
    const first = run.plans[0].payload;
    assert.equal(first.comfort.met, true, JSON.stringify(first.comfort));
    assert.equal(first.comfort.draws.source, 'default');
    assert.ok(Number.isFinite(run.coldestDrawC), 'the simulated heater drew');
    assert.ok(run.coldestDrawC >= DEFAULT_COMFORT_C, `the coldest water drawn: ${run.coldestDrawC.toFixed(2)} °C`);
    assert.ok(run.cost < baseline.cost, `planned ${run.cost.toFixed(3)} vs baseline ${baseline.cost.toFixed(3)}`);
    assert.ok(sim().device(MAC).status.dhwTemperatureSetting === 121, 'the user\'s setpoint is back');
    assert.deepEqual(run.caught, []);
  });

  it('a showers target the tank cannot hold is planned as not met, and reported missed at its time from the heater\'s probes', async () => {
    const clock = setClock(START);
    const run = await runNight(sim(), clock, { planner: { apply: 'preview', targets: [{ at: '06:30', showers: 12 }] }, until: TARGET + 5 * MIN });
    const target = run.plans[0].payload.targets[0];
    assert.deepEqual([target.kind, target.showers, target.litres, target.met], ['showers', 12, 720, false]);
    const missed = run.reports.filter((m: Msg) => m.topic === `navien/${MAC}/planner/target`).map((m: Msg) => m.payload);
    assert.equal(missed.length, 1, JSON.stringify(missed));
    assert.equal(missed[0].litres, 720);
    assert.ok(missed[0].actualLitres < 720 && missed[0].met === false, JSON.stringify(missed[0]));
  });
});
