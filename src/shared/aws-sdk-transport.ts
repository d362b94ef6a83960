import { EventEmitter } from 'node:events';
import type * as Sdk from 'aws-iot-device-sdk-v2';
import { AWS_REGION } from './endpoints';
import { SdkUnavailableError, errorMessage } from './errors';
import { MqttSessionOptions, MqttTransportSession, OpenedSession, describeFailure } from './mqtt-transport';
import { TrustStore, trustStoreFor } from './trust-store';

type SdkModule = typeof Sdk;

let sdk: SdkModule | undefined;
let sharedClient: Sdk.mqtt.MqttClient | undefined;
/** One native TLS context per trust store (and one for the system store), shared by every connection. */
const tlsContexts = new WeakMap<TrustStore, Sdk.io.ClientTlsContext>();
let systemTlsContext: Sdk.io.ClientTlsContext | undefined;

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
  private interrupted = false;
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
    const trust = trustStoreFor(options.endpoints);
    // Still named to the builder, so that a context built by build() itself (see reuseTlsContext) trusts it too.
    if (trust) builder.with_certificate_authority(trust.bundle);
    reuseTlsContext(builder, sharedTlsContext(trust));
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

  /**
   * Disconnects and stops the SDK's own reconnection; safe to call more than once. After an interruption it resolves
   * once the disconnect is asked for: the CRT then only waits out its own reconnect delay (1 s) before it completes
   * the disconnect, and once asked it never reconnects (aws-c-mqtt s_attempt_reconnect skips a connection that is
   * disconnecting), so our next connection with this client id cannot meet it. Waiting for it cost every reconnect
   * a second (BENCHMARKS.md, recovery).
   */
  close(): Promise<void> {
    this.closed = true;
    const closing = this.disconnect();
    return this.interrupted ? Promise.resolve() : closing;
  }

  private disconnect(): Promise<void> {
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
    this.interrupted = true;
    const failure = describeFailure(err);
    // Stop the SDK's built-in reconnect before reporting: two reconnect loops would fight over the client id.
    void this.close();
    this.emit('interrupted', failure);
  }
}

/**
 * The native TLS context of a trust store, built once: building one loads every trusted root into s2n (13-15 ms per
 * connect with a CA file; the system store is loaded from disk each time otherwise) and the CRT frees it only when
 * its JS wrapper is collected. The SDK itself caches it per builder ("By caching and reusing the TLS context we get
 * an enormous memory savings", aws-crt aws_iot.js build()); we build a new builder for each set of credentials.
 */
function sharedTlsContext(trust: TrustStore | undefined): Sdk.io.ClientTlsContext {
  const cached = trust ? tlsContexts.get(trust) : systemTlsContext;
  if (cached) return cached;
  const { io } = loadSdk();
  // What new_with_websockets() builds: no ALPN over WSS, the default trust store unless a CA is named.
  const tlsOptions = new io.TlsContextOptions();
  tlsOptions.alpn_list = [];
  if (trust) tlsOptions.override_default_trust_store(trust.bundle);
  const context = new io.ClientTlsContext(tlsOptions);
  if (trust) tlsContexts.set(trust, context);
  else systemTlsContext = context;
  return context;
}

/**
 * build() makes a TLS context only when the builder holds none yet; the builder has no public setter for it, so the
 * shared one goes into its parameters directly. Should a future SDK lay them out differently, nothing is set and
 * build() makes its own context from the same options: slower, equally correct.
 */
function reuseTlsContext(builder: Sdk.iot.AwsIotMqttConnectionConfigBuilder, context: Sdk.io.ClientTlsContext): void {
  const params = (builder as unknown as { params?: { tls_ctx?: unknown } }).params;
  if (params && typeof params === 'object' && 'tls_ctx' in params && params.tls_ctx === undefined) params.tls_ctx = context;
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
