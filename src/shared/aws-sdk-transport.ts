import { EventEmitter } from 'node:events';
import type * as Sdk from 'aws-iot-device-sdk-v2';
import { AWS_REGION, trustedCas } from './endpoints';
import { SdkUnavailableError, errorMessage } from './errors';
import { MqttSessionOptions, MqttTransportSession, OpenedSession, describeFailure } from './mqtt-transport';

type SdkModule = typeof Sdk;

let sdk: SdkModule | undefined;
let sharedClient: Sdk.mqtt.MqttClient | undefined;

/**
 * aws-iot-device-sdk-v2 pulls a native binding (aws-crt) that has no prebuilt binary on some
 * platforms (32-bit ARM). Loading it lazily turns that into a clear error instead of a broken palette.
 */
export function loadSdk(): SdkModule {
  if (!sdk) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      sdk = require('aws-iot-device-sdk-v2') as SdkModule;
    } catch (err) {
      throw new SdkUnavailableError(errorMessage(err).split('\n')[0]);
    }
  }
  return sdk;
}

/**
 * The MQTT transport over the AWS IoT Device SDK (native aws-crt binding): one MQTT-over-WSS connection object,
 * SigV4-signed with one set of temporary credentials.
 * It never reconnects by itself: on an interruption it reports and stops, so that the
 * account connection alone decides backoff, attempts and when to sign in again.
 */
export class AwsSdkSession extends EventEmitter implements MqttTransportSession {
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(private readonly connection: Sdk.mqtt.MqttClientConnection) {
    super();
  }

  static async open(options: MqttSessionOptions): Promise<OpenedSession> {
    const { auth, iot, mqtt } = loadSdk();
    const builder = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: AWS_REGION,
      credentials_provider: auth.AwsCredentialsProvider.newStatic(
        options.credentials.accessKeyId,
        options.credentials.secretAccessKey,
        options.credentials.sessionToken,
      ),
    });
    const ca = trustedCas(options.endpoints);
    if (ca) builder.with_certificate_authority(ca.join('\n'));
    builder
      .with_endpoint(options.endpoints.iotHost)
      .with_port(options.endpoints.iotPort)
      .with_client_id(options.clientId)
      .with_clean_session(true)
      .with_keep_alive_seconds(options.keepAliveSeconds)
      .with_ping_timeout_ms(Math.min(30_000, options.keepAliveSeconds * 500))
      .with_protocol_operation_timeout_ms(options.operationTimeoutMs);
    sharedClient ??= new mqtt.MqttClient();
    const connection = sharedClient.new_connection(builder.build());
    const session = new AwsSdkSession(connection);
    connection.on('error', () => undefined); // failures surface through connect()/interrupt; avoid an unhandled 'error'
    // An exception thrown inside an aws-crt callback aborts the whole process (napi_pending_exception),
    // so nothing may escape these handlers: a bad message must never take Node-RED down.
    connection.on('interrupt', (err) => guarded(() => session.onInterrupt(err)));
    connection.on('message', (topic, payload) => {
      guarded(() => {
        // The CRT hands over a detached ArrayBuffer for an empty payload; Buffer.from() on it throws.
        const bytes = payload.byteLength === 0 ? Buffer.alloc(0) : Buffer.from(payload);
        if (!session.closed) session.emit('message', topic, bytes);
      });
    });
    try {
      const sessionPresent = await withTimeout(connection.connect(), options.operationTimeoutMs, 'MQTT connect');
      return { session, sessionPresent };
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async subscribe(topicFilter: string): Promise<void> {
    const { mqtt } = loadSdk();
    const result = await this.connection.subscribe(topicFilter, mqtt.QoS.AtLeastOnce);
    // 128 is MQTT 3.1.1's SUBACK failure code (e.g. a topic the cloud's policy does not allow).
    if ((result.qos as number) === 128) throw new Error(`subscription to ${topicFilter} refused by the broker`);
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    const { mqtt } = loadSdk();
    await this.connection.publish(topic, JSON.stringify(payload), mqtt.QoS.AtLeastOnce, false);
  }

  /** Disconnects and stops the SDK's own reconnection; safe to call more than once. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      this.connection.removeAllListeners('message');
      this.connection.removeAllListeners('interrupt');
      try {
        await withTimeout(this.connection.disconnect(), 5_000, 'MQTT disconnect');
      } catch {
        // Already down: nothing left to close.
      }
      this.removeAllListeners();
    })();
    return this.closing;
  }

  private onInterrupt(err: unknown): void {
    if (this.closed) return;
    const failure = describeFailure(err);
    // Stop the SDK's built-in reconnect before reporting: two reconnect loops would fight over the client id.
    void this.close();
    this.emit('interrupted', failure);
  }
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // Already reported by the listener's owner; swallowing here is what keeps the process alive.
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { error_name: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
