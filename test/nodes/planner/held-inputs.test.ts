/**
 * Planner inputs that arrive before the account's first connection: like navien-control's held inputs they are
 * bounded (`navienHeldInputs`: age), and since a plan is made from the newest input alone, only that one waits; each
 * older one is finished with a Catch-able error saying it was replaced. Real nodes through the test helper, the
 * simulator's REST slowed down so the account stays in its sign-in.
 */
import assert from 'node:assert/strict';
import { MAC, helper } from '../flow-helper';
import { waitFor } from '../../helpers/wait';
import { FAST_RUNNER, attachPlanner, nightPrice, nodes, plannerFlow, powerSaverPrices, quiet, usePlannerSimulator } from './planner-flow';

// Wednesday 15 January 2025, 18:00 on the host's clock.
const START = new Date(2025, 0, 15, 18, 0).getTime();

describe('navien-planner inputs held until the first connection (test helper, simulator)', function () {
  this.timeout(60_000);
  const { sim, setClock } = usePlannerSimulator();
  afterEach(() => {
    sim().delayRest(0);
    helper.settings({ navienHeldInputs: undefined });
  });

  async function deployWhileSigningIn(signInMs: number, heldLimits?: { maxAgeMs: number }) {
    const clock = setClock(START);
    // helper.settings replaces every setting: the planner's clock and timing go along.
    if (heldLimits) helper.settings({ navienPlannerClock: clock, navienControlTiming: FAST_RUNNER, navienHeldInputs: heldLimits });
    sim().delayRest(signInMs);
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load(nodes, flow, credentials);
    return attachPlanner(ids, { wait: false });
  }

  it('keeps only the newest input: each older one gets a Catch-able "replaced" error, the plan comes from the newest', async () => {
    const { planner, account, plans, caught } = await deployWhileSigningIn(1_500);
    for (const tag of ['p0', 'p1', 'p2']) planner.receive({ payload: powerSaverPrices(START, 13, nightPrice), tag });
    await waitFor(() => caught.length === 2, 'the errors for the replaced inputs', 1_000);
    assert.notEqual(account.connection?.state.phase, 'connected', 'replaced while the account was still signing in');
    assert.deepEqual(caught.map((m) => [m.tag, m.error?.message]), [
      ['p0', 'input replaced: a newer one arrived before the connection, and the plan is made from the newest'],
      ['p1', 'input replaced: a newer one arrived before the connection, and the plan is made from the newest'],
    ]);
    await waitFor(() => plans.length === 1, 'the plan of the held input', 15_000);
    await quiet(sim(), account);
    assert.deepEqual(plans.map((m) => [m.tag, m.topic]), [['p2', `navien/${MAC}/plan`]]);
    assert.equal(caught.length, 2);
  });

  it('drops an input that waited longer than navienHeldInputs.maxAgeMs, with a Catch-able error, and plans nothing from it', async () => {
    const { planner, account, plans, caught } = await deployWhileSigningIn(2_500, { maxAgeMs: 400 });
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice), tag: 'p0' });
    await waitFor(() => caught.length === 1, 'the error for the expired input', 2_000);
    assert.notEqual(account.connection?.state.phase, 'connected');
    assert.deepEqual(caught.map((m) => [m.tag, m.error?.message]), [['p0', 'input dropped: it waited more than 0.4 s for the connection']]);
    await waitFor(() => account.connection?.state.phase === 'connected', 'connected', 15_000);
    await quiet(sim(), account);
    assert.deepEqual(plans, [], 'no plan from the dropped input');
  });
});
