// Two navien-control nodes on one account and one heater share the heater's command runner: their weekly-program edits
// do not interleave, and closing one node cancels only its own controls.
import assert from 'node:assert/strict';
import { NavilinkSimulator, ReceivedRequest } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { MAC, helper, roundTrip } from '../flow-helper';
import { attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

helper.init(require.resolve('node-red'));

describe('navien-control: one command runner per heater, shared by the nodes on it (test helper, simulator)', function () {
  this.timeout(60_000);
  const simulator = useControlSimulator();
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
    sim.device(MAC).reservations = { reservationUse: 2, reservation: [] };
  });
  afterEach(() => {
    sim.setDeviceOffline(MAC, false);
  });

  /** Two control nodes (the second without a Catch node) on the first one's account. */
  async function deployTwo() {
    const first = controlFlow(sim);
    const second = controlFlow(sim, { noCatch: true });
    const secondNodes = second.flow
      .filter((n) => n.type !== 'tab' && n.type !== 'navien-account')
      .map((n) => (n.type === 'navien-control' ? { ...n, account: first.ids.account } : n));
    await helper.load(nodes, [...first.flow, ...secondNodes], first.credentials);
    const a = await attachControl(first.ids);
    const b = await attachControl({ ...second.ids, account: first.ids.account });
    sim.clearReceived();
    return { a, b };
  }

  function controls(): ReceivedRequest[] {
    return sim.received.filter((r) => r.topic.endsWith('/ctrl'));
  }

  it('two nodes adding one weekly-program entry each at the same moment: both entries end up on the heater, both confirmed', async () => {
    const { a, b } = await deployTwo();
    a.control.receive({ payload: { schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 } } } });
    b.control.receive({ payload: { schedule: { add: { days: ['tue'], time: '07:00', mode: 'heat-pump', setpoint: 120 } } } });
    await waitFor(() => a.outputs.length === 1 && b.outputs.length === 1, 'both results', 20_000);
    assert.equal(a.outputs[0].payload.result, 'confirmed');
    assert.equal(b.outputs[0].payload.result, 'confirmed');
    // Mon = 64, Tue = 32 (week bits): neither edit overwrote the other.
    assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => [e.week, e.hour]).sort(), [[32, 7], [64, 6]]);
    const reads = sim.received.filter((r) => r.topic.endsWith('/st/rsv/rd'));
    const writes = sim.received.filter((r) => r.topic.endsWith('/ctrl/rsv/rd'));
    assert.equal(reads.length, 2);
    assert.equal(writes.length, 2);
    assert.ok(reads[1].at >= writes[0].at, 'the second edit read the program after the first one wrote it');
  });

  it('closing one node cancels its own queued control, while the other node\'s control goes on', async () => {
    helper.settings({ navienControlTiming: { confirmTimeoutMs: 1_500, statusNudgeMs: 400 } });
    try {
      await closeOneOfTwo();
    } finally {
      helper.settings({ navienControlTiming: undefined });
    }
  });

  async function closeOneOfTwo() {
    const { a, b } = await deployTwo();
    const sending = (node: typeof a.control) => node.status.getCalls().filter((c) => c.args[0]?.fill === 'blue').length;
    sim.setDeviceOffline(MAC, true); // the first control stays unconfirmed, the others wait behind it
    b.control.receive({ payload: { mode: 'high-demand' } });
    await sim.waitForRequest((r) => r.mode === 'dhw-mode');
    a.control.receive({ payload: { setpoint: 112 } });
    await waitFor(() => sending(a.control) === 1, 'the setpoint queued');
    b.control.receive({ payload: { antiLegionella: { periodDays: 9 } } });
    await waitFor(() => sending(b.control) === 2, 'the anti-legionella period queued');
    // The closing node's setpoint waits behind the other node's mode; close the node as a redeploy of it does.
    await (a.control as unknown as { close(removed: boolean): Promise<void> }).close(false);
    sim.setDeviceOffline(MAC, false);
    await waitFor(() => b.outputs.length === 2, 'both results of the node that stays', 30_000);
    assert.deepEqual(b.outputs.map((m) => m.payload.command).sort(), ['antiLegionella', 'mode']);
    assert.equal(b.outputs.find((m) => m.payload.command === 'antiLegionella')?.payload.result, 'confirmed');
    await roundTrip(b.account);
    assert.equal(a.outputs.length, 0, 'no result for the closed node');
    assert.equal(a.caught.length, 0, 'no error for the closed node');
    assert.deepEqual(controls().map((r) => r.mode), ['dhw-mode', 'anti-leg-on'], 'the cancelled setpoint was never sent');
  }
});
