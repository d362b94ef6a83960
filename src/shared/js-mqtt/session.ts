// A pure-JavaScript MQTT 3.1.1 client over a SigV4-presigned WebSocket, for platforms where the AWS IoT Device SDK's
// native binding (aws-crt) cannot load, e.g. 32-bit ARM. Same contract as AwsSdkSession (aws-sdk-transport.ts): one
// connection, QoS 1 subscribe/publish, and on any interruption one 'interrupted' event and then nothing - it never
// reconnects by itself; the account connection decides about backoff and sign-in.
import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { SecureContext } from 'node:tls';
import WebSocket from 'ws';
import type { MqttSessionOptions, MqttTransportSession, OpenedSession, TransportFailure } from '../mqtt-transport';
import { presignMqttUrl } from '../sigv4-presign';
import { trustStoreFor } from '../trust-store';
import {
  CONNACK_ERRORS,
  MqttPacket,
  MqttProtocolError,
  PacketParser,
  SUBACK_FAILURE,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
} from './packets';

/** AWS IoT accepts at most 128 KB per message; anything far beyond that is not from a sane broker. */
const MAX_PACKET_BYTES = 1024 * 1024;
const DISCONNECT_GRACE_MS = 5_000;
const MQTT_SUBPROTOCOL = 'mqtt';

/**
 * An error carrying a TransportFailure. `error_name`/`error_code` are what describeFailure() (mqtt-transport.ts) reads,
 * so the account connection classifies these exactly like the SDK's errors.
 */
export class MqttTransportError extends Error implements TransportFailure {
  override readonly name: string;
  readonly error_name: string;
  readonly error_code: number | undefined;
  readonly code: number | undefined;
  readonly authRejected: boolean;

  constructor(failure: TransportFailure) {
    super(failure.message);
    this.name = failure.name;
    this.error_name = failure.name;
    this.error_code = failure.code;
    this.code = failure.code;
    this.authRejected = failure.authRejected;
  }

  toFailure(): TransportFailure {
    return { name: this.error_name, code: this.error_code, message: this.message, authRejected: this.authRejected };
  }
}

/** TransportFailure from anything thrown or emitted on the way (socket, TLS, WebSocket, MQTT). */
export function describeJsFailure(err: unknown): TransportFailure {
  if (err instanceof MqttTransportError) return err.toFailure();
  if (err instanceof MqttProtocolError) return { name: 'MQTT_PROTOCOL_ERROR', message: `MQTT protocol error: ${err.message}`, authRejected: false };
  const e = err as NodeJS.ErrnoException | undefined;
  const message = e?.message ?? String(err);
  const name = typeof e?.code === 'string' && e.code ? e.code : e instanceof Error && e.name !== 'Error' ? e.name : 'WEBSOCKET_ERROR';
  return { name, message, authRejected: false };
}

/** The HTTP answer to the upgrade request was not 101: 401/403 mean the presigned credentials were refused. */
export function upgradeRefusal(status: number, statusText: string | undefined): TransportFailure {
  const text = `${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 401 || status === 403) {
    return {
      name: `WEBSOCKET_UPGRADE_REFUSED_${status}`,
      code: status,
      message: `WebSocket upgrade refused with HTTP ${text}: the AWS credentials were rejected (expired or revoked)`,
      authRejected: true,
    };
  }
  return { name: `WEBSOCKET_HANDSHAKE_HTTP_${status}`, code: status, message: `WebSocket handshake failed with HTTP ${text}`, authRejected: false };
}

interface Pending {
  kind: 'puback' | 'suback';
  what: string;
  resolve: (returnCodes?: number[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type Phase = 'connecting' | 'connected' | 'closed';

export class JsMqttSession extends EventEmitter implements MqttTransportSession {
  private phase: Phase = 'connecting';
  private closing: Promise<void> | undefined;
  private readonly parser = new PacketParser(MAX_PACKET_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextPacketId = 1;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private connectSettle: { resolve: (sessionPresent: boolean) => void; reject: (err: Error) => void } | undefined;
  private socketError: Error | undefined;
  private readonly keepAliveMs: number;
  private readonly pingTimeoutMs: number;

  private constructor(
    private readonly ws: WebSocket,
    private readonly options: MqttSessionOptions,
  ) {
    super();
    this.keepAliveMs = options.keepAliveSeconds * 1000;
    // The same ping timeout the SDK transport uses: half the keep-alive, at most 30 s.
    this.pingTimeoutMs = Math.min(30_000, options.keepAliveSeconds * 500);
  }

  /** Opens the WebSocket, sends CONNECT and resolves on a successful CONNACK (clean session). */
  static async open(options: MqttSessionOptions): Promise<OpenedSession> {
    const { url, hostHeader } = presignMqttUrl(options.endpoints, options.credentials);
    const wsOptions: WebSocket.ClientOptions & { secureContext?: SecureContext } = {
      // Verification stays on: the system roots, plus the configured extra CA when there is one (its trust store is
      // built once per process and shared, trust-store.ts).
      secureContext: trustStoreFor(options.endpoints)?.secureContext,
      rejectUnauthorized: true,
      // Exactly the value that was signed; node would derive the same, this makes the agreement explicit.
      headers: { Host: hostHeader },
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: MAX_PACKET_BYTES,
    };
    // ws hands its options on to tls.connect, which takes the secureContext as it is.
    const ws = new WebSocket(url, MQTT_SUBPROTOCOL, wsOptions);
    const session = new JsMqttSession(ws, options);
    const sessionPresent = await session.start();
    return { session, sessionPresent };
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  async subscribe(topicFilter: string): Promise<void> {
    const packetId = this.allocatePacketId();
    const done = this.expect(packetId, 'suback', `MQTT subscribe to ${topicFilter}`);
    this.send(encodeSubscribe(packetId, topicFilter, 1));
    const returnCodes = (await done) ?? [];
    // 0x80 is MQTT 3.1.1's SUBACK failure code (e.g. a topic the cloud's policy does not allow).
    if (returnCodes[0] === SUBACK_FAILURE) throw new Error(`subscription to ${topicFilter} refused by the broker`);
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    const packetId = this.allocatePacketId();
    const done = this.expect(packetId, 'puback', `MQTT publish to ${topic}`);
    this.send(encodePublish(topic, Buffer.from(JSON.stringify(payload), 'utf8'), 1, packetId));
    await done;
  }

  /** Sends DISCONNECT and closes the WebSocket; safe to call more than once. */
  close(): Promise<void> {
    const wasConnected = this.phase === 'connected';
    this.phase = 'closed';
    this.closing ??= (async () => {
      this.stopTimers();
      this.rejectAll(new MqttTransportError({ name: 'CLOSED', message: 'MQTT session closed', authRejected: false }));
      this.connectSettle?.reject(new MqttTransportError({ name: 'CLOSED', message: 'MQTT session closed while connecting', authRejected: false }));
      this.connectSettle = undefined;
      if (wasConnected && this.ws.readyState === WebSocket.OPEN) {
        await new Promise<void>((resolve) => this.ws.send(encodeDisconnect(), () => resolve()));
      }
      await this.closeSocket();
      this.removeAllListeners();
    })();
    return this.closing;
  }

  // ---- connection life cycle ----

  private start(): Promise<boolean> {
    const ws = this.ws;
    const settled = new Promise<boolean>((resolve, reject) => {
      this.connectSettle = { resolve, reject };
    });
    this.connectTimer = setTimeout(
      () => this.fail({ name: 'TIMEOUT', message: `MQTT connect timed out after ${this.options.operationTimeoutMs} ms`, authRejected: false }),
      this.options.operationTimeoutMs,
    );
    ws.on('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      res.resume();
      this.fail(upgradeRefusal(res.statusCode ?? 0, res.statusMessage));
    });
    ws.on('error', (err: Error) => {
      this.socketError ??= err;
      this.fail(describeJsFailure(err));
    });
    ws.on('open', () => {
      if (this.phase !== 'connecting') return;
      this.send(encodeConnect({ clientId: this.options.clientId, keepAliveSeconds: this.options.keepAliveSeconds, cleanSession: true }));
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onData(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      const detail = reason.length ? `, ${reason.toString('utf8')}` : '';
      const cause = this.socketError ? describeJsFailure(this.socketError) : undefined;
      this.fail(cause ?? { name: `WEBSOCKET_CLOSED_${code}`, code, message: `the broker closed the connection (WebSocket close ${code}${detail})`, authRejected: false });
    });
    return settled;
  }

  private onData(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    if (!isBinary) {
      this.fail({ name: 'MQTT_PROTOCOL_ERROR', message: 'MQTT protocol error: text WebSocket frame', authRejected: false });
      return;
    }
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    let packets: MqttPacket[];
    try {
      packets = this.parser.push(bytes);
    } catch (err) {
      this.fail(describeJsFailure(err));
      return;
    }
    for (const packet of packets) {
      if (this.isClosed) return; // an earlier packet in this frame ended it
      this.onPacket(packet);
    }
  }

  private onPacket(packet: MqttPacket): void {
    if (this.phase === 'connecting') {
      if (packet.type !== 'connack') {
        this.fail({ name: 'MQTT_PROTOCOL_ERROR', message: `MQTT protocol error: ${packet.type} before CONNACK`, authRejected: false });
        return;
      }
      if (packet.returnCode !== 0) {
        const known = CONNACK_ERRORS[packet.returnCode];
        this.fail({
          name: known?.name ?? `CONNACK_REFUSED_${packet.returnCode}`,
          code: packet.returnCode,
          message: `MQTT connection refused by the broker: ${known?.text ?? 'unknown reason'} (CONNACK ${packet.returnCode})`,
          authRejected: packet.returnCode === 4 || packet.returnCode === 5,
        });
        return;
      }
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
      this.phase = 'connected';
      this.armKeepAlive();
      const settle = this.connectSettle;
      this.connectSettle = undefined;
      settle?.resolve(packet.sessionPresent);
      return;
    }
    switch (packet.type) {
      case 'publish':
        this.onPublish(packet);
        return;
      case 'puback':
      case 'suback': {
        const pending = this.pending.get(packet.packetId);
        // An ack for something that timed out already: harmless.
        if (!pending || pending.kind !== packet.type) return;
        this.pending.delete(packet.packetId);
        clearTimeout(pending.timer);
        pending.resolve(packet.type === 'suback' ? packet.returnCodes : undefined);
        return;
      }
      case 'pingresp':
        clearTimeout(this.pingTimer);
        this.pingTimer = undefined;
        return;
      case 'unsuback':
        return;
      default:
        this.fail({ name: 'MQTT_PROTOCOL_ERROR', message: `MQTT protocol error: unexpected ${packet.type === 'other' ? `packet type ${packet.packetType}` : packet.type} from the broker`, authRejected: false });
    }
  }

  private onPublish(packet: Extract<MqttPacket, { type: 'publish' }>): void {
    if (packet.qos === 2) {
      // AWS IoT has no QoS 2 and we never subscribe with it.
      this.fail({ name: 'MQTT_PROTOCOL_ERROR', message: 'MQTT protocol error: QoS 2 publish from the broker', authRejected: false });
      return;
    }
    if (packet.qos === 1) this.send(encodePuback(packet.packetId as number));
    try {
      this.emit('message', packet.topic, packet.payload);
    } catch {
      // A listener's own failure must not tear down the connection or escape into the socket's event loop.
    }
  }

  /**
   * The one way a connection ends other than close(): while connecting, the open() promise rejects; once
   * connected, 'interrupted' is emitted once. Either way the socket is torn down and nothing reconnects.
   */
  private fail(failure: TransportFailure): void {
    if (this.phase === 'closed') return;
    const wasConnecting = this.phase === 'connecting';
    const settle = this.connectSettle;
    this.connectSettle = undefined;
    this.phase = 'closed';
    this.stopTimers();
    const error = new MqttTransportError(failure);
    this.rejectAll(error);
    this.closing ??= this.closeSocket().then(() => {
      this.removeAllListeners();
    });
    if (wasConnecting) {
      settle?.reject(error);
      return;
    }
    this.emit('interrupted', failure);
  }

  private closeSocket(): Promise<void> {
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, DISCONNECT_GRACE_MS);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) {
        ws.close(1000);
      } else if (ws.readyState === WebSocket.CONNECTING) {
        // Aborts the upgrade request; ws then emits 'error' (ignored: the session is closed) and 'close'.
        ws.terminate();
      }
      // CLOSING: the 'close' event follows.
    });
  }

  // ---- keep-alive ----

  private armKeepAlive(): void {
    if (this.keepAliveMs <= 0) return;
    // Any packet we send counts as activity (MQTT 3.1.1, 3.1.2.10); send() refreshes this timer.
    this.keepAliveTimer = setTimeout(() => this.ping(), this.keepAliveMs);
  }

  private ping(): void {
    if (this.phase !== 'connected') return;
    this.send(encodePingreq());
    if (!this.pingTimer) {
      this.pingTimer = setTimeout(
        () => this.fail({ name: 'PING_TIMEOUT', message: `no PINGRESP within ${this.pingTimeoutMs} ms: the connection is dead`, authRejected: false }),
        this.pingTimeoutMs,
      );
    }
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.keepAliveTimer);
    clearTimeout(this.pingTimer);
    this.connectTimer = this.keepAliveTimer = this.pingTimer = undefined;
  }

  // ---- operations ----

  private send(bytes: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(bytes, { binary: true }, (err) => {
      if (err) this.fail(describeJsFailure(err));
    });
    this.keepAliveTimer?.refresh();
  }

  private allocatePacketId(): number {
    for (let i = 0; i < 0xffff; i++) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 0xffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
    throw new Error('no free MQTT packet id: 65535 operations in flight');
  }

  private expect(packetId: number, kind: Pending['kind'], what: string): Promise<number[] | undefined> {
    if (this.phase !== 'connected') {
      return Promise.reject(new MqttTransportError({ name: 'CLOSED', message: `${what}: the MQTT session is closed`, authRejected: false }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(packetId);
        reject(new MqttTransportError({ name: 'TIMEOUT', message: `${what} timed out after ${this.options.operationTimeoutMs} ms`, authRejected: false }));
      }, this.options.operationTimeoutMs);
      this.pending.set(packetId, { kind, what, resolve, reject, timer });
    });
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new MqttTransportError({ ...describeJsFailure(error), message: `${p.what} failed: ${error.message}` }));
    }
  }
}
