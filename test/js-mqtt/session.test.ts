import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { buildStatusRequest, clientReplyFilter, deviceTopicFilter } from '../../src/shared/codec';
import { Endpoints, loadEndpoints } from '../../src/shared/endpoints';
import { JsMqttSession, MqttPacket, PacketParser, encodePublish } from '../../src/shared/js-mqtt';
import { SdkUnavailableError } from '../../src/shared/errors';
import { loadSdk } from '../../src/shared/aws-sdk-transport';
import { MqttSessionOptions, TransportFailure, describeFailure } from '../../src/shared/mqtt-transport';
import { AwsCredentials, NavilinkRestClient } from '../../src/shared/rest-client';
import { openMqttSession, selectTransport } from '../../src/shared/transport-select';
import { defaultTestCertDir, ensureCerts } from '../../tools/simulator/certs';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../tools/simulator/simulator';
import { delay, nextEvent, waitFor } from '../helpers/wait';

const MAC = '0a1b2c3d4e5f';

describe('js-mqtt transport against the simulator', function () {
  this.timeout(30_000);
  let sim: NavilinkSimulator;
  let endpoints: Endpoints;
  const sessions: JsMqttSession[] = [];
  let idCounter = 0;

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
    endpoints = await loadEndpoints({ apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile }, {});
  });
  after(async () => {
    await sim?.stop();
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  async function credentials(): Promise<AwsCredentials> {
    return (await new NavilinkRestClient(endpoints).signIn(DEFAULT_EMAIL, DEFAULT_PASSWORD)).aws;
  }

  function options(creds: AwsCredentials, overrides: Partial<MqttSessionOptions> = {}): MqttSessionOptions {
    return { endpoints, credentials: creds, clientId: `navien-js-${process.pid}-${++idCounter}`, keepAliveSeconds: 60, operationTimeoutMs: 5_000, ...overrides };
  }

  async function open(opts: MqttSessionOptions): Promise<JsMqttSession> {
    const { session, sessionPresent } = await JsMqttSession.open(opts);
    assert.equal(sessionPresent, false, 'clean session');
    sessions.push(session as JsMqttSession);
    return session as JsMqttSession;
  }

  it('connects with sign-in credentials, subscribes, publishes a status request and receives the reply', async () => {
    const opts = options(await credentials());
    const session = await open(opts);
    assert.equal(session.isClosed, false);
    assert.ok(sim.connectedClientIds().includes(opts.clientId));
    await session.subscribe(deviceTopicFilter(52, MAC));
    await session.subscribe(clientReplyFilter(52, opts.clientId));
    const request = buildStatusRequest({ clientId: opts.clientId, sessionId: 'js-test-1', device: { mac: MAC, deviceType: 52, additionalValue: '1234' } });
    const reply = nextEvent<[string, Buffer]>(session, 'message', (topic, payload) =>
      topic === (request.payload.responseTopic as string) && JSON.parse(payload.toString()).response?.status !== undefined);
    await session.publish(request.topic, request.payload);
    const [, payload] = await reply;
    const body = JSON.parse(payload.toString());
    assert.equal(body.sessionID, 'js-test-1');
    assert.equal(body.response.status.dhwTemperatureSetting, sim.device(MAC).snapshot().dhwTemperatureSetting);
  });

  it('receives QoS 1 messages published by the cloud side', async () => {
    const session = await open(options(await credentials()));
    await session.subscribe('test/js/#');
    const got: string[] = [];
    session.on('message', (topic: string, payload: Buffer) => got.push(`${topic}=${payload.toString()}`));
    await sim.publish('test/js/a', { n: 1 });
    await waitFor(() => got.length >= 1, 'message');
    assert.equal(got[0], 'test/js/a={"n":1}');
  });

  it('refuses a revoked key at the upgrade: authRejected, WEBSOCKET_UPGRADE_REFUSED_403', async () => {
    const creds = await credentials();
    sim.revokeCredentials(creds.accessKeyId);
    const rejectedBefore = sim.rejectedUpgrades;
    const err = await JsMqttSession.open(options(creds)).then(
      () => assert.fail('connected with revoked credentials'),
      (e: unknown) => e,
    );
    // Classified by the same function the account connection uses for the SDK's errors.
    const failure = describeFailure(err);
    assert.equal(failure.authRejected, true);
    assert.equal(failure.name, 'WEBSOCKET_UPGRADE_REFUSED_403');
    assert.equal(failure.code, 403);
    assert.equal(sim.rejectedUpgrades, rejectedBefore + 1);
  });

  it('refuses a forged secret and a wrong session token the same way', async () => {
    const creds = await credentials();
    for (const bad of [{ ...creds, secretAccessKey: creds.secretAccessKey + 'x' }, { ...creds, sessionToken: creds.sessionToken.slice(1) }]) {
      await assert.rejects(JsMqttSession.open(options(bad)), (e: unknown) => describeFailure(e).authRejected);
    }
  });

  it('emits exactly one interrupted when the broker drops the connection, then stays closed', async () => {
    const session = await open(options(await credentials()));
    await session.subscribe(deviceTopicFilter(52, MAC));
    const failures: TransportFailure[] = [];
    session.on('interrupted', (f: TransportFailure) => failures.push(f));
    sim.dropAllConnections();
    await waitFor(() => failures.length > 0, 'interrupted');
    assert.equal(session.isClosed, true);
    // Resolves once the socket is closed (it sends nothing on an interrupted session): every socket event that
    // could report the interruption again has fired by then.
    await session.close();
    assert.equal(failures.length, 1);
    assert.equal(failures[0].authRejected, false);
    assert.match(failures[0].name, /^WEBSOCKET_CLOSED_|^ECONNRESET$/);
    assert.equal(session.isClosed, true);
    await assert.rejects(session.publish('x', {}), /closed/);
    await assert.rejects(session.subscribe('x'), /closed/);
  });

  it('fails a publish in flight and interrupts once when the broker stops; a connect while it is down is not an auth failure', async () => {
    const session = await open(options(await credentials()));
    const interrupted = nextEvent<[TransportFailure]>(session, 'interrupted');
    let count = 0;
    session.on('interrupted', () => count++);
    await sim.stopBroker();
    try {
      const [failure] = await interrupted;
      assert.equal(failure.authRejected, false);
      const down = await JsMqttSession.open(options(await credentials())).then(() => assert.fail('connected to a stopped broker'), (e: unknown) => e);
      assert.equal(describeFailure(down).authRejected, false);
      assert.equal(describeFailure(down).name, 'ECONNREFUSED');
    } finally {
      await sim.startBroker();
    }
    assert.equal(count, 1);
  });

  it('does not trust the simulator without its CA: TLS verification is on', async () => {
    const noCa = await loadEndpoints({ apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint }, {});
    const err = await JsMqttSession.open({ ...options(await credentials()), endpoints: noCa }).then(() => assert.fail('connected without trusting the CA'), (e: unknown) => e);
    const failure = describeFailure(err);
    assert.equal(failure.authRejected, false);
    assert.match(failure.name, /CERT|SIGNATURE|ISSUER/);
  });

  it('a second connection with the same client id takes over; the first is interrupted once', async () => {
    const creds = await credentials();
    const opts = options(creds);
    const first = await open(opts);
    const firstDown = nextEvent<[TransportFailure]>(first, 'interrupted');
    const firstGone = nextEvent(sim, 'disconnect', (e: { clientId: string }) => e.clientId === opts.clientId);
    const second = await open(opts);
    await firstDown;
    await firstGone; // the broker has let go of the first
    await second.publish('test/js/after-takeover', {}); // and still serves the second (PUBACK)
    assert.equal(second.isClosed, false);
    assert.deepEqual(sim.connectedClientIds().filter((id) => id === opts.clientId), [opts.clientId]);
  });

  it('close() disconnects cleanly, twice is harmless, and the broker sees the client leave', async () => {
    const opts = options(await credentials());
    const session = await open(opts);
    let interrupted = 0;
    session.on('interrupted', () => interrupted++);
    await Promise.all([session.close(), session.close()]);
    await session.close();
    assert.equal(session.isClosed, true);
    await waitFor(() => !sim.connectedClientIds().includes(opts.clientId), 'client gone at the broker');
    assert.equal(interrupted, 0, 'a close is not an interruption');
  });

  it('NAVIEN_MQTT_TRANSPORT selects the transport: js, native, auto and unknown values', async () => {
    let sdkLoads = true;
    try {
      loadSdk();
    } catch {
      sdkLoads = false; // e.g. installed with --omit=optional
    }
    const auto = sdkLoads ? 'native' : 'js';
    assert.equal(selectTransport({ NAVIEN_MQTT_TRANSPORT: 'js' }), 'js');
    assert.equal(selectTransport({ NAVIEN_MQTT_TRANSPORT: 'JS' }), 'js');
    if (sdkLoads) assert.equal(selectTransport({ NAVIEN_MQTT_TRANSPORT: 'native' }), 'native');
    else assert.throws(() => selectTransport({ NAVIEN_MQTT_TRANSPORT: 'native' }), SdkUnavailableError);
    assert.equal(selectTransport({}), auto);
    assert.equal(selectTransport({ NAVIEN_MQTT_TRANSPORT: 'auto' }), auto);
    assert.throws(() => selectTransport({ NAVIEN_MQTT_TRANSPORT: 'mqttjs' }), /use auto, native or js/);
    await assert.rejects(openMqttSession(options(await credentials()), { NAVIEN_MQTT_TRANSPORT: 'bogus' }), /NAVIEN_MQTT_TRANSPORT/);
    const { session } = await openMqttSession(options(await credentials()), { NAVIEN_MQTT_TRANSPORT: 'js' });
    sessions.push(session as JsMqttSession);
    assert.ok(session instanceof JsMqttSession);
  });

  it('auto falls back to the JS transport where aws-iot-device-sdk-v2 cannot load (child process without the SDK)', async () => {
    // A child process in which requiring the SDK fails the way a missing/unbuildable aws-crt does.
    const root = path.resolve(__dirname, '..', '..');
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === 'aws-iot-device-sdk-v2' || request.startsWith('aws-crt')) throw new Error("Cannot find module 'aws-crt/dist/bin/linux-arm/aws-crt-nodejs.node'");
        return load.call(this, request, ...rest);
      };
      const { openMqttSession, selectTransport } = require(${JSON.stringify(path.join(root, 'src/shared/transport-select.js'))});
      const { loadEndpoints } = require(${JSON.stringify(path.join(root, 'src/shared/endpoints.js'))});
      const { NavilinkRestClient } = require(${JSON.stringify(path.join(root, 'src/shared/rest-client.js'))});
      (async () => {
        const endpoints = await loadEndpoints(${JSON.stringify({ apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })}, {});
        const tokens = await new NavilinkRestClient(endpoints).signIn(${JSON.stringify(DEFAULT_EMAIL)}, ${JSON.stringify(DEFAULT_PASSWORD)});
        const kind = selectTransport({});
        let nativeError = '';
        try { selectTransport({ NAVIEN_MQTT_TRANSPORT: 'native' }); } catch (e) { nativeError = e.code; }
        const { session } = await openMqttSession({ endpoints, credentials: tokens.aws, clientId: 'navien-js-fallback-${process.pid}', keepAliveSeconds: 60, operationTimeoutMs: 5000 }, {});
        await session.subscribe('cmd/52/navilink-${MAC}/#');
        await session.close();
        process.stdout.write(JSON.stringify({ kind, cls: session.constructor.name, nativeError }));
      })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out), { kind: 'js', cls: 'JsMqttSession', nativeError: 'SDK_UNAVAILABLE' });
  });
});

/**
 * A scripted broker speaking raw MQTT over WSS (the simulator's test certificate), for behaviour the simulator's
 * well-behaved broker never shows: refused CONNACKs and subscriptions, missing acks and ping responses, odd framing.
 */
class FakeBroker {
  readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  readonly received: MqttPacket[] = [];
  socket: WebSocket | undefined;
  onPacket: (packet: MqttPacket, ws: WebSocket) => void = () => undefined;
  private server: https.Server | undefined;
  upgradeStatus: number | undefined;

  async start(): Promise<string> {
    const certs = ensureCerts(defaultTestCertDir());
    const server = https.createServer({ cert: certs.cert, key: certs.key });
    server.on('upgrade', (req, socket, head) => {
      if (this.upgradeStatus) {
        socket.end(`HTTP/1.1 ${this.upgradeStatus} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.socket = ws;
        const parser = new PacketParser();
        ws.on('message', (data: Buffer) => {
          for (const p of parser.push(data)) {
            this.received.push(p);
            this.onPacket(p, ws);
          }
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `localhost:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

describe('js-mqtt transport against a scripted broker', function () {
  this.timeout(20_000);
  let broker: FakeBroker;
  let endpoints: Endpoints;
  const sessions: JsMqttSession[] = [];
  const creds: AwsCredentials = { accessKeyId: 'ASIAFAKE', secretAccessKey: 'secret', sessionToken: 'token+/=', expiresAt: Date.now() + 3_600_000 };

  beforeEach(async () => {
    broker = new FakeBroker();
    const iotEndpoint = await broker.start();
    endpoints = await loadEndpoints({ apiUrl: 'https://localhost:1/api', iotEndpoint, caFile: ensureCerts(defaultTestCertDir()).caFile }, {});
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await broker.stop();
  });

  function opts(overrides: Partial<MqttSessionOptions> = {}): MqttSessionOptions {
    return { endpoints, credentials: creds, clientId: 'fake-client', keepAliveSeconds: 60, operationTimeoutMs: 2_000, ...overrides };
  }
  async function open(overrides: Partial<MqttSessionOptions> = {}): Promise<JsMqttSession> {
    const { session } = await JsMqttSession.open(opts(overrides));
    sessions.push(session as JsMqttSession);
    return session as JsMqttSession;
  }
  /** Answers CONNECT, SUBSCRIBE and QoS 1 PUBLISH like a normal broker unless `script` handled the packet. */
  function behave(script: (p: MqttPacket, ws: WebSocket) => boolean = () => false): void {
    broker.onPacket = (p, ws) => {
      if (script(p, ws)) return;
      if (p.type === 'other' && p.packetType === 1) ws.send(CONNACK_OK);
      else if (p.type === 'other' && p.packetType === 8) ws.send(Buffer.from([0x90, 0x03, p.body[0], p.body[1], 0x01]));
      else if (p.type === 'publish' && p.qos === 1) ws.send(Buffer.from([0x40, 0x02, (p.packetId as number) >> 8, (p.packetId as number) & 0xff]));
      else if (p.type === 'pingreq') ws.send(Buffer.from([0xd0, 0x00]));
    };
  }

  it('sends CONNECT with clean session, the client id and the keep-alive', async () => {
    behave();
    await open({ keepAliveSeconds: 120 });
    const connect = broker.received[0] as Extract<MqttPacket, { type: 'other' }>;
    assert.equal(connect.packetType, 1);
    const body = connect.body;
    assert.equal(body.toString('utf8', 2, 6), 'MQTT');
    assert.equal(body[6], 4, 'protocol level 3.1.1');
    assert.equal(body[7], 0x02, 'clean session, no will, no credentials');
    assert.equal(body.readUInt16BE(8), 120);
    assert.equal(body.toString('utf8', 12), 'fake-client');
  });

  it('maps CONNACK return codes to errors (5 = not authorized -> authRejected)', async () => {
    behave((p, ws) => p.type === 'other' && p.packetType === 1 && (ws.send(Buffer.from([0x20, 0x02, 0x00, 0x05])), true));
    const err = await JsMqttSession.open(opts()).then(() => assert.fail('connected'), (e: unknown) => e);
    assert.deepEqual(describeFailure(err), { name: 'CONNACK_NOT_AUTHORIZED', code: 5, message: 'MQTT connection refused by the broker: not authorized (CONNACK 5)', authRejected: true });
    behave((p, ws) => p.type === 'other' && p.packetType === 1 && (ws.send(Buffer.from([0x20, 0x02, 0x00, 0x03])), true));
    await assert.rejects(JsMqttSession.open(opts()), (e: unknown) => describeFailure(e).name === 'CONNACK_SERVER_UNAVAILABLE' && !describeFailure(e).authRejected);
  });

  it('a 403 on the upgrade is authRejected; a 503 is not', async () => {
    broker.upgradeStatus = 403;
    await assert.rejects(JsMqttSession.open(opts()), (e: unknown) => describeFailure(e).authRejected && describeFailure(e).name === 'WEBSOCKET_UPGRADE_REFUSED_403');
    broker.upgradeStatus = 503;
    await assert.rejects(JsMqttSession.open(opts()), (e: unknown) => !describeFailure(e).authRejected && describeFailure(e).name === 'WEBSOCKET_HANDSHAKE_HTTP_503');
  });

  it('times out a connect that gets no CONNACK', async () => {
    broker.onPacket = () => undefined;
    const started = Date.now();
    await assert.rejects(JsMqttSession.open(opts({ operationTimeoutMs: 500 })), (e: unknown) => describeFailure(e).name === 'TIMEOUT');
    assert.ok(Date.now() - started < 2_000);
  });

  it('rejects a subscription refused with 0x80 and keeps the connection', async () => {
    behave((p, ws) => p.type === 'other' && p.packetType === 8 && (ws.send(Buffer.from([0x90, 0x03, p.body[0], p.body[1], 0x80])), true));
    const session = await open();
    await assert.rejects(session.subscribe('not/allowed'), /subscription to not\/allowed refused by the broker/);
    assert.equal(session.isClosed, false);
  });

  it('resolves publish() only on its PUBACK, and times out without one', async () => {
    let ackLater: (() => void) | undefined;
    behave((p, ws) => {
      if (p.type !== 'publish') return false;
      if ((JSON.parse(p.payload.toString()) as { drop?: boolean }).drop) return true;
      ackLater = () => ws.send(Buffer.from([0x40, 0x02, (p.packetId as number) >> 8, (p.packetId as number) & 0xff]));
      return true;
    });
    const session = await open({ operationTimeoutMs: 600 });
    let resolved = false;
    const sent = session.publish('a/b', { n: 1 }).then(() => (resolved = true));
    await waitFor(() => ackLater, 'publish at the broker');
    await delay(100);
    assert.equal(resolved, false, 'not before the PUBACK');
    (ackLater as () => void)();
    await sent;
    const published = broker.received.find((p) => p.type === 'publish') as Extract<MqttPacket, { type: 'publish' }>;
    assert.equal(published.qos, 1);
    assert.equal(published.retain, false);
    assert.deepEqual(JSON.parse(published.payload.toString()), { n: 1 });
    await assert.rejects(session.publish('a/b', { drop: true }), (e: unknown) => describeFailure(e).name === 'TIMEOUT');
    assert.equal(session.isClosed, false, 'an operation timeout alone does not end the session');
  });

  it('answers inbound QoS 1 with PUBACK and parses packets split across and merged within frames', async () => {
    behave();
    const session = await open();
    const got: string[] = [];
    session.on('message', (topic: string, payload: Buffer) => got.push(`${topic}:${payload.toString()}`));
    const ws = broker.socket as WebSocket;
    const a = encodePublish('x/1', Buffer.from('one'), 1, 41);
    const b = encodePublish('x/2', Buffer.alloc(200, 0x7a), 0);
    const c = encodePublish('x/3', Buffer.from('three'), 1, 42);
    const empty = encodePublish('x/4', Buffer.alloc(0), 0);
    const stream = Buffer.concat([a, b, c, empty]);
    ws.send(stream.subarray(0, 3));
    ws.send(stream.subarray(3, a.length + 10));
    ws.send(stream.subarray(a.length + 10));
    await waitFor(() => got.length === 4, 'four messages');
    assert.deepEqual(got, ['x/1:one', `x/2:${'z'.repeat(200)}`, 'x/3:three', 'x/4:']);
    await waitFor(() => broker.received.filter((p) => p.type === 'puback').length === 2, 'two PUBACKs');
    assert.deepEqual(broker.received.filter((p) => p.type === 'puback').map((p) => (p as { packetId: number }).packetId), [41, 42]);
  });

  it('a throwing message listener does not break the connection', async () => {
    behave();
    const session = await open();
    session.on('message', () => {
      throw new Error('listener bug');
    });
    (broker.socket as WebSocket).send(encodePublish('x/1', Buffer.from('1'), 1, 1));
    await waitFor(() => broker.received.some((p) => p.type === 'puback'), 'PUBACK');
    assert.equal(session.isClosed, false);
    await session.publish('y', {});
  });

  it('pings on the keep-alive and declares the connection dead when PINGRESP does not come', async () => {
    let answerPings = true;
    behave((p) => p.type === 'pingreq' && !answerPings);
    const session = await open({ keepAliveSeconds: 1 });
    const interrupted = nextEvent<[TransportFailure]>(session, 'interrupted', () => true, 10_000);
    // The second PINGREQ comes a keep-alive after the first: later than a missing PINGRESP would have ended it.
    await waitFor(() => broker.received.filter((p) => p.type === 'pingreq').length >= 2, 'a second PINGREQ', 4_000);
    assert.equal(session.isClosed, false, 'answered pings keep it alive');
    answerPings = false;
    const [failure] = await interrupted;
    assert.equal(failure.name, 'PING_TIMEOUT');
    assert.equal(failure.authRejected, false);
    assert.equal(session.isClosed, true);
  });

  it('a malformed packet from the broker interrupts with a protocol error', async () => {
    behave();
    const session = await open();
    const interrupted = nextEvent<[TransportFailure]>(session, 'interrupted');
    (broker.socket as WebSocket).send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    const [failure] = await interrupted;
    assert.equal(failure.name, 'MQTT_PROTOCOL_ERROR');
  });

  it('sends DISCONNECT on close', async () => {
    behave();
    const session = await open();
    await session.close();
    await waitFor(() => broker.received.some((p) => p.type === 'disconnect'), 'DISCONNECT at the broker');
  });
});
