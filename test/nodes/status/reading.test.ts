import assert from 'node:assert/strict';
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { dayUsage, monthUsage } from '../../../tools/simulator/energy';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { HEAT_PUMP_STATUS, MAC, TestNode, accountConfig, accountReady, collect, credentialsFor, helper, loadCatalogs, recording, roundTrip, uniqueId, useSimulator, useTestServer, withCatalog } from '../flow-helper';

helper.init(require.resolve('node-red'));

/** Known raw state (physics frozen with speed 0): the shared heat-pump state with the tank and alert fields these tests read. */
const BASE = {
  ...HEAT_PUMP_STATUS,
  tankUpperTemperature: 575,
  tankLowerTemperature: 480,
  totalEnergyCapacity: 1861,
  availableEnergyCapacity: 386,
  wtrOvrSensorUse: 1,
  conOvrSensorUse: 1,
  antiLegionellaOperationBusy: 1,
  drEventStatus: 0,
  airFilterAlarmPeriod: 1000,
  airFilterAlarmElapsed: 10,
};
/** A second device of the account that no node under test watches: the target of the round trips before negative checks. */
const MARKER_MAC = '0a1b2c3d4e70';
const SUMMARY_FIELDS = ['online', 'power', 'mode', 'setpoint', 'temperature', 'unit', 'tankCharge', 'heating', 'heatSource', 'powerW', 'error', 'vacationDaysLeft'];
const READ_ERROR_ALLOWED = 'status, features, schedule, energy, tou, installer, firmware, recirculation, device';

describe('navien-status reading, report by exception and events (test helper, real account node, simulator)', function () {
  this.timeout(60_000);

  before(() => loadCatalogs('navien-status', 'navien-account'));
  const sim = useSimulator({
    speed: 0,
    accounts: [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC, deviceName: 'Garage heater' }, { macAddress: MARKER_MAC }] }],
  });
  beforeEach(() => {
    sim().setDeviceOffline(MAC, false);
    sim().device(MAC).setStatus(BASE);
    sim().device(MAC).reservations = { reservationUse: 1, reservation: [] };
  });
  useTestServer();

  async function load(config: Record<string, unknown>) {
    const accountId = uniqueId('account');
    const recorder = recording(withCatalog(statusNode));
    await helper.load(
      [accountNode, recorder.module],
      [
        accountConfig(sim(), accountId),
        { id: 'status', type: 'navien-status', account: accountId, device: MAC, unit: 'C', interval: 0, output: 'all', wires: [['out'], ['events']], ...config },
        { id: 'out', type: 'helper' },
        { id: 'events', type: 'helper' },
      ],
      credentialsFor(accountId),
    );
    const account = helper.getNode(accountId) as TestNode;
    const out = collect(helper.getNode('out') as TestNode);
    const events = collect(helper.getNode('events') as TestNode);
    const connection = await accountReady(account);
    return { account, connection, status: helper.getNode('status') as TestNode & { context(): any }, out, events, statuses: recorder.statuses('status'), errors: recorder.errors('status') };
  }

  const requestsOn = (suffix: string) => sim().received.filter((r) => r.topic.endsWith(suffix));

  it('reads the features per message: limits in the node\'s unit, firmware, serial, tank size, capabilities', async () => {
    const { status, out } = await load({});
    status.receive({ payload: { read: 'features' }, keep: 'me' });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/features`, 'the features');
    assert.equal(msg.keep, 'me');
    assert.equal(msg.payload.setpointMin, 40.5); // 81 half-°C
    assert.equal(msg.payload.setpointMax, 65.5); // 131 half-°C
    assert.equal(msg.payload.unit, 'C');
    assert.equal(msg.payload.serial, 'TEST0000SN00000001');
    assert.equal(msg.payload.tankSizeGallons, 65); // volumeCode 2
    assert.deepEqual(msg.payload.firmware, { controller: 184614912, panel: 0, wifi: 34013184, recirc: 0 });
    assert.equal(msg.payload.capabilities.energyUsage, true);
    assert.equal(msg.payload.raw, undefined, 'the raw record is msg.raw, not in the payload');
    assert.equal(msg.raw.controllerSerialNumber, 'TEST0000SN00000001');
    assert.deepEqual(msg.device, { mac: MAC, name: 'Garage heater', deviceType: 52, model: 'NWP500' });
  });

  it('reads the weekly schedule (dialog read: schedule) as readable entries, once although the hex twin arrives too', async () => {
    sim().device(MAC).reservations = {
      reservationUse: 2,
      reservation: [
        { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
        { enable: 1, week: 130, hour: 8, min: 0, mode: 3, param: 110 },
      ],
    };
    const { account, status, out } = await load({ read: 'schedule', unit: 'F', interval: 30 });
    status.receive({ payload: 'go' });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/schedule`, 'the schedule');
    assert.deepEqual(msg.payload, {
      enabled: true,
      entries: [
        { enabled: true, days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', mode: 'high-demand', setpoint: 140 }, // 60 °C
        { enabled: false, days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 131 }, // 55 °C
      ],
    });
    await waitFor(() => requestsOn('/st').length > 0, 'the status poll on connecting');
    await roundTrip(account, MARKER_MAC); // after the hex twin and the poll's reply
    assert.equal(out.filter((m: any) => m.topic.endsWith('/schedule')).length, 1, 'one schedule message, not two');
    assert.deepEqual(out.filter((m: any) => !m.topic.endsWith('/schedule')), [], 'with read = schedule, polled statuses stay off output 1');
  });

  it('reads daily energy for a month: per-day Wh and hours, totals, heat-pump share, lifetime labelled, cost from the TOU plan', async () => {
    const { status, out } = await load({});
    sim().clearReceived();
    status.receive({ payload: { read: 'energy', period: 'daily', year: 2024, month: 2 } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/energy`, 'the energy report');
    const query = requestsOn('/st/energy-usage-daily-query/rd');
    assert.equal(query.length, 1);
    assert.deepEqual({ year: (query[0].payload as any).request.year, month: (query[0].payload as any).request.month }, { year: 2024, month: [2] });
    const p = msg.payload;
    assert.equal(p.period, 'daily');
    assert.equal(p.year, 2024);
    assert.equal(p.month, 2);
    assert.equal(p.items.length, 29, 'February 2024 has 29 days');
    const days = Array.from({ length: 29 }, (_, i) => dayUsage(MAC, 2024, 2, i + 1));
    assert.deepEqual(p.items.map((i: any) => i.day), days.map((_, i) => i + 1));
    assert.deepEqual(p.items.map((i: any) => [i.heatPumpWh, i.elementWh, i.heatPumpHours, i.elementHours]), days.map((d) => [d.hpUsage, d.heUsage, d.hpTime, d.heTime]));
    const hp = days.reduce((t, d) => t + d.hpUsage, 0);
    const he = days.reduce((t, d) => t + d.heUsage, 0);
    assert.equal(p.totals.heatPumpWh, hp);
    assert.equal(p.totals.elementWh, he);
    assert.equal(p.totals.totalWh, hp + he);
    assert.equal(p.totals.heatPumpHours, days.reduce((t, d) => t + d.hpTime, 0));
    assert.equal(p.totals.heatPumpShare, Math.round((hp / (hp + he)) * 1000) / 10);
    const lifetime = sim().device(MAC).energyTotals();
    assert.equal(p.lifetime.heatPumpWh, lifetime.hpUsage);
    assert.equal(p.lifetime.elementWh, lifetime.heUsage);
    // The simulator's captured plan covers every month and day: every day priced; the plan is named.
    assert.equal(p.cost.plan, 'E-TOU-C Residential Time of Use Baseline Region V (All Electric Service)');
    assert.equal(p.cost.unpriced, 0);
    assert.equal(p.cost.method, 'daily-average-price');
    const sum = p.items.reduce((t: number, i: any) => t + i.cost.estimate, 0);
    assert.ok(Math.abs(p.cost.estimate - sum) < 0.02 * 29, `${p.cost.estimate} is the sum of the days (${sum})`);
    // Prices of that plan lie between 0.36261 and 0.49378 per kWh.
    assert.ok(p.cost.low >= ((hp + he) / 1000) * 0.36261 - 0.01 && p.cost.high <= ((hp + he) / 1000) * 0.49378 + 0.01);
  });

  it('reads monthly energy for a year (dialog: energy, monthly; year per message)', async () => {
    const { status, out } = await load({ read: 'energy', period: 'monthly' });
    status.receive({ payload: { read: 'energy', period: 'monthly', year: 2023 } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/energy`, 'the monthly report');
    const months = Array.from({ length: 12 }, (_, i) => monthUsage(MAC, 2023, i + 1));
    assert.equal(msg.payload.period, 'monthly');
    assert.equal(msg.payload.month, undefined);
    assert.deepEqual(msg.payload.items.map((i: any) => [i.month, i.heatPumpWh, i.elementWh]), months.map((m, i) => [i + 1, m.hpUsage, m.heUsage]));
    assert.equal(msg.payload.totals.totalWh, months.reduce((t, m) => t + m.hpUsage + m.heUsage, 0));
  });

  it('reads the TOU plan over REST with the serial from the feature record', async () => {
    const { status, out } = await load({});
    status.receive({ payload: { read: 'tou' } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/tou`, 'the TOU plan');
    assert.equal(msg.payload.name, 'E-TOU-C Residential Time of Use Baseline Region V (All Electric Service)');
    assert.equal(msg.payload.controllerId, 'TEST0000SN00000001');
    assert.deepEqual(msg.payload.periods[0], {
      months: ['jan', 'feb', 'mar', 'apr', 'may', 'oct', 'nov', 'dec'], // season 3615
      days: ['mon', 'tue', 'wed', 'thu', 'fri'], // week 124
      start: '00:00',
      end: '15:59',
      priceMin: 0.36261,
      priceMax: 0.46378,
      decimalPoint: 5,
    });
  });

  const invalid: Array<[Record<string, unknown>, string]> = [
    [{ read: 'weekly' }, `read: "weekly" is not valid; allowed: ${READ_ERROR_ALLOWED}`],
    [{ read: 'energy', period: 'daily', year: 2024, month: 13 }, 'month: 13 is not valid; allowed: a whole number 1-12'],
    [{ read: 'energy', period: 'monthly', year: 1999 }, `year: 1999 is not valid; allowed: a whole number 2000-${new Date().getFullYear()}`],
    [{ read: 'energy', period: 'weekly' }, 'period: "weekly" is not valid; allowed: daily, monthly'],
    [{ read: 'schedule', entries: [] }, 'entries is not a read option (got []); allowed: read'],
  ];
  for (const [payload, text] of invalid) {
    it(`rejects ${JSON.stringify(payload)}: an error naming it, a red status, nothing sent`, async () => {
      const { account, status, out, statuses, errors } = await load({});
      sim().clearReceived();
      const before = out.length;
      status.receive({ payload, marker: 'bad' });
      await waitFor(() => errors.length > 0, 'the error');
      assert.equal(errors[0][0], text);
      assert.equal((errors[0][1] as any).marker, 'bad', 'the message goes to a Catch node');
      assert.deepEqual(statuses[statuses.length - 1], { fill: 'red', shape: 'ring', text: 'invalid read request' });
      await roundTrip(account, MARKER_MAC);
      assert.deepEqual(sim().received.filter((r) => r.mac === MAC), [], 'nothing was sent');
      assert.equal(out.length, before);
    });
  }

  it('status messages carry derived values: tank kWh, the heat source really running', async () => {
    const { out } = await load({ interval: 30 });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/status`);
    assert.equal(msg.derived.usableEnergyKWh, 5.9); // (1861 - 386) x 4 Wh
    assert.equal(msg.derived.fullChargeKWh, 7.44);
    assert.equal(msg.derived.energyToFullKWh, 1.54);
    assert.equal(msg.derived.activeHeatSource, 'heat-pump'); // 410 W with the compressor flag
    assert.equal(msg.derived.vacationDaysLeft, null);
  });

  it('output "changes": msg.changed and deadbands in the node\'s unit (0.5 °C, 20 W by default)', async () => {
    const { account, out } = await load({ output: 'changes', interval: 30 });
    const first = await out.next();
    assert.deepEqual(first.changed, SUMMARY_FIELDS, 'the first status: every field is new');
    const device = sim().device(MAC);
    device.setStatus({ currentInstPower: 425 }, true); // +15 W: inside the deadband
    device.setStatus({ dhwTemperature: 116 }, true); // 57.5 -> 58.0 °C: a 0.5 ° step
    const second = await out.next();
    assert.deepEqual(second.changed, ['temperature']);
    assert.equal(second.payload.temperature, 58);
    assert.equal(second.payload.powerW, 425, 'the payload is the whole summary');
    device.setStatus({ currentInstPower: 431 }, true); // 410 -> 431: 21 W from the value last reported
    const third = await out.next();
    assert.deepEqual(third.changed, ['powerW']);
    device.setStatus({ dhwChargePer: 79 }, true);
    assert.deepEqual((await out.next()).changed, ['tankCharge']);
    await roundTrip(account, MARKER_MAC);
    assert.equal(out.length, 4);
  });

  it('output "changes" with a 1 ° deadband and a heartbeat: nothing for 0.5 °, a full snapshot every second', async () => {
    const { out } = await load({ output: 'changes', deadbandTemp: '1', heartbeat: 1 });
    sim().device(MAC).setStatus({}, true);
    await out.next((m) => m.changed?.length === SUMMARY_FIELDS.length, 'the first status');
    sim().device(MAC).setStatus({ dhwTemperature: 116 }, true); // 0.5 °C < 1
    const beat = await out.next(() => true, 'a heartbeat', 5000);
    assert.equal(beat.heartbeat, true);
    assert.deepEqual(beat.changed, []);
    assert.equal(beat.payload.temperature, 58, 'the snapshot has the current values');
  });

  it('output "fields": one message per field, topic navien/<mac>/<field>, then only what changed', async () => {
    const { account, out } = await load({ output: 'fields' });
    sim().device(MAC).setStatus({}, true);
    await waitFor(() => out.length >= SUMMARY_FIELDS.length, 'a message per field');
    assert.deepEqual(out.map((m: any) => m.topic), SUMMARY_FIELDS.map((f) => `navien/${MAC}/${f}`));
    assert.equal(out.find((m: any) => m.topic.endsWith('/temperature'))?.payload, 57.5);
    assert.equal(out.find((m: any) => m.topic.endsWith('/mode'))?.payload, 'heat-pump');
    await out.next(() => true); // skip the first batch
    const taken = out.length;
    sim().device(MAC).setStatus({ dhwChargePer: 55 }, true);
    await waitFor(() => out.length > taken, 'the changed field');
    await roundTrip(account, MARKER_MAC);
    assert.deepEqual(out.slice(taken).map((m: any) => [m.topic, m.payload]), [[`navien/${MAC}/tankCharge`, 55]]);
  });

  it('output "chart": per status one small message per series (temperature, tankCharge) that a chart takes as it is', async () => {
    const { account, status, out } = await load({ output: 'chart', interval: 30 });
    const first = await out.next(() => true, 'the first point');
    const second = await out.next(() => true, 'the second point');
    assert.deepEqual([first, second].map((m) => [m.topic, m.payload]), [['temperature', 57.5], ['tankCharge', 80]]);
    for (const point of [first, second]) {
      assert.deepEqual(point.device, { mac: MAC, name: 'Garage heater', deviceType: 52, model: 'NWP500' });
      for (const key of ['status', 'raw', 'derived']) assert.equal(point[key], undefined, `a chart point carries msg.${key}`);
    }
    sim().device(MAC).setStatus({ dhwTemperature: 116, dhwChargePer: 81 }, true);
    assert.deepEqual([await out.next(), await out.next()].map((m) => [m.topic, m.payload]), [['temperature', 58], ['tankCharge', 81]]);
    // An input asks for a fresh status and is answered with its points, not with the whole status.
    status.receive({ payload: 'now', keep: 'me' });
    const answer = [await out.next(() => true, 'the answer'), await out.next(() => true, 'the answer')];
    assert.deepEqual(answer.map((m) => [m.topic, m.payload, m.keep, m.status]), [['temperature', 58, undefined, undefined], ['tankCharge', 81, undefined, undefined]]);
    await roundTrip(account, MARKER_MAC);
    assert.equal(out.length, 6, 'nothing but points');
  });

  it('output "chart": an energy read answers with bar rows in kWh (no raw); the features read as always', async () => {
    const { status, out } = await load({ output: 'chart', read: 'energy' });
    status.receive({ payload: { read: 'energy', period: 'daily', year: 2024, month: 2 } });
    const energy = await out.next((m) => m.topic === `navien/${MAC}/energy`, 'the energy rows');
    assert.equal(energy.raw, undefined);
    const days = Array.from({ length: 29 }, (_, i) => dayUsage(MAC, 2024, 2, i + 1));
    assert.deepEqual(energy.payload, days.map((d, i) => ({ day: i + 1, heatPumpKWh: d.hpUsage / 1000, elementKWh: d.heUsage / 1000 })));
    status.receive({ payload: { read: 'features' } });
    const features = await out.next((m) => m.topic === `navien/${MAC}/features`, 'the features');
    assert.equal(features.payload.setpointMin, 40.5);
    assert.equal(typeof features.raw, 'object');
  });

  it('output "chart" for all devices of the account: each series is named after its device', async () => {
    const { out } = await load({ output: 'chart', device: '' });
    sim().device(MAC).setStatus({}, true);
    const point = await out.next((m) => m.device.mac === MAC, 'a point of the heater');
    assert.equal(point.topic, 'Garage heater temperature');
  });

  it('output "chart": no point while the device is offline (the chart shows a gap), events as usual', async function () {
    const { account, status, out, events } = await load({ output: 'chart' });
    sim().device(MAC).setStatus({}, true);
    await out.next(() => true, 'a point while online');
    await out.next(() => true, 'a point while online');
    sim().setDeviceOffline(MAC, true);
    status.receive({ payload: '' });
    await events.next((m) => m.topic === `navien/${MAC}/event/offline`, 'offline', 30_000);
    await roundTrip(account, MARKER_MAC);
    assert.equal(out.length, 2, 'points sent for an offline device');
  });

  it('events on output 2, once per transition: error raised with advice, leak, anti-legionella, demand response, cleared', async () => {
    const { account, out, events } = await load({});
    const device = sim().device(MAC);
    device.setStatus({}, true);
    await out.next();
    device.setStatus({ errorCode: 799 }, true);
    const raised = await events.next((m) => m.topic === `navien/${MAC}/event/error-raised`, 'error-raised');
    assert.equal(raised.payload.event, 'error-raised');
    assert.equal(raised.payload.error.code, 'E799');
    assert.equal(raised.payload.error.description, 'Water leak detected');
    assert.match(raised.payload.error.advice, /leak/);
    await events.next((m) => m.topic === `navien/${MAC}/event/leak-detected`, 'leak-detected');
    device.setStatus({ errorCode: 799 }, true); // the same again: no event
    device.setStatus({ errorCode: 0, antiLegionellaOperationBusy: 2, drEventStatus: 3 }, true);
    await events.next((m) => m.topic.endsWith('/event/error-cleared'), 'error-cleared');
    await events.next((m) => m.topic.endsWith('/event/leak-cleared'), 'leak-cleared');
    await events.next((m) => m.topic.endsWith('/event/anti-legionella-started'), 'anti-legionella-started');
    const dr = await events.next((m) => m.topic.endsWith('/event/demand-response'), 'demand-response');
    assert.deepEqual([dr.payload.status, dr.payload.previous], ['load-up', 'none']);
    await roundTrip(account, MARKER_MAC);
    assert.deepEqual(events.map((m: any) => m.payload.event),
      ['error-raised', 'leak-detected', 'error-cleared', 'leak-cleared', 'anti-legionella-started', 'demand-response']);
    assert.ok(out.every((m: any) => m.topic === `navien/${MAC}/status`), 'output 1 carries statuses only');
  });

  it('Electric mode: the start time is kept in the node context, and a start 71 h ago warns of the revert', async () => {
    sim().device(MAC).setStatus({ dhwOperationSetting: 2 });
    const { account, status, out, events } = await load({});
    sim().device(MAC).setStatus({}, true);
    const first = await out.next();
    const stored = status.context().get('alerts')[MAC];
    assert.equal(typeof stored.electricSince, 'number');
    assert.equal(first.derived.electricRevertsAt, new Date(stored.electricSince + 72 * 3_600_000).toISOString());
    assert.deepEqual(events.filter((m: any) => m.topic.endsWith('electric-reverting')), []);
    // As if Node-RED had restarted with a persistent context store 71 h after Electric began.
    const since = Date.now() - 71 * 3_600_000;
    status.context().set('alerts', { [MAC]: { ...stored, electricSince: since } });
    sim().device(MAC).setStatus({}, true);
    const warning = await events.next((m) => m.topic === `navien/${MAC}/event/electric-reverting`, 'electric-reverting');
    assert.equal(warning.payload.since, new Date(since).toISOString());
    assert.equal(warning.payload.hoursLeft, 1);
    sim().device(MAC).setStatus({}, true);
    await out.next((m) => m.derived.electricRevertsAt === new Date(since + 72 * 3_600_000).toISOString());
    await roundTrip(account, MARKER_MAC);
    assert.equal(events.filter((m: any) => m.topic.endsWith('electric-reverting')).length, 1, 'warned once');
  });

  it('a device that stops answering raises an offline event, and online when it is back', async function () {
    const { status, events } = await load({});
    sim().setDeviceOffline(MAC, true);
    status.receive({ payload: '' });
    await events.next((m) => m.topic === `navien/${MAC}/event/offline`, 'offline', 30_000);
    sim().setDeviceOffline(MAC, false);
    status.receive({ payload: '' });
    await events.next((m) => m.topic === `navien/${MAC}/event/online`, 'online', 30_000);
  });
});
