// A publish that fails while the session looks live, and commands withdrawn while the queue is flushed, on both MQTT
// transports against the simulator's broker (its publish faults: a swallowed PUBLISH gets no PUBACK, the transport's
// operation timeout fails it).
import assert from 'node:assert/strict';
import { AccountConnection } from '../../src/shared/connection';
import { buildSetpointCommand } from '../../src/shared/codec';
import type { TransportKind } from '../../src/shared/transport-select';
import type { ReceivedRequest } from '../../tools/simulator/simulator';
import { FAST_BACKOFF, MAC, TRANSPORTS, connectionFixture } from '../helpers/account-connection';
import { waitFor } from '../helpers/wait';

for (const { kind, name } of TRANSPORTS) publishFailureSuite(kind, name);

const CONTROL_TOPIC = /^cmd\/52\/navilink-0a1b2c3d4e5f\/ctrl$/;

function setpointsAtDevice(received: readonly ReceivedRequest[]): number[] {
  return received.filter((r) => r.mode === 'dhw-temperature').map((r) => (r.payload as { request: { param: number[] } }).request.param[0]);
}

/** Settles within `ms` or fails naming `what` (the queue's own expiry is minutes away, far beyond). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function publishFailureSuite(transport: TransportKind, transportName: string): void {
  describe(`AccountConnection publish failures and withdrawals (${transportName})`, function () {
    this.timeout(60_000);
    const fx = connectionFixture({
      transport,
      clientPrefix: `navien-pubfail-${transport}`,
      // A swallowed publish fails after 1 s without its PUBACK.
      defaults: { backoff: FAST_BACKOFF, requestTimeoutMs: 3_000, firstRequestTimeoutMs: 3_000, operationTimeoutMs: 1_000 },
    });
    const sim = () => fx.sim;

    async function connectedAndIdle(): Promise<AccountConnection> {
      const connection = await fx.connected();
      sim().clearReceived();
      return connection;
    }

    it('a control whose first publish gets no PUBACK is sent again on the same session: confirmed, no reconnect, the control after it stays behind it', async () => {
      const connection = await connectedAndIdle();
      const attemptsBefore = sim().connectAttempts;
      let drops = 0;
      connection.on('drop', () => drops++);
      sim().failPublishes(CONTROL_TOPIC, { times: 1 });
      const ctx = connection.commandContext(MAC);
      const first = connection.send(buildSetpointCommand(ctx, 110));
      const second = connection.send(buildSetpointCommand(ctx, 115));
      await within(Promise.all([first, second]), 15_000, 'both controls');
      assert.equal(sim().failedPublishes.filter((f) => CONTROL_TOPIC.test(f.topic)).length >= 1, true, 'the broker swallowed the first publish');
      const order = await waitFor(() => {
        const got = setpointsAtDevice(sim().received);
        return got.length === 2 && got;
      }, 'both controls at the device');
      assert.deepEqual(order, [110, 115], 'the second control never overtakes the first');
      assert.equal(sim().device(MAC).snapshot().dhwTemperatureSetting, 115, 'the heater ends at the last control');
      assert.equal(sim().connectAttempts, attemptsBefore, 'no reconnect was needed');
      assert.equal(drops, 0);
      assert.equal(connection.queuedCommands, 0);
    });

    it('a control whose every attempt on the session fails gets a new session at once and goes out first on it, in order', async () => {
      const connection = await connectedAndIdle();
      const attemptsBefore = sim().connectAttempts;
      // More than the attempts on one session: only a new session gets it through.
      sim().failPublishes(CONTROL_TOPIC, { times: 3 });
      const ctx = connection.commandContext(MAC);
      const first = connection.send(buildSetpointCommand(ctx, 108));
      const second = connection.send(buildSetpointCommand(ctx, 112));
      await within(Promise.all([first, second]), 20_000, 'both controls');
      assert.ok(sim().connectAttempts > attemptsBefore, 'the broken session was replaced');
      const order = await waitFor(() => {
        const got = setpointsAtDevice(sim().received);
        return got.length === 2 && got;
      }, 'both controls at the device');
      assert.deepEqual(order, [108, 112]);
      assert.equal(connection.state.phase, 'connected');
      assert.equal(connection.transport, transport);
    });

    it('a broker that closes the connection on a control: it is delivered after the reconnect, before the control sent after it', async () => {
      const connection = await connectedAndIdle();
      sim().failPublishes(CONTROL_TOPIC, { mode: 'disconnect', times: 1 });
      const ctx = connection.commandContext(MAC);
      const first = connection.send(buildSetpointCommand(ctx, 109));
      const second = connection.send(buildSetpointCommand(ctx, 113));
      await within(Promise.all([first, second]), 20_000, 'both controls');
      const order = await waitFor(() => {
        const got = setpointsAtDevice(sim().received);
        return got.length === 2 && got;
      }, 'both controls at the device');
      assert.deepEqual(order, [109, 113]);
    });

    it('a queued control withdrawn while the offline queue is being flushed is never published; the one after it is', async () => {
      const connection = await connectedAndIdle();
      await sim().stopBroker();
      const ctx = connection.commandContext(MAC);
      let first: Promise<void>;
      let withdrawn: Promise<void>;
      let last: Promise<void>;
      const withdraw = new AbortController();
      try {
        await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
        first = connection.send(buildSetpointCommand(ctx, 111));
        withdrawn = connection.send(buildSetpointCommand(ctx, 120), withdraw.signal);
        last = connection.send(buildSetpointCommand(ctx, 114));
        withdrawn.catch(() => undefined);
        assert.equal(connection.queuedCommands, 3);
        // The flush has begun once the first one reaches the device: its sender gives up on the second right then.
        sim().once('request', () => withdraw.abort(new Error('node closed')));
      } finally {
        await sim().startBroker();
      }
      await within(Promise.all([first, last]), 15_000, 'the first and the last control');
      await assert.rejects(withdrawn, /node closed/);
      assert.deepEqual(setpointsAtDevice(sim().received), [111, 114], 'the withdrawn control never reached the heater');
      assert.equal(sim().device(MAC).snapshot().dhwTemperatureSetting, 114);
    });
  });
}
