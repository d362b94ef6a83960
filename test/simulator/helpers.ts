// Test-side helpers written from docs/protocol.md directly (not from src/), so the simulator is
// checked against the spec.
import * as fs from 'node:fs';
import * as https from 'node:https';
import { createHash, createHmac } from 'node:crypto';
import { auth, iot, mqtt } from 'aws-iot-device-sdk-v2';
import WebSocket from 'ws';

export interface HttpResult {
  status: number;
  body: any; // any: JSON under test; tests assert its shape
}

/** HTTPS JSON call that trusts only the simulator's CA. */
export function call(caFile: string, url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const ca = fs.readFileSync(caFile);
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca,
        headers: { ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}), ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: raw ? JSON.parse(raw) : undefined });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export interface SignIn {
  accessToken: string;
  refreshToken: string;
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
}

export async function signIn(caFile: string, apiUrl: string, email = 'user@example.com', password = 'example-password'): Promise<SignIn> {
  const r = await call(caFile, `${apiUrl}/user/sign-in`, 'POST', { userId: email, password });
  if (r.body?.code !== 200) throw new Error(`sign-in failed: ${JSON.stringify(r.body)}`);
  return r.body.data.token as SignIn;
}

export interface Received {
  topic: string;
  payload: any; // any: parsed JSON under test
}

/** A real aws-iot-device-sdk-v2 connection (SigV4 websockets from static credentials), collecting messages. */
export class SdkClient {
  readonly messages: Received[] = [];
  readonly connection: mqtt.MqttClientConnection;
  private waiters: Array<{ pred: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  interrupted = 0;

  constructor(endpoint: string, caFile: string, creds: { accessKeyId: string; secretKey: string; sessionToken: string }, readonly clientId: string) {
    const [host, port] = endpoint.split(':');
    const builder = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: 'us-east-1',
      credentials_provider: auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretKey, creds.sessionToken),
    });
    builder.with_certificate_authority_from_path(undefined, caFile);
    builder.with_endpoint(host);
    builder.with_port(Number(port));
    builder.with_client_id(clientId);
    builder.with_clean_session(true);
    builder.with_keep_alive_seconds(60);
    // Keep failing connects quick in tests.
    builder.with_reconnect_min_sec(1).with_reconnect_max_sec(2);
    this.connection = new mqtt.MqttClient().new_connection(builder.build());
    this.connection.on('interrupt', () => this.interrupted++);
    this.connection.on('error', () => undefined);
    this.connection.on('message', (topic, payload) => {
      let parsed: unknown;
      // The CRT hands over a detached ArrayBuffer for an empty payload; touching it with Buffer.from() aborts the process.
      if (payload.byteLength === 0) {
        parsed = Buffer.alloc(0);
      } else {
        try {
          parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
        } catch {
          parsed = Buffer.from(payload);
        }
      }
      const m = { topic, payload: parsed };
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  connect(): Promise<boolean> {
    return this.connection.connect();
  }

  async subscribe(topic: string): Promise<void> {
    await this.connection.subscribe(topic, mqtt.QoS.AtLeastOnce);
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    await this.connection.publish(topic, JSON.stringify(payload), mqtt.QoS.AtLeastOnce);
  }

  waitFor(pred: (m: Received) => boolean, timeoutMs = 5000): Promise<Received> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (m: Received) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** disconnect() also frees the native connection (the CRT calls close() itself once it is closed). */
  async close(): Promise<void> {
    try {
      await this.connection.disconnect();
    } catch {
      // already down
    }
  }
}

export const MAC = '0a1b2c3d4e5f';

/** A request envelope per docs/protocol.md#request-envelope. */
export function envelope(
  clientId: string,
  suffix: string,
  request: Record<string, unknown>,
  responseTopic?: string,
  mac = MAC,
): { topic: string; payload: Record<string, unknown> } {
  const topic = `cmd/52/navilink-${mac}/${suffix}`;
  return {
    topic,
    payload: {
      clientID: clientId,
      sessionID: String(Date.now()),
      protocolVersion: 2,
      requestTopic: topic,
      responseTopic: responseTopic ?? `cmd/52/navilink-${mac}/${clientId}/res`,
      request: { deviceType: 52, macAddress: mac, additionalValue: '1234', ...request },
    },
  };
}

export function control(clientId: string, command: number, mode: string, param: number[], mac = MAC): { topic: string; payload: Record<string, unknown> } {
  return envelope(clientId, 'ctrl', { command, mode, param, paramStr: '' }, undefined, mac);
}

// ---- docs/protocol.md#presigned-url, written independently of the simulator's verifier -------------------------

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export function presignUrl(host: string, port: number, creds: { accessKeyId: string; secretKey: string; sessionToken: string }, now = new Date()): string {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const dateStamp = amzDate.slice(0, 8);
  const scope = `${dateStamp}/us-east-1/iotdevicegateway/aws4_request`;
  const query = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${creds.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', '86400'],
    ['X-Amz-SignedHeaders', 'host'],
  ]
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  const canonical = ['GET', '/mqtt', query, `host:${host}`, '', 'host', createHash('sha256').update('').digest('hex')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + creds.secretKey, dateStamp), 'us-east-1'), 'iotdevicegateway'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `wss://${host}:${port}/mqtt?${query}&X-Amz-Signature=${signature}&X-Amz-Security-Token=${enc(creds.sessionToken)}`;
}

/** Minimal MQTT 3.1.1 CONNECT packet (clean session, keep-alive 60 s). */
export function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const remaining = variable.length + payload.length;
  return Buffer.concat([Buffer.from([0x10, remaining]), variable, payload]);
}

/** Opens a raw WebSocket (subprotocol mqtt), sends CONNECT and resolves with the first server bytes, or the HTTP status of a refused upgrade. */
export function rawMqttConnect(url: string, caFile: string, clientId: string): Promise<{ ws?: WebSocket; connack?: Buffer; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'mqtt', { ca: fs.readFileSync(caFile) });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
    ws.on('open', () => ws.send(connectPacket(clientId)));
    // The broker may split the 4-byte CONNACK across WebSocket frames.
    let received = Buffer.alloc(0);
    ws.on('message', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length >= 4) resolve({ ws, connack: received.subarray(0, 4) });
    });
  });
}
