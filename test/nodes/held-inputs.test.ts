/**
 * Inputs that arrive before the account's first connection (navien-status and navien-control hold them): bounded like
 * the offline queue, each dropped one an error a Catch node sees, each input finished exactly once, and the backlog
 * released in order without a burst. Validation comes before any of that, and before any device I/O. Real nodes
 * through the test helper, the simulator's REST slowed down so the account stays in its sign-in.
 */
import assert from 'node:assert/strict';
import accountModule = require('../../src/nodes/navien-account');
import controlModule = require('../../src/nodes/navien-control');
import statusModule = require('../../src/nodes/navien-status');
import type { NavilinkSimulator } from '../../tools/simulator/simulator';
import { waitFor } from '../helpers/wait';
import { MAC, TestNode, accountConfig, accountReady, credentialsFor, helper, loadCatalogs, roundTrip, uniqueId, useSimulator, useTestServer, withCatalog } from './flow-helper';

helper.init(require.resolve('node-red'));

interface Msg {
  tag?: string;
  topic?: string;
  payload?: any; // any: status and result payloads under test
  error?: { message: string; source?: { id: string } };
}

/** Longer than the test's own inputs take: the account is still signing in while they arrive. */
const SLOW_SIGN_IN_MS = 1_500;

describe('inputs held until the first connection (test helper, real nodes, simulator)', function () {
  this.timeout(60_000);
  before(() => loadCatalogs('navien-status', 'navien-control', 'navien-account'));
  const simulator = useSimulator({ speed: 0, replyDelayMs: 20, pushDelayMs: 100 });
  useTestServer(() => {
    sim.delayRest(0);
    sim.setDeviceOffline(MAC, false);
    helper.settings({ navienHeldInputs: undefined });
  });
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
  });

  /** Account, a status node (pushes only) and a control node, with a Catch and a Complete node scoped to both. */
  async function deploy() {
    const ids = { account: uniqueId('acc'), status: uniqueId('st'), control: uniqueId('ctl'), out: uniqueId('out'), caught: uniqueId('caught'), completed: uniqueId('done') };
    const watched = [ids.status, ids.control];
    const { account } = ids;
    await helper.load([withCatalog(accountModule), withCatalog(statusModule), withCatalog(controlModule)], [
      { id: 'tab', type: 'tab', label: 'held' },
      accountConfig(sim, account),
      { id: ids.status, z: 'tab', type: 'navien-status', account, device: MAC, unit: 'F', interval: 0, output: 'all', wires: [[ids.out]] },
      { id: ids.control, z: 'tab', type: 'navien-control', account, device: MAC, unit: 'F', allowPowerOff: true, boostMinutes: 60, wires: [[ids.out]] },
      { id: ids.out, z: 'tab', type: 'helper' },
      { id: uniqueId('catch'), z: 'tab', type: 'catch', scope: watched, uncaught: false, wires: [[ids.caught]] },
      { id: ids.caught, z: 'tab', type: 'helper' },
      { id: uniqueId('complete'), z: 'tab', type: 'complete', scope: watched, uncaught: false, wires: [[ids.completed]] },
      { id: ids.completed, z: 'tab', type: 'helper' },
    ], credentialsFor(account));
    const seen = (id: string) => {
      const list: Msg[] = [];
      (helper.getNode(id) as TestNode).on('input', (msg: Msg) => list.push(msg));
      return list;
    };
    // Status pushes and the round trip's reply come out of the status node too: only tagged messages answer inputs.
    const answers = seen(ids.out);
    return {
      account: helper.getNode(account) as TestNode,
      status: helper.getNode(ids.status) as TestNode,
      control: helper.getNode(ids.control) as TestNode,
      outputs: { get tagged() { return answers.filter((m) => m.tag); } },
      caught: seen(ids.caught),
      completed: seen(ids.completed),
    };
  }

  const controlsFrom = (clientId: string) => sim.received.filter((r) => r.clientID === clientId && r.topic.includes('/ctrl'));
  const statusRequestsFrom = (clientId: string) => sim.received.filter((r) => r.clientID === clientId && r.topic.endsWith('/st'));

  it('refuses the newest input beyond the limit at once, with a Catch-able error; runs the held ones; finishes each input once', async () => {
    helper.settings({ navienHeldInputs: { maxItems: 2 } });
    sim.delayRest(SLOW_SIGN_IN_MS);
    const { account, status, control, outputs, caught, completed } = await deploy();
    for (const tag of ['s0', 's1', 's2']) status.receive({ payload: '', tag });
    control.receive({ payload: { setpoint: 118 }, tag: 'c0' });
    control.receive({ payload: { mode: 'electric' }, tag: 'c1' });
    control.receive({ payload: { setpoint: 110 }, tag: 'c2' });
    await waitFor(() => caught.length === 2, 'the errors for the dropped inputs', 1_000);
    assert.notEqual(account.connection?.state.phase, 'connected', 'dropped while the account was still signing in');
    assert.deepEqual(caught.map((m) => [m.tag, m.error?.message]), [
      ['s2', 'input dropped: 2 inputs are already waiting for the connection'],
      ['c2', 'command dropped: 2 inputs are already waiting for the connection; nothing was sent'],
    ]);
    const connection = await accountReady(account);
    await waitFor(() => outputs.tagged.length === 4, 'the answers to the held inputs', 15_000);
    assert.deepEqual(outputs.tagged.filter((m) => m.tag?.startsWith('s') === true).map((m) => [m.tag, m.topic]), [['s0', `navien/${MAC}/status`], ['s1', `navien/${MAC}/status`]]);
    assert.deepEqual(outputs.tagged.filter((m) => m.tag?.startsWith('c') === true).map((m) => [m.tag, m.payload.requested, m.payload.result]), [['c0', 118, 'confirmed'], ['c1', 'electric', 'confirmed']]);
    await roundTrip(account);
    assert.deepEqual(completed.map((m) => m.tag).sort(), ['c0', 'c1', 'c2', 's0', 's1', 's2'], 'done() exactly once per input');
    assert.equal(caught.length, 2);
    assert.equal(controlsFrom(connection.clientId).length, 2, 'the dropped setpoint was never sent');
  });

  it('drops an input that waited longer than the limit, with a Catch-able error, and never sends it', async () => {
    helper.settings({ navienHeldInputs: { maxAgeMs: 400 } });
    sim.delayRest(2_500);
    const { account, status, control, outputs, caught, completed } = await deploy();
    status.receive({ payload: '', tag: 's0' });
    control.receive({ payload: { setpoint: 110 }, tag: 'c0' });
    await waitFor(() => caught.length === 2, 'the errors for the expired inputs', 2_000);
    assert.notEqual(account.connection?.state.phase, 'connected');
    assert.deepEqual(caught.map((m) => [m.tag, m.error?.message]).sort(), [
      ['c0', 'command dropped: it waited more than 0.4 s for the connection; nothing was sent'],
      ['s0', 'input dropped: it waited more than 0.4 s for the connection'],
    ]);
    const connection = await accountReady(account);
    await roundTrip(account);
    assert.equal(statusRequestsFrom(connection.clientId).length, 1, 'only the round trip\'s own status request');
    assert.deepEqual(controlsFrom(connection.clientId), []);
    assert.deepEqual(outputs.tagged, []);
    assert.deepEqual(completed.map((m) => m.tag).sort(), ['c0', 's0'], 'done() exactly once per input');
  });

  it('releases held reads in order, one per second, not as one burst', async () => {
    sim.delayRest(SLOW_SIGN_IN_MS);
    const { account, status, outputs, caught } = await deploy();
    for (const tag of ['s0', 's1', 's2']) status.receive({ payload: '', tag });
    const connection = await accountReady(account);
    await waitFor(() => outputs.tagged.length === 3, 'the three answers', 15_000);
    assert.deepEqual(caught, []);
    assert.deepEqual(outputs.tagged.map((m) => m.tag), ['s0', 's1', 's2']);
    const at = statusRequestsFrom(connection.clientId).map((r) => r.at);
    assert.equal(at.length, 3);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 900, `status requests ${at[i] - at[i - 1]} ms apart`);
  });

  it('names a bad field at once, before any device I/O: a silent device whose features are not known yet', async () => {
    sim.setDeviceOffline(MAC, true);
    const { account, control, caught, outputs } = await deploy();
    const connection = await waitFor(() => account.connection?.state.phase === 'connected' && account.connection, 'connected account');
    assert.equal(connection.featuresOf(MAC), undefined, 'the device has not answered the feature request');
    const inputs: Array<[Record<string, unknown>, string]> = [
      [{ setpont: 120 }, "unknown key 'setpont'; allowed: power, mode, days, setpoint, antiLegionella, tou, touSchedule, schedule, vacation, boost, demandResponse, airFilter, reservationMode, recirculation, intelligent, condenserFaultReset"],
      [{ schedule: { entries: [{ days: ['mon'], time: '06:30', mode: 'heat-pump', setpoint: 120, enable: false }] } }, "unknown key 'schedule.entries[0].enable'; allowed: enabled, days, time, mode, setpoint"],
      [{ setpoint: 200 }, 'setpoint = 200 °F is out of range; allowed 104.9 to 149.9'],
    ];
    for (const [i, [payload, text]] of inputs.entries()) {
      const started = Date.now();
      control.receive({ payload, tag: `c${i}` });
      await waitFor(() => caught.length === i + 1, `the error for ${JSON.stringify(payload)}`, 1_000);
      assert.equal(caught[i].error?.message, text);
      assert.ok(Date.now() - started < 1_000, `named after ${Date.now() - started} ms`);
    }
    // A positive signal without an answer: a status request published after the inputs has reached the simulator.
    connection.requestStatus(MAC).catch(() => undefined);
    await waitFor(() => statusRequestsFrom(connection.clientId).length > 0, 'the probe at the simulator');
    assert.deepEqual(controlsFrom(connection.clientId), []);
    assert.deepEqual(outputs.tagged, []);
  });
});
