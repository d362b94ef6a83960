import assert from 'node:assert/strict';
import { AccountConnection, AccountConnectionOptions } from '../../src/shared/connection';
import { decodeFeature } from '../../src/shared/codec';
import { ControlCancelledError, ControlOutcome, DEFAULT_TIMING, DeviceCommandRunner, RunnerTiming } from '../../src/shared/control/device-commands';
import { ControlLimits, PlannedControl } from '../../src/shared/control/plan';
import { planControls } from '../../src/shared/control/request/parse';
import { QueueError } from '../../src/shared/errors';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator, ReceivedRequest } from '../../tools/simulator/simulator';
import { delay, nextEvent, waitFor } from '../helpers/wait';

const MAC = '0a1b2c3d4e5f';
const FAST_BACKOFF = { initialDelayMs: 100, maxDelayMs: 500, jitter: 0.2, deepReconnectAfter: 5 };
/** Real 1 s spacing (it is the contract under test); the long waits shortened. */
const TIMING: RunnerTiming = { ...DEFAULT_TIMING, minSpacingMs: 1_000, confirmTimeoutMs: 1_500, statusNudgeMs: 400, refusalPauseMs: 1_500 };

describe('DeviceCommandRunner against the real connection and the simulator', function () {
  this.timeout(30_000);
  let sim: NavilinkSimulator;
  let connection: AccountConnection;
  let runner: DeviceCommandRunner | undefined;
  let idCounter = 0;

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0, replyDelayMs: 20, pushDelayMs: 100 });
  });
  after(async () => {
    await sim?.stop();
  });

  async function open(overrides: Partial<AccountConnectionOptions> = {}): Promise<AccountConnection> {
    const created = new AccountConnection({
      email: DEFAULT_EMAIL,
      password: DEFAULT_PASSWORD,
      clientId: `navien-control-test-${process.pid}-${++idCounter}`,
      endpoints: { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile },
      backoff: FAST_BACKOFF,
      requestTimeoutMs: 1_000,
      firstRequestTimeoutMs: 3_000,
      operationTimeoutMs: 5_000,
      ...overrides,
    });
    const ready = nextEvent(created, 'ready');
    created.start();
    await ready;
    await waitFor(() => created.featuresOf(MAC), 'feature record');
    return created;
  }

  beforeEach(async () => {
    connection = await open();
    sim.clearReceived();
  });
  afterEach(async () => {
    runner?.close();
    runner = undefined;
    sim.setDeviceOffline(MAC, false);
    sim.throttleControls({ minIntervalMs: 0 });
    if (!sim.mqttPort) await sim.startBroker();
    await connection.close();
  });

  function plan(payload: Record<string, unknown>, msgUnit?: 'F' | 'C'): PlannedControl {
    const limits: ControlLimits = { unit: 'F', allowPowerOff: true, readOnly: false, features: decodeFeature(connection.featuresOf(MAC) ?? {}, 'F') };
    const plans = planControls(undefined, payload, msgUnit, limits);
    assert.equal(plans.length, 1);
    return plans[0];
  }

  function controls(mode?: string): ReceivedRequest[] {
    return sim.received.filter((r) => r.topic.endsWith('/ctrl') && (mode === undefined || r.mode === mode));
  }

  function param(r: ReceivedRequest): number[] {
    return (r.payload as { request: { param: number[] } }).request.param;
  }

  it('sends controls one at a time, at least 1 s apart at the device, each confirmed before the next', async () => {
    // The simulated device refuses controls closer than 1 s: any faster pacing would show up as ctrl-fail.
    sim.throttleControls({ minIntervalMs: 1_000, mac: MAC });
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    const outcomes = await Promise.all([
      runner.submit(plan({ setpoint: 110 })),
      runner.submit(plan({ mode: 'electric' })),
      runner.submit(plan({ antiLegionella: { periodDays: 10 } })),
    ]);
    assert.deepEqual(outcomes.map((o) => [o.command, o.result]), [['setpoint', 'confirmed'], ['mode', 'confirmed'], ['antiLegionella', 'confirmed']]);
    const sent = controls();
    assert.deepEqual(sent.map((r) => [r.mode, r.outcome]), [['dhw-temperature', 'answered'], ['dhw-mode', 'answered'], ['anti-leg-on', 'answered']]);
    for (let i = 1; i < sent.length; i++) {
      const gap = sent[i].at - sent[i - 1].at;
      assert.ok(gap >= 1_000, `gap ${gap} ms between control ${i - 1} and ${i} at the device`);
    }
    const snap = sim.device(MAC).snapshot();
    assert.equal(snap.dhwTemperatureSetting, 87);
    assert.equal(snap.dhwOperationSetting, 2);
    assert.equal(snap.antiLegionellaPeriod, 10);
    // Latency counts from submission: the third one waited for the two before it.
    assert.ok(outcomes[2].latencyMs >= 2_000, `third latency ${outcomes[2].latencyMs}`);
  });

  it('collapses a burst of setpoints into the last: earlier waiting ones are superseded, only first and last reach the device', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    const values = [110, 112, 114, 116, 118];
    const outcomes: ControlOutcome[] = [];
    const pending: Promise<void>[] = [];
    for (const value of values) {
      pending.push(runner.submit(plan({ setpoint: value })).then((o) => void outcomes.push(o)));
      await delay(50); // a slider drag: one value every 50 ms
    }
    await Promise.all(pending);
    const byValue = new Map(outcomes.map((o) => [o.requested, o]));
    assert.equal(byValue.get(110)?.result, 'confirmed');
    for (const value of [112, 114, 116]) {
      const o = byValue.get(value) as ControlOutcome;
      assert.equal(o.result, 'superseded', `${value}`);
      assert.equal(o.applied, null);
    }
    assert.equal(byValue.get(118)?.result, 'confirmed');
    assert.equal(byValue.get(118)?.applied, 118.4);
    // Superseded ones are answered as soon as they are replaced, not after the last one finishes.
    assert.ok((byValue.get(112) as ControlOutcome).latencyMs < 500);
    assert.deepEqual(controls('dhw-temperature').map((r) => param(r)[0]), [87, 96]);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 96);
  });

  it('never collapses two edits of the weekly program: each reads the program as the one before left it', async () => {
    sim.device(MAC).reservations = { reservationUse: 2, reservation: [] };
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    const first = runner.submit(plan({ schedule: { add: { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 } } }));
    const second = runner.submit(plan({ schedule: { add: { days: ['tue'], time: '07:00', mode: 'heat-pump', setpoint: 120 } } }));
    const outcomes = await Promise.all([first, second]);
    assert.deepEqual(outcomes.map((o) => o.result), ['confirmed', 'confirmed']);
    // Mon = 64, Tue = 32 (week bits); 120 °F = 98 half-°C.
    assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => [e.week, e.hour]), [[64, 6], [32, 7]]);
  });

  it('reports as applied what the device shows: 120 °F lands on 49.0 °C = 120.2 °F, 125 °F on 124.7 °F', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    const a = await runner.submit(plan({ setpoint: 120 }));
    assert.deepEqual([a.result, a.requested, a.applied], ['confirmed', 120, 120.2]);
    assert.equal(a.status?.dhwTemperatureSetting, 98);
    const b = await runner.submit(plan({ setpoint: 125 }));
    assert.deepEqual([b.result, b.requested, b.applied], ['confirmed', 125, 124.7]);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 103);
    const c = await runner.submit(plan({ setpoint: 50.2 }, 'C'));
    assert.deepEqual([c.result, c.applied], ['confirmed', 50]);
    assert.deepEqual(b.wire?.payload && (b.wire.payload as { request: { param: number[] } }).request.param, [103]);
  });

  it('after a ctrl-fail pauses the device for the refusal pause, then retries once and is confirmed', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    sim.failNextControl(MAC);
    const first = runner.submit(plan({ setpoint: 112 }));
    await delay(100);
    const second = runner.submit(plan({ mode: 'high-demand' }));
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual([a.result, a.applied], ['confirmed', 112.1]);
    assert.equal(b.result, 'confirmed');
    const sent = controls();
    assert.deepEqual(sent.map((r) => [r.mode, r.outcome]), [['dhw-temperature', 'ctrl-fail'], ['dhw-temperature', 'answered'], ['dhw-mode', 'answered']]);
    const pause = sent[1].at - sent[0].at;
    assert.ok(pause >= TIMING.refusalPauseMs, `retry came ${pause} ms after the refusal`);
    assert.ok(sent[2].at - sent[1].at >= TIMING.minSpacingMs, 'the queued mode waited for the retry and the spacing');
    assert.ok(a.latencyMs >= TIMING.refusalPauseMs);
  });

  it('reports refused when the retry is refused too, and keeps the next control back for another pause', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    sim.failNextControl(MAC);
    sim.failNextControl(MAC);
    const before = sim.device(MAC).snapshot().dhwTemperatureSetting;
    const refused = await runner.submit(plan({ setpoint: 130 }));
    assert.deepEqual([refused.result, refused.applied], ['refused', null]);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, before);
    const next = await runner.submit(plan({ setpoint: 131 }));
    assert.equal(next.result, 'confirmed');
    const sent = controls('dhw-temperature');
    assert.deepEqual(sent.map((r) => r.outcome), ['ctrl-fail', 'ctrl-fail', 'answered'], 'exactly one retry');
    assert.ok(sent[2].at - sent[1].at >= TIMING.refusalPauseMs, `next control ${sent[2].at - sent[1].at} ms after the second refusal`);
  });

  it('times out when the device is offline, after asking for a status once', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    sim.setDeviceOffline(MAC, true);
    const outcome = await runner.submit(plan({ setpoint: 115 }));
    assert.deepEqual([outcome.result, outcome.applied], ['timeout', null]);
    assert.ok(outcome.latencyMs >= TIMING.confirmTimeoutMs && outcome.latencyMs < TIMING.confirmTimeoutMs + 1_000, `latency ${outcome.latencyMs}`);
    assert.deepEqual(controls().map((r) => [r.mode, r.outcome]), [['dhw-temperature', 'offline']]);
    assert.ok(sim.received.some((r) => r.topic.endsWith('/st') && r.outcome === 'offline'), 'a status nudge was sent');
  });

  it('reports expired when a control waited in the offline queue longer than the queue allows, and sends nothing', async () => {
    await connection.close();
    connection = await open({ queue: { maxItems: 10, maxAgeMs: 300 } });
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    sim.clearReceived();
    await sim.stopBroker();
    let outcome: Promise<ControlOutcome>;
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      outcome = runner.submit(plan({ setpoint: 117 }));
      await waitFor(() => connection.queuedCommands === 1, 'the control in the offline queue');
      await delay(600);
    } finally {
      await sim.startBroker();
    }
    const o = await outcome;
    assert.deepEqual([o.result, o.applied], ['expired', null]);
    assert.equal(controls().length, 0, 'the stale control never reached the device');
    // The runner keeps working afterwards.
    await waitFor(() => connection.state.phase === 'connected', 'connected again');
    assert.equal((await runner.submit(plan({ setpoint: 119 }))).result, 'confirmed');
  });

  it('confirms a control that waited in the offline queue but not too long, timing it from when it was sent', async () => {
    runner = new DeviceCommandRunner(connection, MAC, TIMING);
    await sim.stopBroker();
    let outcome: Promise<ControlOutcome>;
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      outcome = runner.submit(plan({ setpoint: 121 }));
      // Longer in the queue than the confirmation timeout: the wait must not count against it.
      await delay(TIMING.confirmTimeoutMs + 300);
    } finally {
      await sim.startBroker();
    }
    const o = await outcome;
    assert.deepEqual([o.result, o.applied], ['confirmed', 121.1]);
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 99);
  });

  it('fails one control on a full offline queue without stalling the ones behind it', async () => {
    await connection.close();
    connection = await open({ queue: { maxItems: 1, maxAgeMs: 60_000 } });
    runner = new DeviceCommandRunner(connection, MAC, { ...TIMING, minSpacingMs: 100 });
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      // Someone else's command fills the queue.
      const filler = connection.send(planControls(undefined, { tou: true }, undefined, { unit: 'F', allowPowerOff: true, readOnly: false, features: undefined })[0].build(connection.commandContext(MAC)));
      filler.catch(() => undefined);
      const a = runner.submit(plan({ setpoint: 111 }));
      const b = runner.submit(plan({ mode: 'heat-pump' }));
      await assert.rejects(a, (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
      await assert.rejects(b, (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
    } finally {
      await sim.startBroker();
    }
  });

  it('close() takes a control waiting in the offline queue out of it: it is not sent after reconnecting', async () => {
    const local = new DeviceCommandRunner(connection, MAC, TIMING);
    await sim.stopBroker();
    let outcome: Promise<ControlOutcome>;
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      outcome = local.submit(plan({ setpoint: 109 }));
      await waitFor(() => connection.queuedCommands === 1, 'the control in the offline queue');
      local.close();
      await assert.rejects(outcome, ControlCancelledError);
      assert.equal(connection.queuedCommands, 0);
    } finally {
      await sim.startBroker();
    }
    await waitFor(() => connection.state.phase === 'connected', 'connected again');
    await delay(500);
    assert.deepEqual(controls(), [], 'the cancelled control never reached the device');
  });

  it('close() cancels waiting and in-flight controls, removes its listener and leaves no timers', async () => {
    const listeners = connection.listenerCount('message');
    const local = new DeviceCommandRunner(connection, MAC, TIMING);
    assert.equal(connection.listenerCount('message'), listeners + 1);
    sim.setDeviceOffline(MAC, true); // the first one stays in flight (no confirmation)
    const inFlight = local.submit(plan({ setpoint: 113 }));
    const waiting = local.submit(plan({ mode: 'electric' }));
    await sim.waitForRequest((r) => r.mode === 'dhw-temperature');
    local.close();
    await assert.rejects(inFlight, ControlCancelledError);
    await assert.rejects(waiting, ControlCancelledError);
    await assert.rejects(local.submit(plan({ setpoint: 114 })), ControlCancelledError);
    assert.equal(connection.listenerCount('message'), listeners);
    assert.equal((local as unknown as { timers: Set<unknown> }).timers.size, 0);
    // Not closed, the runner would have sent the waiting control when the in-flight one timed out. Wait for that
    // moment, then for a status round trip on the same connection: anything published before it is at the device.
    await delay(Math.max(0, controls()[0].at + TIMING.confirmTimeoutMs - Date.now()));
    await new Promise((resolve) => setImmediate(resolve));
    sim.setDeviceOffline(MAC, false);
    await connection.requestStatus(MAC);
    assert.deepEqual(controls().map((r) => r.mode), ['dhw-temperature'], 'nothing was sent after close');
  });
});
