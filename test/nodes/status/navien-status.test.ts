import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { DEFAULT_BACKOFF } from '../../../src/shared/connection/backoff';
import { backoffElapsed } from '../../helpers/quiet';
import { waitFor } from '../../helpers/wait';
import { HEAT_PUMP_STATUS, MAC, TestNode, accountConfig, accountReady, collect, credentialsFor, helper, recording, uniqueId } from '../flow-helper';

const SECOND_EMAIL = 'second@example.com';
const SECOND_PASSWORD = 'second-password';
const MAC_A = 'aa0000000001';
const MAC_B = 'aa0000000002';
const STATUS_REPLY = 16777219;

/** The known raw state set on the simulated device before each test; expected values are worked out by hand below. */
const BASE = {
  ...HEAT_PUMP_STATUS,
  tankUpperTemperature: 586, // tenths of °C: 58.6 °C = 137.48 -> 137.5 °F
};

const BASE_SUMMARY_F = {
  online: true,
  power: true,
  mode: 'heat-pump',
  setpoint: 140,
  temperature: 135.5,
  unit: 'F',
  tankCharge: 80,
  heating: true,
  heatSource: 'heat-pump',
  powerW: 410,
  error: null,
  vacationDaysLeft: null,
};

/** A topic of a status request (`.../st`) sent by the given MQTT client. */
const statusRequestsFrom = (sim: NavilinkSimulator, clientId: string) =>
  sim.received.filter((r) => r.clientID === clientId && r.topic.endsWith('/st'));

describe('navien-status node (test helper, real account node, simulator)', function () {
  this.timeout(60_000);
  let sim: NavilinkSimulator;

  before(async () => {
    helper.init(require.resolve('node-red'));
    sim = await NavilinkSimulator.start({
      speed: 0,
      accounts: [
        { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC, deviceName: 'Garage heater' }] },
        {
          email: SECOND_EMAIL,
          password: SECOND_PASSWORD,
          devices: [
            { macAddress: MAC_A, deviceName: 'Upstairs', additionalValue: '1111' },
            { macAddress: MAC_B, deviceName: 'Downstairs', additionalValue: '2222' },
          ],
        },
      ],
    });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(() => {
    for (const device of sim.devices()) {
      sim.setDeviceOffline(device.macAddress, false);
      device.setStatus(BASE);
    }
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  interface Loaded {
    account: TestNode;
    status: TestNode;
    out: ReturnType<typeof collect>;
    statuses: ReturnType<ReturnType<typeof recording>['statuses']>;
    errors: unknown[][];
  }

  /** Loads account + one status node wired to a helper node; `config` overrides the status node's properties. */
  async function load(config: Record<string, unknown>, email = DEFAULT_EMAIL, password = DEFAULT_PASSWORD, siblings: Array<Record<string, unknown>> = []): Promise<Loaded> {
    const accountId = uniqueId('account');
    const recorder = recording(statusNode);
    await helper.load(
      [accountNode, recorder.module],
      [
        accountConfig(sim, accountId),
        { id: 'status', type: 'navien-status', name: '', account: accountId, device: MAC, unit: 'F', interval: 30, output: 'all', wires: [['out']], ...config },
        ...siblings.map((node) => ({ account: accountId, ...node })),
        { id: 'out', type: 'helper' },
      ],
      credentialsFor(accountId, email, password),
    );
    return {
      account: helper.getNode(accountId) as TestNode,
      status: helper.getNode('status') as TestNode,
      out: collect(helper.getNode('out') as TestNode),
      statuses: recorder.statuses('status'),
      errors: recorder.errors('status'),
    };
  }

  it('sends the first status after connecting: topic, summary in °F, decoded status, raw status and device', async () => {
    const { out } = await load({});
    const msg = await out.next();
    assert.equal(msg.topic, `navien/${MAC}/status`);
    assert.deepEqual(msg.payload, BASE_SUMMARY_F);
    // msg.raw is the device's response.status untouched: everything it holds, with the reply's command code.
    assert.deepEqual(msg.raw, { ...sim.device(MAC).snapshot(), command: STATUS_REPLY });
    assert.deepEqual(msg.device, { mac: MAC, name: 'Garage heater', deviceType: 52, model: 'NWP500' });
    // msg.status: every wire field under its own name, in real units.
    assert.deepEqual(Object.keys(msg.status).filter((k) => k !== 'error').sort(), Object.keys(msg.raw).sort());
    assert.equal(msg.status.dhwTemperatureSetting, 140);
    assert.equal(msg.status.dhwTemperature, 135.5);
    assert.equal(msg.status.tankUpperTemperature, 137.5);
    assert.equal(msg.status.dhwOperationSetting, 'heat-pump');
    assert.equal(msg.status.compUse, true);
    assert.equal(msg.status.heatUpperUse, false);
    assert.equal(msg.status.dhwChargePer, 80);
    assert.equal(msg.status.error, null);
  });

  it('converts to °C, and decodes vacation, the element and an error code', async () => {
    sim.device(MAC).setStatus({
      dhwOperationSetting: 5, // vacation
      vacationDaySetting: 7,
      vacationDayElapsed: 4,
      dhwTemperatureSetting: 121, // 60.5 °C
      dhwTemperature: 101, // 50.5 °C
      tankUpperTemperature: 505, // 50.5 °C
      dhwChargePer: 35,
      operationMode: 64,
      compUse: 1,
      heatUpperUse: 2,
      currentHeatUse: 2,
      currentInstPower: 4510,
      errorCode: 407,
      subErrorCode: 1,
    });
    const { out } = await load({ unit: 'C' });
    const msg = await out.next();
    assert.equal(msg.payload.unit, 'C');
    assert.equal(msg.payload.mode, 'vacation');
    assert.equal(msg.payload.power, true);
    assert.equal(msg.payload.setpoint, 60.5);
    assert.equal(msg.payload.temperature, 50.5);
    assert.equal(msg.payload.tankCharge, 35);
    assert.equal(msg.payload.heating, true);
    assert.equal(msg.payload.heatSource, 'element');
    assert.equal(msg.payload.powerW, 4510);
    assert.equal(msg.payload.vacationDaysLeft, 4);
    assert.equal(msg.payload.error.code, 'E407');
    assert.equal(msg.payload.error.subCode, 1);
    assert.match(msg.payload.error.description, /temperature sensor/i);
    assert.equal(msg.status.dhwTemperatureSetting, 60.5);
    assert.equal(msg.status.tankUpperTemperature, 50.5);
    assert.equal(msg.status.dhwOperationSetting, 'vacation');
    assert.equal(msg.status.errorCode, 407, 'codes stay raw');
    assert.equal(msg.raw.dhwTemperatureSetting, 121, 'raw stays unconverted');
  });

  it('reports a powered-off heater as off, not heating', async () => {
    sim.device(MAC).setStatus({ dhwOperationSetting: 6, operationMode: 32, compUse: 2 });
    const { out } = await load({});
    const msg = await out.next();
    assert.equal(msg.payload.mode, 'off');
    assert.equal(msg.payload.power, false);
    assert.equal(msg.payload.heating, false);
    assert.equal(msg.payload.heatSource, 'none');
  });

  it('answers an input message with a fresh status, keeping the input message\'s other properties', async () => {
    const { account, status, out } = await load({});
    await out.next();
    const connection = await accountReady(account);
    // Changed without a push: only a new request can see it.
    sim.device(MAC).setStatus({ dhwChargePer: 42, dhwTemperature: 110 });
    const before = statusRequestsFrom(sim, connection.clientId).length;
    status.receive({ payload: 'anything', req: { id: 'http-request' }, note: 7 });
    const reply = await out.next((m) => m.note === 7, 'the reply to the input');
    assert.equal(statusRequestsFrom(sim, connection.clientId).length, before + 1, 'one status request for the input');
    assert.deepEqual(reply.req, { id: 'http-request' });
    assert.equal(reply.topic, `navien/${MAC}/status`);
    assert.equal(reply.payload.tankCharge, 42);
    assert.equal(reply.payload.temperature, 131); // 55 °C
    assert.equal(reply.raw.dhwChargePer, 42);
  });

  it('output "changes" skips identical statuses and sends a changed one; "all" sends every status', async () => {
    const accountId = uniqueId('account');
    await helper.load(
      [accountNode, statusNode],
      [
        accountConfig(sim, accountId),
        { id: 'every', type: 'navien-status', account: accountId, device: MAC, unit: 'F', interval: 30, output: 'all', wires: [['outAll']] },
        { id: 'changed', type: 'navien-status', account: accountId, device: MAC, unit: 'F', interval: 30, output: 'changes', wires: [['outChanges']] },
        { id: 'outAll', type: 'helper' },
        { id: 'outChanges', type: 'helper' },
      ],
      credentialsFor(accountId),
    );
    const all = collect(helper.getNode('outAll') as TestNode);
    const changes = collect(helper.getNode('outChanges') as TestNode);
    await accountReady(helper.getNode(accountId) as TestNode);
    // Both nodes poll once on connecting; wait until those replies (same status) are in.
    await waitFor(() => all.length >= 2 && changes.length >= 1, 'the first statuses');
    const allBefore = all.length;
    // Checked again below, once the pushes sent after both replies have come out (so would a late second one have).
    assert.equal(changes.length, 1, 'the second identical poll reply is not a change');
    const device = sim.device(MAC);
    device.setStatus({}, true); // the same status again, pushed (only its command code differs)
    device.setStatus({}, true);
    device.setStatus({ dhwChargePer: 55 }, true);
    const changed = await changes.next((m) => m.payload.tankCharge === 55, 'the changed status');
    await all.next((m) => m.payload.tankCharge === 55, 'the changed status on "all"');
    assert.equal(changes.length, 2, 'only the change came out');
    assert.equal(changed.raw.dhwChargePer, 55);
    assert.equal(all.length - allBefore, 3, '"all" sent each of the three pushes');
    // An input is always answered, change or not.
    (helper.getNode('changed') as TestNode).receive({ payload: '', marker: 'asked' });
    const answer = await changes.next((m) => m.marker === 'asked', 'the answer to an input on "changes"');
    assert.equal(answer.payload.tankCharge, 55);
  });

  it('polls no faster than every 10 s, even when set lower', async () => {
    const { account, out } = await load({ interval: 3 });
    await out.next();
    const connection = await accountReady(account);
    const second = await waitFor(() => statusRequestsFrom(sim, connection.clientId)[1], 'the next poll', 20_000);
    const [first] = statusRequestsFrom(sim, connection.clientId);
    const early = statusRequestsFrom(sim, connection.clientId).filter((r) => r.at < first.at + 6_000);
    assert.equal(early.length, 1, 'only the poll on connecting within the first 6 s');
    assert.ok(second.at - first.at >= 9_000, `polls ${second.at - first.at} ms apart`);
    const msg = await out.next();
    assert.equal(msg.topic, `navien/${MAC}/status`);
  });

  it('interval 0 sends no status requests, yet a status the device pushes still comes out', async () => {
    const { account, out } = await load({ interval: 0 });
    // The feature read follows the poll a node makes on connecting: once it is answered, that poll would be in.
    const connection = await accountReady(account);
    assert.equal(statusRequestsFrom(sim, connection.clientId).length, 0, 'no status request with interval 0');
    assert.equal(out.length, 0);
    sim.device(MAC).setStatus({ dhwChargePer: 61 }, true);
    const msg = await out.next(); // the first output: a reply to a poll would have come before it
    assert.equal(msg.payload.tankCharge, 61);
    assert.equal(msg.topic, `navien/${MAC}/status`);
  });

  it('an empty interval means the default, not "pushes only"', async () => {
    const { out } = await load({ interval: '' });
    const msg = await out.next(undefined, 'the poll on connecting');
    assert.equal(msg.payload.tankCharge, 80);
  });

  it('"all devices" sends one message per device of the account, and answers an input for each', async () => {
    const { account, status, out, statuses } = await load({ device: '' }, SECOND_EMAIL, SECOND_PASSWORD);
    const first = [await out.next(), await out.next()];
    assert.deepEqual(first.map((m) => m.topic).sort(), [`navien/${MAC_A}/status`, `navien/${MAC_B}/status`]);
    const byMac = new Map(first.map((m) => [m.device.mac, m]));
    assert.deepEqual(byMac.get(MAC_A).device, { mac: MAC_A, name: 'Upstairs', deviceType: 52, model: 'NWP500' });
    assert.deepEqual(byMac.get(MAC_B).device, { mac: MAC_B, name: 'Downstairs', deviceType: 52, model: 'NWP500' });
    assert.deepEqual(byMac.get(MAC_A).payload, BASE_SUMMARY_F);
    await accountReady(account, [MAC_A, MAC_B]);
    sim.device(MAC_B).setStatus({ dhwChargePer: 12 });
    status.receive({ payload: 1, tag: 'both' });
    const replies = [await out.next((m) => m.tag === 'both'), await out.next((m) => m.tag === 'both')];
    const replyByMac = new Map(replies.map((m) => [m.device.mac, m]));
    assert.equal(replyByMac.get(MAC_A).payload.tankCharge, 80);
    assert.equal(replyByMac.get(MAC_B).payload.tankCharge, 12);
    assert.equal(replyByMac.get(MAC_B).topic, `navien/${MAC_B}/status`);
    // With several devices the node status shows the connection, not one device's temperature.
    const last = statuses.at(-1)!;
    assert.equal(last.fill, 'green');
    assert.doesNotMatch(last.text, /°/);
  });

  it('shows temperature, tank charge and mode in the node status', async () => {
    const { out, statuses } = await load({});
    await out.next();
    const shown = await waitFor(() => statuses.find((s) => /°F/.test(s.text)), 'a device status');
    assert.equal(shown.fill, 'green');
    assert.equal(shown.shape, 'dot');
    assert.match(shown.text, /135\.5°F/);
    assert.match(shown.text, /80%/);
    assert.match(shown.text, /heat-pump/);
  });

  it('a device that stops answering is sent as online: false with a red status, and recovers', async function () {
    const { account, status, out, statuses } = await load({});
    await out.next();
    await accountReady(account);
    sim.setDeviceOffline(MAC, true);
    status.receive({ payload: 'check', marker: 'offline?' });
    // The request times out (10 s once the device's features are known): the device is offline.
    const offline = await out.next((m) => m.payload.online === false, 'an offline status', 30_000);
    assert.equal(offline.topic, `navien/${MAC}/status`);
    assert.equal(offline.marker, 'offline?', 'the waiting input is answered with the offline status');
    assert.equal(offline.payload.tankCharge, 80, 'the last known values');
    assert.deepEqual(offline.raw, { ...sim.device(MAC).snapshot(), command: STATUS_REPLY });
    const red = statuses.at(-1)!;
    assert.deepEqual(red, { fill: 'red', shape: 'ring', text: 'navien-status.status.offline' });
    sim.setDeviceOffline(MAC, false);
    sim.device(MAC).setStatus({ dhwChargePer: 70 }, true);
    const back = await out.next((m) => m.payload.online === true, 'the device back online');
    assert.equal(back.payload.tankCharge, 70);
    const green = statuses.at(-1)!;
    assert.equal(green.fill, 'green');
    assert.match(green.text, /70%/);
  });

  it('without an account: a red status, and an error with the message on input (for a Catch node)', async () => {
    const recorder = recording(statusNode);
    await helper.load([accountNode, recorder.module], [
      { id: 'none', type: 'navien-status', account: '', device: MAC, unit: 'F', interval: 30, output: 'all', wires: [['out']] },
      { id: 'gone', type: 'navien-status', account: 'no-such-account', device: MAC, unit: 'F', interval: 30, output: 'all', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = collect(helper.getNode('out') as TestNode);
    for (const id of ['none', 'gone']) {
      assert.deepEqual(recorder.statuses(id), [{ fill: 'red', shape: 'ring', text: 'navien-status.status.missing-account' }]);
      (helper.getNode(id) as TestNode).receive({ payload: 1, marker: id });
      const [text, msg] = await waitFor(() => recorder.errors(id)[0], `an error from ${id}`);
      assert.equal(text, 'navien-status.status.missing-account');
      assert.equal((msg as { marker: string }).marker, id);
    }
    assert.equal(out.length, 0);
  });

  it('an unknown device MAC gives a red status and a clear error, on connecting and on input', async function () {
    // A witness polling a known device on the same 10 s period, created after the node under test.
    const { account, status, statuses, errors } = await load({ device: 'ffffffffffff', interval: 10 }, DEFAULT_EMAIL, DEFAULT_PASSWORD, [
      { id: 'witness', type: 'navien-status', device: MAC, unit: 'F', interval: 10, output: 'all', wires: [[]] },
    ]);
    const connection = await accountReady(account);
    const [text] = await waitFor(() => errors[0], 'an error after connecting');
    assert.equal(text, 'navien-status.errors.no-device');
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'navien-status.errors.no-device' });
    status.receive({ payload: 1, marker: 'unknown' });
    const [inputText, msg] = await waitFor(() => errors[1], 'an error for the input');
    assert.equal(inputText, 'navien-status.errors.no-device');
    assert.equal((msg as { marker: string }).marker, 'unknown');
    // A poll period passes without an uncaught exception from the poll timer (mocha would fail the test): the witness's
    // periodic poll (its second request) comes after the timer of the node under test has fired.
    await waitFor(() => statusRequestsFrom(sim, connection.clientId).length >= 2, 'the witness polling on its period', 20_000);
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'navien-status.errors.no-device' });
  });

  it('an input that arrives while the account is still connecting is answered once it is connected', async () => {
    const { status, out, errors } = await load({ interval: 0 });
    status.receive({ payload: 'early', marker: 'early' });
    const reply = await out.next((m) => m.marker === 'early', 'the reply to the early input');
    assert.deepEqual(errors, [], 'no error on the way');
    assert.equal(reply.topic, `navien/${MAC}/status`);
    assert.deepEqual(reply.payload, BASE_SUMMARY_F);
  });

  it('with a wrong password: a red status, and an input gets an error saying so', async () => {
    const { status, statuses, errors } = await load({}, DEFAULT_EMAIL, 'not-the-password');
    await waitFor(() => statuses.find((s) => s.text === 'navien-status.status.invalid-credentials'), 'the red status');
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'navien-status.status.invalid-credentials' });
    status.receive({ payload: 1, marker: 'refused' });
    const [text, msg] = await waitFor(() => errors[0], 'an error for the input');
    assert.equal(text, 'navien-status.status.invalid-credentials');
    assert.equal((msg as { marker: string }).marker, 'refused');
  });

  it('accepts a MAC typed with capitals and separators', async () => {
    const { out } = await load({ device: '0A:1B:2C:3D:4E:5F' });
    const msg = await out.next();
    assert.equal(msg.topic, `navien/${MAC}/status`);
  });

  it('ignores malformed status messages on the device topics', async () => {
    const { account, out } = await load({});
    await out.next();
    await accountReady(account);
    await sim.publishMalformed(MAC);
    sim.device(MAC).setStatus({ dhwChargePer: 44 }, true);
    const next: NodeMessage & { payload: { tankCharge: number; mode: unknown } } = await out.next();
    assert.equal(next.payload.tankCharge, 44, `the next output is the good push, not garbage: ${JSON.stringify(next.payload)}`);
  });

  it('leaves no MQTT client behind after the flow is stopped', async () => {
    const { account, out } = await load({});
    await out.next();
    const { clientId } = await accountReady(account);
    assert.ok(sim.connectedClientIds().includes(clientId));
    await helper.unload();
    await waitFor(() => !sim.connectedClientIds().includes(clientId), 'the client to disconnect', 5_000);
    const requests = sim.received.length;
    // A connection left behind would have reconnected (and the node polled) by the time a witness retried twice.
    await backoffElapsed(DEFAULT_BACKOFF);
    assert.equal(sim.received.length, requests, 'nothing is sent after close');
  });
});
