// navien-control's service controls against the simulator: intelligent mode, the recirculation schedule, the day
// count of a running vacation and the installer's condenser fault reset; each also on a heater without the capability.
import assert from 'node:assert/strict';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator, ReceivedRequest } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { MAC, helper, roundTrip } from '../flow-helper';
import { attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

/** A heater whose feature record has no reservation program, no recirculation schedule and no heat pump. */
const LIMITED_MAC = '0a1b2c3d4e61';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

helper.init(require.resolve('node-red'));

describe('navien-control service controls: intelligent mode, recirculation schedule, vacation days, condenser fault reset (test helper, simulator)', function () {
  this.timeout(60_000);
  const simulator = useControlSimulator({
    accounts: [{
      email: DEFAULT_EMAIL,
      password: DEFAULT_PASSWORD,
      devices: [{ macAddress: MAC }, { macAddress: LIMITED_MAC, feature: { programReservationUse: 1, recircReservationUse: 1, heatpumpUse: 1 } }],
    }],
  });
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
    sim.device(MAC).setStatus({ dhwOperationSetting: 3, dhwTemperatureSetting: 100, errorCode: 0, subErrorCode: 0, conOvrSensorUse: 1 });
    sim.device(MAC).recircSchedule = { reservationUse: 1, reservation: [] };
    sim.device(MAC).intelligentEnabled = false;
  });

  async function deploy(options: { device?: string; control?: Record<string, unknown> } = {}) {
    const device = options.device ?? MAC;
    const { ids, flow, credentials } = controlFlow(sim, { device, control: options.control });
    await helper.load(nodes, flow, credentials);
    const rig = await attachControl(ids, { device });
    sim.clearReceived();
    return rig;
  }

  const sent = (suffix: string, mac = MAC): ReceivedRequest[] => sim.received.filter((r) => r.mac === mac && r.topic.endsWith(suffix));
  const request = (r: ReceivedRequest | undefined) => (r?.payload as { request: Record<string, unknown> } | undefined)?.request;

  it('intelligent: on and off reach the heater and are confirmed by its ack; a dry run sends nothing', async () => {
    const { account, control, outputs } = await deploy();
    control.receive({ payload: { intelligent: true }, dryRun: true });
    await waitFor(() => outputs.length === 1, 'the dry run');
    assert.deepEqual(outputs[0].payload.commands.map((c: any) => [c.command, c.message.request.mode, c.message.request.command]), [['intelligent', 'intelligent-on', 33554468]]);
    await roundTrip(account);
    assert.deepEqual(sent('/ctrl'), [], 'the dry run sent nothing');

    control.receive({ payload: { intelligent: true } });
    await waitFor(() => outputs.length === 2, 'intelligent on');
    assert.deepEqual([outputs[1].payload.command, outputs[1].payload.result, outputs[1].payload.applied], ['intelligent', 'confirmed', true]);
    assert.equal(sim.device(MAC).intelligentEnabled, true);
    control.receive({ payload: { intelligent: false } });
    await waitFor(() => outputs.length === 3, 'intelligent off');
    assert.deepEqual([outputs[2].payload.result, outputs[2].payload.applied], ['confirmed', false]);
    assert.equal(sim.device(MAC).intelligentEnabled, false);
    assert.deepEqual(sent('/ctrl').map((r) => r.mode), ['intelligent-on', 'intelligent-off']);
  });

  it('recirculation schedule: replace, then add and remove by read-modify-write keeping the others, each confirmed from the echo', async () => {
    const { control, outputs, caught } = await deploy();
    control.receive({ payload: { recirculation: { schedule: { enabled: true, entries: [
      { days: WEEKDAYS, time: '06:00', pump: 'on' },
      { days: WEEKDAYS, time: '08:00', pump: 'off' },
    ] } } } });
    await waitFor(() => outputs.length === 1, 'the replace result');
    assert.deepEqual([outputs[0].payload.command, outputs[0].payload.result], ['recirculation', 'confirmed']);
    assert.deepEqual(sim.device(MAC).recircSchedule, { reservationUse: 2, reservation: [
      { enable: 2, week: 124, hour: 6, min: 0, mode: 2, param: -1 },
      { enable: 2, week: 124, hour: 8, min: 0, mode: 1, param: -1 },
    ] });
    assert.deepEqual(outputs[0].payload.applied.entries[1], { enabled: true, days: WEEKDAYS, time: '08:00', pump: 'off' });
    assert.equal(sent('/st/recirc-rsv/rd').length, 0, 'a replace does not read first');

    control.receive({ payload: { recirculation: { schedule: { add: { days: ['sat', 'sun'], time: '07:30', pump: 'on' } } } } });
    await waitFor(() => outputs.length === 2, 'the add result');
    assert.equal(outputs[1].payload.result, 'confirmed');
    control.receive({ payload: { recirculation: { schedule: { remove: { days: WEEKDAYS, time: '08:00' } } } } });
    await waitFor(() => outputs.length === 3, 'the remove result');
    assert.equal(outputs[2].payload.result, 'confirmed');
    assert.deepEqual(sim.device(MAC).recircSchedule, { reservationUse: 2, reservation: [
      { enable: 2, week: 124, hour: 6, min: 0, mode: 2, param: -1 },
      { enable: 2, week: 130, hour: 7, min: 30, mode: 2, param: -1 },
    ] });
    assert.equal(sent('/st/recirc-rsv/rd').length, 2, 'each edit read the schedule first');

    control.receive({ payload: { recirculation: { schedule: { enabled: false } } } });
    await waitFor(() => outputs.length === 4, 'the off result');
    assert.equal(sim.device(MAC).recircSchedule.reservationUse, 1);
    assert.equal(sim.device(MAC).recircSchedule.reservation.length, 2, 'switching off keeps the entries');

    const writes = sent('/ctrl/recirc-rsv/rd').length;
    control.receive({ payload: { recirculation: { schedule: { remove: { days: ['mon'], time: '05:00' } } } } });
    await waitFor(() => caught.length === 1, 'the no-entry error');
    assert.equal(caught[0].error?.message, 'recirculation.schedule.remove: no entry of the recirculation schedule matches {"days":["mon"],"time":"05:00"}; nothing was sent');
    assert.equal(sent('/ctrl/recirc-rsv/rd').length, writes);
  });

  const invalid: Array<[Record<string, unknown>, string]> = [
    [{ intelligent: 'on' }, 'intelligent must be true or false, got "on"'],
    [{ recirculation: { schedule: { entries: [{ days: ['mon'], time: '06:00', pump: 'maybe' }] } } }, "recirculation.schedule.entries[0].pump = \"maybe\" is not valid; allowed: 'on' or 'off'"],
    [{ recirculation: { schedule: { add: { days: ['mon'], time: '25:00', pump: 'on' } } } }, "recirculation.schedule.add.time = \"25:00\" is not valid; allowed: a time 'HH:MM' from 00:00 to 23:59"],
    [{ recirculation: { schedule: { entries: [], repeat: true } } }, "unknown key 'recirculation.schedule.repeat'; allowed: enabled, entries, add, remove"],
    [{ recirculation: { schedule: true } }, 'recirculation.schedule must be {enabled, entries: [...]}, {add: entry}, {remove: entry} or {enabled: true | false}, got true'],
    [{ condenserFaultReset: 1 }, 'condenserFaultReset must be true (resets a condenser fault), got 1'],
    [{ vacation: { days: 0 } }, 'vacation.days = 0 is out of range; allowed 1 to 30'],
  ];
  for (const [payload, text] of invalid) {
    it(`rejects ${JSON.stringify(payload)} naming the field, nothing sent`, async () => {
      const { account, control, outputs, caught } = await deploy({ control: { installerActions: true } });
      control.receive({ payload });
      await waitFor(() => caught.length === 1, 'the error');
      assert.equal(caught[0].error?.message, text);
      await roundTrip(account);
      assert.deepEqual(sent('/ctrl').concat(sent('/ctrl/recirc-rsv/rd')), []);
      assert.equal(outputs.length, 0);
    });
  }

  it('a heater without the capability refuses intelligent mode, the recirculation schedule and the condenser fault reset, publishing nothing', async () => {
    const { account, control, outputs, caught } = await deploy({ device: LIMITED_MAC, control: { installerActions: true } });
    control.receive({ payload: { intelligent: true } });
    control.receive({ payload: { recirculation: { schedule: { enabled: true, entries: [] } } } });
    control.receive({ payload: { condenserFaultReset: true } });
    await waitFor(() => caught.length === 3, 'three errors');
    assert.deepEqual(caught.map((m) => m.error?.message), [
      'this device does not support intelligent',
      'this device does not support recirculation.schedule',
      'this device does not support condenserFaultReset',
    ]);
    await roundTrip(account, LIMITED_MAC);
    assert.deepEqual(sim.received.filter((r) => r.mac === LIMITED_MAC && r.topic.includes('/ctrl')), [], 'nothing was published to that heater');
    assert.equal(outputs.length, 0);
  });

  it('vacation {days} while on vacation changes the day count with goout-day, without leaving vacation; the restore keeps the mode from before', async () => {
    const { control, outputs } = await deploy();
    control.receive({ payload: { vacation: { days: 3, restore: true } } });
    await waitFor(() => outputs.length === 1, 'vacation started');
    assert.deepEqual([outputs[0].payload.phase, outputs[0].payload.result], ['started', 'confirmed']);
    control.receive({ topic: 'longer', payload: { vacation: { days: 10, restore: true } } });
    await waitFor(() => outputs.length === 2, 'days changed');
    assert.deepEqual(
      [outputs[1].topic, outputs[1].payload.command, outputs[1].payload.phase, outputs[1].payload.result, outputs[1].payload.applied],
      ['longer', 'vacation', 'changed', 'confirmed', { days: 10 }],
    );
    assert.deepEqual(sent('/ctrl').map((r) => [r.mode, request(r)?.param]), [['dhw-mode', [5, 3]], ['goout-day', [10]]]);
    const snap = sim.device(MAC).snapshot();
    assert.deepEqual([snap.dhwOperationSetting, snap.vacationDaySetting], [5, 10]);
    control.receive({ payload: { vacation: false } });
    await waitFor(() => outputs.length === 3, 'vacation ended');
    assert.deepEqual([outputs[2].payload.phase, outputs[2].payload.result, outputs[2].payload.requested], ['restored', 'confirmed', { mode: 'energy-saver', setpoint: 122 }]);
    assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 3);
  });

  it('vacation {days} on a heater put on vacation elsewhere: the days change; with restore the mode from before is unknown, so nothing is sent', async () => {
    sim.device(MAC).setStatus({ dhwOperationSetting: 5, vacationDaySetting: 4, vacationDayElapsed: 4 });
    const { account, control, outputs, caught } = await deploy();
    control.receive({ payload: { vacation: { days: 6 } }, dryRun: true });
    await waitFor(() => outputs.length === 1, 'the dry run');
    assert.deepEqual(outputs[0].payload.commands.map((c: any) => [c.command, c.message.request.mode, c.message.request.param]), [['vacation', 'goout-day', [6]]]);
    control.receive({ payload: { vacation: { days: 6 } } });
    await waitFor(() => outputs.length === 2, 'days changed');
    assert.deepEqual([outputs[1].payload.phase, outputs[1].payload.result, outputs[1].payload.applied], ['changed', 'confirmed', { days: 6 }]);
    assert.equal(sim.device(MAC).snapshot().vacationDaySetting, 6);
    control.receive({ payload: { vacation: { days: 8, restore: true } } });
    await waitFor(() => caught.length === 1, 'the error');
    assert.match(String(caught[0].error?.message), /already in vacation mode and its mode from before is not known/);
    await roundTrip(account);
    assert.deepEqual(sent('/ctrl').map((r) => r.mode), ['goout-day']);
  });

  it('condenser fault reset: refused unless the node allows installer actions; refused while the heater reports no fault; sent and confirmed with one', async () => {
    {
      const { account, control, caught } = await deploy();
      control.receive({ payload: { condenserFaultReset: true } });
      await waitFor(() => caught.length === 1, 'the option error');
      assert.equal(caught[0].error?.message, "condenserFaultReset is an installer action and this node does not allow them (see 'Allow installer actions'); nothing was sent");
      await roundTrip(account);
      assert.deepEqual(sent('/ctrl'), []);
      await helper.unload();
    }
    const { account, control, outputs, caught } = await deploy({ control: { installerActions: true } });
    control.receive({ payload: { condenserFaultReset: true } });
    await waitFor(() => caught.length === 1, 'the no-fault error');
    assert.equal(caught[0].error?.message, 'condenserFaultReset: the water heater reports no condenser fault (error: none); nothing was sent');
    await roundTrip(account);
    assert.deepEqual(sent('/ctrl'), []);

    sim.device(MAC).setStatus({ errorCode: 990, conOvrSensorUse: 2 }, true);
    control.receive({ payload: { condenserFaultReset: true } });
    await waitFor(() => outputs.length === 1, 'the reset result');
    assert.deepEqual([outputs[0].payload.command, outputs[0].payload.result, outputs[0].payload.applied], ['condenserFaultReset', 'confirmed', true]);
    assert.deepEqual(sent('/ctrl').map((r) => [r.mode, r.command]), [['cond-fault-reset', 33554463]]);
    assert.equal(sim.device(MAC).snapshot().errorCode, 0);
  });
});
