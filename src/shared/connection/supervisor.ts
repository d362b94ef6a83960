/**
 * The connection loop: establish a session (signing in first when needed), serve it until it drops or its credentials
 * need renewing, back off and try again (deep reconnects with a fresh sign-in after repeated failures), and flush the
 * offline queue on every live session.
 */
import type { Clock } from '../clock';
import { NWP500_DEVICE_TYPE, OutboundMessage, appReplyFilter, clientReplyFilter, deviceTopicFilter } from '../codec/commands';
import type { Endpoints } from '../endpoints';
import { ConnectionClosedError, InvalidCredentialsError, SdkUnavailableError, SignInLimitedError } from '../errors';
import { describeFailure } from '../mqtt-transport';
import type { MqttTransportSession, TransportFailure } from '../mqtt-transport';
import type { DeviceEntry, SessionTokens } from '../rest-client';
import { TransportKind, openMqttSession } from '../transport-select';
import { BackoffPolicy, isDeepAttempt, reconnectDelay, retryAfterDropDelay } from './backoff';
import type { CommandQueue } from './command-queue';
import type { DeviceRegistry } from './device-registry';
import type { ConnectionKind, DiagnosticsCollector } from './diagnostics';
import { PUBLISH_ATTEMPTS, Publisher } from './publisher';
import type { TokenKeeper } from './token-keeper';
import type { ConnectionState, Emit, SessionEnd } from './types';

/** The renewal timer never fires sooner than this after a session came up. */
const MIN_RENEWAL_WAIT_MS = 60_000;

export interface SupervisorDeps {
  clientId: string;
  keepAliveSeconds: number;
  operationTimeoutMs: number;
  backoff: BackoffPolicy;
  renewBeforeExpiryMs: number;
  clock: Clock;
  random: () => number;
  tokens: TokenKeeper;
  registry: DeviceRegistry;
  diagnostics: DiagnosticsCollector;
  queue: CommandQueue<OutboundMessage>;
  emit: Emit;
  state(): ConnectionState;
  setState(state: ConnectionState): void;
  isClosed(): boolean;
  refreshDevices(): Promise<unknown>;
  requestFeatures(mac: string): Promise<unknown>;
}

export class Supervisor {
  readonly publisher: Publisher;
  private endpoints: Endpoints | undefined;
  private session: MqttTransportSession | undefined;
  private transportValue: TransportKind | undefined;
  private subscriptions: string[] = [];
  /** Installer diagnostics reply filters the broker refused on the current (or last) session. */
  private refusedDiagnosticsFilters = new Set<string>();
  private endSession: ((end: SessionEnd) => void) | undefined;
  private wakeUp: (() => void) | undefined;
  private sleepTimer: unknown;
  private renewTimer: unknown;
  private sessionStartedAt = 0;
  private everConnected = false;
  /** When the current outage began (first failure since the last live session). */
  private outageStartedAt: number | undefined;

  constructor(private readonly deps: SupervisorDeps) {
    this.publisher = new Publisher({
      queue: deps.queue,
      diagnostics: deps.diagnostics,
      clock: deps.clock,
      isClosed: deps.isClosed,
      sendableSession: () => this.sendableSession(),
      isLive: (session) => this.isLive(session),
      onBroken: (session, failure) => this.replaceBrokenSession(session, failure),
    });
  }

  /** The MQTT transport of the current (or last) session. */
  get transport(): TransportKind | undefined {
    return this.transportValue;
  }

  /** The live session commands can go out on now, if any. */
  sendableSession(): MqttTransportSession | undefined {
    const session = this.session;
    return session && this.isLive(session) ? session : undefined;
  }

  /** Whether the broker refused this reply filter on the current (or last) session. */
  refused(filter: string): boolean {
    return this.refusedDiagnosticsFilters.has(filter);
  }

  /** The installer diagnostics reply filter of the device (five-segment topic, the account's `userSeq`). */
  diagnosticsReplyFilter(device: DeviceEntry): string {
    return appReplyFilter(NWP500_DEVICE_TYPE, device.homeSeq ?? 0, this.deps.tokens.tokens?.userSeq ?? 0, this.deps.clientId);
  }

  /** The connection closes: every wait ends now and the live session's serving ends. */
  interrupt(): void {
    this.deps.clock.clearTimeout(this.renewTimer);
    this.deps.clock.clearTimeout(this.sleepTimer);
    this.wakeUp?.();
    this.publisher.cancelRetryPause();
    this.endSession?.({ reason: 'closed' });
  }

  /** Closes the current session, if any. */
  async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  async run(endpoints: Endpoints): Promise<void> {
    this.endpoints = endpoints;
    const { tokens, backoff } = this.deps;
    let attempt = 0;
    let signInFirst = true;
    while (!this.deps.isClosed()) {
      let end: SessionEnd | undefined;
      const signInsBefore = tokens.successfulSignIns;
      try {
        this.deps.setState(attempt === 0 ? { phase: 'connecting' } : { phase: 'reconnecting', attempt, deep: signInFirst });
        const kind = await this.establish(signInFirst, attempt);
        if (this.deps.isClosed()) return;
        end = await this.liveSession(kind, attempt);
      } catch (err) {
        if (this.deps.isClosed()) return;
        if (err instanceof InvalidCredentialsError) {
          // Never retry: repeated wrong passwords can lock the account. A redeploy with fixed credentials recovers.
          this.deps.setState(err.repeated
            ? { phase: 'invalid-credentials', error: err.message, refusal: err.repeated.reason }
            : { phase: 'invalid-credentials', error: 'sign-in refused: wrong e-mail or password' });
          return;
        }
        if (err instanceof SdkUnavailableError) {
          this.deps.setState({ phase: 'sdk-unavailable', error: err.message });
          return;
        }
        const failure = describeFailure(err);
        attempt++;
        // A deep attempt whose sign-in failed (cloud 500s) stays deep: the old credentials are the problem.
        // One whose sign-in worked but whose MQTT connect failed does not sign in again next time.
        const signInFailed: boolean = signInFirst && tokens.successfulSignIns === signInsBefore;
        signInFirst = signInFailed || tokens.tokens === undefined || failure.authRejected || isDeepAttempt(attempt, backoff) || this.credentialsExpiring();
        await this.backOff(attempt, signInFirst, failure.message, undefined, err instanceof SignInLimitedError ? err.retryInMs : 0);
        continue;
      }
      if (end.reason === 'closed') return;
      if (end.reason === 'renew') {
        attempt = 0;
        signInFirst = true;
        continue;
      }
      // A live session dropped: the first retry is quick (at once after a stable one); a refused upgrade means the
      // credentials are dead.
      attempt = 1;
      signInFirst = end.failure.authRejected || this.credentialsExpiring();
      await this.backOff(attempt, signInFirst, end.failure.message, end.lastedMs);
    }
  }

  private credentialsExpiring(): boolean {
    return this.deps.tokens.awsCredentialsExpiring(this.deps.renewBeforeExpiryMs);
  }

  /** Signs in if needed, opens the MQTT session and subscribes; returns the kind of connection made. */
  private async establish(signInFirst: boolean, attempt: number): Promise<ConnectionKind> {
    const { tokens, registry, clientId } = this.deps;
    if (signInFirst || !tokens.tokens) {
      await tokens.signIn();
      await this.deps.refreshDevices();
    }
    // Closed during the sign-in (a redeploy): connecting now would only take the client id from the successor.
    if (this.deps.isClosed()) throw new ConnectionClosedError();
    const current = tokens.tokens as SessionTokens;
    const { session, sessionPresent, transport } = await openMqttSession({
      endpoints: this.endpoints as Endpoints,
      credentials: current.aws,
      clientId,
      keepAliveSeconds: this.deps.keepAliveSeconds,
      operationTimeoutMs: this.deps.operationTimeoutMs,
    });
    if (this.deps.isClosed()) {
      await session.close();
      return 'connected';
    }
    this.session = session;
    this.transportValue = transport;
    session.on('message', (topic: string, payload: Buffer) => registry.onMessage(topic, payload));
    try {
      // Clean sessions forget subscriptions: resubscribe before anything is sent
      // (docs/protocol.md#connection-management). A refused essential filter fails the session.
      const essential = [clientReplyFilter(NWP500_DEVICE_TYPE, clientId), ...registry.devices.map((d) => deviceTopicFilter(d.deviceType, d.mac))];
      // The installer diagnostics reply filter is one no reference client subscribes: a broker policy without it must
      // not keep the account offline, so its refusal only makes the installer read unavailable.
      const diagnostics = [...new Set(registry.devices.map((d) => this.diagnosticsReplyFilter(d)))];
      const diagnosticsGranted = Promise.all(diagnostics.map((filter) => session.subscribe(filter).then(() => true, () => false)));
      // All at once: each waits a round trip for its SUBACK (~100 ms to AWS), one after the other they add up.
      await Promise.all(essential.map((filter) => session.subscribe(filter)));
      const granted = await diagnosticsGranted;
      this.refusedDiagnosticsFilters = new Set(diagnostics.filter((_, i) => !granted[i]));
      this.subscriptions = [...essential, ...diagnostics.filter((_, i) => granted[i])];
    } catch (err) {
      this.session = undefined;
      await session.close();
      throw err;
    }
    const kind: ConnectionKind = !this.everConnected ? 'connected' : signInFirst ? 'deep-reconnected' : 'resumed';
    this.everConnected = true;
    const record = this.deps.diagnostics.recordConnected(kind, attempt, sessionPresent);
    if (attempt > 0 || kind !== 'connected') this.deps.emit('reconnected', record);
    return kind;
  }

  /** Serves a live session until it drops, needs renewal, or the connection closes. */
  private async liveSession(kind: ConnectionKind, attempt: number): Promise<SessionEnd> {
    const { clock, registry, diagnostics } = this.deps;
    const session = this.session as MqttTransportSession;
    const startedAt = clock.now();
    this.sessionStartedAt = startedAt;
    const ended = new Promise<SessionEnd>((resolve) => {
      this.endSession = resolve;
      session.once('interrupted', (failure: TransportFailure) => resolve({ reason: 'drop', failure, lastedMs: clock.now() - startedAt }));
    });
    this.deps.setState({ phase: 'connected' });
    this.outageStartedAt = undefined;
    this.scheduleRenewal();
    // A flush that began on the session before may still be winding down; then this session's own.
    while (this.publisher.current) await this.publisher.current;
    await this.publisher.flush();
    this.deps.emit('ready', { kind, attempt });
    // Limits and capabilities gate every control; read them once per device.
    for (const device of registry.devices) {
      if (!registry.featuresOf(device.mac)) this.deps.requestFeatures(device.mac).catch(() => undefined);
    }
    const end = await ended;
    this.endSession = undefined;
    clock.clearTimeout(this.renewTimer);
    this.session = undefined;
    if (end.reason === 'drop') {
      const drop = diagnostics.recordDrop(end.failure, attempt, this.subscriptions.length, this.deps.queue.length);
      if (drop) this.deps.emit('drop', drop);
    } else {
      diagnostics.recordClosed();
    }
    // Close the old connection object before any new one exists: two with one client id kick each other off.
    await session.close();
    return end;
  }

  private isLive(session: MqttTransportSession): boolean {
    return !this.deps.isClosed() && this.session === session && !session.isClosed && this.deps.state().phase === 'connected';
  }

  /** Every attempt failed on a session that looks live: it is broken; end it now so the loop reconnects at once. */
  private replaceBrokenSession(session: MqttTransportSession, failure: TransportFailure): void {
    if (this.session !== session) return;
    // No more commands on it while it is being closed.
    this.session = undefined;
    this.endSession?.({
      reason: 'drop',
      failure: { ...failure, message: `publish failed ${PUBLISH_ATTEMPTS} times on a live session, reconnecting: ${failure.message}` },
      lastedMs: this.deps.clock.now() - this.sessionStartedAt,
    });
  }

  /** AWS credentials only work for the WebSocket upgrade; renew them by a full sign-in before they lapse. */
  private scheduleRenewal(): void {
    const { clock, tokens } = this.deps;
    clock.clearTimeout(this.renewTimer);
    const current = tokens.tokens;
    if (!current) return;
    const due = Math.max(MIN_RENEWAL_WAIT_MS, current.aws.expiresAt - this.deps.renewBeforeExpiryMs - clock.now());
    this.renewTimer = clock.setTimeout(() => this.endSession?.({ reason: 'renew' }), due);
  }

  /**
   * `sessionMs`: how long the live session lasted, when this is the first retry after it dropped. `atLeastMs`: the
   * sign-in limit's wait, when it refused the attempt.
   */
  private async backOff(attempt: number, deep: boolean, error: string, sessionMs?: number, atLeastMs = 0): Promise<void> {
    if (this.deps.isClosed()) return;
    const { clock, backoff, random } = this.deps;
    this.outageStartedAt ??= clock.now();
    const paced = sessionMs === undefined
      ? reconnectDelay(attempt, backoff, random, clock.now() - this.outageStartedAt)
      : retryAfterDropDelay(sessionMs, backoff, random);
    const delay = Math.max(paced, atLeastMs);
    this.deps.setState({ phase: 'reconnecting', attempt, retryInMs: delay, deep, error });
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.sleepTimer = clock.setTimeout(resolve, delay);
    });
    this.wakeUp = undefined;
  }
}
