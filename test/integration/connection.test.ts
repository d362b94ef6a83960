import assert from 'node:assert/strict';
import { AccountConnection, AccountConnectionOptions, ConnectionState } from '../../src/shared/account-connection';
import { buildSetpointCommand } from '../../src/shared/codec';
import { QueueError } from '../../src/shared/errors';
import { NavilinkSimulator, DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../tools/simulator/simulator';
import { delay, nextEvent, waitFor } from '../helpers/wait';

const MAC = '0a1b2c3d4e5f';
const FAST_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2, deepReconnectAfter: 5 };

describe('AccountConnection against the simulator (real aws-iot-device-sdk-v2)', function () {
  this.timeout(60_000);
  let sim: NavilinkSimulator;
  const open: AccountConnection[] = [];
  let idCounter = 0;

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  function connect(overrides: Partial<AccountConnectionOptions> = {}): AccountConnection {
    const connection = new AccountConnection({
      email: DEFAULT_EMAIL,
      password: DEFAULT_PASSWORD,
      clientId: `navien-test-${process.pid}-${++idCounter}`,
      endpoints: { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile },
      backoff: FAST_BACKOFF,
      requestTimeoutMs: 3_000,
      firstRequestTimeoutMs: 3_000,
      operationTimeoutMs: 5_000,
      ...overrides,
    });
    open.push(connection);
    return connection;
  }

  /** Started, subscribed, and done with its own start-up requests (the feature read). */
  async function ready(connection: AccountConnection): Promise<void> {
    const isReady = nextEvent(connection, 'ready');
    connection.start();
    await isReady;
    await waitFor(() => connection.featuresOf(MAC), 'feature record');
  }

  it('signs in, lists the device, connects over WSS, subscribes and gets a status reply', async () => {
    const connection = connect();
    await ready(connection);
    assert.equal(connection.state.phase, 'connected');
    assert.deepEqual(connection.devices.map((d) => [d.mac, d.additionalValue, d.deviceType]), [[MAC, '1234', 52]]);
    assert.ok(sim.connectedClientIds().includes(connection.clientId));
    const reply = await connection.requestStatus(MAC);
    const status = reply.response?.status as Record<string, unknown>;
    assert.equal(status.dhwTemperatureSetting, sim.device(MAC).snapshot().dhwTemperatureSetting);
    assert.equal(connection.presenceOf(MAC), 'online');
  });

  it('reads the feature record after connecting (setpoint limits, serial)', async () => {
    const connection = connect();
    await ready(connection);
    const features = await waitFor(() => connection.featuresOf(MAC), 'feature record');
    assert.equal(features.dhwTemperatureMin, 81);
    assert.equal(features.dhwTemperatureMax, 131);
    assert.equal(features.controllerSerialNumber, 'TEST0000SN00000001');
  });

  it('sends a control that changes the simulated device, confirmed by its status', async () => {
    const connection = connect();
    await ready(connection);
    const confirmed = nextEvent(connection, 'message', (m: { kind: string; response?: Record<string, unknown> }) =>
      m.kind === 'status' && (m.response?.status as Record<string, unknown>)?.dhwTemperatureSetting === 110);
    await connection.send(buildSetpointCommand(connection.commandContext(MAC), 110));
    await confirmed;
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 110);
  });

  it('stops at a wrong password and does not retry it', async () => {
    const before = sim.signInCount;
    const connection = connect({ password: 'not-the-password' });
    const refused = nextEvent<[ConnectionState]>(connection, 'state', (s) => s.phase === 'invalid-credentials');
    connection.start();
    const [state] = await refused;
    assert.doesNotMatch(state.error ?? '', /not-the-password/);
    await delay(1_500);
    assert.equal(sim.signInCount - before, 1, 'exactly one sign-in attempt');
    assert.equal(connection.state.phase, 'invalid-credentials');
  });

  it('reconnects on its own after the broker drops every connection, and works again', async () => {
    const connection = connect();
    await ready(connection);
    const back = nextEvent(connection, 'ready');
    sim.dropAllConnections();
    await back;
    const m = connection.diagnostics.metrics();
    assert.equal(m.drops, 1);
    assert.equal(m.recoveries, 1);
    await connection.requestStatus(MAC);
  });

  it('queues commands during a broker outage and delivers them in order afterwards', async () => {
    const connection = connect();
    await ready(connection);
    await sim.stopBroker();
    let sent: Promise<void>[];
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      sim.clearReceived();
      sent = [100, 102, 104].map((raw) => connection.send(buildSetpointCommand(connection.commandContext(MAC), raw)));
      assert.equal(connection.queuedCommands, 3);
      await delay(500);
    } finally {
      await sim.startBroker();
    }
    await Promise.all(sent);
    const got = await waitFor(() => {
      const setpoints = sim.received.filter((r) => r.mode === 'dhw-temperature');
      return setpoints.length === 3 && setpoints;
    }, 'three setpoint controls at the device');
    assert.deepEqual(got.map((r) => (r.payload as { request: { param: number[] } }).request.param[0]), [100, 102, 104]);
    assert.equal(connection.queuedCommands, 0);
  });

  it('rejects the newest command with a clear error when the offline queue is full', async () => {
    const connection = connect({ queue: { maxItems: 2, maxAgeMs: 60_000 } });
    await ready(connection);
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      const ctx = () => connection.commandContext(MAC);
      const kept = [connection.send(buildSetpointCommand(ctx(), 100)), connection.send(buildSetpointCommand(ctx(), 101))];
      kept.forEach((p) => p.catch(() => undefined));
      await assert.rejects(connection.send(buildSetpointCommand(ctx(), 102)), (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
    } finally {
      await sim.startBroker();
    }
  });

  it('expires queued commands that waited too long, with an error', async () => {
    const connection = connect({ queue: { maxItems: 10, maxAgeMs: 300 } });
    await ready(connection);
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      const stale = connection.send(buildSetpointCommand(connection.commandContext(MAC), 100));
      await delay(400);
      const fresh = connection.send(buildSetpointCommand(connection.commandContext(MAC), 101)); // triggers the age check
      await assert.rejects(stale, (err: unknown) => err instanceof QueueError && err.code === 'EXPIRED');
      fresh.catch(() => undefined);
    } finally {
      await sim.startBroker();
    }
  });

  it('signs in again when its credentials are revoked while connected (refused upgrade = deep reconnect)', async () => {
    const connection = connect();
    await ready(connection);
    const signIns = sim.signInCount;
    const back = nextEvent(connection, 'reconnected', (r: { kind: string }) => r.kind === 'deep-reconnected');
    sim.revokeCredentials();
    await back;
    assert.ok(sim.signInCount > signIns, 'a fresh sign-in happened');
    await connection.requestStatus(MAC);
  });

  it('renews AWS credentials before they expire, without a drop', async () => {
    const connection = connect({ renewBeforeExpiryMs: 3_600_000 - 200 });
    // With a renewal margin of almost the whole lifetime the renewal is due at once (floored to 60 s).
    // Drive it directly instead of waiting a minute: the timer path is the same method.
    await ready(connection);
    const signIns = sim.signInCount;
    const renewed = nextEvent(connection, 'reconnected', (r: { kind: string }) => r.kind === 'deep-reconnected');
    (connection as unknown as { endSession?: (e: { reason: 'renew' }) => void }).endSession?.({ reason: 'renew' });
    await renewed;
    assert.equal(sim.signInCount, signIns + 1);
    assert.equal(connection.diagnostics.metrics().drops, 0);
    await connection.requestStatus(MAC);
  });

  it('reports a device that stops answering as offline, and online again when it answers', async () => {
    const connection = connect();
    await ready(connection);
    sim.setDeviceOffline(MAC, true);
    try {
      await assert.rejects(connection.requestStatus(MAC, 500), /no reply/);
      assert.equal(connection.presenceOf(MAC), 'offline');
      assert.equal(connection.state.phase, 'connected', 'the cloud link itself is fine');
    } finally {
      sim.setDeviceOffline(MAC, false);
    }
    await connection.requestStatus(MAC);
    assert.equal(connection.presenceOf(MAC), 'online');
  });

  it('survives malformed messages on the device topic', async () => {
    const connection = connect();
    await ready(connection);
    await sim.publishMalformed(MAC);
    await connection.requestStatus(MAC);
    assert.equal(connection.state.phase, 'connected');
  });

  it('closing while a request waits in the offline queue rejects it cleanly, with no unhandled rejection', async () => {
    const connection = connect();
    await ready(connection);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      const pending = connection.requestStatus(MAC);
      await delay(50);
      await connection.close();
      await assert.rejects(pending, /closed/);
      await delay(100);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await sim.startBroker();
    }
  });

  it('a request waiting in the offline queue fails at its own timeout, not the queue\'s, and leaves the queue', async () => {
    const connection = connect();
    await ready(connection);
    await sim.stopBroker();
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      const started = Date.now();
      const pending = connection.requestStatus(MAC, 600);
      await waitFor(() => connection.queuedCommands === 1, 'the query in the offline queue');
      await assert.rejects(pending, /no reply within/);
      assert.ok(Date.now() - started < 2_000, `rejected after ${Date.now() - started} ms`);
      assert.equal(connection.queuedCommands, 0, 'the stale query is not sent after reconnecting');
    } finally {
      await sim.startBroker();
    }
  });

  it('a send that fails (queue full) fails only its own request: another one waiting for the same reply kind is answered', async () => {
    const connection = connect({ queue: { maxItems: 1, maxAgeMs: 60_000 }, requestTimeoutMs: 10_000 });
    await ready(connection);
    await sim.stopBroker();
    let first: Promise<unknown>;
    try {
      await waitFor(() => connection.state.phase === 'reconnecting', 'reconnecting state');
      first = connection.requestStatus(MAC);
      await waitFor(() => connection.queuedCommands === 1, 'the first query in the offline queue');
      await assert.rejects(connection.requestStatus(MAC), (err: unknown) => err instanceof QueueError && err.code === 'QUEUE_FULL');
    } finally {
      await sim.startBroker();
    }
    const reply = (await first) as { kind: string; mac: string };
    assert.deepEqual([reply.kind, reply.mac], ['status', MAC]);
  });

  it('leaves exactly one client at the broker after repeated close/reopen with the same client id', async () => {
    const clientId = `navien-test-redeploy-${process.pid}`;
    for (let i = 0; i < 5; i++) {
      const c = connect({ clientId });
      await ready(c);
      await c.close();
    }
    const last = connect({ clientId });
    await ready(last);
    await delay(300);
    assert.deepEqual(sim.connectedClientIds().filter((id) => id === clientId), [clientId]);
  });
});
