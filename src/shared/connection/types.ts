/** The shapes the account connection's parts and its users share: phases, state, presence, options. */
import type { Clock } from '../clock';
import type { InboundMessage } from '../codec/routing';
import type { EndpointOverrides } from '../endpoints';
import type { TransportFailure } from '../mqtt-transport';
import type { BackoffPolicy } from './backoff';
import type { QueueLimits } from './command-queue';

export type ConnectionPhase =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'invalid-credentials'
  | 'missing-credentials'
  | 'sdk-unavailable'
  | 'config-error'
  | 'closed';

export interface ConnectionState {
  phase: ConnectionPhase;
  /** Reconnect attempt number while reconnecting (1-based). */
  attempt?: number;
  /** Milliseconds until the next attempt while reconnecting. */
  retryInMs?: number;
  /** The next attempt signs in again first. */
  deep?: boolean;
  /** Last error, already free of secrets. */
  error?: string;
  /** invalid-credentials only: the cloud's own words when it refused the same way repeatedly (not a wrong password). */
  refusal?: string;
}

export type DevicePresence = 'online' | 'offline' | 'unknown';

export interface RequestOptions {
  /** Only a reply this accepts answers the request (replies to other queries share the client topic). */
  matches?: (message: InboundMessage) => boolean;
}

export interface AccountConnectionOptions {
  email: string;
  password: string;
  clientId: string;
  endpoints?: EndpointOverrides;
  keepAliveSeconds?: number;
  requestTimeoutMs?: number;
  /** The first device-info request after connecting can take much longer (docs/protocol.md#latency). */
  firstRequestTimeoutMs?: number;
  operationTimeoutMs?: number;
  backoff?: BackoffPolicy;
  queue?: QueueLimits;
  /** Renew AWS credentials (full sign-in + reconnect) this long before they expire. */
  renewBeforeExpiryMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Time for every wait of the connection (backoff, credential renewal, the offline queue's expiry, request timeouts,
   * the waits between publish attempts) and the sign-in limit: tests run hours of retries in virtual time. The MQTT
   * client's own network timeouts stay real.
   */
  clock?: Clock;
  /** The backoff's jitter, uniform in [0, 1). */
  random?: () => number;
}

/** How a live session ended. */
export type SessionEnd = { reason: 'drop'; failure: TransportFailure; lastedMs: number } | { reason: 'renew' } | { reason: 'closed' };

/** Reaches the connection's listeners (its EventEmitter). */
export type Emit = (event: string, ...args: unknown[]) => void;
