// The heater's one command runner: leases of several nodes on it, and the retry and pause of unconfirmed weekly-program
// writes, with the runner's waits on a fake clock (the connection and the simulator run in real time).
import assert from 'node:assert/strict';
import { AccountConnection } from '../../src/shared/connection';
import { decodeFeature } from '../../src/shared/codec';
import { ControlCancelledError, DEFAULT_TIMING, DeviceCommandRunner, ProgramWritesPausedError } from '../../src/shared/control/device-commands';
import { ControlLimits, PlannedControl } from '../../src/shared/control/plan';
import { planControls } from '../../src/shared/control/request/parse';
import { leaseRunner } from '../../src/shared/control/runner-registry';
import type { NavilinkSimulator, ReceivedRequest } from '../../tools/simulator/simulator';
import { connectionFixture } from '../helpers/account-connection';
import { FakeClock } from '../helpers/fake-clock';
import { waitFor } from '../helpers/wait';

const MAC = '0a1b2c3d4e5f';
const MINUTE = 60_000;

describe('the heater\'s shared command runner (real connection, simulator, runner on a fake clock)', function () {
  this.timeout(30_000);
  const fx = connectionFixture({
    transport: 'native',
    clientPrefix: 'navien-runner-test',
    simulator: { speed: 0, replyDelayMs: 20, pushDelayMs: 100 },
    defaults: {
      backoff: { initialDelayMs: 100, maxDelayMs: 500, jitter: 0.2, deepReconnectAfter: 5 },
      requestTimeoutMs: 1_000,
      firstRequestTimeoutMs: 3_000,
      operationTimeoutMs: 5_000,
    },
  });
  let sim: NavilinkSimulator;
  let connection: AccountConnection;
  let clock: FakeClock;
  const toClose: Array<() => void> = [];

  before(() => {
    sim = fx.sim;
  });

  beforeEach(async () => {
    connection = await fx.connected();
    clock = new FakeClock(Date.UTC(2026, 11, 7, 12, 0, 0));
    sim.device(MAC).reservations = { reservationUse: 2, reservation: [] };
    sim.clearReceived();
  });
  afterEach(async () => {
    for (const close of toClose.splice(0)) close();
    sim.loseProgramWrites(MAC, 0);
  });

  function plan(payload: Record<string, unknown>): PlannedControl {
    const limits: ControlLimits = { unit: 'F', allowPowerOff: true, readOnly: false, features: decodeFeature(connection.featuresOf(MAC) ?? {}, 'F') };
    const plans = planControls(undefined, payload, undefined, limits);
    assert.equal(plans.length, 1);
    return plans[0];
  }

  const add = (day: string, time: string) => plan({ schedule: { add: { days: [day], time, mode: 'heat-pump', setpoint: 120 } } });

  function sent(suffix: string): ReceivedRequest[] {
    return sim.received.filter((r) => r.topic.endsWith(suffix));
  }

  function runner(): DeviceCommandRunner {
    const created = new DeviceCommandRunner(connection, MAC, DEFAULT_TIMING, clock);
    toClose.push(() => created.close());
    return created;
  }

  /** Settles a promise's state for inspection without awaiting it. */
  function track<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
    const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
    promise.then((value) => Object.assign(state, { value, settled: true }), (error: unknown) => Object.assign(state, { error, settled: true }));
    return state;
  }

  /** Moves the clock past the confirmation timeout once the runner waits for it (its timers start once the publish returned). */
  async function confirmationTimesOut(): Promise<void> {
    await waitFor(() => clock.pending === 2, 'the confirmation timeout and the status nudge armed');
    clock.advance(DEFAULT_TIMING.confirmTimeoutMs);
  }

  /** Waits (in real time) until the runner has set exactly one timer on the fake clock, and returns how far off it is. */
  async function nextWait(): Promise<number> {
    await waitFor(() => clock.pending === 1, 'the runner waiting on the clock');
    let ms = 0;
    while (!clock.dueWithin(ms)) ms += 1_000;
    return ms;
  }

  describe('an unconfirmed weekly-program write', () => {
    it('is retried once a minute later, rebuilt from the program the heater has, and then confirmed (the echo of the first was lost)', async () => {
      sim.loseProgramWrites(MAC, 1); // the write lands, its echo never comes
      const r = runner();
      const outcome = track(r.submit(add('mon', '06:00')));
      await sim.waitForRequest((q) => q.topic.endsWith('/ctrl/rsv/rd'));
      await confirmationTimesOut();
      assert.equal(await nextWait(), MINUTE, 'the retry waits a minute');
      assert.equal(outcome.settled, false, 'no outcome before the retry');
      // Meanwhile another control to the heater is not held back by the waiting retry.
      const setpoint = await r.submit(plan({ setpoint: 118 }));
      assert.equal(setpoint.result, 'confirmed');
      assert.equal(sent('/ctrl/rsv/rd').length, 1, 'no second program write before the minute is up');
      clock.advance(MINUTE);
      await waitFor(() => outcome.settled, 'the retried write\'s outcome');
      assert.equal(outcome.value?.result, 'confirmed');
      assert.ok((outcome.value?.latencyMs ?? 0) >= DEFAULT_TIMING.confirmTimeoutMs + MINUTE);
      assert.equal(sent('/st/rsv/rd').length, 2, 'the retry read the program again');
      assert.equal(sent('/ctrl/rsv/rd').length, 2);
      // Rebuilt from what the heater had: the entry once, not twice.
      assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => [e.week, e.hour, e.min]), [[64, 6, 0]]);
    });

    it('still unconfirmed after the retry: not-applied, and program writes are refused for 15 minutes while other controls go on', async () => {
      sim.loseProgramWrites(MAC, 2, { apply: false }); // lost silently, twice
      const r = runner();
      const outcome = track(r.submit(add('mon', '06:00')));
      await sim.waitForRequest((q) => q.topic.endsWith('/ctrl/rsv/rd'));
      await confirmationTimesOut();
      assert.equal(await nextWait(), MINUTE);
      // A program edit submitted meanwhile waits behind the retry (it would build on the program the retry changes).
      const behind = track(r.submit(add('tue', '07:00')));
      clock.advance(MINUTE);
      await waitFor(() => sent('/ctrl/rsv/rd').length === 2, 'the retried write');
      assert.equal(behind.settled, false);
      await confirmationTimesOut();
      await waitFor(() => outcome.settled && behind.settled, 'both outcomes');
      assert.equal(outcome.value?.result, 'not-applied');
      assert.equal(outcome.value?.applied, null);
      const pausedUntil = clock.now() + 15 * MINUTE;
      assert.ok(behind.error instanceof ProgramWritesPausedError, `the edit behind it was refused: ${String(behind.error)}`);
      assert.equal(behind.error.until, pausedUntil);
      assert.equal(sent('/ctrl/rsv/rd').length, 2, 'the refused edit sent nothing');
      assert.deepEqual(sim.device(MAC).reservations.reservation, [], 'the owner\'s program is as it was');

      // Refused at once, naming the pause and when it ends.
      await assert.rejects(r.submit(add('wed', '08:00')), (err: unknown) => {
        assert.ok(err instanceof ProgramWritesPausedError);
        assert.match(err.message, /weekly-program writes to this water heater are paused until 2026-12-07T12:16:40\.000Z/);
        return true;
      });
      assert.equal(new Date(pausedUntil).toISOString(), '2026-12-07T12:16:40.000Z');
      // Other controls are not affected.
      assert.equal((await r.submit(plan({ setpoint: 117 }))).result, 'confirmed');
      clock.advance(15 * MINUTE - 1_000);
      await assert.rejects(r.submit(add('wed', '08:00')), ProgramWritesPausedError);
      // Once the pause is over program writes go again (the heater echoes again).
      clock.advance(1_000);
      assert.equal((await r.submit(add('wed', '08:00'))).result, 'confirmed');
      assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => [e.week, e.hour]), [[16, 8]]);
    });

    it('is not retried when it is anything but a program write: a setpoint that times out is reported as timeout at once', async () => {
      const r = runner();
      sim.setDeviceOffline(MAC, true);
      try {
        const outcome = track(r.submit(plan({ setpoint: 116 })));
        await sim.waitForRequest((q) => q.mode === 'dhw-temperature');
        await confirmationTimesOut();
        await waitFor(() => outcome.settled, 'the outcome');
        assert.equal(outcome.value?.result, 'timeout');
        assert.equal(clock.pending, 0, 'nothing waits for a retry');
      } finally {
        sim.setDeviceOffline(MAC, false);
      }
    });
  });

  describe('leases of several nodes on one heater', () => {
    it('share one runner (one listener on the connection), which closes with the last lease', async () => {
      const listeners = connection.listenerCount('message');
      const a = leaseRunner(connection, MAC, { timing: { ...DEFAULT_TIMING, minSpacingMs: 0 }, clock });
      const b = leaseRunner(connection, MAC);
      toClose.push(() => a.release(), () => b.release());
      assert.equal(connection.listenerCount('message'), listeners + 1);
      const [one, two] = await Promise.all([a.submit(add('mon', '06:00')), b.submit(add('tue', '07:00'))]);
      assert.deepEqual([one.result, two.result], ['confirmed', 'confirmed']);
      assert.deepEqual(sim.device(MAC).reservations.reservation.map((e) => e.week).sort(), [32, 64]);
      a.release();
      a.release(); // idempotent: b's lease still counts
      assert.equal(connection.listenerCount('message'), listeners + 1);
      assert.equal((await b.submit(plan({ setpoint: 115 }))).result, 'confirmed');
      await assert.rejects(a.submit(plan({ setpoint: 114 })), ControlCancelledError);
      b.release();
      assert.equal(connection.listenerCount('message'), listeners, 'the runner closed with its last lease');
      // A new lease after that gets a new runner.
      const c = leaseRunner(connection, MAC, { timing: { ...DEFAULT_TIMING, minSpacingMs: 0 }, clock });
      toClose.push(() => c.release());
      assert.equal((await c.submit(plan({ setpoint: 116 }))).result, 'confirmed');
    });

    it('supersede only their own waiting values: another node\'s value of the same setting is sent too', async () => {
      const a = leaseRunner(connection, MAC, { timing: { ...DEFAULT_TIMING, minSpacingMs: 0 }, clock });
      const b = leaseRunner(connection, MAC);
      toClose.push(() => a.release(), () => b.release());
      const first = a.submit(plan({ setpoint: 110 }));
      const mine = a.submit(plan({ setpoint: 112 }));
      const theirs = b.submit(plan({ setpoint: 114 }));
      const newer = a.submit(plan({ setpoint: 116 }));
      const results = await Promise.all([first, mine, theirs, newer]);
      assert.deepEqual(results.map((o) => [o.requested, o.result]), [[110, 'confirmed'], [112, 'superseded'], [114, 'confirmed'], [116, 'confirmed']]);
    });

    it('a released lease\'s waiting controls are cancelled and never sent; the other lease\'s go on', async () => {
      const a = leaseRunner(connection, MAC, { timing: { ...DEFAULT_TIMING, minSpacingMs: 0 }, clock });
      const b = leaseRunner(connection, MAC);
      toClose.push(() => a.release(), () => b.release());
      sim.setDeviceOffline(MAC, true); // b's mode stays unconfirmed, the others wait behind it
      const inFlight = track(b.submit(plan({ mode: 'electric' })));
      try {
        await sim.waitForRequest((q) => q.mode === 'dhw-mode');
      } finally {
        sim.setDeviceOffline(MAC, false);
      }
      const cancelled = a.submit(plan({ setpoint: 113 }));
      const goesOn = b.submit(plan({ antiLegionella: { periodDays: 8 } }));
      a.release();
      await assert.rejects(cancelled, ControlCancelledError);
      await confirmationTimesOut();
      await waitFor(() => inFlight.settled, 'the in-flight mode');
      assert.equal(inFlight.value?.result, 'timeout');
      assert.equal((await goesOn).result, 'confirmed');
      assert.deepEqual(sent('/ctrl').map((q) => q.mode), ['dhw-mode', 'anti-leg-on'], 'the released lease\'s setpoint was never sent');
    });
  });
});
