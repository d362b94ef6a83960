import assert from 'node:assert/strict';
import type { ConnectionState } from '../../src/shared/connection';
import { DEFAULT_BACKOFF } from '../../src/shared/connection/backoff';
import { InboundMessage, buildSetpointCommand } from '../../src/shared/codec';
import type { ConnectionRecord } from '../../src/shared/connection/diagnostics';
import type { TransportKind } from '../../src/shared/transport-select';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../tools/simulator/simulator';
import { MAC, TRANSPORTS, connectionFixture, nextBackoff } from '../helpers/account-connection';
import { FakeClock } from '../helpers/fake-clock';
import { backoffElapsed } from '../helpers/quiet';
import { delay, nextEvent, waitFor } from '../helpers/wait';

for (const { kind, name } of TRANSPORTS) resilienceSuite(kind, name);

/**
 * Outages as users meet them, with the production backoff (0.5 s doubling to 60 s, jitter,
 * a deep reconnect after 5 failures) unless a test says otherwise.
 */
function resilienceSuite(transport: TransportKind, transportName: string): void {
  describe(`AccountConnection resilience (simulator faults, ${transportName})`, function () {
    this.timeout(240_000);
    const fx = connectionFixture({
      transport,
      clientPrefix: `navien-resilience-${transport}`,
      defaults: { requestTimeoutMs: 3_000, firstRequestTimeoutMs: 3_000, operationTimeoutMs: 5_000 },
    });
    const { connected } = fx;
    let sim: typeof fx.sim;
    before(() => {
      sim = fx.sim;
    });

    /** Counts the connection attempts the broker sees, to prove recovery does not hammer the cloud. */
    function attemptsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; attempts: number }> {
      const before = sim.connectAttempts;
      return fn().then((result) => ({ result, attempts: sim.connectAttempts - before }));
    }

    it('recovers by itself from a 5 s broker outage and serves status again (real time)', async () => {
      const connection = await connected();
      const { attempts } = await attemptsDuring(async () => {
        await sim.stopBroker();
        await delay(5_000);
        const back = nextEvent(connection, 'ready', () => true, 30_000);
        await sim.startBroker();
        await back;
      });
      await connection.requestStatus(MAC);
      assert.ok(attempts <= 8, `${attempts} connection attempts`);
      const m = connection.diagnostics.metrics();
      assert.equal(m.drops, 1);
      assert.equal(m.recoveries, 1);
    });

    it('recovers from a 2 minute outage with a deep reconnect and without hammering the broker (virtual time)', async () => {
      const clock = new FakeClock(Date.now());
      const connection = await connected({ clock });
      const signIns = sim.signInCount;
      const states: ConnectionState[] = [];
      connection.on('state', (s: ConnectionState) => states.push(s));
      const { result: record, attempts } = await attemptsDuring(async () => {
        const outageStart = clock.now();
        const firstWait = nextBackoff(connection);
        await sim.stopBroker();
        // Every wait of the production backoff passes in virtual time; each attempt itself is real (REST, the socket).
        let wait = await firstWait;
        while (clock.now() + wait - outageStart < 120_000) {
          clock.advance(wait);
          wait = await nextBackoff(connection);
        }
        const back = nextEvent<[ConnectionRecord]>(connection, 'reconnected', () => true, 30_000);
        await sim.startBroker();
        clock.advance(wait);
        const [r] = await back;
        return r;
      });
      await connection.requestStatus(MAC);
      assert.ok(attempts <= 18, `${attempts} connection attempts reached the broker`);
      assert.ok(sim.signInCount > signIns, 'after 5 failures it signed in again');
      assert.ok(states.some((s) => s.phase === 'reconnecting' && s.deep), 'a deep attempt was announced');
      const longest = Math.max(...states.filter((s) => s.retryInMs !== undefined).map((s) => s.retryInMs as number));
      assert.ok(longest <= DEFAULT_BACKOFF.maxDelayMs, `waits are capped at 60 s (saw ${longest})`);
      assert.ok(record.recoveryMs !== null && record.recoveryMs >= 120_000);
    });

    it('credentials that expire while connected cost exactly one refused upgrade, then a fresh sign-in', async () => {
      const connection = await connected({ backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 100 } });
      const signIns = sim.signInCount;
      const refusedBefore = sim.rejectedUpgrades;
      sim.expireCredentials(undefined, { disconnect: false });
      await connection.requestStatus(MAC); // a round trip after the expiry: a broker that closed on expiry has done so
      assert.equal(connection.state.phase, 'connected', 'AWS checks credentials only when the socket opens');
      const back = nextEvent<[ConnectionRecord]>(connection, 'reconnected');
      sim.dropAllConnections();
      const [record] = await back;
      assert.equal(record.kind, 'deep-reconnected');
      assert.equal(sim.rejectedUpgrades - refusedBefore, 1, 'the 403 went straight to a deep reconnect');
      assert.equal(sim.signInCount - signIns, 1);
      await connection.requestStatus(MAC);
    });

    it('credentials that expire while disconnected are renewed before the connection comes back', async () => {
      const connection = await connected({ backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1_000 } });
      await sim.stopBroker();
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      sim.expireCredentials();
      const back = nextEvent<[ConnectionRecord]>(connection, 'reconnected', (r) => r.kind === 'deep-reconnected', 30_000);
      await sim.startBroker();
      await back;
      await connection.requestStatus(MAC);
    });

    it('keeps retrying through REST 500s during a deep reconnect, then recovers', async () => {
      const connection = await connected({ backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1_000 } });
      const signInReplies: number[] = [];
      const onRest = (e: { path: string; status: number }) => {
        if (e.path.endsWith('/user/sign-in')) signInReplies.push(e.status);
      };
      sim.on('rest', onRest);
      sim.failRest('/user/sign-in', { status: 500, times: 3 });
      const back = nextEvent<[ConnectionRecord]>(connection, 'reconnected', (r) => r.kind === 'deep-reconnected', 30_000);
      sim.revokeCredentials();
      await back;
      sim.off('rest', onRest);
      assert.deepEqual(signInReplies, [500, 500, 500, 200], 'three failed sign-ins, then one that worked');
      await connection.requestStatus(MAC);
    });

    it('a password changed in the cloud stops the retries at the next sign-in (no retry storm)', async () => {
      const backoff = { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 500 };
      const connection = await connected({ backoff });
      sim.setPassword(DEFAULT_EMAIL, 'changed-elsewhere');
      try {
        const signIns = sim.signInCount;
        const stopped = nextEvent<[ConnectionState]>(connection, 'state', (s) => s.phase === 'invalid-credentials', 30_000);
        sim.revokeCredentials();
        await stopped;
        await backoffElapsed(backoff);
        assert.equal(sim.signInCount - signIns, 1, 'one refused sign-in, then silence');
      } finally {
        sim.setPassword(DEFAULT_EMAIL, DEFAULT_PASSWORD);
      }
    });

    it('delivers commands issued during an outage, in order, once it recovers', async () => {
      const connection = await connected({ backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1_000 } });
      await sim.stopBroker();
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting');
      sim.clearReceived();
      const values = [96, 98, 100, 102, 104, 106];
      const sent = values.map((raw) => connection.send(buildSetpointCommand(connection.commandContext(MAC), raw)));
      await waitFor(() => (connection.state.attempt ?? 0) >= 2, 'a failed reconnect attempt with the commands queued');
      await sim.startBroker();
      await Promise.all(sent);
      const got = await waitFor(() => {
        const list = sim.received.filter((r) => r.mode === 'dhw-temperature');
        return list.length === values.length && list;
      }, 'every queued control at the device');
      assert.deepEqual(got.map((r) => (r.payload as { request: { param: number[] } }).request.param[0]), values);
      assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 104 + 2);
    });

    it('treats the cloud closing an old connection (the 24-hour cap) as routine', async () => {
      const connection = await connected({ backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 100 } });
      const back = nextEvent<[ConnectionRecord]>(connection, 'reconnected');
      sim.dropAllConnections();
      const [record] = await back;
      assert.equal(record.kind, 'resumed', 'same credentials, no sign-in needed');
      assert.equal(connection.diagnostics.metrics().dropsByError && Object.values(connection.diagnostics.metrics().dropsByError).reduce((a, b) => a + b, 0), 1);
    });

    describe('with AWS credentials that live 6 minutes', () => {
      const shortLived = connectionFixture({ transport, clientPrefix: `navien-renewal-${transport}`, simulator: { speed: 0, authorizationExpiresIn: 361 } });

      it('renews them 5 minutes before they expire, on its own timer: a fresh sign-in, new AWS credentials, no drop, statuses keep flowing (virtual time)', async () => {
        // The renewal timer waits at least 60 s; with the default 5-minute margin it fires after 61 s, 5 minutes early.
        const sim = shortLived.sim;
        const clock = new FakeClock(Date.now());
        const connection = shortLived.connect({ clock });
        const keysUsed: string[] = [];
        const onConnect = (e: { clientId: string; accessKeyId: string }) => {
          if (e.clientId === connection.clientId) keysUsed.push(e.accessKeyId);
        };
        sim.on('connect', onConnect);
        try {
          await shortLived.ready(connection);
          const signIns = sim.signInCount;
          const first = sim.issuedCredentials().at(-1);
          assert.ok(first);
          assert.deepEqual(keysUsed, [first.accessKeyId]);
          const issuedAt = clock.now();
          clock.advance(60_000);
          await connection.requestStatus(MAC); // a round trip: a renewal begun at 60 s would have shown by now
          assert.equal(sim.signInCount, signIns, 'not renewed before 61 s');
          const renewal = nextEvent<[ConnectionRecord]>(connection, 'reconnected', () => true, 30_000);
          clock.advance(1_000);
          const [record] = await renewal;
          assert.equal(record.kind, 'deep-reconnected');
          assert.ok(clock.now() - issuedAt < 361_000 - 5 * 60_000 + 1_000, 'renewed 5 minutes before the old credentials expired');
          assert.equal(sim.signInCount, signIns + 1, 'one fresh sign-in');
          const renewed = sim.issuedCredentials().at(-1);
          assert.ok(renewed && renewed.accessKeyId !== first.accessKeyId, 'the sign-in issued new AWS credentials');
          assert.deepEqual(keysUsed, [first.accessKeyId, renewed.accessKeyId], 'the new connection used them');
          assert.equal(connection.diagnostics.metrics().drops, 0, 'a renewal is not a drop');
          await connection.requestStatus(MAC);
          const pushed = nextEvent<[InboundMessage]>(connection, 'message', (m) => m.kind === 'status' && (m.response?.status as { dhwChargePer?: number } | undefined)?.dhwChargePer === 77);
          sim.device(MAC).setStatus({ dhwChargePer: 77 }, true);
          await pushed;
        } finally {
          sim.off('connect', onConnect);
        }
      });
    });
  });
}
