import { EventEmitter } from 'node:events';
import { DEFAULT_BACKOFF, BackoffPolicy, isDeepAttempt, reconnectDelay, retryAfterDropDelay } from './backoff';
import { Clock, SYSTEM_CLOCK } from './clock';
import { CommandQueue, DEFAULT_QUEUE_LIMITS, QueueLimits, QueuedItem } from './command-queue';
import { DiagnosticsCollector, ConnectionKind } from './diagnostics';
import { EndpointAddresses, EndpointOverrides, Endpoints, resolveEndpoints, withCaFile } from './endpoints';
import {
  ConnectionClosedError,
  InvalidCredentialsError,
  NavilinkError,
  SdkUnavailableError,
  SignInLimitedError,
  TokenRejectedError,
  errorMessage,
  redactSecrets,
} from './errors';
import { describeFailure } from './mqtt-transport';
import { TransportKind, openMqttSession } from './transport-select';
import type { MqttTransportSession, TransportFailure } from './mqtt-transport';
import { DeviceEntry, NavilinkRestClient, SessionTokens } from './rest-client';
import { ReplyMatcher } from './device/reply-matcher';
import { guardedSignIn } from './sign-in-guard';
// Straight from the codec's modules, not its index: every message passes here, and the index's re-exports are
// property getters (as tsc emits `export *`), a call each time.
import {
  CommandContext,
  NWP500_DEVICE_TYPE,
  OutboundMessage,
  appReplyFilter,
  buildDeviceInfoRequest,
  buildStatusRequest,
  clientReplyFilter,
  deviceTopicFilter,
} from './codec/commands';
import { implausibleValues } from './codec/audit';
import { parseCloudJson } from './codec/cloud-json';
import { InboundMessage, classifyInbound } from './codec/routing';

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

const EXPIRY_MARGIN_MS = 5 * 60_000;
/**
 * A publish that fails on a session that still looks live (no PUBACK in time) is tried this often in all; after that
 * the session counts as broken and is replaced at once, instead of the command waiting for the keep-alive to notice.
 */
const PUBLISH_ATTEMPTS = 3;
/** The short waits before the second and third attempt. */
const PUBLISH_RETRY_DELAYS_MS = [250, 1_000];
/** How often commands waiting in the offline queue are checked for their age (only while some wait). */
const QUEUE_EXPIRY_CHECK_MS = 10_000;

type PublishOutcome = 'settled' | 'session-gone' | { broken: TransportFailure };

type SessionEnd = { reason: 'drop'; failure: TransportFailure; lastedMs: number } | { reason: 'renew' } | { reason: 'closed' };

/**
 * One resilient NaviLink connection per account, shared by every node that uses the account:
 * REST sign-in and device list, one MQTT session, reconnection with backoff and deep reconnects,
 * credential renewal, an offline command queue, device presence and diagnostics.
 *
 * Events: 'state' (ConnectionState), 'message' (InboundMessage), 'presence' (mac, DevicePresence),
 * 'devices' (DeviceEntry[]), 'ready' (after each (re)connection, once subscribed), 'drop' (DropRecord),
 * 'reconnected' (ConnectionRecord).
 */
export class AccountConnection extends EventEmitter {
  readonly diagnostics: DiagnosticsCollector;
  private stateValue: ConnectionState = { phase: 'idle' };
  private endpoints: Endpoints | undefined;
  /** The sign-in guard's key, with the e-mail (known before the CA file is read). */
  private apiUrl = '';
  private rest: NavilinkRestClient | undefined;
  private tokens: SessionTokens | undefined;
  private deviceList: DeviceEntry[] = [];
  private readonly presence = new Map<string, DevicePresence>();
  private session: MqttTransportSession | undefined;
  private transportValue: TransportKind | undefined;
  private subscriptions: string[] = [];
  /** Installer diagnostics reply filters the broker refused on the current (or last) session. */
  private refusedDiagnosticsFilters = new Set<string>();
  private readonly queue: CommandQueue<OutboundMessage>;
  private readonly replies: ReplyMatcher;
  private readonly devicesWithFeatures = new Set<string>();
  private readonly features = new Map<string, Record<string, unknown>>();
  private closed = false;
  private loop: Promise<void> | undefined;
  private endSession: ((end: SessionEnd) => void) | undefined;
  private wakeUp: (() => void) | undefined;
  private sleepTimer: unknown;
  private renewTimer: unknown;
  private queueTimer: unknown;
  /** The one flush that publishes queued commands, in order, while a session is live. */
  private flushing: Promise<void> | undefined;
  private retryPause: { handle: unknown; resume: () => void } | undefined;
  private sessionStartedAt = 0;
  private refreshing: Promise<SessionTokens> | undefined;
  private everConnected = false;
  signInCount = 0;
  private successfulSignIns = 0;
  /** When the current outage began (first failure since the last live session). */
  private outageStartedAt: number | undefined;

  private readonly keepAliveSeconds: number;
  private readonly requestTimeoutMs: number;
  private readonly firstRequestTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly renewBeforeExpiryMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: AccountConnectionOptions) {
    super();
    this.keepAliveSeconds = options.keepAliveSeconds ?? 60;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.firstRequestTimeoutMs = options.firstRequestTimeoutMs ?? 30_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.renewBeforeExpiryMs = options.renewBeforeExpiryMs ?? EXPIRY_MARGIN_MS;
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.clock = clock;
    this.random = options.random ?? Math.random;
    const now = () => clock.now();
    this.diagnostics = new DiagnosticsCollector(now);
    this.replies = new ReplyMatcher(clock);
    this.queue = new CommandQueue<OutboundMessage>(options.queue ?? DEFAULT_QUEUE_LIMITS, now);
    // Nodes listen here for fan-out; many nodes per account is normal.
    this.setMaxListeners(0);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The MQTT transport of the current (or last) session, 'native' (AWS IoT Device SDK) or 'js'; none before the first. */
  get transport(): TransportKind | undefined {
    return this.transportValue;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  get devices(): readonly DeviceEntry[] {
    return this.deviceList;
  }

  get queuedCommands(): number {
    return this.queue.length;
  }

  presenceOf(mac: string): DevicePresence {
    return this.presence.get(mac) ?? 'unknown';
  }

  /** The device's last feature record (raw `response.feature`), once it has been read. */
  featuresOf(mac: string): Record<string, unknown> | undefined {
    return this.features.get(mac);
  }

  device(mac: string): DeviceEntry | undefined {
    return this.deviceList.find((d) => d.mac === mac);
  }

  /**
   * False once the broker refused the subscription the device's installer diagnostics reply needs (its policy lacks
   * that filter): the installer read cannot be answered on this session. True before that is known.
   */
  installerDiagnosticsAvailable(mac: string): boolean {
    const device = this.device(mac);
    return !device || !this.refusedDiagnosticsFilters.has(this.diagnosticsReplyFilter(device));
  }

  /** Starts connecting in the background; state changes arrive as 'state' events. Idempotent. */
  start(): void {
    if (this.loop || this.closed) return;
    if (!this.options.email || !this.options.password) {
      this.setState({ phase: 'missing-credentials', error: 'e-mail and password are required' });
      return;
    }
    let addresses: EndpointAddresses;
    try {
      addresses = resolveEndpoints(this.options.endpoints, this.options.env);
    } catch (err) {
      this.setState({ phase: 'config-error', error: errorMessage(err) });
      return;
    }
    // The CA file is read asynchronously (never blocking the runtime); REST calls wait for it.
    const endpoints = withCaFile(addresses);
    this.apiUrl = addresses.apiUrl;
    this.rest = new NavilinkRestClient(endpoints, { now: () => this.clock.now() });
    this.loop = endpoints.then((loaded) => {
      this.endpoints = loaded;
      return this.run();
    }).catch((err) => {
      this.setState({ phase: 'config-error', error: errorMessage(err) });
    });
  }

  /** Closes everything: session, timers, pending requests and queued commands. Bounded in time. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.renewTimer);
    this.clock.clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    this.cancelSleep();
    this.cancelRetryPause();
    this.endSession?.({ reason: 'closed' });
    const closedError = new ConnectionClosedError();
    this.replies.rejectAll(closedError);
    this.queue.rejectAll(closedError);
    const session = this.session;
    this.session = undefined;
    await session?.close();
    await this.loop;
    this.diagnostics.recordClosed();
    this.setState({ phase: 'closed' });
    this.removeAllListeners();
  }

  /** Context for the codec's command builders. */
  commandContext(mac: string): CommandContext {
    const device = this.device(mac);
    if (!device) throw new NavilinkError(`device ${mac} is not on this account`, 'NO_DEVICE');
    return {
      clientId: this.options.clientId,
      sessionId: String(Date.now()),
      device: { mac: device.mac, additionalValue: device.additionalValue, deviceType: device.deviceType, homeSeq: device.homeSeq },
      userSeq: this.appUserSeq(),
    };
  }

  /**
   * Publishes a control; resolves once the broker has acknowledged it. Every command goes out through the queue, one
   * at a time and in order: a publish that fails on a live session is tried again there (or the session is replaced)
   * before anything sent after it. While disconnected it waits in the offline queue (up to the queue's limits) and is
   * sent once the session is back and resubscribed. Aborting `signal` takes it out again, up to the moment it is sent.
   */
  async send(message: OutboundMessage, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new ConnectionClosedError();
    if (!this.sendableSession()) this.diagnostics.queued++;
    const sent = this.queue.enqueue(message, signal);
    void this.flush();
    this.watchQueueAge();
    return sent;
  }

  /** While commands wait in the offline queue, the stale ones are rejected on time even if nothing else happens. */
  private watchQueueAge(): void {
    if (this.queueTimer !== undefined || this.closed || this.queue.length === 0) return;
    this.queueTimer = this.clock.setTimeout(() => {
      this.queueTimer = undefined;
      this.queue.dropExpired();
      this.watchQueueAge();
    }, QUEUE_EXPIRY_CHECK_MS);
  }

  /**
   * Publishes a query and resolves with the first inbound message of one of `kinds` from that device (that
   * `options.matches` accepts, when given). A device that stays silent is reported offline (distinct from the cloud
   * connection being down). The request settles exactly once, on its own timeout at the latest, also while its query
   * waits in the offline queue; a request that settled takes its query out of the queue.
   */
  async request(mac: string, message: OutboundMessage, kinds: string[], timeoutMs?: number, options: RequestOptions = {}): Promise<InboundMessage> {
    if (this.closed) throw new ConnectionClosedError();
    const timeout = timeoutMs ?? (this.devicesWithFeatures.has(mac) ? this.requestTimeoutMs : this.firstRequestTimeoutMs);
    const pending = this.replies.expect({
      mac,
      kinds,
      matches: options.matches,
      timeoutMs: timeout,
      onTimeout: () => {
        // Only a connected session can tell a silent device; during an outage it is the link that is down.
        if (this.stateValue.phase === 'connected') this.setPresence(mac, 'offline');
      },
    });
    // A send that fails (queue full, connection closed) fails this request and no other.
    this.send(message, pending.signal).catch((err: unknown) => pending.reject(err instanceof Error ? err : new Error(errorMessage(err))));
    return pending.promise;
  }

  /** Asks a device for its status now; resolves with the inbound status message. */
  async requestStatus(mac: string, timeoutMs?: number): Promise<InboundMessage> {
    return this.request(mac, buildStatusRequest(this.commandContext(mac)), ['status'], timeoutMs);
  }

  /** Asks a device for its feature record (limits, capabilities, serial). */
  async requestFeatures(mac: string, timeoutMs?: number): Promise<InboundMessage> {
    return this.request(mac, buildDeviceInfoRequest(this.commandContext(mac)), ['feature'], timeoutMs).then((reply) => {
      this.devicesWithFeatures.add(mac);
      return reply;
    });
  }

  /** Runs a REST call with a valid access token: refresh when close to expiry, and once more on a 401. */
  async withAccessToken<T>(call: (rest: NavilinkRestClient, tokens: SessionTokens, email: string) => Promise<T>): Promise<T> {
    if (!this.rest) throw new NavilinkError('connection not started', 'NOT_STARTED');
    let tokens = await this.validTokens();
    try {
      return await call(this.rest, tokens, this.options.email);
    } catch (err) {
      if (!(err instanceof TokenRejectedError)) throw err;
      tokens = await this.renewAccessToken(true);
      return call(this.rest, tokens, this.options.email);
    }
  }

  /** Reloads the device list over REST and resubscribes if it changed. */
  async refreshDevices(): Promise<DeviceEntry[]> {
    const devices = await this.withAccessToken((rest, tokens, email) => rest.listDevices(tokens, email));
    // NWP500 devices only: other families speak the legacy protocol (docs/protocol.md#other-families).
    this.deviceList = devices.filter((d) => d.deviceType === NWP500_DEVICE_TYPE);
    for (const device of this.deviceList) {
      if (!this.presence.has(device.mac)) this.presence.set(device.mac, device.cloudPresence);
    }
    this.emit('devices', this.deviceList);
    return this.deviceList;
  }

  // ---- the connection loop ----

  private async run(): Promise<void> {
    let attempt = 0;
    let signInFirst = true;
    while (!this.closed) {
      let end: SessionEnd | undefined;
      const signInsBefore = this.successfulSignIns;
      try {
        this.setState(attempt === 0 ? { phase: 'connecting' } : { phase: 'reconnecting', attempt, deep: signInFirst });
        const kind = await this.establish(signInFirst, attempt);
        if (this.closed) return;
        end = await this.liveSession(kind, attempt);
      } catch (err) {
        if (this.closed) return;
        if (err instanceof InvalidCredentialsError) {
          // Never retry: repeated wrong passwords can lock the account. A redeploy with fixed credentials recovers.
          this.setState(err.repeated
            ? { phase: 'invalid-credentials', error: err.message, refusal: err.repeated.reason }
            : { phase: 'invalid-credentials', error: 'sign-in refused: wrong e-mail or password' });
          return;
        }
        if (err instanceof SdkUnavailableError) {
          this.setState({ phase: 'sdk-unavailable', error: err.message });
          return;
        }
        const failure = describeFailure(err);
        attempt++;
        // A deep attempt whose sign-in failed (cloud 500s) stays deep: the old credentials are the problem.
        // One whose sign-in worked but whose MQTT connect failed does not sign in again next time.
        const signInFailed: boolean = signInFirst && this.successfulSignIns === signInsBefore;
        signInFirst = signInFailed || this.tokens === undefined || failure.authRejected || isDeepAttempt(attempt, this.backoff) || this.awsCredentialsExpiring();
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
      signInFirst = end.failure.authRejected || this.awsCredentialsExpiring();
      await this.backOff(attempt, signInFirst, end.failure.message, end.lastedMs);
    }
  }

  /** Signs in if needed, opens the MQTT session and subscribes; returns the kind of connection made. */
  private async establish(signInFirst: boolean, attempt: number): Promise<ConnectionKind> {
    if (signInFirst || !this.tokens) {
      await this.signIn();
      await this.refreshDevices();
    }
    // Closed during the sign-in (a redeploy): connecting now would only take the client id from the successor.
    if (this.closed) throw new ConnectionClosedError();
    const tokens = this.tokens as SessionTokens;
    const { session, sessionPresent, transport } = await openMqttSession({
      endpoints: this.endpoints as Endpoints,
      credentials: tokens.aws,
      clientId: this.options.clientId,
      keepAliveSeconds: this.keepAliveSeconds,
      operationTimeoutMs: this.operationTimeoutMs,
    });
    if (this.closed) {
      await session.close();
      return 'connected';
    }
    this.session = session;
    this.transportValue = transport;
    session.on('message', (topic: string, payload: Buffer) => this.onMessage(topic, payload));
    try {
      // Clean sessions forget subscriptions: resubscribe before anything is sent
      // (docs/protocol.md#connection-management). A refused essential filter fails the session.
      const essential = [
        clientReplyFilter(NWP500_DEVICE_TYPE, this.options.clientId),
        ...this.deviceList.map((d) => deviceTopicFilter(d.deviceType, d.mac)),
      ];
      // The installer diagnostics reply filter is one no reference client subscribes: a broker policy without it must
      // not keep the account offline, so its refusal only makes the installer read unavailable.
      const diagnostics = [...new Set(this.deviceList.map((d) => this.diagnosticsReplyFilter(d)))];
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
    const record = this.diagnostics.recordConnected(kind, attempt, sessionPresent);
    if (attempt > 0 || kind !== 'connected') this.emit('reconnected', record);
    return kind;
  }

  /** Serves a live session until it drops, needs renewal, or the connection closes. */
  private async liveSession(kind: ConnectionKind, attempt: number): Promise<SessionEnd> {
    const session = this.session as MqttTransportSession;
    const startedAt = this.clock.now();
    this.sessionStartedAt = startedAt;
    const ended = new Promise<SessionEnd>((resolve) => {
      this.endSession = resolve;
      session.once('interrupted', (failure: TransportFailure) => resolve({ reason: 'drop', failure, lastedMs: this.clock.now() - startedAt }));
    });
    this.setState({ phase: 'connected' });
    this.outageStartedAt = undefined;
    this.scheduleRenewal();
    // A flush that began on the session before may still be winding down; then this session's own.
    while (this.flushing) await this.flushing;
    await this.flush();
    this.emit('ready', { kind, attempt });
    // Limits and capabilities gate every control; read them once per device.
    for (const device of this.deviceList) {
      if (!this.features.has(device.mac)) this.requestFeatures(device.mac).catch(() => undefined);
    }
    const end = await ended;
    this.endSession = undefined;
    this.clock.clearTimeout(this.renewTimer);
    this.session = undefined;
    if (end.reason === 'drop') {
      const drop = this.diagnostics.recordDrop(end.failure, attempt, this.subscriptions.length, this.queue.length);
      if (drop) this.emit('drop', drop);
    } else {
      this.diagnostics.recordClosed();
    }
    // Close the old connection object before any new one exists: two with one client id kick each other off.
    await session.close();
    return end;
  }

  private diagnosticsReplyFilter(device: DeviceEntry): string {
    return appReplyFilter(NWP500_DEVICE_TYPE, device.homeSeq ?? 0, this.appUserSeq(), this.options.clientId);
  }

  /** The `userSeq` of the five-segment reply topic (uncertain which the cloud wants, see appReplyTopic): the account's. */
  private appUserSeq(): number {
    return this.tokens?.userSeq ?? 0;
  }

  /** The live session commands can go out on now, if any. */
  private sendableSession(): MqttTransportSession | undefined {
    const session = this.session;
    return session && this.isLive(session) ? session : undefined;
  }

  private isLive(session: MqttTransportSession): boolean {
    return !this.closed && this.session === session && !session.isClosed && this.stateValue.phase === 'connected';
  }

  /** Publishes what waits, one command at a time and in order, while a session is live; one flush at a time. */
  private flush(): Promise<void> {
    this.flushing ??= this.publishQueued().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async publishQueued(): Promise<void> {
    for (;;) {
      const session = this.sendableSession();
      if (!session) return;
      // Taken out only now: a command withdrawn while the ones before it went out is never sent.
      const item = this.queue.next();
      if (!item) return;
      const outcome = await this.publishItem(session, item);
      if (outcome === 'settled') continue;
      if (this.closed) {
        item.reject(new ConnectionClosedError());
        return;
      }
      // Back in front, so the next session sends it first and the commands behind it keep their order.
      this.queue.requeue([item]);
      if (outcome !== 'session-gone') this.replaceBrokenSession(session, outcome.broken);
      return;
    }
  }

  /** Sends one command, trying again on the same session while it still looks live; settles it unless the session went. */
  private async publishItem(session: MqttTransportSession, item: QueuedItem<OutboundMessage>): Promise<PublishOutcome> {
    for (let attempt = 1; ; attempt++) {
      const withdrawn = item.withdrawn();
      if (withdrawn) {
        item.reject(withdrawn);
        return 'settled';
      }
      if (!this.isLive(session)) return 'session-gone';
      try {
        await session.publish(item.value.topic, item.value.payload);
        this.diagnostics.published++;
        item.resolve();
        return 'settled';
      } catch (err) {
        if (!this.isLive(session)) return 'session-gone';
        if (attempt >= PUBLISH_ATTEMPTS) return { broken: describeFailure(err) };
        await this.pauseBeforeRetry(PUBLISH_RETRY_DELAYS_MS[attempt - 1]);
      }
    }
  }

  /** Every attempt failed on a session that looks live: it is broken; end it now so the loop reconnects at once. */
  private replaceBrokenSession(session: MqttTransportSession, failure: TransportFailure): void {
    if (this.session !== session) return;
    // No more commands on it while it is being closed.
    this.session = undefined;
    this.endSession?.({
      reason: 'drop',
      failure: { ...failure, message: `publish failed ${PUBLISH_ATTEMPTS} times on a live session, reconnecting: ${failure.message}` },
      lastedMs: this.clock.now() - this.sessionStartedAt,
    });
  }

  private pauseBeforeRetry(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const resume = () => {
        this.retryPause = undefined;
        resolve();
      };
      this.retryPause = { handle: this.clock.setTimeout(resume, ms), resume };
    });
  }

  private cancelRetryPause(): void {
    const pause = this.retryPause;
    if (!pause) return;
    this.clock.clearTimeout(pause.handle);
    pause.resume();
  }

  private async signIn(): Promise<void> {
    const rest = this.rest as NavilinkRestClient;
    this.signInCount++;
    this.tokens = await guardedSignIn(rest, this.apiUrl, this.options.email, this.options.password, () => this.clock.now());
    this.successfulSignIns++;
  }

  private async validTokens(): Promise<SessionTokens> {
    if (!this.tokens) {
      await this.signIn();
      return this.tokens as unknown as SessionTokens;
    }
    if (this.tokens.accessExpiresAt - this.clock.now() < EXPIRY_MARGIN_MS) return this.renewAccessToken(false);
    return this.tokens;
  }

  /** One refresh in flight at a time; falls back to a full sign-in when the refresh token is refused. */
  private renewAccessToken(force: boolean): Promise<SessionTokens> {
    this.refreshing ??= (async () => {
      const rest = this.rest as NavilinkRestClient;
      try {
        if (!this.tokens) throw new TokenRejectedError('auth/refresh');
        if (!force && this.tokens.accessExpiresAt - this.clock.now() >= EXPIRY_MARGIN_MS) return this.tokens;
        this.tokens = await rest.refresh(this.tokens);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw err;
        await this.signIn();
      }
      return this.tokens as SessionTokens;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private awsCredentialsExpiring(): boolean {
    return !this.tokens || this.tokens.aws.expiresAt - this.clock.now() < this.renewBeforeExpiryMs;
  }

  /** AWS credentials only work for the WebSocket upgrade; renew them by a full sign-in before they lapse. */
  private scheduleRenewal(): void {
    this.clock.clearTimeout(this.renewTimer);
    if (!this.tokens) return;
    const due = Math.max(60_000, this.tokens.aws.expiresAt - this.renewBeforeExpiryMs - this.clock.now());
    this.renewTimer = this.clock.setTimeout(() => this.endSession?.({ reason: 'renew' }), due);
  }

  /**
   * `sessionMs`: how long the live session lasted, when this is the first retry after it dropped. `atLeastMs`: the
   * sign-in limit's wait, when it refused the attempt.
   */
  private async backOff(attempt: number, deep: boolean, error: string, sessionMs?: number, atLeastMs = 0): Promise<void> {
    if (this.closed) return;
    this.outageStartedAt ??= this.clock.now();
    const paced = sessionMs === undefined
      ? reconnectDelay(attempt, this.backoff, this.random, this.clock.now() - this.outageStartedAt)
      : retryAfterDropDelay(sessionMs, this.backoff, this.random);
    const delay = Math.max(paced, atLeastMs);
    this.setState({ phase: 'reconnecting', attempt, retryInMs: delay, deep, error });
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.sleepTimer = this.clock.setTimeout(resolve, delay);
    });
    this.wakeUp = undefined;
  }

  private cancelSleep(): void {
    this.clock.clearTimeout(this.sleepTimer);
    this.wakeUp?.();
  }

  // ---- inbound ----

  private onMessage(topic: string, payload: Buffer): void {
    this.diagnostics.messagesReceived++;
    let parsed: unknown;
    try {
      parsed = parseCloudJson(payload.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const message = classifyInbound(topic, parsed);
    if (message.kind === 'echo' || message.kind === 'malformed') {
      this.emit('message', message);
      return;
    }
    if (message.mac) {
      const known = this.device(message.mac);
      if (!known) return; // a reply for someone else's device on a shared client topic
      // Anything the device itself sent proves it is online; a connection event is about some client instead.
      if (message.kind !== 'connection-event') this.setPresence(message.mac, 'online');
      // Counted once here, for every node that decodes this message (they output these values as null).
      for (const field of implausibleValues(message)) this.diagnostics.recordImplausible(field);
      const feature = message.kind === 'feature' ? message.response?.feature ?? message.response?.did : undefined;
      if (feature && typeof feature === 'object') this.features.set(message.mac, feature as Record<string, unknown>);
      this.replies.deliver(message);
    }
    this.emit('message', message);
  }

  private setPresence(mac: string, presence: DevicePresence): void {
    if (this.presence.get(mac) === presence) return;
    this.presence.set(mac, presence);
    this.emit('presence', mac, presence);
  }

  private setState(state: ConnectionState): void {
    if (this.closed && state.phase !== 'closed') return;
    // The state's error reaches node status, logs and messages: never with a presigned URL in it.
    if (state.error !== undefined) state = { ...state, error: redactSecrets(state.error) };
    this.stateValue = state;
    this.emit('state', state);
  }
}
