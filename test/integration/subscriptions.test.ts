// Which refused subscriptions end a session, on both MQTT transports against the simulator's broker: the essential
// reply and device topics do; the installer diagnostics reply filter only makes that one read unavailable.
import assert from 'node:assert/strict';
import { AccountConnection, ConnectionState } from '../../src/shared/connection';
import { InstallerDiagnosticsUnavailableError, readInstaller } from '../../src/shared/device/service-reads';
import type { TransportKind } from '../../src/shared/transport-select';
import { FAST_BACKOFF, MAC, TRANSPORTS, connectionFixture } from '../helpers/account-connection';
import { FakeClock } from '../helpers/fake-clock';
import { nextEvent } from '../helpers/wait';

for (const { kind, name } of TRANSPORTS) subscriptionSuite(kind, name);

/** The five-segment app-form filter `cmd/52/{homeSeq}/{userSeq}/{clientId}/res/#`. */
const DIAGNOSTICS_FILTER = /^cmd\/52\/\d+\/\d+\/[^/]+\/res\/#$/;
/** The client-keyed reply filter `cmd/52/{clientId}/res/#`, one of the essential ones. */
const CLIENT_REPLY_FILTER = /^cmd\/52\/[^/]+\/res\/#$/;

function installerRead(connection: AccountConnection) {
  const entry = connection.device(MAC);
  assert.ok(entry);
  return readInstaller({ mac: MAC, entry, connection, features: async () => connection.featuresOf(MAC) ?? {}, timeoutMs: 3_000 });
}

function subscriptionSuite(transport: TransportKind, transportName: string): void {
  describe(`AccountConnection subscriptions the broker refuses (${transportName})`, function () {
    this.timeout(60_000);
    const fx = connectionFixture({
      transport,
      clientPrefix: `navien-subs-${transport}`,
      defaults: { backoff: FAST_BACKOFF, requestTimeoutMs: 3_000, firstRequestTimeoutMs: 3_000, operationTimeoutMs: 5_000 },
    });
    const sim = () => fx.sim;
    afterEach(() => sim().refuseSubscriptions([]));

    it('a broker policy without the installer diagnostics reply filter: the account stays connected, statuses flow, the installer read says unavailable', async () => {
      sim().refuseSubscriptions([DIAGNOSTICS_FILTER]);
      const clock = new FakeClock(Date.now());
      const connection = fx.connect({ clock });
      let drops = 0;
      connection.on('drop', () => drops++);
      await fx.ready(connection);
      const attempts = sim().connectAttempts;
      const reply = await connection.requestStatus(MAC);
      assert.equal(reply.kind, 'status');
      // Well past the quick retry a failed session would make (virtual time), then a round trip for it to show.
      clock.advance(1_000);
      await connection.requestStatus(MAC);
      assert.equal(connection.state.phase, 'connected');
      assert.equal(drops, 0);
      assert.equal(sim().connectAttempts, attempts, 'no reconnect');
      assert.equal(connection.installerDiagnosticsAvailable(MAC), false);
      sim().clearReceived();
      await assert.rejects(installerRead(connection), (err: unknown) => err instanceof InstallerDiagnosticsUnavailableError && /installer diagnostics unavailable/.test(err.message));
      assert.equal(sim().received.filter((r) => r.topic.endsWith('/st/td/rd')).length, 0, 'no query that could not be answered');
    });

    it('with the filter granted, the installer read is answered on the account\'s own userSeq', async () => {
      const connection = await fx.connected();
      assert.equal(connection.installerDiagnosticsAvailable(MAC), true);
      sim().clearReceived();
      const result = await installerRead(connection);
      assert.ok(result.raw);
      const [query] = sim().received.filter((r) => r.topic.endsWith('/st/td/rd'));
      assert.match((query.payload as { responseTopic: string }).responseTopic, new RegExp(`^cmd/52/\\d+/10001/${connection.clientId}/res/td/rd$`));
    });

    it('a refused essential subscription (the client reply topic) still fails the session', async () => {
      sim().refuseSubscriptions([CLIENT_REPLY_FILTER]);
      const connection = fx.connect();
      let ready = false;
      connection.on('ready', () => (ready = true));
      const failed = nextEvent<[ConnectionState]>(connection, 'state', (s) => s.phase === 'reconnecting' && /refused/.test(s.error ?? ''));
      connection.start();
      const [state] = await failed;
      assert.match(state.error ?? '', /subscription to cmd\/52\/[^ ]+\/res\/# refused/);
      assert.equal(ready, false);
    });
  });
}
