import assert from 'node:assert/strict';
import { AccountConnection, AccountConnectionOptions } from '../../src/shared/account-connection';
import { buildSetpointCommand } from '../../src/shared/codec';
import { JsMqttSession } from '../../src/shared/js-mqtt';
import { NavilinkSimulator, DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../tools/simulator/simulator';
import { delay, nextEvent, waitFor } from '../helpers/wait';

const MAC = '0a1b2c3d4e5f';
const FAST_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2, deepReconnectAfter: 5 };

// The key scenarios of test/integration/connection.test.ts, with the pure-JavaScript transport forced the way a
// user (or a platform without aws-crt) gets it: NAVIEN_MQTT_TRANSPORT=js.
describe('AccountConnection against the simulator with the pure-JavaScript MQTT transport', function () {
  this.timeout(60_000);
  let sim: NavilinkSimulator;
  let savedTransport: string | undefined;
  const open: AccountConnection[] = [];
  let idCounter = 0;

  before(async () => {
    savedTransport = process.env.NAVIEN_MQTT_TRANSPORT;
    process.env.NAVIEN_MQTT_TRANSPORT = 'js';
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim?.stop();
    if (savedTransport === undefined) delete process.env.NAVIEN_MQTT_TRANSPORT;
    else process.env.NAVIEN_MQTT_TRANSPORT = savedTransport;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  function connect(overrides: Partial<AccountConnectionOptions> = {}): AccountConnection {
    const connection = new AccountConnection({
      email: DEFAULT_EMAIL,
      password: DEFAULT_PASSWORD,
      clientId: `navien-jstest-${process.pid}-${++idCounter}`,
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

  async function ready(connection: AccountConnection): Promise<void> {
    const isReady = nextEvent(connection, 'ready');
    connection.start();
    await isReady;
    await waitFor(() => connection.featuresOf(MAC), 'feature record');
  }

  /** The live session really is the JS transport (not the SDK, which also loads on this machine). */
  function assertJsTransport(connection: AccountConnection): void {
    const session = (connection as unknown as { session?: unknown }).session;
    assert.ok(session instanceof JsMqttSession, `session is ${(session as object | undefined)?.constructor?.name}`);
  }

  it('signs in, connects over WSS, subscribes and gets a status reply', async () => {
    const connection = connect();
    await ready(connection);
    assertJsTransport(connection);
    assert.equal(connection.state.phase, 'connected');
    assert.ok(sim.connectedClientIds().includes(connection.clientId));
    const reply = await connection.requestStatus(MAC);
    const status = reply.response?.status as Record<string, unknown>;
    assert.equal(status.dhwTemperatureSetting, sim.device(MAC).snapshot().dhwTemperatureSetting);
    assert.equal(connection.presenceOf(MAC), 'online');
    const features = connection.featuresOf(MAC);
    assert.equal(features?.controllerSerialNumber, 'TEST0000SN00000001');
  });

  it('sends a control that changes the simulated device, confirmed by its status', async () => {
    const connection = connect();
    await ready(connection);
    const confirmed = nextEvent(connection, 'message', (m: { kind: string; response?: Record<string, unknown> }) =>
      m.kind === 'status' && (m.response?.status as Record<string, unknown>)?.dhwTemperatureSetting === 112);
    await connection.send(buildSetpointCommand(connection.commandContext(MAC), 112));
    await confirmed;
    assert.equal(sim.device(MAC).snapshot().dhwTemperatureSetting, 112);
  });

  it('reconnects on its own after the broker drops every connection (one drop, one recovery), and works again', async () => {
    const connection = connect();
    await ready(connection);
    const back = nextEvent(connection, 'reconnected');
    sim.dropAllConnections();
    await back;
    assertJsTransport(connection);
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
    assertJsTransport(connection);
  });

  it('signs in again when its credentials are revoked while connected (refused upgrade = deep reconnect)', async () => {
    const connection = connect();
    await ready(connection);
    const signIns = sim.signInCount;
    const rejected = sim.rejectedUpgrades;
    const back = nextEvent(connection, 'reconnected', (r: { kind: string }) => r.kind === 'deep-reconnected');
    sim.revokeCredentials();
    await back;
    assert.ok(sim.signInCount > signIns, 'a fresh sign-in happened');
    assert.ok(sim.rejectedUpgrades <= rejected + 1, 'at most one attempt with the revoked key');
    await connection.requestStatus(MAC);
  });

  it('survives malformed messages on the device topic', async () => {
    const connection = connect();
    await ready(connection);
    await sim.publishMalformed(MAC);
    await connection.requestStatus(MAC);
    assert.equal(connection.state.phase, 'connected');
  });

  it('leaves exactly one client at the broker after repeated close/reopen with the same client id', async () => {
    const clientId = `navien-jstest-redeploy-${process.pid}`;
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
