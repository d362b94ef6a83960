import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ReservationReadFault } from '../../../tools/simulator/device';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator, ReceivedRequest } from '../../../tools/simulator/simulator';
import { delay, nextEvent, waitFor } from '../../helpers/wait';
import { MAC, helper, roundTrip, warningsOf } from '../flow-helper';
import { ControlFlowIds, attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

const PUMP_MAC = '0a1b2c3d4e60';

helper.init(require.resolve('node-red'));

describe('navien-control writes, capability gating and timed actions (test helper, real account node, simulator)', function () {
  this.timeout(60_000);
  const simulator = useControlSimulator({
    accounts: [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC }, { macAddress: PUMP_MAC, recirculation: true }] }],
  });
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
    sim.device(MAC).setStatus({ dhwOperationSetting: 3, dhwTemperatureSetting: 100 });
  });

  const flowFor = (device = MAC) => controlFlow(sim, { device });
  const attach = (ids: ControlFlowIds, device = MAC) => attachControl(ids, { device });

  async function deploy(device = MAC) {
    const { ids, flow, credentials } = flowFor(device);
    await helper.load(nodes, flow, credentials);
    const rig = await attach(ids, device);
    sim.clearReceived();
    return rig;
  }

  function sent(suffix: string): ReceivedRequest[] {
    return sim.received.filter((r) => r.topic.endsWith(suffix));
  }

  const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

  it('weekly program: replace, add and remove (read-modify-write keeping the others), on/off, each confirmed from the echo', async () => {
    const { control, outputs, caught } = await deploy();
    control.receive({ payload: { schedule: { enabled: true, entries: [
      { days: WEEKDAYS, time: '06:30', mode: 'high-demand', setpoint: 140 },
      { days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 120 },
    ] } } });
    await waitFor(() => outputs.length === 1, 'replace result', 15_000);
    assert.equal(outputs[0].payload.command, 'schedule');
    assert.equal(outputs[0].payload.result, 'confirmed');
    // Week bits Mon-Fri = 124, Sat+Sun = 130; 140 °F = 120 and 120 °F = 98 half-°C.
    assert.deepEqual(sim.device(MAC).reservations, { reservationUse: 2, reservation: [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 98 },
    ] });
    // applied = the echo, readable, in the node's unit (98 half-°C = 120.2 °F).
    assert.deepEqual(outputs[0].payload.applied.entries[1], { enabled: true, days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 120.2 });

    control.receive({ payload: { schedule: { add: { days: ['wed'], time: '21:15', mode: 'heat-pump', setpoint: 130 } } } });
    await waitFor(() => outputs.length === 2, 'add result', 15_000);
    assert.equal(outputs[1].payload.result, 'confirmed');
    // Read first, then written whole: Wed = 16; 130 °F = round(98 * 10 / 9) = 109.
    const reads = sent('/st/rsv/rd');
    const writes = sent('/ctrl/rsv/rd');
    assert.equal(reads.length, 1);
    assert.ok(reads[0].at < writes[writes.length - 1].at, 'the read came before the write');
    assert.deepEqual(sim.device(MAC).reservations.reservation, [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 98 },
      { enable: 2, week: 16, hour: 21, min: 15, mode: 1, param: 109 },
    ]);

    control.receive({ payload: { schedule: { remove: { days: WEEKDAYS, time: '06:30' } } } });
    await waitFor(() => outputs.length === 3, 'remove result', 15_000);
    assert.equal(outputs[2].payload.result, 'confirmed');
    assert.deepEqual(sim.device(MAC).reservations.reservation, [
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 98 },
      { enable: 2, week: 16, hour: 21, min: 15, mode: 1, param: 109 },
    ]);

    control.receive({ payload: { schedule: { enabled: false } } });
    await waitFor(() => outputs.length === 4, 'off result', 15_000);
    assert.deepEqual([outputs[3].payload.result, outputs[3].payload.applied.enabled], ['confirmed', false]);
    assert.equal(sim.device(MAC).reservations.reservationUse, 1);
    assert.equal(sim.device(MAC).reservations.reservation.length, 2, 'the entries are kept');

    // Removing an entry that is not there is an error after the read, and nothing is written.
    const writesBefore = sent('/ctrl/rsv/rd').length;
    control.receive({ payload: { schedule: { remove: { days: ['mon'], time: '05:00' } } } });
    await waitFor(() => caught.length === 1, 'no-entry error', 15_000);
    assert.equal(caught[0].error?.message, 'schedule.remove: no entry of the weekly program matches {"days":["mon"],"time":"05:00"}; nothing was sent');
    assert.equal(sent('/ctrl/rsv/rd').length, writesBefore);
  });

  it('weekly program: an add on a read-back that is not well formed fails naming the field, sends nothing and leaves the owner\'s program as it is', async () => {
    const device = sim.device(MAC);
    const owner = [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 98 },
    ];
    device.reservations = { reservationUse: 2, reservation: owner.map((e) => ({ ...e })) };
    const { control, outputs, caught } = await deploy();
    const json = (change: (reply: Record<string, unknown>) => Record<string, unknown>) => (form: string, reply: Record<string, unknown>) => (form === 'json' ? change(reply) : undefined);
    const hex = (change: (packed: string) => string) => (form: string, reply: Record<string, unknown>) =>
      (form === 'hex' ? { ...reply, reservation: change(reply.reservation as string) } : undefined);
    const prefix = 'the weekly program read back from the water heater is not usable: ';
    const suffix = '; nothing was sent, the program is unchanged';
    const cases: Array<[ReservationReadFault, string]> = [
      [json((r) => ({ ...r, reservation: [(r.reservation as unknown[])[0], 'x'] })), 'reservation[1] = "x", expected an entry {enable, week, hour, min, mode, param}'],
      [json((r) => ({ reservationUse: r.reservationUse })), 'reservation = undefined, expected a list of entries or a packed hex string'],
      [json((r) => ({ ...r, reservationUse: 0 })), 'reservationUse = 0, expected 2 (on) or 1 (off)'],
      [hex((packed) => packed.slice(0, 16)), 'reservation = "027c061e04780282", expected lower-case hex digits, 12 (6 bytes) per entry'],
      [hex((packed) => packed.toUpperCase()), 'reservation = "027C061E0478028208000362", expected lower-case hex digits, 12 (6 bytes) per entry'],
    ];
    try {
      for (const [fault, text] of cases) {
        device.reservationReadFault = fault;
        const before = caught.length;
        control.receive({ payload: { schedule: { add: { days: ['wed'], time: '21:15', mode: 'heat-pump', setpoint: 130 } } } });
        await waitFor(() => caught.length === before + 1 || outputs.length > 0, `error for ${text}`, 15_000);
        assert.equal(outputs.length, 0, `written on a bad read: ${JSON.stringify(device.reservations)}`);
        assert.equal(caught[before].error?.message, prefix + text + suffix);
        const status = control.status.getCalls().at(-1)?.args[0];
        assert.deepEqual([status?.fill, status?.text], ['red', `schedule: ${prefix}${text}${suffix}`]);
      }
      assert.equal(sent('/st/rsv/rd').length, cases.length, 'each add read the program');
      assert.deepEqual(sent('/ctrl/rsv/rd'), [], 'no write after a read that did not parse whole');
      assert.equal(outputs.length, 0);
      assert.deepEqual(device.reservations, { reservationUse: 2, reservation: owner });
    } finally {
      device.reservationReadFault = undefined;
    }
    // With a well-formed read the same add goes through, beside the owner's entries.
    control.receive({ payload: { schedule: { add: { days: ['wed'], time: '21:15', mode: 'heat-pump', setpoint: 130 } } } });
    await waitFor(() => outputs.length === 1, 'add result', 15_000);
    assert.equal(outputs[0].payload.result, 'confirmed');
    assert.deepEqual(device.reservations.reservation, [...owner, { enable: 2, week: 16, hour: 21, min: 15, mode: 1, param: 109 }]);
  });

  it('weekly program: an add on a day and minute an entry already uses is refused naming both, and nothing is sent', async () => {
    const device = sim.device(MAC);
    const owner = [{ enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 }];
    device.reservations = { reservationUse: 2, reservation: owner.map((e) => ({ ...e })) };
    const { control, outputs, caught } = await deploy();
    // Thursday is one of the owner's Mon-Fri days: the heater would have two entries at 06:30 that day.
    control.receive({ payload: { schedule: { add: { days: ['thu'], time: '06:30', mode: 'heat-pump', setpoint: 130 } } } });
    await waitFor(() => caught.length === 1 || outputs.length > 0, 'collision error', 15_000);
    assert.equal(outputs.length, 0, `written onto the owner's minute: ${JSON.stringify(device.reservations)}`);
    assert.equal(
      caught[0].error?.message,
      'schedule.add: {"days":["thu"],"time":"06:30"} falls on a day and minute of the entry '
        + '{"days":["mon","tue","wed","thu","fri"],"time":"06:30"} already in the weekly program (which of two entries on one '
        + 'minute the heater runs is unknown); remove that entry first, nothing was sent',
    );
    assert.deepEqual(sent('/ctrl/rsv/rd'), []);
    assert.deepEqual(device.reservations.reservation, owner);
    // The same entry again is no collision: it replaces itself (confirmed, still one entry).
    control.receive({ payload: { schedule: { add: { days: WEEKDAYS, time: '06:30', mode: 'high-demand', setpoint: 140 } } } });
    await waitFor(() => outputs.length === 1, 'add result', 15_000);
    assert.equal(outputs[0].payload.result, 'confirmed');
    assert.deepEqual(device.reservations.reservation, owner);
  });

  it('vacation enters the app way and false puts the mode from before back; a setpoint changed on the panel meanwhile stays', async () => {
    const { control, outputs } = await deploy();
    control.receive({ topic: 'away', payload: { vacation: { days: 3 } } });
    await waitFor(() => outputs.length === 1, 'vacation started', 15_000);
    assert.deepEqual(
      [outputs[0].topic, outputs[0].payload.command, outputs[0].payload.phase, outputs[0].payload.result, outputs[0].payload.applied],
      ['away', 'vacation', 'started', 'confirmed', { mode: 'vacation', days: 3 }],
    );
    const ctrl = sent('/ctrl');
    assert.deepEqual([ctrl.at(-1)?.mode, (ctrl.at(-1)?.payload as any).request.param], ['dhw-mode', [5, 3]]);
    assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 5);
    sim.device(MAC).setStatus({ dhwTemperatureSetting: 90 }, true); // the owner lowered it on the panel meanwhile (the heater pushes the change)
    control.receive({ payload: { vacation: false } });
    await waitFor(() => outputs.length === 2, 'vacation ended', 15_000);
    // Energy saver (3) as before the vacation; the owner's newest setpoint (90 half-°C = 113 °F) is theirs, not overwritten.
    assert.deepEqual([outputs[1].payload.phase, outputs[1].payload.result, outputs[1].payload.requested], ['restored', 'confirmed', { mode: 'energy-saver', setpoint: 113 }]);
    const snap = sim.device(MAC).snapshot();
    assert.deepEqual([snap.dhwOperationSetting, snap.dhwTemperatureSetting], [3, 90]);
  });

  it('TOU schedule, demand response, air filter and water program reach the device and are confirmed', async () => {
    const { control, outputs } = await deploy();
    control.receive({ payload: {
      touSchedule: { periods: [{ months: ['jun', 'jul', 'aug'], days: WEEKDAYS, start: '16:00', end: '20:59', priceMin: 0.39261, priceMax: 0.49378, decimalPoint: 5 }] },
      demandResponse: false,
      airFilter: 3000,
      reservationMode: true,
    } });
    await waitFor(() => outputs.length === 4, 'four results', 20_000);
    const byCommand = Object.fromEntries(outputs.map((m) => [m.payload.command, m.payload]));
    for (const command of ['touSchedule', 'demandResponse', 'airFilter', 'reservationMode']) assert.equal(byCommand[command].result, 'confirmed', command);
    // Jun-Aug = 32+64+128 = 224.
    assert.deepEqual(sim.device(MAC).touSchedule, { reservationUse: 2, reservation: [
      { season: 224, week: 124, startHour: 16, startMinute: 0, endHour: 20, endMinute: 59, priceMin: 39261, priceMax: 49378, decimalPoint: 5 },
    ] });
    assert.equal((sent('/ctrl/tou/rd')[0].payload as any).request.controllerSerialNumber, 'TEST0000SN00000001');
    assert.equal(sim.device(MAC).drEnabled, false);
    assert.equal(sim.device(MAC).snapshot().airFilterAlarmPeriod, 3000);
    assert.deepEqual(byCommand.airFilter.applied, 3000);
    assert.ok(sent('/ctrl').some((r) => r.mode === 'reservation-mode'));
  });

  it('recirculation only where the device has a pump', async () => {
    {
      const { control, outputs, caught } = await deploy(MAC);
      control.receive({ payload: { recirculation: { mode: 'always' } } });
      await waitFor(() => caught.length === 1, 'unsupported', 10_000);
      assert.equal(caught[0].error?.message, 'this device does not support recirculation');
      assert.equal(outputs.length, 0);
      assert.deepEqual(sent('/ctrl'), []);
      await helper.unload();
    }
    const { control, outputs } = await deploy(PUMP_MAC);
    control.receive({ payload: { recirculation: { mode: 'always' } } });
    await waitFor(() => outputs.length === 1, 'recirculation mode', 15_000);
    assert.deepEqual([outputs[0].payload.result, outputs[0].payload.applied], ['confirmed', { mode: 'always' }]);
    assert.equal(sim.device(PUMP_MAC).snapshot().recircOperationMode, 1);
    control.receive({ payload: { recirculation: { hotButton: true } } });
    await waitFor(() => outputs.length === 2, 'hot button', 15_000);
    assert.equal(outputs[1].payload.result, 'confirmed');
    assert.equal(sim.device(PUMP_MAC).snapshot().recircOperationBusy, 2);
  });

  it('recirculation schedule: an add on a read-back that is not well formed, or onto a minute an entry uses, sends nothing', async () => {
    const device = sim.device(PUMP_MAC);
    const owner = [{ enable: 2, week: 124, hour: 6, min: 0, mode: 2, param: -1 }];
    device.recircSchedule = { reservationUse: 2, reservation: owner.map((e) => ({ ...e })) };
    const { control, outputs, caught } = await deploy(PUMP_MAC);
    const add = (days: string[], time: string) => control.receive({ payload: { recirculation: { schedule: { add: { days, time, pump: 'off' } } } } });
    // Only the hex twin answers, cut short: read leniently, the owner's only entry would be dropped by the write.
    device.recircReadFault = (form, reply) => (form === 'hex' ? { ...reply, reservation: (reply.reservation as string).slice(0, -2) } : undefined);
    try {
      add(['sat'], '09:00');
      await waitFor(() => caught.length === 1 || outputs.length > 0, 'unreadable error', 15_000);
      assert.equal(outputs.length, 0, `written on a bad read: ${JSON.stringify(device.recircSchedule)}`);
      assert.equal(
        caught[0].error?.message,
        'the recirculation schedule read back from the water heater is not usable: reservation = "027c060002", expected '
          + 'lower-case hex digits, 12 (6 bytes) per entry; nothing was sent, the schedule is unchanged',
      );
    } finally {
      device.recircReadFault = undefined;
    }
    add(['thu'], '06:00');
    await waitFor(() => caught.length === 2 || outputs.length > 0, 'collision error', 15_000);
    assert.equal(outputs.length, 0, `written onto the owner's minute: ${JSON.stringify(device.recircSchedule)}`);
    assert.equal(
      caught[1].error?.message,
      'recirculation.schedule.add: {"days":["thu"],"time":"06:00"} falls on a day and minute of the entry '
        + '{"days":["mon","tue","wed","thu","fri"],"time":"06:00"} already in the recirculation schedule (which of two entries '
        + 'on one minute the heater runs is unknown); remove that entry first, nothing was sent',
    );
    assert.deepEqual(sent('/ctrl/recirc-rsv/rd'), []);
    assert.deepEqual(device.recircSchedule, { reservationUse: 2, reservation: owner });
    // A well-formed read and a free minute: written beside the owner's entry.
    add(['sat'], '09:00');
    await waitFor(() => outputs.length === 1, 'add result', 15_000);
    assert.equal(outputs[0].payload.result, 'confirmed');
    assert.deepEqual(device.recircSchedule.reservation, [...owner, { enable: 2, week: 2, hour: 9, min: 0, mode: 1, param: -1 }]);
  });

  it('boost for (fractional) minutes: started, then restored by itself; boost false restores at once', async () => {
    const { control, outputs } = await deploy();
    control.receive({ topic: 'evening', payload: { boost: { setpoint: 140, mode: 'high-demand', minutes: 0.1 } } });
    await waitFor(() => outputs.length === 1, 'boost started', 15_000);
    assert.deepEqual([outputs[0].payload.command, outputs[0].payload.phase, outputs[0].payload.result, outputs[0].payload.applied],
      ['boost', 'started', 'confirmed', { setpoint: 140, mode: 'high-demand' }]);
    let snap = sim.device(MAC).snapshot();
    assert.deepEqual([snap.dhwOperationSetting, snap.dhwTemperatureSetting], [4, 120]);
    await waitFor(() => outputs.length === 2, 'boost restored', 20_000);
    assert.deepEqual([outputs[1].topic, outputs[1].payload.phase, outputs[1].payload.result, outputs[1].payload.requested],
      ['evening', 'restored', 'confirmed', { mode: 'energy-saver', setpoint: 122 }]);
    snap = sim.device(MAC).snapshot();
    assert.deepEqual([snap.dhwOperationSetting, snap.dhwTemperatureSetting], [3, 100]);

    control.receive({ payload: { boost: { mode: 'electric', minutes: 30 } } });
    await waitFor(() => outputs.length === 3, 'second boost', 15_000);
    assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 2);
    control.receive({ payload: { boost: false } });
    await waitFor(() => outputs.length === 4, 'cancelled', 15_000);
    assert.deepEqual([outputs[3].payload.command, outputs[3].payload.phase, outputs[3].payload.result], ['boost', 'restored', 'confirmed']);
    assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 3);
  });

  it('boost until the tank charge reaches N % restores on the first status at or above it', async () => {
    const { control, account, outputs } = await deploy();
    control.receive({ payload: { boost: { setpoint: 149.9, untilCharge: 95 } } });
    await waitFor(() => outputs.length === 1, 'boost started', 15_000);
    await delay(500); // the control's follow-up pushes
    const seen80 = nextEvent(account.connection as unknown as EventEmitter, 'message', (m: { kind: string; response?: { status?: { dhwChargePer?: number } } }) =>
      m.kind === 'status' && m.response?.status?.dhwChargePer === 80);
    const from = sim.received.length;
    sim.device(MAC).setStatus({ dhwChargePer: 80 }, true);
    await seen80; // the node's charge watcher has seen 80 %
    await roundTrip(account); // a restore it started would have reached the device before this answer
    assert.deepEqual(sim.received.slice(from).filter((r) => r.topic.endsWith('/ctrl')), [], 'no restore sent at 80 %');
    assert.equal(outputs.length, 1, `still boosting at 80 %: ${JSON.stringify(outputs.slice(1).map((o) => o.payload))}`);
    sim.device(MAC).setStatus({ dhwChargePer: 96 }, true);
    await waitFor(() => outputs.length === 2, 'restored at 96 %', 15_000);
    assert.equal(outputs[1].payload.phase, 'restored');
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 100);
  });

  it('a boost survives a full redeploy: the new node instance restores it when the time is up', async () => {
    const { ids, flow, credentials } = flowFor();
    await helper.load(nodes, flow, credentials);
    const first = await attach(ids);
    assert.deepEqual(warningsOf(ids.control), [], 'no warning before anything is remembered');
    first.control.receive({ payload: { boost: { setpoint: 140, minutes: 0.1 } } });
    await waitFor(() => first.outputs.length === 1, 'boost started', 15_000);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 120);
    // The change ledger keeps the restore whatever the context store: nothing to warn about.
    assert.deepEqual(warningsOf(ids.control), []);
    await helper.setFlows(flow, 'full', credentials); // every node stops and starts again
    const second = await attach(ids);
    await waitFor(() => second.outputs.length === 1, 'restored by the redeployed node', 20_000);
    assert.deepEqual([second.outputs[0].payload.phase, second.outputs[0].payload.result], ['restored', 'confirmed']);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 100);
    assert.equal(first.outputs.length, 1, 'the old instance reported nothing more');
  });

  it('with the default memory context store a boost survives a restart (same userDir): the ledger puts it back at once when overdue', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navien-userdir-'));
    helper.settings({ userDir: dir });
    const red = helper._redNodes;
    try {
      const { ids, flow, credentials } = flowFor();
      await helper.load(nodes, flow, credentials);
      const first = await attach(ids);
      first.control.receive({ topic: 'evening', payload: { boost: { setpoint: 140, mode: 'electric', minutes: 0.05 } } });
      await waitFor(() => first.outputs.length === 1, 'boost started', 15_000);
      assert.deepEqual([sim.device(MAC).snapshot().dhwOperationSetting, sim.device(MAC).snapshot().dhwTemperatureSetting], [2, 120]);
      // "Restart": stop every flow; Node-RED's memory context is gone, the ledger file in the userDir is not.
      await red.stopFlows();
      const ledger = JSON.parse(fs.readFileSync(path.join(dir, 'navien-ledger.json'), 'utf8'));
      const record = ledger.sections.settings[MAC];
      assert.deepEqual(record.baseline, { mode: 3, setpointRaw: 100 });
      assert.deepEqual(record.changes.map((c: any) => [c.owner, c.kind, c.ours, c.topic]), [[ids.control, 'boost', { mode: 2, setpointRaw: 120 }, 'evening']]);
      // Stay down until the boost is over: a restore timer still running somewhere would have fired by then.
      await delay(Math.max(0, record.changes[0].until - Date.now()) + 500);
      assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 2, 'nothing restored while Node-RED was down');
      await red.startFlows();
      const second = await attach(ids);
      await waitFor(() => second.outputs.length === 1, 'restored after the restart', 20_000);
      assert.deepEqual([second.outputs[0].topic, second.outputs[0].payload.phase, second.outputs[0].payload.result], ['evening', 'restored', 'confirmed']);
      const snap = sim.device(MAC).snapshot();
      assert.deepEqual([snap.dhwOperationSetting, snap.dhwTemperatureSetting], [3, 100]);
      await waitFor(() => JSON.parse(fs.readFileSync(path.join(dir, 'navien-ledger.json'), 'utf8')).sections.settings === undefined, 'record removed from the ledger', 5_000);
    } finally {
      helper.settings({ userDir: undefined });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
