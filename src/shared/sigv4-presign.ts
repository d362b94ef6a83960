// AWS Signature Version 4, query-string form, for the MQTT-over-WebSocket upgrade of AWS IoT
// (docs/protocol.md#presigned-url). Only node:crypto; written from the protocol reference so the pure-JavaScript
// transport needs no AWS library.
import { createHash, createHmac } from 'node:crypto';
import { AWS_REGION } from './endpoints';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS IoT's service name for the device gateway (not `iot`). */
export const IOT_SERVICE = 'iotdevicegateway';
/** Any value up to 24 h is accepted; the connection itself is aged out by AWS after 24 h anyway. */
export const PRESIGN_EXPIRES_SECONDS = 86_400;
export const MQTT_PATH = '/mqtt';
const DEFAULT_HTTPS_PORT = 443;

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials: appended as X-Amz-Security-Token after signing, never signed (AWS IoT's rule). */
  sessionToken?: string;
}

export interface PresignInput {
  method: string;
  /** The exact value of the Host header the client will send (with `:port` only when it is not the scheme's default). */
  host: string;
  /** Canonical URI, already encoded (e.g. `/mqtt`). */
  path: string;
  service: string;
  region: string;
  credentials: SigningCredentials;
  expiresSeconds: number;
  now: Date;
  /** Hex SHA-256 of the payload; the empty payload by default (S3 uses the literal UNSIGNED-PAYLOAD). */
  payloadHash?: string;
}

export interface Presigned {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  /** The complete query string: canonical query, then X-Amz-Signature, then X-Amz-Security-Token when there is one. */
  query: string;
}

/**
 * SigV4 URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex, UTF-8).
 * encodeURIComponent also leaves ! ' ( ) * alone, which SigV4 encodes.
 */
export function sigv4Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The Host header value an HTTP client sends for this endpoint: the bare host on 443 (docs/protocol.md#presigned-url -
 * `host:443` is rejected by AWS IoT), `host:port` otherwise (what node:https, and therefore `ws`, sends).
 */
export function hostHeaderValue(host: string, port: number): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === DEFAULT_HTTPS_PORT ? bracketed : `${bracketed}:${port}`;
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Presigns a request whose only signed header is `host`. */
export function presign(input: PresignInput): Presigned {
  const amzDate = toAmzDate(input.now);
  const dateStamp = amzDate.slice(0, 8);
  const scope = `${dateStamp}/${input.region}/${input.service}/aws4_request`;
  const params: Array<[string, string]> = [
    ['X-Amz-Algorithm', SIGV4_ALGORITHM],
    ['X-Amz-Credential', `${input.credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(input.expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = params
    .map(([k, v]) => [sigv4Encode(k), sigv4Encode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery,
    `host:${input.host.trim()}`,
    '',
    'host',
    input.payloadHash ?? sha256Hex(''),
  ].join('\n');
  const stringToSign = [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${input.credentials.secretAccessKey}`, dateStamp);
  const kRegion = hmac(kDate, input.region);
  const kService = hmac(kRegion, input.service);
  const kSigning = hmac(kService, 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  let query = `${canonicalQuery}&X-Amz-Signature=${signature}`;
  if (input.credentials.sessionToken) query += `&X-Amz-Security-Token=${sigv4Encode(input.credentials.sessionToken)}`;
  return { canonicalRequest, stringToSign, signature, query };
}

export interface PresignedMqttUrl {
  url: string;
  /** The Host header value that was signed; the WebSocket client must send exactly this. */
  hostHeader: string;
}

/**
 * `wss://{host}/mqtt?...` for AWS IoT with temporary credentials (docs/protocol.md#presigned-url).
 * The URL is itself a credential: never log it.
 */
export function presignMqttUrl(
  endpoint: { iotHost: string; iotPort: number },
  credentials: SigningCredentials,
  now: Date = new Date(),
): PresignedMqttUrl {
  const hostHeader = hostHeaderValue(endpoint.iotHost, endpoint.iotPort);
  const { query } = presign({
    method: 'GET',
    host: hostHeader,
    path: MQTT_PATH,
    service: IOT_SERVICE,
    region: AWS_REGION,
    credentials,
    expiresSeconds: PRESIGN_EXPIRES_SECONDS,
    now,
  });
  return { url: `wss://${hostHeader}${MQTT_PATH}?${query}`, hostHeader };
}
