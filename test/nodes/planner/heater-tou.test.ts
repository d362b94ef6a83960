/**
 * navien-planner with the heater's own TOU plan as its prices (test helper, real account and planner nodes, the
 * simulator's REST TOU read, fake clock): a TOU customer's planner plans from the plan the heater holds, with no
 * price message, on the heater's clock; a message can switch to it and back to a price list.
 */
import assert from 'node:assert/strict';
import { wallClock, zonedTime } from '../../../src/shared/planner';
import { waitFor } from '../../helpers/wait';
import { MAC, helper, warningsOf } from '../flow-helper';
import { START_STATUS } from './night';
import { attachPlanner, nodes, plannerFlow, powerSaverPrices, quiet, usePlannerSimulator } from './planner-flow';

const CHICAGO = 'America/Chicago';
const H = 3_600_000;
/** Wednesday 14 January 2026, 18:00 in Chicago. */
const START = zonedTime(2026, 1, 14, 18, 0, CHICAGO);

/** A TOU plan as `GET /device/tou` returns it: every day, 0.08 from 00:00 to 05:59, 0.30 from 06:00 to 23:59 (prices in 1/1000). */
const NIGHT_TOU = {
  registerPath: 'wifi',
  sourceType: 'openei',
  touInfo: {
    controllerId: 'TEST0000SN00000001',
    manufactureId: 'TESTMANUFACTURE01',
    name: 'Night saver (test)',
    utility: 'Test Electric',
    zipCode: 60601,
    schedule: [
      {
        season: 4095,
        interval: [
          { week: 254, startHour: 0, startMinute: 0, endHour: 5, endMinute: 59, priceMin: 80, priceMax: 80, decimalPoint: 3 },
          { week: 254, startHour: 6, startMinute: 0, endHour: 23, endMinute: 59, priceMin: 300, priceMax: 300, decimalPoint: 3 },
        ],
      },
    ],
  },
};

const withZone = (flow: Array<Record<string, unknown>>) => flow.map((n) => (n.type === 'navien-account' ? { ...n, timeZone: CHICAGO } : n));

describe('navien-planner prices "heater-tou": plans from the heater\'s own TOU plan (simulator, fake clock)', function () {
  this.timeout(120_000);
  const { sim, setClock } = usePlannerSimulator();

  it('the dialog source plans at start without a message, in the plan\'s cheap hours on the heater\'s clock, and again every hour', async () => {
    const clock = setClock(START);
    const device = sim().device(MAC);
    device.setStatus(START_STATUS);
    device.tick(1);
    sim().setTouPlan(MAC, NIGHT_TOU);
    const setup = plannerFlow(sim(), { planner: { prices: 'heater-tou' } });
    await helper.load(nodes, withZone(setup.flow), setup.credentials);
    const { account, plans, reports, caught } = await attachPlanner(setup.ids);
    await waitFor(() => plans.length > 0, 'a plan without any input');
    await quiet(sim(), account);

    const plan = plans[0].payload;
    assert.equal(plan.apply, 'preview');
    assert.ok(plan.windows.length > 0, 'heating planned for the 06:30 target');
    for (const w of plan.windows) {
      const hour = wallClock(Date.parse(w.start), CHICAGO).hour;
      assert.ok(hour < 6, `window at ${w.start} (${hour}:00 in Chicago) outside the plan's 00:00-05:59`);
      // Priced at the TOU plan's off-peak 0.08: cost = kWh x 0.08.
      assert.ok(Math.abs(w.cost - w.kWh * 0.08) < 0.01, `window cost ${w.cost} for ${w.kWh} kWh`);
    }
    // The prices reach over the whole horizon (24 h), not just to the end of one day.
    assert.equal(plan.targets.length, 1);
    assert.ok(plan.targets[0].met);
    assert.deepEqual(caught, []);
    assert.deepEqual(warningsOf(setup.ids.planner), [], 'preview changes nothing on the heater: no TOU-mode warning');

    // An hour later it plans again from the plan, without a message.
    const before = plans.length;
    clock.advance(H);
    await waitFor(() => reports.some((r) => r.payload.type === 'replan' && r.payload.reason === 'hourly'), 'the hourly re-plan');
    await waitFor(() => plans.length > before, 'the hourly plan on output 1');
    await quiet(sim(), account);
  });

  it('a message switches from a price list to "heater-tou", targets alone keep it; a planner carrying out a plan warns that TOU mode is on', async () => {
    setClock(START);
    const device = sim().device(MAC);
    device.setStatus({ ...START_STATUS, touStatus: 1 });
    device.tick(1);
    sim().setTouPlan(MAC, NIGHT_TOU);
    const setup = plannerFlow(sim(), { planner: { apply: 'live' } });
    await helper.load(nodes, withZone(setup.flow), setup.credentials);
    const { planner, account, plans, caught } = await attachPlanner(setup.ids);

    // Evening cheap, night dear: the opposite of the TOU plan.
    const feed = powerSaverPrices(START, 14, () => 0);
    feed.priceData.forEach((p, i) => (p.value = wallClock(START + i * H, CHICAGO).hour >= 18 ? 0.05 : 0.4));
    planner.receive({ payload: feed });
    await waitFor(() => plans.length >= 1, 'the plan from the price list');
    await quiet(sim(), account);
    for (const w of plans[0].payload.windows) assert.ok(wallClock(Date.parse(w.start), CHICAGO).hour >= 18, `price-list window at ${w.start}`);

    planner.receive({ payload: { prices: 'heater-tou', targets: [{ at: '05:30', charge: 80 }] } });
    await waitFor(() => plans.length >= 2, 'the plan from the TOU plan');
    await quiet(sim(), account);
    const fromTou = plans[1].payload;
    assert.ok(fromTou.windows.length > 0);
    for (const w of fromTou.windows) assert.ok(wallClock(Date.parse(w.start), CHICAGO).hour < 6, `TOU window at ${w.start}`);
    assert.equal(fromTou.targets[0].at, new Date(zonedTime(2026, 1, 15, 5, 30, CHICAGO)).toISOString());

    // Targets alone keep the TOU plan as the source.
    planner.receive({ payload: { targets: [{ at: '05:00', charge: 70 }] } });
    await waitFor(() => plans.length >= 3, 'the plan for new targets');
    await quiet(sim(), account);
    for (const w of plans[2].payload.windows) assert.ok(wallClock(Date.parse(w.start), CHICAGO).hour < 6, `window at ${w.start}`);

    const warnings = warningsOf(setup.ids.planner).filter((w) => /TOU mode is on/.test(w));
    assert.equal(warnings.length, 1, `one TOU-mode warning: ${JSON.stringify(warningsOf(setup.ids.planner))}`);
    assert.deepEqual(caught, []);
  });

  it('redeployed with other settings, a planner whose dialog says "heater-tou" plans from the TOU plan again at once; one switched to messages waits for prices', async () => {
    setClock(START);
    const device = sim().device(MAC);
    device.setStatus(START_STATUS);
    device.tick(1);
    sim().setTouPlan(MAC, NIGHT_TOU);
    const setup = plannerFlow(sim(), { planner: { prices: 'heater-tou' } });
    const flow = withZone(setup.flow);
    await helper.load(nodes, flow, setup.credentials);
    const first = await attachPlanner(setup.ids);
    await waitFor(() => first.plans.length > 0, 'the first plan');
    // Message targets: the input is stored (with its source) for the next instance.
    first.planner.receive({ payload: { targets: [{ at: '05:00', charge: 80 }] } });
    await waitFor(() => first.plans.length > 1, 'the plan for the message targets');
    await quiet(sim(), first.account);

    // Another reserve: the stored input is from other settings (its targets go), the dialog's source still applies.
    await helper.setFlows(flow.map((n) => (n.id === setup.ids.planner ? { ...n, reserve: 10 } : n)), 'full', setup.credentials);
    const second = await attachPlanner(setup.ids);
    await waitFor(() => second.plans.length > 0, 'a plan from the TOU plan after the redeploy, without a message');
    await quiet(sim(), second.account);
    for (const w of second.plans[0].payload.windows) assert.ok(wallClock(Date.parse(w.start), CHICAGO).hour < 6, `window at ${w.start}`);
    assert.equal(second.plans[0].payload.targets[0].at, new Date(zonedTime(2026, 1, 15, 6, 30, CHICAGO)).toISOString(), 'the dialog\'s target, not the message\'s');

    // The dialog switched to messages: the stored input had no price list, so the node waits for one.
    await helper.setFlows(flow.map((n) => (n.id === setup.ids.planner ? { ...n, prices: 'messages' } : n)), 'full', setup.credentials);
    const third = await attachPlanner(setup.ids);
    await quiet(sim(), third.account);
    assert.deepEqual(third.plans, []);
    assert.deepEqual(third.caught, []);
  });

  it('a TOU plan that prices none of the horizon is an error naming the plan, not a crash', async () => {
    setClock(START);
    const device = sim().device(MAC);
    device.setStatus(START_STATUS);
    device.tick(1);
    const summerOnly = structuredClone(NIGHT_TOU);
    summerOnly.touInfo.schedule[0].season = 224; // Jun-Aug; it is January
    sim().setTouPlan(MAC, summerOnly);
    const setup = plannerFlow(sim());
    await helper.load(nodes, withZone(setup.flow), setup.credentials);
    const { planner, account, plans, caught } = await attachPlanner(setup.ids);
    planner.receive({ payload: 'heater-tou' });
    await waitFor(() => caught.length > 0, 'the error to a Catch node');
    await quiet(sim(), account);
    assert.match(caught[0].error?.message ?? '', /TOU plan \(Night saver \(test\)\).*periods that cover/);
    assert.equal(plans.length, 0);
  });
});
