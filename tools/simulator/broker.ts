// MQTT 3.1.1 broker (aedes) behind a WSS endpoint that, like AWS IoT, authenticates the WebSocket upgrade by its
// SigV4-presigned query string (docs/protocol.md#mqtt), allows one connection per client id and ages connections out.
import { EventEmitter } from 'node:events';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { CredentialStore } from './credentials';
import { amzDateToMs, parsePresignedQuery, verifyPresignedSignature } from './sigv4';

// aedes 1.x is ESM-only; this file compiles to CommonJS, so it is loaded with a real dynamic import and its types are
// referenced with an explicit resolution mode.
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- false positive: the import type's resolution-mode attribute read as a value
type AedesModule = typeof import('aedes', { with: { 'resolution-mode': 'import' } });
type Aedes = InstanceType<AedesModule['Aedes']>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- as above
type AedesClient = import('aedes', { with: { 'resolution-mode': 'import' } }).Client;

export const IOT_REGION = 'us-east-1';
export const IOT_SERVICE = 'iotdevicegateway';
/** AWS accepts request dates within 15 minutes of its clock. */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface BrokerOptions {
  /** Connections older than this are closed (AWS IoT: 24 h). */
  maxConnectionAgeMs: number;
  /** Topic filters whose SUBSCRIBE is refused with SUBACK 0x80, as an AWS IoT policy without them does. */
  refusedSubscriptions?: RegExp[];
}

/**
 * A client PUBLISH the broker fails on purpose: `lose` swallows it (no PUBACK, not delivered; the connection stays up
 * and answers pings), `disconnect` closes the connection on it (what AWS IoT does with a publish its policy denies).
 */
export interface PublishFault {
  topic: RegExp;
  mode: 'lose' | 'disconnect';
  /** How many matching publishes fail. */
  remaining: number;
}

export interface ConnectionInfo {
  accessKeyId: string;
  email: string;
  connectedAt: number;
  ws: WebSocket;
  stream: Duplex;
  clientId?: string;
  ageTimer?: NodeJS.Timeout;
}

export interface BrokerEvents {
  connect: [{ clientId: string; accessKeyId: string; email: string }];
  disconnect: [{ clientId: string; accessKeyId?: string }];
  rejected: [{ reason: string; accessKeyId?: string }];
}

export class MqttBroker extends EventEmitter<BrokerEvents> {
  connectAttempts = 0;
  rejectedUpgrades = 0;
  private aedes: Aedes | undefined;
  private server: https.Server | undefined;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<ConnectionInfo>();
  private boundPort = 0;
  private readonly publishFaults: PublishFault[] = [];
  private refusedSubscriptions: RegExp[];
  /** Client publishes the faults swallowed or disconnected on, for assertions. */
  readonly failedPublishes: Array<{ topic: string; mode: PublishFault['mode'] }> = [];

  constructor(
    private readonly tls: { cert: string; key: string },
    private readonly credentials: CredentialStore,
    private readonly options: BrokerOptions,
  ) {
    super();
    this.refusedSubscriptions = options.refusedSubscriptions ?? [];
  }

  /** The next `fault.remaining` client publishes to a matching topic fail as the fault says. */
  failPublishes(fault: PublishFault): void {
    this.publishFaults.push({ ...fault });
  }

  /** From now on (new SUBSCRIBEs) these topic filters are refused with SUBACK 0x80; [] refuses none. */
  setRefusedSubscriptions(filters: RegExp[]): void {
    this.refusedSubscriptions = [...filters];
  }

  get port(): number {
    return this.boundPort;
  }

  get running(): boolean {
    return this.server?.listening ?? false;
  }

  /** The aedes instance; it outlives stopBroker()/startBroker() so persistent sessions survive like on AWS. */
  async ensureAedes(): Promise<Aedes> {
    if (this.aedes) return this.aedes;
    const { Aedes } = await import('aedes');
    const aedes = await Aedes.createBroker({
      maxClientsIdLength: 128, // AWS IoT allows 128-character client ids
      // AWS IoT has no QoS 2; refuse it instead of silently upgrading the semantics.
      authorizePublish: (_client, packet, cb) => cb(packet.qos === 2 ? new Error('QoS 2 is not supported') : null),
      // A null subscription is SUBACK 0x80 (MQTT 3.1.1, 3.9.3).
      authorizeSubscribe: (_client, sub, cb) =>
        cb(null, this.refusedSubscriptions.some((r) => r.test(sub.topic)) ? null : { ...sub, qos: sub.qos > 1 ? 1 : sub.qos }),
    });
    aedes.on('client', (client) => {
      const info = this.infoFor(client);
      if (!info) return;
      info.clientId = client.id;
      this.emit('connect', { clientId: client.id, accessKeyId: info.accessKeyId, email: info.email });
    });
    aedes.on('clientDisconnect', (client) => {
      const info = this.infoFor(client);
      this.emit('disconnect', { clientId: client.id, accessKeyId: info?.accessKeyId });
    });
    // Client protocol errors are normal in fault tests; they must not crash the simulator.
    aedes.on('clientError', () => undefined);
    aedes.on('connectionError', () => undefined);
    this.aedes = aedes;
    return aedes;
  }

  async start(port: number): Promise<number> {
    await this.ensureAedes();
    if (this.server) return this.boundPort;
    const server = https.createServer({ cert: this.tls.cert, key: this.tls.key }, (_req, res) => {
      // Only WebSocket upgrades are served here.
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('Upgrade Required');
    });
    server.on('connection', (s: Socket) => this.track(s));
    server.on('secureConnection', (s: Socket) => this.track(s));
    server.on('tlsClientError', () => undefined);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    return this.boundPort;
  }

  /** Stops accepting connections and drops every live one; aedes (sessions, device subscriptions) stays. */
  async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropAll();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stopListening();
    this.wss.close();
    const aedes = this.aedes;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }

  /** Closes every live MQTT connection (the listener stays up, so clients can reconnect). */
  dropAll(): void {
    for (const c of [...this.connections]) this.closeConnection(c);
  }

  /** Closes live connections opened with any of these access keys. */
  dropByAccessKey(accessKeyIds: string[]): void {
    const keys = new Set(accessKeyIds);
    for (const c of [...this.connections]) if (keys.has(c.accessKeyId)) this.closeConnection(c);
  }

  connectedClientIds(): string[] {
    return [...this.connections].filter((c) => c.clientId !== undefined).map((c) => c.clientId as string);
  }

  liveConnections(): ReadonlyArray<Readonly<ConnectionInfo>> {
    return [...this.connections];
  }

  /** Publishes as the cloud/device side (not as an MQTT client). */
  publish(topic: string, payload: Buffer | string): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.resolve();
    return new Promise((resolve) =>
      aedes.publish(
        { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: 1, retain: false, dup: false },
        () => resolve(),
      ),
    );
  }

  /** In-process subscription (used by the simulated devices). Returns an unsubscribe function. */
  async subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>> {
    const aedes = await this.ensureAedes();
    const deliver = (packet: { topic: string; payload: Buffer | string }, cb: () => void): void => {
      try {
        onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
      } finally {
        cb();
      }
    };
    await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, () => resolve()));
    return () => new Promise<void>((resolve) => (this.aedes ? this.aedes.unsubscribe(filter, deliver, () => resolve()) : resolve()));
  }

  private track(s: Socket): void {
    if (this.sockets.has(s)) return;
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private infoFor(client: AedesClient): ConnectionInfo | undefined {
    for (const c of this.connections) if (c.stream === client.conn) return c;
    return undefined;
  }

  private closeConnection(c: ConnectionInfo): void {
    this.connections.delete(c);
    if (c.ageTimer) clearTimeout(c.ageTimer);
    c.ws.terminate();
    c.stream.destroy();
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.connectAttempts++;
    const verdict = this.authorize(req);
    if ('reason' in verdict) {
      this.rejectedUpgrades++;
      this.emit('rejected', { reason: verdict.reason, accessKeyId: verdict.accessKeyId });
      const status = verdict.notFound ? '404 Not Found' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
      // Destroy even if the peer never reads the response.
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const aedes = this.aedes;
    if (!aedes) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const wsStream = createWebSocketStream(ws);
      wsStream.on('error', () => undefined);
      const stream = new PublishFilter(wsStream, (topic) => this.publishVerdict(topic, info));
      stream.on('error', () => undefined);
      const info: ConnectionInfo = { accessKeyId: verdict.accessKeyId, email: verdict.email, connectedAt: Date.now(), ws, stream };
      info.ageTimer = setTimeout(() => this.closeConnection(info), this.options.maxConnectionAgeMs);
      this.connections.add(info);
      ws.on('close', () => {
        this.connections.delete(info);
        if (info.ageTimer) clearTimeout(info.ageTimer);
      });
      aedes.handle(stream, req);
    });
  }

  /** Whether a client PUBLISH reaches aedes; a `disconnect` fault closes the connection instead. */
  private publishVerdict(topic: string, info: ConnectionInfo): boolean {
    const fault = this.publishFaults.find((f) => f.remaining > 0 && f.topic.test(topic));
    if (!fault) return true;
    fault.remaining--;
    this.failedPublishes.push({ topic, mode: fault.mode });
    if (fault.mode === 'disconnect') setImmediate(() => this.closeConnection(info));
    return false;
  }

  private authorize(req: IncomingMessage): { accessKeyId: string; email: string } | { reason: string; accessKeyId?: string; notFound?: boolean } {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    if (path !== '/mqtt') return { reason: `unknown path ${path}`, notFound: true };
    const parsed = parsePresignedQuery(q < 0 ? '' : rawUrl.slice(q + 1));
    if (typeof parsed === 'string') return { reason: parsed };
    const accessKeyId = parsed.accessKeyId;
    if (parsed.region !== IOT_REGION || parsed.service !== IOT_SERVICE) return { reason: `wrong scope ${parsed.region}/${parsed.service}`, accessKeyId };
    const creds = this.credentials.awsCredentials(accessKeyId);
    if (!creds) return { reason: 'unknown access key', accessKeyId };
    if (creds.revoked) return { reason: 'credentials revoked', accessKeyId };
    if (creds.expiresAt <= Date.now()) return { reason: 'credentials expired', accessKeyId };
    // Temporary credentials are only valid together with their session token.
    if (parsed.securityToken !== creds.sessionToken) return { reason: 'X-Amz-Security-Token does not match', accessKeyId };
    const signedAt = amzDateToMs(parsed.amzDate);
    const now = Date.now();
    if (!Number.isFinite(signedAt) || signedAt - now > CLOCK_SKEW_MS) return { reason: 'X-Amz-Date in the future', accessKeyId };
    if (parsed.expiresSeconds !== undefined) {
      if (!Number.isInteger(parsed.expiresSeconds) || parsed.expiresSeconds < 1 || parsed.expiresSeconds > 86400) return { reason: 'invalid X-Amz-Expires', accessKeyId };
      if (now > signedAt + parsed.expiresSeconds * 1000) return { reason: 'presigned URL expired', accessKeyId };
    } else if (now - signedAt > CLOCK_SKEW_MS) {
      return { reason: 'X-Amz-Date too old', accessKeyId };
    }
    if (!verifyPresignedSignature(parsed, req.method ?? 'GET', path, req.headers, creds.secretKey)) {
      return { reason: 'signature does not match', accessKeyId };
    }
    return { accessKeyId, email: creds.email };
  }
}

/**
 * The client-to-broker direction of one connection, cut into MQTT packets so that single PUBLISH packets can be held
 * back (publish faults); everything else, and the broker-to-client direction, passes unchanged.
 */
class PublishFilter extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  /** After bytes that are not MQTT framing, everything passes through unexamined: aedes reports the error. */
  private passThrough = false;

  constructor(private readonly inner: Duplex, private readonly keep: (topic: string) => boolean) {
    super();
    inner.on('data', (data: Buffer) => this.onData(data));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.inner.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.inner.destroy();
    callback(err);
  }

  private onData(data: Buffer): void {
    if (this.passThrough) {
      this.forward(data);
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    for (;;) {
      const size = packetSize(this.pending);
      if (size === 'invalid') {
        this.passThrough = true;
        this.forward(this.pending);
        this.pending = Buffer.alloc(0);
        return;
      }
      if (size === undefined || this.pending.length < size) return;
      const packet = this.pending.subarray(0, size);
      this.pending = this.pending.subarray(size);
      if (this.shouldPass(packet)) this.forward(packet);
    }
  }

  private shouldPass(packet: Buffer): boolean {
    if (packet[0] >> 4 !== 3) return true; // not a PUBLISH
    const body = packet.subarray(headerLength(packet));
    if (body.length < 2) return true;
    return this.keep(body.toString('utf8', 2, 2 + body.readUInt16BE(0)));
  }

  private forward(bytes: Buffer): void {
    if (!this.push(bytes)) this.inner.pause();
  }
}

/** Bytes of the fixed header (type byte and remaining-length varint) of a complete header. */
function headerLength(bytes: Buffer): number {
  let i = 1;
  while (bytes[i] & 0x80) i++;
  return i + 1;
}

/** Total size of the first packet, undefined while its header is incomplete, 'invalid' for a varint over 4 bytes. */
function packetSize(bytes: Buffer): number | undefined | 'invalid' {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i < Math.min(bytes.length, 5); i++) {
    length += (bytes[i] & 0x7f) * multiplier;
    if ((bytes[i] & 0x80) === 0) return i + 1 + length;
    multiplier *= 128;
  }
  return bytes.length >= 5 ? 'invalid' : undefined;
}
