import * as assert from 'node:assert/strict';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { MAC, SdkClient, control, envelope, presignUrl, rawMqttConnect, signIn, type SignIn } from './helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(20);
  }
}

describe('simulator MQTT broker with the real aws-iot-device-sdk-v2 client', function () {
  this.timeout(30000);
  let sim: NavilinkSimulator;
  const clients: SdkClient[] = [];

  const client = (creds: Pick<SignIn, 'accessKeyId' | 'secretKey' | 'sessionToken'>, id: string): SdkClient => {
    const c = new SdkClient(sim.iotEndpoint, sim.caFile, creds, id);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    sim = await NavilinkSimulator.start({ speed: 0, pushDelayMs: 50 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim.stop();
  });

  it('connects over WSS with sign-in credentials, answers a status request and applies a control', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const c = client(creds, 'navien-client-test0001');
    await c.connect();
    assert.deepEqual(sim.connectedClientIds(), ['navien-client-test0001']);
    await c.subscribe(`cmd/52/navilink-${MAC}/#`);
    await c.subscribe(`cmd/52/${c.clientId}/res/#`);

    const st = envelope(c.clientId, 'st', { command: 16777219 });
    await c.publish(st.topic, st.payload);
    const reply = await c.waitFor((m) => m.topic === `cmd/52/navilink-${MAC}/${c.clientId}/res` && m.payload.response?.status);
    assert.equal(reply.payload.protocolVersion, 2);
    assert.equal(reply.payload.requestTopic, st.topic);
    assert.equal(reply.payload.sessionID, st.payload.sessionID);
    assert.deepEqual(
      { d: reply.payload.response.deviceType, m: reply.payload.response.macAddress, a: reply.payload.response.additionalValue },
      { d: 52, m: MAC, a: '1234' },
    );
    assert.equal(reply.payload.response.status.command, 16777219);
    assert.equal(reply.payload.response.status.dhwTemperatureSetting, 121);
    // The request itself is echoed to subscribers of the device tree.
    await c.waitFor((m) => m.topic === st.topic && m.payload.request?.command === 16777219);

    const ctrl = control(c.clientId, 33554464, 'dhw-temperature', [120]);
    await c.publish(ctrl.topic, ctrl.payload);
    const ack = await c.waitFor((m) => m.payload.response?.status?.command === 33554464);
    assert.equal(ack.payload.response.status.dhwTemperatureSetting, 120);
    assert.equal(sim.device(MAC).status.dhwTemperatureSetting, 120);
    const push = await c.waitFor((m) => m.payload.response?.status?.command === 67108883);
    assert.equal(push.topic, `cmd/52/navilink-${MAC}/st/push`);
    assert.equal(push.payload.requestTopic, `cmd/52/navilink-${MAC}/st`);
    const received = await sim.waitForRequest((r) => r.mode === 'dhw-temperature');
    assert.equal(received.outcome, 'answered');
    assert.equal(received.clientID, c.clientId);
  });

  it('refuses the upgrade for forged signatures, unknown keys and wrong session tokens', async () => {
    const reasons = new Set<string>();
    sim.on('rejected', (e) => reasons.add(e.reason));
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const forged = client({ ...creds, secretKey: creds.secretKey + 'x' }, 'forged-1');
    await assert.rejects(forged.connect());
    const unknown = client({ ...creds, accessKeyId: 'ASIAUNKNOWNKEY000000' }, 'forged-2');
    await assert.rejects(unknown.connect());
    const token = client({ ...creds, sessionToken: creds.sessionToken.slice(1) }, 'forged-3');
    await assert.rejects(token.connect());
    assert.ok(sim.rejectedUpgrades >= 3, `rejected ${sim.rejectedUpgrades}`);
    assert.deepEqual([...reasons].sort(), ['X-Amz-Security-Token does not match', 'signature does not match', 'unknown access key']);
    assert.deepEqual(sim.connectedClientIds(), []);
  });

  it('refuses expired credentials; expiry alone keeps a live connection', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const live = client(creds, 'live-before-expiry');
    await live.connect();
    await live.subscribe(`cmd/52/navilink-${MAC}/#`);
    sim.expireCredentials(creds.accessKeyId);
    // A status round trip after the expiry: a broker that closed the connection on expiry would have done so first.
    const st = envelope(live.clientId, 'st', { command: 16777219 });
    await live.publish(st.topic, st.payload);
    await live.waitFor((m) => m.payload.sessionID === st.payload.sessionID && m.payload.response?.status);
    assert.equal(live.interrupted, 0);
    assert.deepEqual(sim.connectedClientIds(), ['live-before-expiry']);
    const late = client(creds, 'after-expiry');
    await assert.rejects(late.connect());
    const fresh = await signIn(sim.caFile, sim.apiUrl);
    await client(fresh, 'fresh').connect();
  });

  it('honours short credential lifetimes from the start options', async () => {
    await sim.stop();
    sim = await NavilinkSimulator.start({ speed: 0, authorizationExpiresIn: 1 });
    const creds = await signIn(sim.caFile, sim.apiUrl);
    assert.equal((creds as unknown as { authorizationExpiresIn: number }).authorizationExpiresIn, 1);
    await sleep(1100);
    await assert.rejects(client(creds, 'too-late').connect());
  });

  it('revocation refuses new upgrades and closes live connections', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const c = client(creds, 'to-be-revoked');
    await c.connect();
    sim.revokeCredentials(creds.accessKeyId);
    await until(() => sim.connectedClientIds().length === 0);
    await until(() => c.interrupted > 0);
    await assert.rejects(client(creds, 'revoked-again').connect());
  });

  it('a second connection with the same client id kicks the first', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const first = client(creds, 'same-id');
    await first.connect();
    const kicked = new Promise<void>((resolve) => first.connection.once('interrupt', () => resolve()));
    const second = client(await signIn(sim.caFile, sim.apiUrl), 'same-id');
    await second.connect();
    await kicked;
    // Stop the first one's auto-reconnect before it kicks the second back.
    await first.close();
    await until(() => sim.connectedClientIds().length === 1);
    await second.subscribe(`cmd/52/navilink-${MAC}/#`);
    const st = envelope('same-id', 'st', { command: 16777219 });
    await second.publish(st.topic, st.payload);
    await second.waitFor((m) => m.payload.response?.status?.command === 16777219);
  });

  it('stopBroker drops clients and refuses connections; startBroker on the same port lets them back', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const port = sim.iotEndpoint;
    const c = client(creds, 'survivor');
    await c.connect();
    const resumed = new Promise<void>((resolve) => c.connection.once('resume', () => resolve()));
    await sim.stopBroker();
    await until(() => c.interrupted > 0);
    await assert.rejects(client(creds, 'while-down').connect());
    await sim.startBroker();
    assert.equal(sim.iotEndpoint, port);
    await resumed; // the SDK reconnects by itself with the still-valid credentials
    await until(() => sim.connectedClientIds().includes('survivor'));
  });

  it('dropAllConnections closes live connections but keeps listening', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const c = client(creds, 'dropped');
    await c.connect();
    const attempts = sim.connectAttempts;
    sim.dropAllConnections();
    await until(() => c.interrupted > 0);
    await until(() => sim.connectedClientIds().includes('dropped') && sim.connectAttempts > attempts);
  });

  it('closes connections older than maxConnectionAgeMs', async () => {
    await sim.stop();
    sim = await NavilinkSimulator.start({ speed: 0, maxConnectionAgeMs: 300 });
    const c = client(await signIn(sim.caFile, sim.apiUrl), 'old-timer');
    await c.connect();
    await until(() => c.interrupted > 0, 3000);
  });

  it('accepts the docs/protocol.md#presigned-url form (SignedHeaders=host, token appended) and refuses a tampered one', async () => {
    const creds = await signIn(sim.caFile, sim.apiUrl);
    const port = Number(sim.iotEndpoint.split(':')[1]);
    const url = presignUrl('localhost', port, creds);
    const ok = await rawMqttConnect(url, sim.caFile, 'raw-42');
    assert.ok(ok.connack, 'expected a CONNACK');
    assert.deepEqual([...ok.connack], [0x20, 0x02, 0x00, 0x00]);
    ok.ws?.close();
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    assert.deepEqual(await rawMqttConnect(tampered, sim.caFile, 'raw-bad'), { status: 403 });
    const noToken = url.replace(/&X-Amz-Security-Token=.*$/, '');
    assert.deepEqual(await rawMqttConnect(noToken, sim.caFile, 'raw-bad2'), { status: 403 });
  });

  it('emits connect/disconnect events and counts attempts', async () => {
    const events: string[] = [];
    sim.on('connect', (e) => events.push(`connect ${e.clientId}`));
    sim.on('disconnect', (e) => events.push(`disconnect ${e.clientId}`));
    const c = client(await signIn(sim.caFile, sim.apiUrl), 'evented');
    await c.connect();
    await c.close();
    await until(() => events.length === 2);
    assert.deepEqual(events, ['connect evented', 'disconnect evented']);
    assert.ok(sim.connectAttempts >= 1);
  });
});
