// navien-control and the change ledger: what the heater's keeper puts back when the node is deleted, disabled, gone
// while Node-RED was down, when the owner changed the setting meanwhile, and when a restore is not confirmed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { FakeClock } from '../../helpers/fake-clock';
import { delay, waitFor } from '../../helpers/wait';
import { MAC, helper, roundTrip, uniqueId, warningsOf } from '../flow-helper';
import { Msg, attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

helper.init(require.resolve('node-red'));

const ledgerOf = (dir: string) => {
  const file = path.join(dir, 'navien-ledger.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
};

describe('navien-control and the change ledger (test helper, real account node, simulator)', function () {
  this.timeout(60_000);
  const simulator = useControlSimulator({ accounts: [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, devices: [{ macAddress: MAC }] }] });
  let sim: NavilinkSimulator;
  let dir: string;
  beforeEach(() => {
    sim = simulator();
    sim.device(MAC).setTiming({ replyDelayMs: 20, pushDelayMs: 100 });
    sim.device(MAC).setStatus({ dhwOperationSetting: 3, dhwTemperatureSetting: 100 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navien-ledger-'));
    helper.settings({ userDir: dir });
  });
  afterEach(() => {
    helper.settings({ userDir: undefined, navienClock: undefined, navienControlTiming: undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const shows = () => {
    const s = sim.device(MAC).snapshot();
    return [s.dhwOperationSetting, s.dhwTemperatureSetting];
  };

  async function deploy(options: Parameters<typeof controlFlow>[1] = {}) {
    const built = controlFlow(sim, { device: MAC, ...options });
    await helper.load(nodes, built.flow, built.credentials);
    const rig = await attachControl(built.ids, { device: MAC });
    sim.clearReceived();
    return { ...built, ...rig };
  }

  it('deleting the node mid-boost puts the setting back before its close ends (defect 1)', async () => {
    const { flow, ids, credentials, control, outputs } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, mode: 'high-demand', minutes: 60 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    assert.deepEqual(shows(), [4, 120]);
    await helper.setFlows(flow.filter((n) => n.id !== ids.control), 'full', credentials);
    assert.deepEqual(shows(), [3, 100], 'put back by the time the deploy finished');
    await waitFor(() => ledgerOf(dir)?.sections.settings === undefined, 'the ledger emptied');
  });

  it('disabling the node mid-vacation puts the mode back (defect 1)', async () => {
    const { flow, credentials, control, outputs, ids } = await deploy();
    control.receive({ payload: { vacation: { days: 3 } } });
    await waitFor(() => outputs.length === 1, 'vacation started');
    assert.equal(shows()[0], 5);
    await helper.setFlows(flow.map((n) => (n.id === ids.control ? { ...n, d: true } : n)), 'full', credentials);
    assert.deepEqual(shows(), [3, 100]);
  });

  it('a vacation started during the node\'s boost ends on the owner\'s own mode and setpoint, not the boost\'s', async () => {
    const { control, outputs } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, mode: 'high-demand', minutes: 60 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    assert.deepEqual(shows(), [4, 120]);
    control.receive({ payload: { vacation: { days: 3 } } });
    await waitFor(() => outputs.length === 2, 'vacation started');
    assert.equal(shows()[0], 5);
    control.receive({ payload: { vacation: false } });
    await waitFor(() => outputs.length === 3, 'vacation ended');
    assert.deepEqual([outputs[2].payload.phase, outputs[2].payload.result], ['restored', 'confirmed']);
    assert.deepEqual(shows(), [3, 100], 'energy saver at 100 half-°C, as before the boost');
    await waitFor(() => ledgerOf(dir)?.sections.settings === undefined, 'the ledger emptied');
  });

  it('a delete whose restore outlasts the close budget (3 s replies): the keeper finishes it after the close', async () => {
    const { flow, ids, credentials, control, outputs } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, mode: 'high-demand', minutes: 60 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    await delay(500); // the boost's follow-up pushes
    // Real cloud latency: replies and the status pushes that confirm a control come 3 s late.
    sim.device(MAC).setTiming({ replyDelayMs: 3_000, pushDelayMs: 3_000 });
    const started = Date.now();
    await helper.setFlows(flow.filter((n) => n.id !== ids.control), 'full', credentials);
    assert.ok(Date.now() - started < 8_000, `the close took ${Date.now() - started} ms`);
    // Setpoint and mode 1 s apart, each confirmed 3 s later: more than the close waits. The heater may already show
    // both writes, but the restore is not confirmed yet, so it is still on record and the account's keeper goes on.
    assert.ok(ledgerOf(dir)?.sections.settings?.[MAC], 'the unconfirmed restore is still in the ledger when the close ended');
    await waitFor(() => shows()[0] === 3 && shows()[1] === 100, 'put back after the close', 30_000);
    await waitFor(() => ledgerOf(dir)?.sections.settings === undefined, 'the ledger emptied');
    // Nothing uses the account any more: the keeper saying it went idle lets the connection go.
    const account = helper.getNode(ids.account) as unknown as { connection: unknown };
    await waitFor(() => account.connection === undefined, 'the connection closed once nothing was left to put back');
  });

  it('a node deleted while Node-RED was down: its boost is put back on the next start, with nothing else using the account', async () => {
    const { flow, ids, credentials, control, outputs } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, minutes: 60 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    await helper.unload(); // Node-RED stops (nothing is removed)
    assert.deepEqual(shows(), [3, 120], 'a stop puts nothing back');
    assert.equal(ledgerOf(dir).sections.settings[MAC].changes[0].owner, ids.control);
    // Started again with the control node gone from the flows (edited while down): only the account is left.
    await helper.load(nodes, flow.filter((n) => n.id !== ids.control && n.type !== 'catch'), credentials);
    await waitFor(() => shows()[1] === 100, 'put back on start', 20_000);
    await waitFor(() => ledgerOf(dir)?.sections.settings === undefined, 'the ledger emptied');
    assert.match(warningsOf(ids.account).join('\n'), new RegExp(`boost of node ${ids.control} was put back`));
  });

  it('a setpoint the owner changed in the app during the boost is not put back, and the node says so; the mode is', async () => {
    const clock = new FakeClock(Date.now());
    helper.settings({ userDir: dir, navienClock: clock });
    const { control, outputs, account, ids } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, mode: 'high-demand', minutes: 30 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    sim.device(MAC).setStatus({ dhwTemperatureSetting: 110 }, true); // the owner, in the app
    await roundTrip(account);
    clock.advance(30 * 60_000);
    await waitFor(() => outputs.length === 2, 'restored');
    assert.deepEqual([outputs[1].payload.phase, outputs[1].payload.result], ['restored', 'confirmed']);
    assert.deepEqual(shows(), [3, 110], 'mode back, the owner\'s setpoint kept');
    assert.ok(!sim.received.some((r) => (r.payload as { request?: { mode?: string; param?: number[] } }).request?.mode === 'dhw-temperature' && (r.payload as any).request.param[0] === 100), 'no write of the old setpoint');
    const warnings = warningsOf(ids.control);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /boost: setpoint not put back: the heater shows 131 °F, not our 140 °F; someone changed it since/);
  });

  it('two boosts on one heater share one baseline: the first to end leaves the other\'s value, the last puts the owner\'s back (defect 11)', async () => {
    const clock = new FakeClock(Date.now());
    helper.settings({ userDir: dir, navienClock: clock });
    const ids = { account: uniqueId('acc'), a: uniqueId('ctl'), b: uniqueId('ctl'), outA: uniqueId('out'), outB: uniqueId('out') };
    const { flow: base, credentials } = controlFlow(sim, { device: MAC, noCatch: true });
    const accountNode = { ...base.find((n) => n.type === 'navien-account'), id: ids.account };
    const control = (id: string, out: string) => ({ ...base.find((n) => n.type === 'navien-control'), id, account: ids.account, wires: [[out]] });
    const flow = [base[0], accountNode, control(ids.a, ids.outA), control(ids.b, ids.outB), { id: ids.outA, z: 'tab', type: 'helper' }, { id: ids.outB, z: 'tab', type: 'helper' }];
    await helper.load(nodes, flow, { [ids.account]: credentials[Object.keys(credentials)[0]] });
    const outA: Msg[] = [];
    const outB: Msg[] = [];
    helper.getNode(ids.outA)?.on('input', (m: Msg) => outA.push(m));
    helper.getNode(ids.outB)?.on('input', (m: Msg) => outB.push(m));
    const account = helper.getNode(ids.account);
    await waitFor(() => account?.connection?.state.phase === 'connected' && account.connection.featuresOf(MAC), 'connected');
    helper.getNode(ids.a)?.receive({ payload: { boost: { setpoint: 130, minutes: 10 } } });
    await waitFor(() => outA.length === 1, 'boost A');
    helper.getNode(ids.b)?.receive({ payload: { boost: { setpoint: 140, minutes: 30 } } });
    await waitFor(() => outB.length === 1, 'boost B');
    assert.deepEqual(shows(), [3, 120]);
    clock.advance(10 * 60_000); // A ends while B is still on
    await waitFor(() => outA.length === 2, 'A ended');
    await roundTrip(account as NonNullable<typeof account>);
    assert.deepEqual(shows(), [3, 120], 'B\'s boost stays');
    clock.advance(20 * 60_000); // B ends: the owner's setting from before the first boost
    await waitFor(() => outB.length === 2, 'B ended');
    assert.deepEqual(shows(), [3, 100]);
    assert.deepEqual(outB[1].payload.requested, { mode: 'energy-saver', setpoint: 122 });
  });

  it('a restore the heater refuses stays in the ledger, shows in the status and a Catch-able error, and is tried again until confirmed', async () => {
    const clock = new FakeClock(Date.now());
    helper.settings({ userDir: dir, navienClock: clock, navienControlTiming: { refusalPauseMs: 200, confirmTimeoutMs: 2_000, statusNudgeMs: 300, minSpacingMs: 30 } });
    const { control, outputs, caught } = await deploy();
    control.receive({ payload: { boost: { setpoint: 140, minutes: 1 } } });
    await waitFor(() => outputs.length === 1, 'boost started');
    sim.device(MAC).failNextControl(2); // the restore's write and the runner's one retry get ctrl-fail
    clock.advance(60_000);
    await waitFor(() => caught.length === 1, 'the error', 20_000).catch((err) => {
      throw new Error(`${err}: ${JSON.stringify({ outputs: outputs.map((o) => o.payload), statuses: control.status.getCalls().map((c) => c.args[0]), sent: sim.received.map((r) => [r.topic, r.outcome, (r.payload as any)?.request?.mode]) })}`);
    });
    assert.match(caught[0].error?.message ?? '', /^boost could not be put back yet \(refused\); it stays in the change ledger and is tried again in 30 s$/);
    const status = control.status.getCalls().map((c) => c.args[0]).at(-1);
    assert.deepEqual([status?.fill, status?.text], ['yellow', 'boost: not put back yet, retrying']);
    assert.equal(shows()[1], 120);
    assert.equal(ledgerOf(dir).sections.settings[MAC].changes.length, 1, 'kept in the ledger');
    clock.advance(30_000);
    await waitFor(() => outputs.length === 2, 'restored on the retry', 20_000);
    assert.deepEqual([outputs[1].payload.phase, outputs[1].payload.result], ['restored', 'confirmed']);
    assert.equal(shows()[1], 100);
    await waitFor(() => ledgerOf(dir)?.sections.settings === undefined, 'the ledger emptied');
  });
});
