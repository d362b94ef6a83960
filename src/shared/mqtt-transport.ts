import type { EventEmitter } from 'node:events';
import type { Endpoints } from './endpoints';
import type { AwsCredentials } from './rest-client';
import { redactSecrets } from './errors';

export interface MqttSessionOptions {
  endpoints: Endpoints;
  credentials: AwsCredentials;
  clientId: string;
  keepAliveSeconds: number;
  /** Per connect/subscribe/publish acknowledgement; a half-open socket must not hang us forever. */
  operationTimeoutMs: number;
}

/** What went wrong on the wire, in the transport's own words (error names are what users search for). */
export interface TransportFailure {
  name: string;
  code?: number;
  message: string;
  /** The WebSocket upgrade was refused (HTTP 403): credentials expired or revoked; only a fresh sign-in helps. */
  authRejected: boolean;
}

/**
 * One MQTT 3.1.1 connection over SigV4-signed WebSockets with one set of temporary credentials.
 * It never reconnects by itself: on an interruption it emits 'interrupted' (TransportFailure) once and
 * stops, so the account connection alone decides backoff, attempts and when to sign in again.
 * Inbound publishes arrive as 'message' (topic: string, payload: Buffer).
 */
export interface MqttTransportSession extends EventEmitter {
  readonly isClosed: boolean;
  /** QoS 1. Rejects when the broker refuses the subscription. */
  subscribe(topicFilter: string): Promise<void>;
  /** QoS 1, JSON-encoded, never retained. Resolves on PUBACK. */
  publish(topic: string, payload: unknown): Promise<void>;
  /** Disconnects; safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenedSession {
  session: MqttTransportSession;
  sessionPresent: boolean;
}

export type OpenMqttSession = (options: MqttSessionOptions) => Promise<OpenedSession>;

/**
 * The TransportFailure of anything a transport threw or emitted: the SDK's CRT errors and the JS transport's
 * MqttTransportError alike, so the account connection classifies both the same way.
 */
export function describeFailure(err: unknown): TransportFailure {
  const crt = err as { error_name?: string; error_code?: number; message?: string };
  const message = redactSecrets(crt?.message ?? String(err));
  // connect() failures carry the CRT error name only inside the message text.
  const name = crt?.error_name ?? /\bAWS_[A-Z0-9_]+/.exec(message)?.[0] ?? (err instanceof Error ? err.name : 'Error');
  // A transport that knows (the JS one reads the HTTP status) says so; the CRT only names an upgrade failure,
  // which against AWS IoT means refused credentials in practice: one extra sign-in is the cheap side to err on.
  const explicit = (err as { authRejected?: unknown })?.authRejected;
  const authRejected = typeof explicit === 'boolean'
    ? explicit
    : /WEBSOCKET_UPGRADE|\b40[13]\b|NOT_AUTHORIZED|UNAUTHORIZED|FORBIDDEN/i.test(`${name} ${message}`);
  return { name, code: crt?.error_code, message, authRejected };
}
