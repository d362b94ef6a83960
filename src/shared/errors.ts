/**
 * Typed failures of the NaviLink client. The split matters for retry policy:
 * bad credentials are never retried (repeated wrong passwords can lock the account),
 * everything "unavailable" is transient and retried with backoff.
 */

export class NavilinkError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The cloud refused the e-mail/password, or refused the sign-in the same way several times in a row (`repeated`: the
 * cloud's own words, e.g. "HTTP 423, ACCOUNT_LOCKED"). Retrying would only risk locking the account.
 */
export class InvalidCredentialsError extends NavilinkError {
  constructor(readonly apiMessage: string, readonly repeated?: { reason: string; times: number }) {
    super(repeated ? `sign-in refused ${repeated.times} times in a row (${repeated.reason})` : `sign-in refused (${apiMessage})`, 'INVALID_CREDENTIALS');
  }
}

/** Network failure, timeout, 5xx or an unexpected envelope: worth retrying later. */
export class CloudUnavailableError extends NavilinkError {
  constructor(message: string, readonly httpStatus?: number) {
    super(message, 'CLOUD_UNAVAILABLE');
  }
}

/**
 * Sign-in answered with a failure this package does not know (e.g. HTTP 423, or a body code other than the wrong
 * password's): retried with backoff, but the same refusal a few times in a row is final (src/shared/sign-in-guard.ts).
 */
export class SignInRefusedError extends CloudUnavailableError {
  /** The cloud's words for it, e.g. "HTTP 423, ACCOUNT_LOCKED": free of secrets, short. */
  readonly reason: string;
  constructor(httpStatus: number, readonly apiCode: number | undefined, readonly apiMessage: string) {
    const reason = `HTTP ${httpStatus}${apiCode !== undefined && apiCode !== httpStatus ? `, code ${apiCode}` : ''}${apiMessage ? `, ${apiMessage}` : ''}`;
    super(`sign-in failed: ${reason}`, httpStatus);
    this.reason = reason;
  }
}

/** Too many failed sign-ins for this account in the last hour: nothing is sent until `retryInMs` has passed. */
export class SignInLimitedError extends CloudUnavailableError {
  constructor(readonly limit: number, readonly retryInMs: number) {
    super(`${limit} failed sign-ins in the last hour: the next one waits ${Math.ceil(retryInMs / 60_000)} min so the account is not locked`);
  }
}

/**
 * A text from the cloud, fit to show: printable, at most 120 characters, and never one of `secrets` (a cloud that
 * echoes the password back must not put it into a node status).
 */
export function cloudText(text: string, secrets: readonly string[] = []): string {
  // Control characters are exactly what is cleaned out here (a cloud text must not break a log line).
  // eslint-disable-next-line no-control-regex
  let clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret.length >= 3) clean = clean.split(secret).join('<hidden>');
  }
  return redactSecrets(clean.length > 120 ? `${clean.slice(0, 119)}…` : clean);
}

/** The access token was rejected (HTTP 401 or code 401): refresh or sign in again, then retry once. */
export class TokenRejectedError extends NavilinkError {
  constructor(path: string) {
    super(`access token rejected on ${path}`, 'TOKEN_REJECTED');
  }
}

/** A well-formed API error for one request (e.g. 403 on device/info): not a connection problem. */
export class ApiRequestError extends NavilinkError {
  constructor(path: string, readonly httpStatus: number, readonly apiCode: number | undefined, readonly apiMessage: string) {
    super(`${path} failed: HTTP ${httpStatus}, ${apiMessage || 'no message'}`, 'API_ERROR');
  }
}

/** The native MQTT binding (aws-crt) could not be loaded on this platform. */
export class SdkUnavailableError extends NavilinkError {
  constructor(cause: string) {
    super(`the MQTT library aws-iot-device-sdk-v2 could not be loaded on this platform (${cause})`, 'SDK_UNAVAILABLE');
  }
}

/** A request to a device got no matching reply in time. */
export class RequestTimeoutError extends NavilinkError {
  constructor(what: string, readonly timeoutMs: number) {
    super(`${what}: no reply within ${Math.round(timeoutMs / 1000)} s`, 'TIMEOUT');
  }
}

/** The connection was closed (redeploy, shutdown) while an operation was pending. */
export class ConnectionClosedError extends NavilinkError {
  constructor() {
    super('connection closed', 'CLOSED');
  }
}

/** A command waited in the offline queue longer than allowed, or the queue was full. */
export class QueueError extends NavilinkError {
  constructor(message: string, code: 'QUEUE_FULL' | 'EXPIRED') {
    super(message, code);
  }
}

/** An endpoint override (account node's Advanced fields or NAVIEN_* variables) is unusable; `field` names which. */
export class EndpointConfigError extends NavilinkError {
  constructor(message: string, readonly field: 'apiUrl' | 'iotEndpoint' | 'caFile') {
    super(message, 'ENDPOINT_CONFIG');
  }
}

/**
 * A presigned WebSocket URL is itself a credential (docs/protocol.md): its query carries the AWS access key id, the
 * signature and the session token. Libraries put the URL into their error texts (`ws`: "Invalid URL: wss://..."), so
 * every error text passes through here before it reaches a state, log, diagnostics record or message.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\?[^\s"'`]*X-Amz-[^\s"'`]*/gi, '?<presigned query removed>')
    .replace(/X-Amz-[A-Za-z-]+=[^\s&"'`]*/gi, '<presigned parameter removed>');
}

/** The text of an error, free of presigned URLs. */
export function errorMessage(err: unknown): string {
  return redactSecrets(err instanceof Error ? err.message : String(err));
}
