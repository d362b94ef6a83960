/**
 * The account's time zone is the heater's clock: on a Node-RED host in UTC (the Docker image without TZ), a planner in
 * device mode for a heater in Chicago writes its program entries on Chicago clock times (test helper, real account
 * and planner nodes, simulator, fake clock). A zone that is not one stops the planner with an error naming the field.
 */
import assert from 'node:assert/strict';
import accountModule = require('../../../src/nodes/navien-account');
import plannerModule = require('../../../src/nodes/navien-planner');
import { decodeReservationEntry } from '../../../src/shared/codec';
import { wallClock, zonedTime } from '../../../src/shared/planner';
import { waitFor } from '../../helpers/wait';
import { MAC, helper, recording, warningsOf, withCatalog } from '../flow-helper';
import { START_STATUS } from './night';
import { attachPlanner, nightPrice, nodes, plannerFlow, quiet, usePlannerSimulator } from './planner-flow';

const CHICAGO = 'America/Chicago';
const MIN = 60_000;
const H = 60 * MIN;
/** Wednesday 14 January 2026, 18:00 in Chicago (Thursday 00:00 UTC). */
const START = zonedTime(2026, 1, 14, 18, 0, CHICAGO);
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Hourly prices from `start`, cheapest 01:00-05:00 on the Chicago clock (power-saver's shape). */
function chicagoPrices(start: number, hours: number) {
  return {
    priceData: Array.from({ length: hours }, (_, i) => ({
      start: new Date(start + i * H).toISOString(),
      end: new Date(start + (i + 1) * H).toISOString(),
      value: nightPrice(wallClock(start + i * H, CHICAGO).hour),
    })),
  };
}

const withZone = (flow: Array<Record<string, unknown>>, timeZone: string | undefined) =>
  flow.map((n) => (n.type === 'navien-account' ? { ...n, timeZone } : n));

describe('navien-account time zone: the heater\'s clock for navien-planner (host in UTC, fake clock)', function () {
  this.timeout(120_000);
  const { sim, setClock } = usePlannerSimulator();
  // The host's zone for this file, whatever the machine's: UTC, as in the Node-RED Docker image.
  const hostTz = process.env.TZ;
  before(() => {
    process.env.TZ = 'UTC';
  });
  after(() => {
    if (hostTz === undefined) delete process.env.TZ;
    else process.env.TZ = hostTz;
  });

  it('device mode: the program entries written to the heater are on the Chicago clock, as are the targets and the status', async () => {
    assert.equal(new Date(START).getHours(), 0, 'the host runs in UTC');
    const clock = setClock(START);
    const device = sim().device(MAC);
    device.setStatus(START_STATUS);
    device.reservations = { reservationUse: 2, reservation: [] };
    device.tick(1);
    const recorder = recording(plannerModule);
    const setup = plannerFlow(sim(), { planner: { apply: 'device' } });
    await helper.load([nodes[0], withCatalog(recorder.module)], withZone(setup.flow, CHICAGO), setup.credentials);
    const { planner, account, plans, reports, caught } = await attachPlanner(setup.ids);
    planner.receive({ payload: chicagoPrices(START, 13) });
    await waitFor(() => reports.some((r) => r.payload.type === 'program'), 'the program write');
    await quiet(sim(), account);

    const plan = plans[0].payload;
    // The default target 06:30 is 06:30 in Chicago (12:30 UTC), not 06:30 UTC.
    assert.deepEqual(plan.targets.map((t: { at: string }) => t.at), [new Date(zonedTime(2026, 1, 15, 6, 30, CHICAGO)).toISOString()]);
    // The heating is in Chicago's cheap night hours.
    assert.ok(plan.windows.length > 0);
    for (const w of plan.windows) {
      const hour = wallClock(Date.parse(w.start), CHICAGO).hour;
      assert.ok(hour >= 1 && hour < 5, `window at ${w.start} (${hour}:00 in Chicago)`);
    }
    // On the heater: a hold at Wednesday 18:02, the windows, the user's setting back at Thursday 07:00, Chicago clock.
    const onHeater = device.reservations.reservation.map((e) => decodeReservationEntry(e, 'C'));
    const [write] = reports.filter((r) => r.payload.type === 'program').map((r) => r.payload);
    assert.equal(write.result, 'confirmed');
    assert.equal(onHeater.length, write.entries.length);
    assert.deepEqual(onHeater[0].days, ['wed']);
    assert.equal(onHeater[0].time, '18:02');
    assert.deepEqual([onHeater.at(-1)?.days, onHeater.at(-1)?.time], [['thu'], '07:00']);
    onHeater.forEach((e, i) => {
      const wall = wallClock(Date.parse(write.entries[i].at), CHICAGO);
      const time = `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
      assert.deepEqual([e.days, e.time], [[WEEKDAYS[wall.weekday]], time], `entry ${i} at ${write.entries[i].at}`);
    });
    // The status names the next window's start on the Chicago clock.
    const first = wallClock(Date.parse(plan.windows[0].start), CHICAGO);
    const next = `${String(first.hour).padStart(2, '0')}:${String(first.minute).padStart(2, '0')}`;
    assert.match(String(recorder.statuses(setup.ids.planner).at(-1)?.text), new RegExp(`next ${next}$`));
    assert.deepEqual(caught, []);
    assert.equal(clock.now(), START);
  });

  it('a zone that is not one: the account and the planner name the field and an example, the planner refuses to plan', async () => {
    setClock(START);
    const accountRecorder = recording(accountModule);
    const plannerRecorder = recording(plannerModule);
    const setup = plannerFlow(sim(), { planner: { apply: 'device' } });
    await helper.load([withCatalog(accountRecorder.module), withCatalog(plannerRecorder.module)], withZone(setup.flow, 'America/Chicgo'), setup.credentials);
    const { planner, plans, caught } = await attachPlanner(setup.ids, { wait: false });
    const text = 'Time zone (timeZone) "America/Chicgo" is not a time zone name: use an IANA name such as America/Chicago, or leave the field empty for the Node-RED host\'s zone (UTC). navien-planner does not plan until it is corrected.';
    assert.deepEqual(accountRecorder.errors(setup.ids.account), [[text]]);
    assert.deepEqual(plannerRecorder.statuses(setup.ids.planner), [{ fill: 'red', shape: 'ring', text }]);
    const before = sim().received.length;
    planner.receive({ payload: chicagoPrices(START, 13) });
    await waitFor(() => caught.length === 1, 'the error');
    assert.equal(caught[0].error?.message, text);
    assert.equal(plans.length, 0);
    assert.deepEqual(sim().received.slice(before).filter((r) => r.topic.includes('/ctrl')), [], 'nothing sent to the heater');
  });

  it('warns once when the host runs in UTC and the account has no zone; not when it has one', async () => {
    setClock(START);
    const setup = plannerFlow(sim());
    await helper.load(nodes, withZone(setup.flow, ''), setup.credentials);
    await attachPlanner(setup.ids, { wait: false });
    const warned = () => warningsOf(setup.ids.account).filter((w) => /runs in UTC/.test(w));
    await waitFor(() => warned().length === 1, 'the warning');
    assert.match(warned()[0], /The Node-RED host runs in UTC \(UTC\) and the account has no time zone.*America\/Chicago.*TZ/);
    // Redeployed: not again.
    await helper.setFlows(withZone(setup.flow, ''), 'full', setup.credentials);
    await attachPlanner(setup.ids, { wait: false });
    assert.equal(warned().length, 1);
    await helper.unload();

    const zoned = plannerFlow(sim());
    await helper.load(nodes, withZone(zoned.flow, CHICAGO), zoned.credentials);
    await attachPlanner(zoned.ids);
    assert.deepEqual(warningsOf(zoned.ids.account), []);
  });
});
