import { EventEmitter } from 'node:events';
import { Clock, SYSTEM_CLOCK } from '../clock';
// Straight from the codec's modules, not its index: every message passes here, and the index's re-exports are
// property getters (as tsc emits `export *`), a call each time.
import { CommandContext, OutboundMessage, buildDeviceInfoRequest, buildStatusRequest } from '../codec/commands';
import type { InboundMessage } from '../codec/routing';
import { EndpointAddresses, resolveEndpoints, withCaFile } from '../endpoints';
import { ConnectionClosedError, NavilinkError, errorMessage, redactSecrets } from '../errors';
import { DeviceEntry, NavilinkRestClient, SessionTokens } from '../rest-client';
import type { TransportKind } from '../transport-select';
import { DEFAULT_BACKOFF } from './backoff';
import { CommandQueue, DEFAULT_QUEUE_LIMITS } from './command-queue';
import { DeviceRegistry } from './device-registry';
import { DiagnosticsCollector } from './diagnostics';
import { ReplyMatcher } from './reply-matcher';
import { Supervisor } from './supervisor';
import { EXPIRY_MARGIN_MS, TokenKeeper } from './token-keeper';
import type { AccountConnectionOptions, ConnectionState, DevicePresence, RequestOptions } from './types';

export type { AccountConnectionOptions, ConnectionPhase, ConnectionState, DevicePresence, RequestOptions } from './types';

/** How often commands waiting in the offline queue are checked for their age (only while some wait). */
const QUEUE_EXPIRY_CHECK_MS = 10_000;

/**
 * One resilient NaviLink connection per account, shared by every node that uses the account:
 * REST sign-in and device list, one MQTT session, reconnection with backoff and deep reconnects,
 * credential renewal, an offline command queue, device presence and diagnostics. Its jobs are its parts: the tokens
 * (TokenKeeper), the heaters and inbound routing (DeviceRegistry), the loop and its sessions (Supervisor, Publisher).
 *
 * Events: 'state' (ConnectionState), 'message' (InboundMessage), 'presence' (mac, DevicePresence),
 * 'devices' (DeviceEntry[]), 'ready' (after each (re)connection, once subscribed), 'drop' (DropRecord),
 * 'reconnected' (ConnectionRecord).
 */
export class AccountConnection extends EventEmitter {
  readonly diagnostics: DiagnosticsCollector;
  private stateValue: ConnectionState = { phase: 'idle' };
  private readonly queue: CommandQueue<OutboundMessage>;
  private readonly replies: ReplyMatcher;
  private readonly tokenKeeper: TokenKeeper;
  private readonly registry: DeviceRegistry;
  private readonly supervisor: Supervisor;
  private closed = false;
  private loop: Promise<void> | undefined;
  private queueTimer: unknown;
  private readonly requestTimeoutMs: number;
  private readonly firstRequestTimeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: AccountConnectionOptions) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.firstRequestTimeoutMs = options.firstRequestTimeoutMs ?? 30_000;
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.clock = clock;
    const now = () => clock.now();
    const emit = (event: string, ...args: unknown[]) => {
      this.emit(event, ...args);
    };
    this.diagnostics = new DiagnosticsCollector(now);
    this.replies = new ReplyMatcher(clock);
    this.queue = new CommandQueue<OutboundMessage>(options.queue ?? DEFAULT_QUEUE_LIMITS, now);
    this.tokenKeeper = new TokenKeeper(options.email, options.password, clock);
    this.registry = new DeviceRegistry(this.diagnostics, this.replies, emit);
    this.supervisor = new Supervisor({
      clientId: options.clientId,
      keepAliveSeconds: options.keepAliveSeconds ?? 60,
      operationTimeoutMs: options.operationTimeoutMs ?? 30_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      renewBeforeExpiryMs: options.renewBeforeExpiryMs ?? EXPIRY_MARGIN_MS,
      clock,
      random: options.random ?? Math.random,
      tokens: this.tokenKeeper,
      registry: this.registry,
      diagnostics: this.diagnostics,
      queue: this.queue,
      emit,
      state: () => this.stateValue,
      setState: (state) => this.setState(state),
      isClosed: () => this.closed,
      refreshDevices: () => this.refreshDevices(),
      requestFeatures: (mac) => this.requestFeatures(mac),
    });
    // Nodes listen here for fan-out; many nodes per account is normal.
    this.setMaxListeners(0);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The MQTT transport of the current (or last) session, 'native' (AWS IoT Device SDK) or 'js'; none before the first. */
  get transport(): TransportKind | undefined {
    return this.supervisor.transport;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  get devices(): readonly DeviceEntry[] {
    return this.registry.devices;
  }

  get queuedCommands(): number {
    return this.queue.length;
  }

  /** Sign-ins tried so far (accepted or not). */
  get signInCount(): number {
    return this.tokenKeeper.signInCount;
  }

  presenceOf(mac: string): DevicePresence {
    return this.registry.presenceOf(mac);
  }

  /** The device's last feature record (raw `response.feature`), once it has been read. */
  featuresOf(mac: string): Record<string, unknown> | undefined {
    return this.registry.featuresOf(mac);
  }

  device(mac: string): DeviceEntry | undefined {
    return this.registry.device(mac);
  }

  /**
   * False once the broker refused the subscription the device's installer diagnostics reply needs (its policy lacks
   * that filter): the installer read cannot be answered on this session. True before that is known.
   */
  installerDiagnosticsAvailable(mac: string): boolean {
    const device = this.device(mac);
    return !device || !this.supervisor.refused(this.supervisor.diagnosticsReplyFilter(device));
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
    this.tokenKeeper.attach(new NavilinkRestClient(endpoints, { now: () => this.clock.now() }), addresses.apiUrl);
    this.loop = endpoints.then((loaded) => this.supervisor.run(loaded)).catch((err) => {
      this.setState({ phase: 'config-error', error: errorMessage(err) });
    });
  }

  /** Closes everything: session, timers, pending requests and queued commands. Bounded in time. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    this.supervisor.interrupt();
    const closedError = new ConnectionClosedError();
    this.replies.rejectAll(closedError);
    this.queue.rejectAll(closedError);
    await this.supervisor.closeSession();
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
      userSeq: this.tokenKeeper.tokens?.userSeq ?? 0,
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
    if (!this.supervisor.sendableSession()) this.diagnostics.queued++;
    const sent = this.queue.enqueue(message, signal);
    void this.supervisor.publisher.flush();
    this.watchQueueAge();
    return sent;
  }

  /**
   * Publishes a query and resolves with the first inbound message of one of `kinds` from that device (that
   * `options.matches` accepts, when given). A device that stays silent is reported offline (distinct from the cloud
   * connection being down). The request settles exactly once, on its own timeout at the latest, also while its query
   * waits in the offline queue; a request that settled takes its query out of the queue.
   */
  async request(mac: string, message: OutboundMessage, kinds: string[], timeoutMs?: number, options: RequestOptions = {}): Promise<InboundMessage> {
    if (this.closed) throw new ConnectionClosedError();
    const timeout = timeoutMs ?? (this.registry.featuresAnswered(mac) ? this.requestTimeoutMs : this.firstRequestTimeoutMs);
    const pending = this.replies.expect({
      mac,
      kinds,
      matches: options.matches,
      timeoutMs: timeout,
      onTimeout: () => {
        // Only a connected session can tell a silent device; during an outage it is the link that is down.
        if (this.stateValue.phase === 'connected') this.registry.setPresence(mac, 'offline');
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
      this.registry.markFeaturesAnswered(mac);
      return reply;
    });
  }

  /** Runs a REST call with a valid access token: refresh when close to expiry, and once more on a 401. */
  withAccessToken<T>(call: (rest: NavilinkRestClient, tokens: SessionTokens, email: string) => Promise<T>): Promise<T> {
    return this.tokenKeeper.withAccessToken(call);
  }

  /** Reloads the device list over REST and resubscribes if it changed. */
  async refreshDevices(): Promise<DeviceEntry[]> {
    const devices = await this.withAccessToken((rest, tokens, email) => rest.listDevices(tokens, email));
    return this.registry.update(devices);
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

  private setState(state: ConnectionState): void {
    if (this.closed && state.phase !== 'closed') return;
    // The state's error reaches node status, logs and messages: never with a presigned URL in it.
    if (state.error !== undefined) state = { ...state, error: redactSecrets(state.error) };
    this.stateValue = state;
    this.emit('state', state);
  }
}
