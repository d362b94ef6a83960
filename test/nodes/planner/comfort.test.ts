/**
 * navien-planner `live` on a night with the standard draws (the DOE 24-hour medium-usage day) in the simulator: the
 * planner expects them (its default), the simulated heater really draws them, and the test judges the water by the
 * simulated tank's own temperatures (tools/simulator/thermal.ts), not by the planner's formulas.
 */
import assert from 'node:assert/strict';
import { DEFAULT_COMFORT_C, expectedDraws } from '../../../src/shared/planner';
import { MAC } from '../flow-helper';
import { MIN, PRICES_END, START, baselineNight, runNight } from './night';
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
});
