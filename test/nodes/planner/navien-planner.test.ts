import assert from 'node:assert/strict';
import { MAC, helper, recording, withCatalog } from '../flow-helper';
import { waitFor } from '../../helpers/wait';
import plannerModule = require('../../../src/nodes/navien-planner');
import { Msg, attachPlanner, nightPrice, nodes, plannerFlow, powerSaverPrices, quiet, usePlannerSimulator } from './planner-flow';

const H = 3_600_000;
// Wednesday 15 January 2025, 18:00 on the host's clock (targets are local times of the Node-RED host).
const START = new Date(2025, 0, 15, 18, 0).getTime();
const local = (day: number, hour: number, minute = 0) => new Date(2025, 0, day, hour, minute).getTime();

/** The simulated heater in Heat Pump mode at 60.5 °C with the tank at 40 % (mean 48.5 °C), as the core's scripted night. */
function heaterAt40(sim: ReturnType<ReturnType<typeof usePlannerSimulator>['sim']>): void {
  const device = sim.device(MAC);
  device.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 500, tankLowerTemperature: 470, ambientTemperature: 260 });
  device.tick(1);
}

const controls = (sim: ReturnType<ReturnType<typeof usePlannerSimulator>['sim']>) => sim.received.filter((r) => r.topic.endsWith('/ctrl') || r.topic.endsWith('/ctrl/rsv/rd'));

describe('navien-planner node (test helper, real account node, simulator, fake clock)', function () {
  this.timeout(60_000);
  const { sim, setClock } = usePlannerSimulator();

  beforeEach(() => heaterAt40(sim()));

  it('preview: a day of prices in power-saver format gives the plan on output 1 and sends nothing to the heater', async () => {
    setClock(START);
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load(nodes, flow, credentials);
    const { planner, account, plans, reports, caught } = await attachPlanner(ids);
    sim().clearReceived();
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice), keep: 'me' });
    await waitFor(() => plans.length === 1, 'the plan');
    const { topic, payload, keep } = plans[0];
    assert.equal(topic, `navien/${MAC}/plan`);
    assert.equal(keep, 'me', 'the input message is reused');
    assert.equal(payload.apply, 'preview');
    assert.equal(payload.unit, 'C');
    assert.ok(payload.windows.length > 0);
    for (const w of payload.windows) {
      assert.ok(Date.parse(w.start) >= local(16, 1) && Date.parse(w.end) <= local(16, 5), `window ${w.start}-${w.end} in the cheap hours`);
      assert.equal(w.mode, 'heat-pump');
      assert.ok(w.setpoint > 50 && w.setpoint <= 65, `setpoint ${w.setpoint} °C`);
      assert.ok(w.kWh > 0 && w.cost > 0);
    }
    assert.deepEqual(payload.targets.map((t: Msg['payload']) => [t.at, t.charge, t.met]), [[new Date(local(16, 6, 30)).toISOString(), 90, true]]);
    assert.ok(payload.targets[0].expectedCharge >= 90);
    assert.ok(payload.expectedCost < payload.baselineCost, `${payload.expectedCost} < ${payload.baselineCost}`);
    assert.ok(payload.savings > 0);
    assert.equal(payload.chargeForecast[0].at, new Date(START).toISOString());
    assert.ok(Math.abs(payload.chargeForecast[0].charge - 40) < 3, `charge now ${payload.chargeForecast[0].charge}`);
    assert.deepEqual(payload.restore, { mode: 'heat-pump', setpoint: 60.5 });
    assert.deepEqual(payload.hold, { mode: 'heat-pump', setpoint: 45.5 });
    // The model: the heat capacity from the heater's own status, the room from its intake air, the rest defaults.
    assert.equal(payload.model.capacityWhPerK, 372.2);
    assert.equal(payload.model.ambientC, 26);
    assert.deepEqual(payload.model.learned, []);
    await quiet(sim(), account);
    assert.deepEqual(controls(sim()), [], 'preview sends no control and no program write');
    assert.deepEqual(reports, []);
    assert.deepEqual(caught, []);
  });

  it('detects every supported price shape: the same prices give the same windows', async () => {
    setClock(START);
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load(nodes, flow, credentials);
    const { planner, plans } = await attachPlanner(ids);
    const slots = powerSaverPrices(START, 13, nightPrice).priceData;
    const shapes: unknown[] = [
      { priceData: slots.map((s) => ({ start: s.start, value: s.value })) },
      slots.map((s) => ({ startsAt: s.start, total: s.value })),
      { today: slots.slice(0, 6).map((s) => ({ startsAt: s.start, total: s.value })), tomorrow: slots.slice(6).map((s) => ({ startsAt: s.start, total: s.value })) },
      slots.map((s) => ({ start: s.start, end: s.end, value: s.value })),
      { data: slots.map((s) => ({ start_timestamp: Date.parse(s.start), end_timestamp: Date.parse(s.end), marketprice: s.value * 1000, unit: 'Eur/MWh' })) },
      slots.map((s) => ({ start: s.start, price: s.value })),
      // 15-minute slots of the same prices.
      slots.flatMap((s) => [0, 1, 2, 3].map((q) => ({ start: new Date(Date.parse(s.start) + q * 900_000).toISOString(), price: s.value }))),
    ];
    for (const [i, shape] of shapes.entries()) {
      planner.receive({ payload: shape });
      await waitFor(() => plans.length === i + 1, `plan ${i + 1}`);
    }
    // To the minute: 15-minute slots cut the night into finer cells, which moves the start by a fraction of a minute.
    const minute = (iso: string) => Math.round(Date.parse(iso) / 60_000);
    const windows = plans.map((m) => JSON.stringify(m.payload.windows.map((w: Msg['payload']) => [minute(w.start), minute(w.end), w.mode, w.setpoint])));
    assert.equal(new Set(windows).size, 1, windows.join('\n'));
  });

  it('bad input: a Catch-able error naming the field, a red status, and no plan change', async () => {
    setClock(START);
    const recorder = recording(plannerModule);
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load([nodes[0], withCatalog(recorder.module)], flow, credentials);
    const { planner, plans, caught } = await attachPlanner(ids);
    planner.receive({ payload: { priceData: [{ start: 'soon', value: 0.2 }] } });
    await waitFor(() => caught.length === 1, 'the error');
    const text = 'payload.priceData[0].start: expected an ISO time or epoch ms, got "soon"';
    assert.equal(caught[0].error?.message, text);
    assert.equal(recorder.errors(ids.planner)[0][0], text);
    assert.deepEqual(recorder.statuses(ids.planner).at(-1), { fill: 'red', shape: 'ring', text });
    assert.equal(plans.length, 0);

    // A good plan, then bad inputs: none of them changes it; targets alone then plan again on the kept prices.
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
    await waitFor(() => plans.length === 1, 'the plan');
    for (const bad of [{ targets: [{ at: '25:00', charge: 90 }] }, { priceData: [] }, 'cheap', { surplus: [{ start: 'x', watts: 1 }] }]) {
      planner.receive({ payload: bad });
    }
    await waitFor(() => caught.length === 5, 'four more errors');
    assert.equal(plans.length, 1);
    planner.receive({ payload: { targets: [{ at: '05:00', charge: 80 }] } });
    await waitFor(() => plans.length === 2, 'a plan for the new target');
    assert.deepEqual(plans[1].payload.targets.map((t: Msg['payload']) => [t.at, t.charge]), [[new Date(local(16, 5)).toISOString(), 80]]);
    assert.ok(plans[1].payload.windows.every((w: Msg['payload']) => Date.parse(w.end) <= local(16, 5)));
  });

  it('bad input is reported in the catalog\'s words, naming the path, what was expected and what came', async () => {
    setClock(START);
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load(nodes, flow, credentials);
    const { planner, caught } = await attachPlanner(ids);
    planner.receive({ payload: { priceData: [{ start: 'soon', value: 0.2 }] } });
    planner.receive({ payload: { targets: [{ at: '6.30', charge: 90 }] } });
    planner.receive({ payload: powerSaverPrices(START - 24 * H, 13, nightPrice) });
    await waitFor(() => caught.length === 3, 'three errors');
    assert.equal(caught[0].error?.message, 'payload.priceData[0].start: expected an ISO time or epoch ms, got "soon"');
    assert.equal(caught[1].error?.message, `payload.targets[0].at: expected a time 'HH:MM' from 00:00 to 23:59, got "6.30"`);
    assert.match(String(caught[2].error?.message), /^payload: expected prices that reach past now, got "the last slot ends /);
  });

  it('a flow written by hand with a bad setting: red status naming the property, every input refused', async () => {
    setClock(START);
    const recorder = recording(plannerModule);
    const { ids, flow, credentials } = plannerFlow(sim(), { planner: { targets: [{ at: '06:30', charge: 120 }] } });
    await helper.load([nodes[0], withCatalog(recorder.module)], flow, credentials);
    const { planner, plans, caught } = await attachPlanner(ids, { wait: false });
    const text = 'targets[0].charge: expected a tank charge in percent, 0-100, got 120';
    assert.deepEqual(recorder.statuses(ids.planner), [{ fill: 'red', shape: 'ring', text }]);
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
    await waitFor(() => caught.length === 1, 'the error');
    assert.equal(caught[0].error?.message, text);
    assert.equal(plans.length, 0);
  });

  it('a read-only account plans but refuses live: the plan says preview, output 2 says why, nothing is sent', async () => {
    setClock(START);
    const { ids, flow, credentials } = plannerFlow(sim(), { readOnly: true, planner: { apply: 'live' } });
    await helper.load(nodes, flow, credentials);
    const { planner, account, plans, reports } = await attachPlanner(ids);
    sim().clearReceived();
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
    await waitFor(() => plans.length === 1 && reports.length === 1, 'the plan and the refusal');
    assert.equal(plans[0].payload.apply, 'preview');
    assert.equal(reports[0].topic, `navien/${MAC}/planner/not-applied`);
    assert.equal(reports[0].payload.reason, 'read-only');
    assert.equal(reports[0].payload.error, "the account is read-only; apply 'live' was not carried out");
    await quiet(sim(), account);
    assert.deepEqual(controls(sim()), []);
  });

  it('device mode on a heater without a weekly program: refused by its capability flags', async () => {
    setClock(START);
    const feature = sim().device(MAC).feature;
    const before = feature.programReservationUse;
    feature.programReservationUse = 1;
    try {
      const { ids, flow, credentials } = plannerFlow(sim(), { planner: { apply: 'device' } });
      await helper.load(nodes, flow, credentials);
      const { planner, account, plans, reports } = await attachPlanner(ids);
      sim().clearReceived();
      planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
      await waitFor(() => plans.length === 1 && reports.length === 1, 'the plan and the refusal');
      assert.equal(plans[0].payload.apply, 'preview');
      assert.equal(reports[0].payload.reason, 'unsupported');
      assert.equal(reports[0].payload.error, "this water heater does not support apply 'device' (schedule)");
      await quiet(sim(), account);
      assert.deepEqual(controls(sim()), []);
    } finally {
      feature.programReservationUse = before;
    }
  });

  it('a heater switched off is not planned for: the error says so', async () => {
    setClock(START);
    sim().device(MAC).setStatus({ dhwOperationSetting: 6 });
    const { ids, flow, credentials } = plannerFlow(sim());
    await helper.load(nodes, flow, credentials);
    const { planner, plans, caught } = await attachPlanner(ids);
    planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
    await waitFor(() => caught.length === 1, 'the error');
    assert.equal(caught[0].error?.message, 'the water heater is switched off; no plan until it is on again');
    assert.equal(plans.length, 0);
  });
});
