import assert from 'node:assert/strict';
import { NavilinkSimulator, ReceivedRequest } from '../../../tools/simulator/simulator';
import { delay, waitFor } from '../../helpers/wait';
import { MAC, helper, roundTrip } from '../flow-helper';
import { Msg, attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

helper.init(require.resolve('node-red'));

describe('navien-control node (node-red-node-test-helper, real account node, simulator)', function () {
  this.timeout(30_000);
  const simulator = useControlSimulator();
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
  });
  afterEach(() => {
    sim.setDeviceOffline(MAC, false);
  });

  interface Options {
    readOnly?: boolean;
    allowPowerOff?: boolean;
    unit?: 'F' | 'C';
    device?: string;
    /** Return at once instead of waiting for the account to connect. */
    noWait?: boolean;
    password?: string;
  }

  /** Deploys account + control + an output collector + a Catch node scoped to the control node. */
  async function deploy(options: Options = {}) {
    const control: Record<string, unknown> = {};
    if (options.unit) control.unit = options.unit;
    if (options.allowPowerOff !== undefined) control.allowPowerOff = options.allowPowerOff;
    const { ids, flow, credentials } = controlFlow(sim, { device: options.device, readOnly: options.readOnly, password: options.password, control });
    await helper.load(nodes, flow, credentials);
    const rig = await attachControl(ids, { wait: !options.noWait });
    if (!options.noWait) sim.clearReceived();
    return rig;
  }

  function controls(): ReceivedRequest[] {
    return sim.received.filter((r) => r.topic.includes('/ctrl'));
  }

  it('applies a valid command: one result per setting, the input msg kept, the device really changed', async () => {
    const { control, outputs, caught } = await deploy();
    control.receive({ topic: 'kitchen', payload: { mode: 'electric', setpoint: 120 }, room: 'basement' });
    await waitFor(() => outputs.length === 2, 'two result messages', 10_000);
    assert.equal(caught.length, 0);
    const [mode, setpoint] = outputs;
    for (const msg of outputs) {
      assert.equal(msg.topic, 'kitchen');
      assert.equal(msg.room, 'basement');
      assert.deepEqual(Object.keys(msg.payload).sort(), ['applied', 'command', 'latencyMs', 'requested', 'result', 'status']);
      assert.equal(typeof msg.payload.latencyMs, 'number');
    }
    assert.deepEqual([mode.payload.command, mode.payload.requested, mode.payload.applied, mode.payload.result], ['mode', 'electric', 'electric', 'confirmed']);
    assert.deepEqual([setpoint.payload.command, setpoint.payload.requested, setpoint.payload.applied, setpoint.payload.result], ['setpoint', 120, 120.2, 'confirmed']);
    // The status is the navien-status summary, in the node's unit.
    assert.equal(setpoint.payload.status.setpoint, 120.2);
    assert.equal(setpoint.payload.status.mode, 'electric');
    assert.equal(setpoint.payload.status.unit, 'F');
    assert.equal(setpoint.payload.status.online, true);
    const snap = sim.device(MAC).snapshot();
    assert.equal(snap.dhwOperationSetting, 2);
    assert.equal(snap.dhwTemperatureSetting, 98);
    const sent = controls();
    assert.deepEqual(sent.map((r) => r.mode), ['dhw-mode', 'dhw-temperature']);
    assert.ok(sent[1].at - sent[0].at >= 1_000, 'spaced by at least 1 s');
    const last = control.status.getCalls().at(-1)?.args[0];
    assert.deepEqual([last?.fill, last?.text], ['green', 'setpoint: confirmed']);
  });

  it('takes the dashboard shortcuts msg.topic = power | mode | setpoint with a plain payload, and msg.unit', async () => {
    const { control, outputs } = await deploy();
    control.receive({ topic: 'power', payload: false });
    await waitFor(() => outputs.length === 1, 'power result', 10_000);
    assert.deepEqual([outputs[0].payload.command, outputs[0].payload.applied, outputs[0].payload.result], ['power', false, 'confirmed']);
    assert.equal(sim.device(MAC).snapshot().dhwOperationSetting, 6);
    assert.equal(outputs[0].payload.status.power, false);
    control.receive({ topic: 'power', payload: true });
    control.receive({ topic: 'mode', payload: 'heat-pump' });
    control.receive({ topic: 'setpoint', payload: 50, unit: 'C' });
    await waitFor(() => outputs.length === 4, 'three more results', 15_000);
    assert.deepEqual(outputs.slice(1).map((m) => [m.topic, m.payload.command, m.payload.applied, m.payload.result]), [
      ['power', 'power', true, 'confirmed'],
      ['mode', 'mode', 'heat-pump', 'confirmed'],
      ['setpoint', 'setpoint', 50, 'confirmed'],
    ]);
    const snap = sim.device(MAC).snapshot();
    assert.equal(snap.dhwOperationSetting, 1);
    assert.equal(snap.dhwTemperatureSetting, 100);
    assert.equal(outputs[3].payload.status.setpoint, 122, 'the summary stays in the node unit (°F)');
  });

  it('collapses a slider drag on the setpoint shortcut into one command after the first', async () => {
    const { control, outputs } = await deploy();
    for (const value of [110, 111, 112, 113, 114]) {
      control.receive({ topic: 'setpoint', payload: value });
      await delay(30);
    }
    await waitFor(() => outputs.length === 5, 'five results', 10_000);
    const byValue = Object.fromEntries(outputs.map((m) => [m.payload.requested, m.payload.result]));
    assert.deepEqual(byValue, { 110: 'confirmed', 111: 'superseded', 112: 'superseded', 113: 'superseded', 114: 'confirmed' });
    assert.deepEqual(controls().map((r) => (r.payload as { request: { param: number[] } }).request.param[0]), [87, 91]);
  });

  it('msg.dryRun validates and returns the wire payload without publishing anything', async () => {
    const { control, account, outputs, caught } = await deploy();
    const before = sim.device(MAC).snapshot();
    control.receive({ payload: { power: true, setpoint: 125 }, dryRun: true, topic: 't' });
    await waitFor(() => outputs.length === 1, 'dry-run answer', 5_000);
    const msg = outputs[0];
    assert.equal(msg.dryRun, true);
    assert.equal(msg.topic, 't');
    assert.equal(msg.payload.dryRun, true);
    assert.deepEqual(msg.payload.commands.map((c: any) => [c.command, c.requested, c.topic, c.message.request.mode, c.message.request.param]), [
      ['power', true, `cmd/52/navilink-${MAC}/ctrl`, 'power-on', []],
      ['setpoint', 125, `cmd/52/navilink-${MAC}/ctrl`, 'dhw-temperature', [103]],
    ]);
    assert.equal(msg.payload.commands[1].message.request.macAddress, MAC);
    await roundTrip(account);
    assert.equal(outputs.length, 1, 'no result messages follow a dry run');
    assert.equal(caught.length, 0);
    assert.deepEqual(controls(), [], 'nothing reached the device');
    assert.deepEqual(sim.device(MAC).snapshot(), before);
    // An invalid dry run is still an error.
    control.receive({ payload: { setpoint: 200 }, dryRun: true });
    await waitFor(() => caught.length === 1, 'error for the invalid dry run', 5_000);
    assert.equal(caught[0].error?.message, 'setpoint = 200 °F is out of range; allowed 104.9 to 149.9');
  });

  it('raises a catchable error naming field, value and allowed values for every invalid input, publishes nothing, and stays usable', async () => {
    // The feature record says this unit has no electric element mode.
    const feature = sim.device(MAC).feature;
    const electricUse = feature.electricUse;
    feature.electricUse = 1;
    try {
      const { control, account, outputs, caught } = await deploy();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ payload: 130 }, 'msg.payload must be an object such as {"setpoint": 130}, got 130'],
        [{ payload: { temp: 120 } }, "unknown key 'temp'; allowed: power, mode, days, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset"],
        [{ payload: {} }, 'msg.payload has no command; use one of power, mode, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset'],
        [{ payload: { power: 'on' } }, 'power must be true or false, got "on"'],
        [{ payload: { setpoint: '120' } }, 'setpoint must be a number in °F, got "120"'],
        [{ payload: { setpoint: 160 } }, 'setpoint = 160 °F is out of range; allowed 104.9 to 149.9'],
        [{ payload: { setpoint: 70 }, unit: 'C' }, 'setpoint = 70 °C is out of range; allowed 40.5 to 65.5'],
        [{ payload: { setpoint: 50 }, unit: 'K' }, "msg.unit = 'K' is not allowed; use one of F, C"],
        [{ payload: { mode: 'eco' } }, "mode = 'eco' is not allowed; use one of heat-pump, electric, energy-saver, high-demand, vacation"],
        [{ topic: 'mode', payload: 'off' }, "mode = 'off' is not allowed; use one of heat-pump, electric, energy-saver, high-demand, vacation (use power: false to turn off)"],
        [{ payload: { mode: 'vacation' } }, 'days must be a whole number 1-30, got undefined'],
        [{ payload: { mode: 'vacation', days: 45 } }, 'days = 45 is out of range; allowed 1 to 30'],
        [{ payload: { mode: 'heat-pump', days: 3 } }, "days must be left out unless mode is 'vacation' (then a whole number 1-30), got 3"],
        [{ payload: { antiLegionella: true } }, 'antiLegionella must be false or {"periodDays": 1-30}, got true'],
        [{ payload: { antiLegionella: { periodDays: 0 } } }, 'antiLegionella.periodDays = 0 is out of range; allowed 1 to 30'],
        [{ payload: { tou: 1 } }, 'tou must be true or false, got 1'],
        [{ payload: { mode: 'electric' } }, "this device does not support mode 'electric'"],
        // One bad part stops the whole message: the valid setpoint is not sent either.
        [{ payload: { setpoint: 120, mode: 'turbo' } }, "mode = 'turbo' is not allowed; use one of heat-pump, electric, energy-saver, high-demand, vacation"],
      ];
      for (const [i, [input, text]] of cases.entries()) {
        control.receive({ ...input, tag: i });
        await waitFor(() => caught.length === i + 1, `error ${i} (${text})`, 5_000);
        const err = caught[i];
        assert.equal(err.error?.message, text);
        assert.equal(err.error?.source?.id, control.id);
        assert.equal(err.tag, i, 'the Catch node gets the input msg');
      }
      assert.equal(control.error.getCalls().length, cases.length, 'node.error once per invalid input');
      for (const call of control.error.getCalls()) assert.equal(typeof (call.args[1] as Msg)?.tag, 'number', 'node.error(text, msg)');
      const last = control.status.getCalls().at(-1)?.args[0];
      assert.equal(last?.fill, 'red');
      await roundTrip(account);
      assert.equal(outputs.length, 0, 'no output for invalid input');
      assert.deepEqual(controls(), [], 'nothing was published');
      // Still usable.
      control.receive({ payload: { setpoint: 116 } });
      await waitFor(() => outputs.length === 1, 'valid command after the errors', 10_000);
      assert.deepEqual([outputs[0].payload.result, outputs[0].payload.applied], ['confirmed', 115.7]);
      assert.equal(caught.length, cases.length);
    } finally {
      feature.electricUse = electricUse;
    }
  });

  it('refuses every write on a read-only account and shows it', async () => {
    const { control, account, outputs, caught } = await deploy({ readOnly: true });
    await waitFor(() => control.status.getCalls().some((c) => c.args[0].text === 'read-only'), 'read-only status', 5_000);
    const writes = [{ power: true }, { mode: 'energy-saver' }, { setpoint: 120 }, { antiLegionella: false }, { tou: false }];
    for (const [i, payload] of writes.entries()) {
      control.receive({ payload });
      await waitFor(() => caught.length === i + 1, `refusal ${i}`, 5_000);
      assert.equal(caught[i].error?.message, `the account is read-only; ${Object.keys(payload)[0]} was not sent`);
    }
    await roundTrip(account);
    assert.equal(outputs.length, 0);
    assert.deepEqual(controls(), []);
  });

  it('refuses power: false when switching off is not allowed, and still switches on', async () => {
    const { control, outputs, caught } = await deploy({ allowPowerOff: false });
    control.receive({ topic: 'power', payload: false });
    control.receive({ payload: { power: false, setpoint: 118 } });
    await waitFor(() => caught.length === 2, 'two refusals', 5_000);
    for (const msg of caught) assert.match(msg.error?.message ?? '', /^switching the water heater off is not allowed by this node/);
    assert.deepEqual(controls(), []);
    assert.notEqual(sim.device(MAC).snapshot().dhwOperationSetting, 6);
    control.receive({ topic: 'power', payload: true });
    await waitFor(() => outputs.length === 1, 'power on result', 10_000);
    assert.equal(outputs[0].payload.result, 'confirmed');
  });

  it('reports a missing device choice as an error instead of sending', async () => {
    const { control, outputs, caught } = await deploy({ device: '' });
    control.receive({ payload: { setpoint: 120 } });
    await waitFor(() => caught.length === 1, 'no-device error', 5_000);
    assert.equal(caught[0].error?.message, 'no device configured; choose a device in the node');
    assert.equal(outputs.length, 0);
    assert.deepEqual(controls(), []);
  });

  it('accepts a MAC typed with capitals and separators', async () => {
    const { control, outputs, caught } = await deploy({ device: '0A:1B:2C:3D:4E:5F' });
    control.receive({ payload: { setpoint: 118 } });
    await waitFor(() => outputs.length === 1 || caught.length === 1, 'a result', 10_000);
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual([outputs[0].payload.result, outputs[0].payload.applied], ['confirmed', 118.4]);
    assert.deepEqual(controls().map((r) => r.mac), [MAC]);
  });

  it('holds a command that arrives right after deploy until the account is connected, then runs it', async () => {
    const { control, outputs, caught } = await deploy({ noWait: true });
    control.receive({ payload: { setpoint: 119 }, early: true });
    assert.ok(control.status.getCalls().some((c) => c.args[0].text === 'waiting'), 'the command was held, not sent or refused');
    await waitFor(() => outputs.length === 1, 'result of the early command', 15_000);
    assert.equal(caught.length, 0);
    assert.deepEqual([outputs[0].early, outputs[0].payload.result, outputs[0].payload.applied], [true, 'confirmed', 119.3]);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 97);
  });

  it('answers a held command with an error when the account cannot sign in', async () => {
    const { control, outputs, caught } = await deploy({ noWait: true, password: 'wrong-password' });
    control.receive({ payload: { setpoint: 119 } });
    await waitFor(() => caught.length === 1, 'error for the held command', 15_000);
    assert.equal(caught[0].error?.message, 'wrong e-mail or password');
    assert.equal(outputs.length, 0);
  });

  it('close cancels pending work: no results, no errors and nothing sent afterwards', async () => {
    // A witness: a second account and control node with the same command and the same (shortened) runner waits, never
    // closed. Once it has reported both settings, the closed node would have reported (or sent) them too.
    helper.settings({ navienControlTiming: { confirmTimeoutMs: 1_500, statusNudgeMs: 400 } });
    try {
      const closing = controlFlow(sim);
      const witnessFlow = controlFlow(sim, { noCatch: true });
      await helper.load(nodes, [...closing.flow, ...witnessFlow.flow.filter((n) => n.type !== 'tab')], { ...closing.credentials, ...witnessFlow.credentials });
      const { control, account, outputs, caught } = await attachControl(closing.ids);
      const witness = await attachControl(witnessFlow.ids);
      const clientId = account.connection?.clientId;
      sim.clearReceived();
      sim.setDeviceOffline(MAC, true); // the first control stays unconfirmed, the second waits behind it
      control.receive({ payload: { setpoint: 112, mode: 'high-demand' } });
      witness.control.receive({ payload: { setpoint: 112, mode: 'high-demand' } });
      // Mode goes first; the setpoint waits behind it.
      await sim.waitForRequest((r) => r.mode === 'dhw-mode' && r.clientID === clientId);
      const started = Date.now();
      // Close just this node, as a redeploy of it does; the Catch node and the spies stay in place to see any late output.
      await (control as unknown as { close(removed: boolean): Promise<void> }).close(false);
      assert.ok(Date.now() - started < 5_000, 'closed promptly');
      sim.setDeviceOffline(MAC, false);
      await waitFor(() => witness.outputs.length === 2, 'both results of the witness', 15_000);
      assert.equal(outputs.length, 0, 'no result after close');
      assert.equal(caught.length, 0, 'no error after close');
      assert.equal(control.error.getCalls().length, 0);
      assert.deepEqual(controls().filter((r) => r.clientID === clientId).map((r) => r.mode), ['dhw-mode'], 'the waiting setpoint was never sent');
      // It was the account's only user: the account let go of its connection too.
      assert.equal(account.connection, undefined);
    } finally {
      helper.settings({ navienControlTiming: undefined });
    }
  });

  it('a control queued during an outage never reaches the device once its node is removed by a "modified nodes" deploy', async () => {
    // Two control nodes on one account: the one that stays keeps the account (and its offline queue) alive.
    const removed = controlFlow(sim);
    const stays = controlFlow(sim, { noCatch: true });
    const staying = stays.flow.filter((n) => n.type !== 'tab').map((n) => (n.type === 'navien-control' ? { ...n, account: removed.ids.account } : n));
    const flow = [...removed.flow, ...staying.filter((n) => n.type !== 'navien-account')];
    await helper.load(nodes, flow, removed.credentials);
    const { control, account } = await attachControl(removed.ids);
    const witness = await attachControl({ ...stays.ids, account: removed.ids.account });
    const connection = account.connection as NonNullable<typeof account.connection> & { queuedCommands: number };
    sim.clearReceived();
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'the account noticed the outage');
      control.receive({ payload: { power: false } });
      await waitFor(() => connection.queuedCommands === 1, 'power: false in the offline queue');
      // Deploy "modified nodes" without the first control node: only that node closes (removed), the account stays.
      await helper.setFlows(flow.filter((n) => n.id !== removed.ids.control), 'nodes', removed.credentials);
      assert.equal(helper.getNode(removed.ids.account)?.connection, connection, 'the account kept its connection');
    } finally {
      await sim.startBroker();
    }
    await waitFor(() => connection.state.phase === 'connected', 'reconnected', 20_000);
    // A positive signal: a control of the staying node goes out over the same connection and is confirmed.
    witness.control.receive({ payload: { setpoint: 118 } });
    await waitFor(() => witness.outputs.length === 1, 'the staying node\'s result', 15_000);
    assert.equal(witness.outputs[0].payload.result, 'confirmed');
    await roundTrip(account);
    assert.deepEqual(controls().map((r) => r.mode), ['dhw-temperature'], 'the cancelled power: false was never sent');
    assert.notEqual(sim.device(MAC).snapshot().dhwOperationSetting, 6, 'the heater is not switched off');
  });
});
