import assert from 'node:assert/strict';
import { AccountConnection, ConnectionState } from '../../src/shared/connection';
import { buildSetpointCommand } from '../../src/shared/codec';
import { QueueError } from '../../src/shared/errors';
import type { TransportKind } from '../../src/shared/transport-select';
import { FAST_BACKOFF, MAC, TRANSPORTS, connectionFixture } from '../helpers/account-connection';
import { FakeClock } from '../helpers/fake-clock';
import { backoffElapsed, unhandledRejectionsOf } from '../helpers/quiet';
import { delay, nextEvent, waitFor } from '../helpers/wait';

/** The same scenarios on each MQTT transport; each run fails if its session ran on the other one. */
for (const { kind, name } of TRANSPORTS) connectionSuite(kind, name);

function connectionSuite(transport: TransportKind, transportName: string): void {
  describe(`AccountConnection against the simulator (${transportName})`, function () {
    this.timeout(60_000);
    const fx = connectionFixture({
      transport,
      clientPrefix: `navien-test-${transport}`,
      defaults: { backoff: FAST_BACKOFF, requestTimeoutMs: 3_000, firstRequestTimeoutMs: 3_000, operationTimeoutMs: 5_000 },
    });
    const sim = () => fx.sim;
    const { connect, connected } = fx;

    /** Runs `during` while the broker is down and the connection knows it; the broker is back afterwards. */
    async function duringOutage(connection: AccountConnection, during: () => Promise<void>): Promise<void> {
      await sim().stopBroker();
      try {
        await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
        await during();
      } finally {
        await sim().startBroker();
      }
    }

    it('signs in, lists the device, connects over WSS, subscribes and gets a status reply', async () => {
      const connection = await connected();
      assert.equal(connection.state.phase, 'connected');
      assert.deepEqual(connection.devices.map((d) => [d.mac, d.additionalValue, d.deviceType]), [[MAC, '1234', 52]]);
      assert.ok(sim().connectedClientIds().includes(connection.clientId));
      const reply = await connection.requestStatus(MAC);
      const status = reply.response?.status as Record<string, unknown>;
      assert.equal(status.dhwTemperatureSetting, sim().device(MAC).snapshot().dhwTemperatureSetting);
      assert.equal(connection.presenceOf(MAC), 'online');
    });

    it('reads the feature record after connecting (setpoint limits, serial)', async () => {
      const connection = await connected();
      const features = await waitFor(() => connection.featuresOf(MAC), 'feature record');
      assert.equal(features.dhwTemperatureMin, 81);
      assert.equal(features.dhwTemperatureMax, 131);
      assert.equal(features.controllerSerialNumber, 'TEST0000SN00000001');
    });

    it('sends a control that changes the simulated device, confirmed by its status', async () => {
      const connection = await connected();
      const confirmed = nextEvent(connection, 'message', (m: { kind: string; response?: Record<string, unknown> }) =>
        m.kind === 'status' && (m.response?.status as Record<string, unknown>)?.dhwTemperatureSetting === 110);
      await connection.send(buildSetpointCommand(connection.commandContext(MAC), 110));
      await confirmed;
      assert.equal(sim().device(MAC).snapshot().dhwTemperatureSetting, 110);
    });

    it('stops at a wrong password and does not retry it', async () => {
      const before = sim().signInCount;
      const connection = connect({ password: 'not-the-password' });
      const refused = nextEvent<[ConnectionState]>(connection, 'state', (s) => s.phase === 'invalid-credentials');
      connection.start();
      const [state] = await refused;
      assert.doesNotMatch(state.error ?? '', /not-the-password/);
      await backoffElapsed(FAST_BACKOFF);
      assert.equal(sim().signInCount - before, 1, 'exactly one sign-in attempt');
      assert.equal(connection.state.phase, 'invalid-credentials');
    });

    it('reconnects on its own after the broker drops every connection (one drop, one recovery), and works again', async () => {
      const connection = await connected();
      const back = nextEvent(connection, 'ready');
      sim().dropAllConnections();
      await back;
      assert.equal(connection.transport, transport);
      const m = connection.diagnostics.metrics();
      assert.equal(m.drops, 1);
      assert.equal(m.recoveries, 1);
      await connection.requestStatus(MAC);
    });

    it('queues commands during a broker outage and delivers them in order afterwards', async () => {
      const connection = await connected();
      let sent: Promise<void>[] = [];
      await duringOutage(connection, async () => {
        sim().clearReceived();
        sent = [100, 102, 104].map((raw) => connection.send(buildSetpointCommand(connection.commandContext(MAC), raw)));
        assert.equal(connection.queuedCommands, 3);
        // They stay queued through a failed reconnect attempt.
        await waitFor(() => (connection.state.attempt ?? 0) >= 2, 'a failed reconnect attempt');
      });
      await Promise.all(sent);
      const got = await waitFor(() => {
        const setpoints = sim().received.filter((r) => r.mode === 'dhw-temperature');
        return setpoints.length === 3 && setpoints;
      }, 'three setpoint controls at the device');
      assert.deepEqual(got.map((r) => (r.payload as { request: { param: number[] } }).request.param[0]), [100, 102, 104]);
      assert.equal(connection.queuedCommands, 0);
      assert.equal(connection.transport, transport);
    });

    it('rejects the newest command with a clear error when the offline queue is full', async () => {
      const connection = await connected({ queue: { maxItems: 2, maxAgeMs: 60_000 } });
      await duringOutage(connection, async () => {
        const ctx = () => connection.commandContext(MAC);
        const kept = [connection.send(buildSetpointCommand(ctx(), 100)), connection.send(buildSetpointCommand(ctx(), 101))];
        kept.forEach((p) => {
          p.catch(() => undefined);
        });
        await assert.rejects(connection.send(buildSetpointCommand(ctx(), 102)), (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
      });
    });

    it('expires queued commands that waited too long, with an error (virtual time)', async () => {
      const clock = new FakeClock(Date.now());
      const connection = await connected({ queue: { maxItems: 10, maxAgeMs: 300 }, clock });
      await duringOutage(connection, async () => {
        const stale = connection.send(buildSetpointCommand(connection.commandContext(MAC), 100));
        clock.advance(400); // older than the queue's 300 ms limit
        const fresh = connection.send(buildSetpointCommand(connection.commandContext(MAC), 101)); // triggers the age check
        await assert.rejects(stale, (err: unknown) => err instanceof QueueError && err.code === 'EXPIRED');
        fresh.catch(() => undefined);
      });
    });

    it('expires queued commands that waited too long, on the system clock by default (real time)', async () => {
      const connection = await connected({ queue: { maxItems: 10, maxAgeMs: 300 } });
      await duringOutage(connection, async () => {
        const stale = connection.send(buildSetpointCommand(connection.commandContext(MAC), 100));
        await delay(400); // older than the queue's 300 ms limit
        const fresh = connection.send(buildSetpointCommand(connection.commandContext(MAC), 101)); // triggers the age check
        await assert.rejects(stale, (err: unknown) => err instanceof QueueError && err.code === 'EXPIRED');
        fresh.catch(() => undefined);
      });
    });

    it('rejects a command that waited 5 minutes in the offline queue on its own, with nothing else sent (virtual time)', async () => {
      const clock = new FakeClock(Date.now());
      const connection = await connected({ clock });
      await duringOutage(connection, async () => {
        const stale = connection.send(buildSetpointCommand(connection.commandContext(MAC), 100));
        let settled = false;
        stale.then(() => (settled = true), () => (settled = true));
        clock.advance(5 * 60_000 - 1);
        await delay(0); // a rejection would have reached the sender by now
        assert.equal(settled, false, 'still waiting just under the 5-minute limit');
        clock.advance(10_001); // the next age check after the limit
        await assert.rejects(stale, (err: unknown) => err instanceof QueueError && err.code === 'EXPIRED');
        assert.equal(connection.queuedCommands, 0);
      });
    });

    it('signs in again when its credentials are revoked while connected (refused upgrade = deep reconnect)', async () => {
      const connection = await connected();
      const signIns = sim().signInCount;
      const rejected = sim().rejectedUpgrades;
      const back = nextEvent(connection, 'reconnected', (r: { kind: string }) => r.kind === 'deep-reconnected');
      sim().revokeCredentials();
      await back;
      assert.ok(sim().signInCount > signIns, 'a fresh sign-in happened');
      assert.ok(sim().rejectedUpgrades <= rejected + 1, 'at most one attempt with the revoked key');
      await connection.requestStatus(MAC);
    });

    it('reports a device that stops answering as offline, and online again when it answers', async () => {
      const connection = await connected();
      sim().setDeviceOffline(MAC, true);
      try {
        await assert.rejects(connection.requestStatus(MAC, 500), /no reply/);
        assert.equal(connection.presenceOf(MAC), 'offline');
        assert.equal(connection.state.phase, 'connected', 'the cloud link itself is fine');
      } finally {
        sim().setDeviceOffline(MAC, false);
      }
      await connection.requestStatus(MAC);
      assert.equal(connection.presenceOf(MAC), 'online');
    });

    it('survives malformed messages on the device topic', async () => {
      const connection = await connected();
      await sim().publishMalformed(MAC);
      await connection.requestStatus(MAC);
      assert.equal(connection.state.phase, 'connected');
    });

    it('closing while a request waits in the offline queue rejects it cleanly, with no unhandled rejection', async () => {
      const connection = await connected();
      const unhandled = await unhandledRejectionsOf(() =>
        duringOutage(connection, async () => {
          const pending = connection.requestStatus(MAC);
          await waitFor(() => connection.queuedCommands === 1, 'the request in the offline queue');
          await connection.close();
          await assert.rejects(pending, /closed/);
        }));
      assert.deepEqual(unhandled, []);
    });

    it('a request waiting in the offline queue fails at its own timeout, not the queue\'s, and leaves the queue', async () => {
      const connection = await connected();
      await duringOutage(connection, async () => {
        const started = Date.now();
        const pending = connection.requestStatus(MAC, 600);
        await waitFor(() => connection.queuedCommands === 1, 'the query in the offline queue');
        await assert.rejects(pending, /no reply within/);
        assert.ok(Date.now() - started < 2_000, `rejected after ${Date.now() - started} ms`);
        assert.equal(connection.queuedCommands, 0, 'the stale query is not sent after reconnecting');
      });
    });

    it('a send that fails (queue full) fails only its own request: another one waiting for the same reply kind is answered', async () => {
      const connection = await connected({ queue: { maxItems: 1, maxAgeMs: 60_000 }, requestTimeoutMs: 10_000 });
      let first: Promise<unknown> | undefined;
      await duringOutage(connection, async () => {
        first = connection.requestStatus(MAC);
        await waitFor(() => connection.queuedCommands === 1, 'the first query in the offline queue');
        await assert.rejects(connection.requestStatus(MAC), (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
      });
      const reply = (await first) as { kind: string; mac: string };
      assert.deepEqual([reply.kind, reply.mac], ['status', MAC]);
    });

    it('leaves exactly one client at the broker after repeated close/reopen with the same client id', async () => {
      const clientId = `navien-test-${transport}-redeploy-${process.pid}`;
      for (let i = 0; i < 5; i++) {
        const c = await connected({ clientId });
        await c.close();
      }
      const last = await connected({ clientId });
      // A closed connection that came back would have done so by now: its own backoff is the only way back (the
      // transports never reconnect by themselves), and it would have kicked the last one off.
      await backoffElapsed(FAST_BACKOFF);
      await last.requestStatus(MAC);
      assert.deepEqual(sim().connectedClientIds().filter((id) => id === clientId), [clientId]);
      assert.equal(last.diagnostics.metrics().drops, 0, 'the last one was never kicked off');
    });
  });
}
