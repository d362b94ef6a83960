import type { EventEmitter } from 'node:events';
import type { Endpoints } from './endpoints';
import type { AwsCredentials } from './rest-client';

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
