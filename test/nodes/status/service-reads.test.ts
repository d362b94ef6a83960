// navien-status's service reads (installer counters, firmware, recirculation schedule, device record) in a flow
// against the simulator: test helper, the real account node, the real MQTT SDK and HTTPS.
import assert from 'node:assert/strict';
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { HEAT_PUMP_STATUS, MAC, TestNode, accountConfig, accountReady, collect, credentialsFor, helper, loadCatalogs, recording, roundTrip, uniqueId, useSimulator, useTestServer, withCatalog } from '../flow-helper';

helper.init(require.resolve('node-red'));

/** A heater whose feature record says it has no recirculation schedule. */
const NO_RECIRC_MAC = '0a1b2c3d4e71';
/** A device no node under test watches: the target of the round trips before negative checks. */
const MARKER_MAC = '0a1b2c3d4e72';
const INSTALLER = { installerId: 'I-7', installerFirstName: 'Ina', installerLastName: 'Staller', installerPhoneNumber: '555-0100' };

/** YYYY-MM-DD of the local date `days` before today. */
function daysAgo(days: number): string {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

describe('navien-status service reads: installer counters, firmware, recirculation schedule, device record (test helper, simulator)', function () {
  this.timeout(60_000);

  before(() => loadCatalogs('navien-status', 'navien-account'));
  const sim = useSimulator({
    speed: 0,
    accounts: [{
      email: DEFAULT_EMAIL,
      password: DEFAULT_PASSWORD,
      devices: [
        { macAddress: MAC, deviceName: 'Garage heater', installer: INSTALLER },
        { macAddress: NO_RECIRC_MAC, feature: { recircReservationUse: 1 } },
        { macAddress: MARKER_MAC },
      ],
    }],
  });
  beforeEach(() => {
    sim().device(MAC).setStatus(HEAT_PUMP_STATUS);
    sim().setFirmwareUpdate(MAC, undefined);
  });
  useTestServer(() => {
    sim().forbidRest(DEFAULT_EMAIL, '/device/firmware/info', false);
    sim().forbidRest(DEFAULT_EMAIL, '/device/info', false);
  });

  async function load(config: Record<string, unknown> = {}, device = MAC) {
    const accountId = uniqueId('account');
    const recorder = recording(withCatalog(statusNode));
    await helper.load(
      [accountNode, recorder.module],
      [
        accountConfig(sim(), accountId),
        { id: 'status', type: 'navien-status', account: accountId, device, unit: 'C', interval: 0, output: 'all', wires: [['out'], ['events']], ...config },
        { id: 'out', type: 'helper' },
        { id: 'events', type: 'helper' },
      ],
      credentialsFor(accountId),
    );
    const account = helper.getNode(accountId) as TestNode;
    const out = collect(helper.getNode('out') as TestNode);
    await accountReady(account, [MAC, NO_RECIRC_MAC, MARKER_MAC]);
    return { account, status: helper.getNode('status') as TestNode, out, errors: recorder.errors('status') };
  }

  const requestsOn = (mac: string, suffix: string) => sim().received.filter((r) => r.mac === mac && r.topic.endsWith(suffix));

  it('installer: the diagnostics counters as named fields with units, asked for on the app-form reply topic', async () => {
    const { status, out } = await load({ read: 'installer' });
    sim().clearReceived();
    status.receive({ payload: 'check', keep: 'me' });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/installer`, 'the installer counters');
    const [query] = requestsOn(MAC, '/st/td/rd');
    assert.match((query.payload as any).responseTopic, /^cmd\/52\/20001\/10001\/[^/]+\/res\/td\/rd$/, 'the account\'s own userSeq from sign-in');
    const totals = sim().device(MAC).energyTotals();
    const p = msg.payload;
    assert.equal(msg.keep, 'me');
    assert.deepEqual([p.energy.heatPumpWh, p.energy.elementWh, p.energy.totalWh], [totals.hpUsage, totals.heUsage, totals.hpUsage + totals.heUsage]);
    assert.equal(p.energy.heatPumpKWh, Math.round(totals.hpUsage / 10) / 100);
    assert.equal(p.daysSinceInstallation, 359);
    assert.equal(p.installedOn, daysAgo(359));
    assert.deepEqual(p.components.compressor, { hours: totals.hpTime, starts: 757 });
    assert.deepEqual(p.components.upperElement, { hours: totals.heTime, starts: 375 });
    assert.equal(p.events.condensateOverflow, 3);
    assert.equal(msg.raw.data.taData.cumulatedOpNumComp, 757, 'the wire groups are msg.raw');
    assert.deepEqual(msg.device, { mac: MAC, name: 'Garage heater', deviceType: 52, model: 'NWP500' });
  });

  it('installer, where the cloud refuses the diagnostics reply subscription: the account stays connected and the read says unavailable', async () => {
    sim().refuseSubscriptions([/^cmd\/52\/\d+\/\d+\/[^/]+\/res\/#$/]);
    try {
      const { account, status, out, errors } = await load({ read: 'installer' });
      sim().clearReceived();
      status.receive({ payload: 'check', marker: 'unavailable' });
      await waitFor(() => errors.length > 0, 'the error');
      assert.equal(errors[0][0], 'installer read failed: installer diagnostics are unavailable: the cloud refused the subscription their reply arrives on (the account stays connected; every other read works)');
      assert.equal((errors[0][1] as any).marker, 'unavailable');
      // Statuses still flow on the same session.
      await roundTrip(account, MARKER_MAC);
      assert.equal(requestsOn(MAC, '/st/td/rd').length, 0, 'no query that could not be answered');
      assert.equal(out.filter((m: any) => m.topic?.endsWith('/installer')).length, 0);
    } finally {
      sim().refuseSubscriptions([]);
    }
  });

  it('firmware: every REST component and the download info; nothing pending, then a downloaded update', async () => {
    const { status, out } = await load();
    status.receive({ payload: { read: 'firmware' } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/firmware`, 'the firmware');
    assert.equal(msg.payload.restAvailable, true);
    assert.equal(msg.payload.updatePending, false);
    assert.deepEqual(msg.payload.components.map((c: any) => [c.swCode, c.version, c.updatePending]), [
      [33556241, 167837696, false], [268435985, 34013184, false], [268435761, 60454, false], [268435777, 60454, false],
    ]);
    assert.deepEqual(msg.payload.download, { pending: false, items: [{ swCode: 0, otaMode: 0, swVersion: 0, status: 0 }] });
    assert.deepEqual(msg.payload.reported, { controller: 184614912, panel: 0, wifi: 34013184, recirc: 0 });

    sim().setFirmwareUpdate(MAC, { swCode: 4, swVersion: 34013200 });
    status.receive({ payload: { read: 'firmware' } });
    const pending = await out.next((m) => m.topic === `navien/${MAC}/firmware`, 'the firmware with an update');
    assert.equal(pending.payload.updatePending, true);
    assert.equal(pending.payload.download.pending, true);
    assert.deepEqual(pending.payload.download.items, [{ swCode: 4, otaMode: 0, swVersion: 34013200, status: 1 }]);
    assert.deepEqual(pending.payload.components[1], { swCode: 268435985, version: 34013184, downloadedVersion: 34013200, updatePending: true, group: null });
  });

  it('firmware on an account the cloud answers 403: not available, no error, the device\'s own download info still read', async () => {
    sim().forbidRest(DEFAULT_EMAIL, '/device/firmware/info');
    const { status, out, errors } = await load();
    status.receive({ payload: { read: 'firmware' } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/firmware`, 'the firmware');
    assert.equal(msg.payload.restAvailable, false);
    assert.equal(msg.payload.components, null);
    assert.equal(msg.payload.updatePending, false);
    assert.equal(msg.payload.download.pending, false);
    assert.equal(msg.raw.rest, null);
    assert.deepEqual(errors, []);
  });

  it('recirculation: the schedule in the weekly program\'s readable form, once although the hex twin arrives too', async () => {
    sim().device(MAC).recircSchedule = {
      reservationUse: 2,
      reservation: [
        { enable: 2, week: 124, hour: 6, min: 0, mode: 2, param: -1 },
        { enable: 1, week: 130, hour: 7, min: 30, mode: 1, param: -1 },
      ],
    };
    const { account, status, out } = await load({ read: 'recirculation' });
    status.receive({ payload: 'go' });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/recirculation`, 'the recirculation schedule');
    assert.deepEqual(msg.payload, {
      enabled: true,
      entries: [
        { enabled: true, days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:00', pump: 'on' },
        { enabled: false, days: ['sat', 'sun'], time: '07:30', pump: 'off' },
      ],
    });
    await roundTrip(account, MARKER_MAC);
    assert.equal(out.filter((m: any) => m.topic.endsWith('/recirculation')).length, 1);
  });

  it('recirculation on a heater without a recirculation schedule: a clear error, nothing asked of the device', async () => {
    const { account, status, out, errors } = await load({}, NO_RECIRC_MAC);
    sim().clearReceived();
    status.receive({ payload: { read: 'recirculation' }, marker: 'no' });
    await waitFor(() => errors.length > 0, 'the error');
    assert.equal(errors[0][0], 'recirculation read failed: this water heater does not support it (feature flag recircReservationUse is off)');
    assert.equal((errors[0][1] as any).marker, 'no');
    await roundTrip(account, MARKER_MAC);
    assert.deepEqual(sim().received.filter((r) => r.mac === NO_RECIRC_MAC), [], 'nothing was published to that heater');
    assert.equal(out.filter((m: any) => m.topic?.endsWith('/recirculation')).length, 0);
  });

  it('device: the REST record with location, installer contact and install date, and nothing secret in the message', async () => {
    const { status, out } = await load({ read: 'device' });
    status.receive({ payload: 'go' });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/device`, 'the device record');
    assert.deepEqual(msg.payload, {
      available: true,
      mac: MAC,
      name: 'Garage heater',
      homeSeq: 20001,
      deviceType: 52,
      installType: 'residential',
      connected: true,
      location: { address: '1 Example Street', city: 'Example City', state: 'Example State', latitude: 37, longitude: -122, altitude: null },
      installer: { id: 'I-7', firstName: 'Ina', lastName: 'Staller', phone: '555-0100' },
      notifications: { errors: false, other: false },
      descaling: { start: null, end: null },
      installedOn: daysAgo(359),
    });
    const text = JSON.stringify(msg);
    assert.ok(!text.toLowerCase().includes(DEFAULT_EMAIL), 'the e-mail is not in the message');
    assert.ok(!/token|password|secret|ASIA/i.test(text), `nothing credential-like in ${text}`);
    assert.equal(msg.raw.installer.installerPhoneNumber, '555-0100');
  });

  it('device on an account the cloud answers 403: not available, no error', async () => {
    sim().forbidRest(DEFAULT_EMAIL, '/device/info');
    const { status, out, errors } = await load();
    status.receive({ payload: { read: 'device' } });
    const msg = await out.next((m) => m.topic === `navien/${MAC}/device`, 'the device record');
    assert.deepEqual(msg.payload, { available: false, mac: MAC, name: 'Garage heater', installedOn: daysAgo(359) });
    assert.equal(msg.raw, null);
    assert.deepEqual(errors, []);
  });
});
