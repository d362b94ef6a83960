// navien-control: a weekly-program write the heater does not confirm is retried once; unconfirmed again it is reported
// as not-applied and further program writes to the heater are refused for a while (a real heater lost 1 echo in 8).
import assert from 'node:assert/strict';
import { NavilinkSimulator } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { MAC, helper } from '../flow-helper';
import { attachControl, controlFlow, nodes, useControlSimulator } from './control-flow';

helper.init(require.resolve('node-red'));

/** The runner's waits shortened (confirmation 1.5 s, retry after 0.3 s); the program-write pause long enough to last the test. */
const TIMING = { confirmTimeoutMs: 1_500, statusNudgeMs: 400, programRetryMs: 300, programPauseMs: 10 * 60_000 };
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

describe('navien-control: unconfirmed weekly-program writes (test helper, simulator)', function () {
  this.timeout(30_000);
  const simulator = useControlSimulator();
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
    sim.device(MAC).reservations = { reservationUse: 2, reservation: [] };
    helper.settings({ navienControlTiming: TIMING });
  });
  afterEach(() => {
    helper.settings({ navienControlTiming: undefined });
    sim.loseProgramWrites(MAC, 0);
  });

  async function deploy() {
    const { ids, flow, credentials } = controlFlow(sim);
    await helper.load(nodes, flow, credentials);
    const rig = await attachControl(ids);
    sim.clearReceived();
    return rig;
  }

  const writes = () => sim.received.filter((r) => r.topic.endsWith('/ctrl/rsv/rd'));

  it('a write whose echo was lost is retried and confirmed, the entry written once', async () => {
    const { control, outputs, caught } = await deploy();
    sim.loseProgramWrites(MAC, 1);
    control.receive({ payload: { schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 } } } });
    await waitFor(() => outputs.length === 1, 'the result', 15_000);
    assert.equal(outputs[0].payload.result, 'confirmed');
    assert.equal(writes().length, 2);
    assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => [e.week, e.hour]), [[64, 6]]);
    assert.equal(caught.length, 0);
  });

  it('twice unconfirmed: result not-applied with an error naming the pause, then program writes are refused at once; a setpoint still goes', async () => {
    const { control, outputs, caught } = await deploy();
    sim.loseProgramWrites(MAC, 2, { apply: false });
    const before = Date.now();
    control.receive({ payload: { schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 } } } });
    await waitFor(() => outputs.length === 1 && caught.length === 1, 'the result and its error', 15_000);
    const after = Date.now();
    assert.equal(outputs[0].payload.command, 'schedule');
    assert.equal(outputs[0].payload.result, 'not-applied');
    assert.equal(outputs[0].payload.applied, null);
    const text = caught[0].error?.message ?? '';
    assert.match(text, /^weekly program not applied: the water heater confirmed neither the write nor its retry a minute later; program writes to it are paused until /);
    const until = Date.parse((text.match(ISO) ?? [''])[0]);
    assert.ok(until >= before + TIMING.programPauseMs && until <= after + TIMING.programPauseMs, `pause ends ${new Date(until).toISOString()}`);
    const lastStatus = control.status.getCalls().at(-1)?.args[0];
    assert.deepEqual([lastStatus?.fill, lastStatus?.text], ['red', 'schedule: not-applied']);
    assert.equal(writes().length, 2, 'the write and one retry');
    assert.deepEqual(sim.device(MAC).reservations.reservation, [], 'the owner\'s program is unchanged');

    control.receive({ payload: { schedule: { add: { days: ['tue'], time: '07:00', mode: 'heat-pump', setpoint: 120 } } } });
    await waitFor(() => caught.length === 2, 'the refusal', 5_000);
    assert.equal(caught[1].error?.message,
      `weekly program writes to this water heater are paused until ${new Date(until).toISOString()} (an earlier one was not confirmed, even after a retry); nothing was sent`);
    assert.equal(control.status.getCalls().at(-1)?.args[0]?.fill, 'red');
    assert.equal(writes().length, 2, 'nothing sent for the refused write');

    control.receive({ payload: { setpoint: 118 } });
    await waitFor(() => outputs.length === 2, 'the setpoint result', 10_000);
    assert.deepEqual([outputs[1].payload.command, outputs[1].payload.result], ['setpoint', 'confirmed']);
  });
});
