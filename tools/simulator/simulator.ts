// NavilinkSimulator: REST API + AWS-IoT-like MQTT broker + simulated NWP500 devices, with fault controls for tests.
// It implements the protocol from docs/protocol.md on its own (no imports from src/): it is the peer
// that proves the client.
import { EventEmitter } from 'node:events';
import { MqttBroker, type PublishFault } from './broker';
import { defaultTestCertDir, ensureCerts, type SimulatorCerts } from './certs';
import { CredentialStore, type AwsCredentials } from './credentials';
import { SimulatedDevice, type DeviceOptions, type DeviceTiming, type ReceivedRequest } from './device';
import { API_PREFIX, RestServer, type AccountRecord, type RestState } from './rest';

export type { DeviceOptions, InstallerContact, ReceivedRequest } from './device';
export { SimulatedDevice } from './device';

export interface AccountOptions {
  email: string;
  password: string;
  /** Devices of this account; default one NWP500 `0a1b2c3d4e5f`. Pass [] for none. MACs must be unique. */
  devices?: DeviceOptions[];
  userSeq?: number;
  firstName?: string;
  lastName?: string;
  userType?: 'O' | 'I';
  /** REST paths refused with HTTP 403 for this account, e.g. `/device/firmware/info` (docs/protocol.md#rest-envelope). */
  forbiddenPaths?: string[];
}

export interface SimulatorOptions {
  /** HTTPS REST port; 0 (default) = ephemeral. */
  restPort?: number;
  /** WSS MQTT port; 0 (default) = ephemeral. */
  mqttPort?: number;
  /** Default: user@example.com / example-password with one device. */
  accounts?: AccountOptions[];
  /** Access/id token lifetime in seconds (default 3600). */
  authenticationExpiresIn?: number;
  /** AWS credential lifetime in seconds (default 3600). */
  authorizationExpiresIn?: number;
  /** Refresh token lifetime in seconds (default 30 days). */
  refreshTokenExpiresIn?: number;
  /** Simulated seconds per real second for the tank physics (default 1; 0 freezes it). */
  speed?: number;
  /** Real ms between physics steps (default 1000). */
  tickMs?: number;
  /** Real ms before a device reply (default 20; the real cloud takes 2-4 s). */
  replyDelayMs?: number;
  /** Real ms between a control ack and its follow-up pushes (default 200). */
  pushDelayMs?: number;
  /** Minimum real ms between physics-driven pushes (default 1000). */
  minPushIntervalMs?: number;
  /** MQTT connections are closed after this age (default 24 h, like AWS IoT). */
  maxConnectionAgeMs?: number;
  /** Where the test CA and server certificate live (default: a shared temp directory). */
  certDir?: string;
  /** Broadcast `evt/52/navilink-{mac}/connection` when a device goes on/offline (default false). */
  connectionEvents?: boolean;
  /** Topic filters the broker refuses with SUBACK 0x80, like an AWS IoT policy without them (default none). */
  refusedSubscriptions?: RegExp[];
}

export interface SimulatorEvents {
  request: [ReceivedRequest];
  connect: [{ clientId: string; accessKeyId: string; email: string }];
  disconnect: [{ clientId: string; accessKeyId?: string }];
  rejected: [{ reason: string; accessKeyId?: string }];
  rest: [{ method: string; path: string; status: number }];
}

export const DEFAULT_EMAIL = 'user@example.com';
export const DEFAULT_PASSWORD = 'example-password';
const MAX_RECEIVED = 10_000;

export class NavilinkSimulator extends EventEmitter<SimulatorEvents> {
  /** Requests the devices received (newest last), for assertions. */
  readonly received: ReceivedRequest[] = [];
  readonly certs: SimulatorCerts;
  private readonly credentials: CredentialStore;
  private readonly restState: RestState;
  private readonly rest: RestServer;
  private readonly broker: MqttBroker;
  private readonly deviceMap = new Map<string, SimulatedDevice>();
  private readonly unsubscribers: Array<() => Promise<void>> = [];
  private restPortValue = 0;
  private mqttPortValue = 0;
  private stopped = false;
  private connectionSession = 0;

  private constructor(private readonly options: SimulatorOptions) {
    super();
    this.certs = ensureCerts(options.certDir ?? defaultTestCertDir());
    this.credentials = new CredentialStore({
      authenticationExpiresIn: options.authenticationExpiresIn ?? 3600,
      authorizationExpiresIn: options.authorizationExpiresIn ?? 3600,
      refreshTokenExpiresIn: options.refreshTokenExpiresIn ?? 30 * 86400,
    });
    this.broker = new MqttBroker(this.certs, this.credentials, {
      maxConnectionAgeMs: options.maxConnectionAgeMs ?? 24 * 3600 * 1000,
      refusedSubscriptions: options.refusedSubscriptions,
    });
    this.broker.on('connect', (e) => this.emit('connect', e));
    this.broker.on('disconnect', (e) => this.emit('disconnect', e));
    this.broker.on('rejected', (e) => this.emit('rejected', e));
    const timing: DeviceTiming = {
      tickMs: options.tickMs ?? 1000,
      speed: options.speed ?? 1,
      replyDelayMs: options.replyDelayMs ?? 20,
      pushDelayMs: options.pushDelayMs ?? 200,
      minPushIntervalMs: options.minPushIntervalMs ?? 1000,
    };
    const accounts = new Map<string, AccountRecord>();
    const accountOptions = options.accounts ?? [{ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD }];
    accountOptions.forEach((a, i) => {
      const devices = (a.devices ?? [{}]).map((d) => this.createDevice(d, timing));
      accounts.set(a.email.toLowerCase(), {
        email: a.email,
        password: a.password,
        userSeq: a.userSeq ?? 10001 + i,
        firstName: a.firstName ?? 'Test',
        lastName: a.lastName ?? 'User',
        userType: a.userType ?? 'O',
        devices,
        touPlans: new Map(),
        forbidden: new Set(a.forbiddenPaths ?? []),
      });
    });
    this.restState = {
      accounts,
      credentials: this.credentials,
      faults: [],
      delayMs: 0,
      signInCount: 0,
      refreshCount: 0,
      location: { state: 'Example State', city: 'Example City', address: '1 Example Street', latitude: 37.0, longitude: -122.0 },
    };
    this.rest = new RestServer(this.certs, this.restState, (method, path, status) => this.emit('rest', { method, path, status }));
  }

  static async start(options: SimulatorOptions = {}): Promise<NavilinkSimulator> {
    const sim = new NavilinkSimulator(options);
    try {
      await sim.broker.ensureAedes();
      for (const device of sim.deviceMap.values()) {
        sim.unsubscribers.push(await sim.broker.subscribe(`${device.topicPrefix}/#`, (topic, payload) => device.handleMessage(topic, payload)));
      }
      sim.mqttPortValue = await sim.broker.start(options.mqttPort ?? 0);
      sim.restPortValue = await sim.rest.listen(options.restPort ?? 0);
      for (const device of sim.deviceMap.values()) device.start();
      if (options.connectionEvents) for (const d of sim.deviceMap.values()) sim.publishConnectionEvent(d);
    } catch (err) {
      await sim.stop();
      throw err;
    }
    return sim;
  }

  // ---- endpoints ------------------------------------------------------------------------------------------------

  get restPort(): number {
    return this.restPortValue;
  }

  get mqttPort(): number {
    return this.mqttPortValue;
  }

  /** Base URL of the REST API, e.g. https://localhost:18443/api/v2.1 */
  get apiUrl(): string {
    return `https://localhost:${this.restPortValue}${API_PREFIX}`;
  }

  /** MQTT endpoint as host:port (WSS, path /mqtt). */
  get iotEndpoint(): string {
    return `localhost:${this.mqttPortValue}`;
  }

  /** PEM file of the test CA that signed both servers' certificate. */
  get caFile(): string {
    return this.certs.caFile;
  }

  // ---- observation ----------------------------------------------------------------------------------------------

  get signInCount(): number {
    return this.restState.signInCount;
  }

  get refreshCount(): number {
    return this.restState.refreshCount;
  }

  /** WebSocket upgrade attempts on /mqtt, accepted or not. */
  get connectAttempts(): number {
    return this.broker.connectAttempts;
  }

  get rejectedUpgrades(): number {
    return this.broker.rejectedUpgrades;
  }

  connectedClientIds(): string[] {
    return this.broker.connectedClientIds();
  }

  /** AWS credentials issued so far (newest last). */
  issuedCredentials(): ReadonlyArray<Readonly<AwsCredentials>> {
    return this.credentials.allAwsCredentials();
  }

  /** State accessor of a device: `status` (raw fields, writable), `setStatus()`, `feature`, schedules, `drawLpm`, `tick()`. */
  device(mac = '0a1b2c3d4e5f'): SimulatedDevice {
    const d = this.deviceMap.get(mac.toLowerCase());
    if (!d) throw new Error(`no simulated device ${mac}`);
    return d;
  }

  devices(): SimulatedDevice[] {
    return [...this.deviceMap.values()];
  }

  clearReceived(): void {
    this.received.length = 0;
  }

  /** Resolves with the first request (already received or arriving later) matching `predicate`. */
  waitForRequest(predicate: (r: ReceivedRequest) => boolean, timeoutMs = 5000): Promise<ReceivedRequest> {
    const found = this.received.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onRequest = (r: ReceivedRequest): void => {
        if (!predicate(r)) return;
        clearTimeout(timer);
        this.off('request', onRequest);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.off('request', onRequest);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('request', onRequest);
    });
  }

  // ---- fault controls -------------------------------------------------------------------------------------------

  /** Closes every live MQTT connection; the broker keeps listening. */
  dropAllConnections(): void {
    this.broker.dropAll();
  }

  /**
   * The next `times` (default 1) client publishes to a topic matching `topic` fail: `lose` (default) swallows each
   * (no PUBACK, not delivered, the connection stays up), `disconnect` closes the connection on it.
   */
  failPublishes(topic: RegExp, opts: { mode?: PublishFault['mode']; times?: number } = {}): void {
    this.broker.failPublishes({ topic, mode: opts.mode ?? 'lose', remaining: opts.times ?? 1 });
  }

  /** Client publishes failed by failPublishes so far (oldest first). */
  get failedPublishes(): ReadonlyArray<{ topic: string; mode: PublishFault['mode'] }> {
    return this.broker.failedPublishes;
  }

  /** From now on SUBSCRIBEs to filters matching any of these are refused (SUBACK 0x80); [] refuses none. */
  refuseSubscriptions(filters: RegExp[]): void {
    this.broker.setRefusedSubscriptions(filters);
  }

  /** Stops the MQTT listener (connections refused) and drops live connections. */
  async stopBroker(): Promise<void> {
    await this.broker.stopListening();
  }

  /** Starts the MQTT listener again on the same port. */
  async startBroker(): Promise<void> {
    this.mqttPortValue = await this.broker.start(this.mqttPortValue);
  }

  /**
   * Makes AWS credentials (one key, or all) expired: later upgrades with them are refused. Live connections stay up
   * unless `disconnect` is set - AWS checks credentials only when the WebSocket opens (docs/protocol.md#credentials).
   */
  expireCredentials(accessKeyId?: string, opts: { disconnect?: boolean } = {}): string[] {
    const keys = this.credentials.expireAws(accessKeyId);
    if (opts.disconnect) this.broker.dropByAccessKey(keys);
    return keys;
  }

  /** Revokes AWS credentials (one key, or all) and closes live connections that used them. */
  revokeCredentials(accessKeyId?: string): string[] {
    const keys = this.credentials.revokeAws(accessKeyId);
    this.broker.dropByAccessKey(keys);
    return keys;
  }

  /** Expires REST access tokens so the next authorized call gets HTTP 401. */
  expireAccessTokens(email?: string): void {
    this.credentials.expireAccessTokens(email);
  }

  /** Invalidates refresh tokens so /auth/refresh fails and only a new sign-in helps. */
  revokeRefreshTokens(email?: string): void {
    this.credentials.revokeRefreshTokens(email);
  }

  /**
   * The next `times` REST calls to `path` (relative to /api/v2.1, e.g. '/device/list') or any path ('*') fail, with
   * HTTP `status` (default 500) and the body's `code` / `msg` when given (e.g. status 200, code 1099: a code no client knows).
   */
  failRest(path: string, opts: { status?: number; times?: number; code?: number; msg?: string } = {}): void {
    this.restState.faults.push({ path, status: opts.status ?? 500, remaining: opts.times ?? 1, code: opts.code, msg: opts.msg });
  }

  /** Lifts every REST fault still pending. */
  clearRestFaults(): void {
    this.restState.faults.length = 0;
  }

  /** From now on `path` (e.g. '/device/firmware/info') answers HTTP 403 for the account, as it does on some real accounts; false lifts it. */
  forbidRest(email: string, path: string, forbidden = true): void {
    const account = this.restState.accounts.get(email.toLowerCase());
    if (!account) throw new Error(`no account ${email}`);
    if (forbidden) account.forbidden.add(path);
    else account.forbidden.delete(path);
  }

  /** A firmware update the device has downloaded but not installed (see SimulatedDevice.setFirmwareUpdate); undefined = none. */
  setFirmwareUpdate(mac: string, update: { swCode: number; swVersion: number } | undefined): void {
    this.device(mac).setFirmwareUpdate(update);
  }

  /** Delays every REST response by `ms` (0 to stop). */
  delayRest(ms: number): void {
    this.restState.delayMs = ms;
  }

  setPassword(email: string, password: string): void {
    const account = this.restState.accounts.get(email.toLowerCase());
    if (!account) throw new Error(`no account ${email}`);
    account.password = password;
  }

  /** An offline device never answers; the device list shows `connected: 1`. */
  setDeviceOffline(mac: string, offline: boolean): void {
    const d = this.device(mac);
    if (d.offline === offline) return;
    d.offline = offline;
    if (this.options.connectionEvents) this.publishConnectionEvent(d);
  }

  /** Controls closer together than `minIntervalMs` get `ctrl-fail` (failCode 2). 0 switches throttling off. */
  throttleControls(opts: { minIntervalMs: number; mac?: string }): void {
    for (const d of opts.mac ? [this.device(opts.mac)] : this.devices()) d.throttleControls(opts.minIntervalMs);
  }

  /** The next `count` weekly-program writes to the device get no echo; `apply: false`: they change nothing either. */
  loseProgramWrites(mac: string, count = 1, opts: { apply?: boolean } = {}): void {
    this.device(mac).loseProgramWrites(count, opts);
  }

  /** The next control to the device(s) is refused with `ctrl-fail` and changes nothing. */
  failNextControl(mac?: string): void {
    for (const d of mac ? [this.device(mac)] : this.devices()) d.failNextControl();
  }

  /** Publishes garbage on the device's topic tree; returns what was sent. */
  async publishMalformed(mac = '0a1b2c3d4e5f'): Promise<Array<{ topic: string; payload: Buffer }>> {
    const d = this.device(mac);
    const topic = d.pushTopic;
    const envelope = (response: unknown): string =>
      JSON.stringify({ protocolVersion: 2, clientID: `navilink-${d.macAddress}`, sessionID: '0', requestTopic: `${d.topicPrefix}/st`, response });
    const ident = { deviceType: 52, macAddress: d.macAddress, additionalValue: d.additionalValue };
    const items: Array<{ topic: string; payload: Buffer }> = [
      { topic, payload: Buffer.from([0x00, 0xff, 0x7b, 0x6e, 0x6f, 0x74]) }, // binary, not JSON
      { topic, payload: Buffer.alloc(0) },
      { topic, payload: Buffer.from('{"response": {"status": ') }, // truncated JSON
      { topic, payload: Buffer.from('[1,2,3]') },
      { topic, payload: Buffer.from('"status"') },
      { topic, payload: Buffer.from(envelope(null)) },
      { topic, payload: Buffer.from(envelope({ ...ident, status: 'on' })) },
      { topic, payload: Buffer.from(envelope({ ...ident, status: { dhwTemperature: 'hot', dhwOperationSetting: null } })) },
      { topic, payload: Buffer.from(envelope({ ...ident, macAddress: 'ffffffffffff', status: { ...d.snapshot(), dhwTemperature: 1 } })) },
      { topic: `${d.topicPrefix}/ctrl-fail`, payload: Buffer.from(envelope({ ...ident, failCode: 'x' })) },
    ];
    for (const item of items) await this.broker.publish(item.topic, item.payload);
    return items;
  }

  /** Replaces the plan `GET /device/tou` returns for a device: `data` exactly as the cloud would send it (it may be crafted). */
  setTouPlan(mac: string, data: Record<string, unknown>): void {
    const device = this.device(mac);
    for (const account of this.restState.accounts.values()) {
      if (account.devices.includes(device)) account.touPlans.set(device.macAddress, structuredClone(data));
    }
  }

  /** Raw publish into the broker as the cloud side (no MQTT client involved). */
  publish(topic: string, payload: unknown): Promise<void> {
    return this.broker.publish(topic, Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  /** Changes timing (speed, tickMs, delays) of every device at runtime. */
  setTiming(timing: Partial<DeviceTiming>): void {
    for (const d of this.devices()) d.setTiming(timing);
  }

  /** Closes every server, socket and timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const d of this.deviceMap.values()) d.stop();
    for (const unsubscribe of this.unsubscribers.splice(0)) await unsubscribe();
    await Promise.all([this.rest.close(), this.broker.close()]);
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  private createDevice(opts: DeviceOptions, timing: DeviceTiming): SimulatedDevice {
    const device = new SimulatedDevice(opts, (topic, payload) => void this.broker.publish(topic, JSON.stringify(payload)), timing);
    if (this.deviceMap.has(device.macAddress)) throw new Error(`duplicate device MAC ${device.macAddress}`);
    device.on('request', (r: ReceivedRequest) => {
      this.received.push(r);
      if (this.received.length > MAX_RECEIVED) this.received.splice(0, this.received.length - MAX_RECEIVED);
      this.emit('request', r);
    });
    this.deviceMap.set(device.macAddress, device);
    return device;
  }

  /** App-derived connection event (docs/protocol.md#connection-events); `status` <= 0 means disconnected. */
  private publishConnectionEvent(d: SimulatedDevice): void {
    const topic = `evt/52/navilink-${d.macAddress}/connection`;
    void this.broker.publish(
      topic,
      JSON.stringify({
        protocolVersion: 1,
        clientID: `navilink-${d.macAddress}`,
        sessionID: String(Date.now()),
        requestTopic: topic,
        event: {
          deviceType: 52,
          macAddress: d.macAddress,
          additionalValue: d.additionalValue,
          connection: { status: d.offline ? 0 : 1, sessionNumber: ++this.connectionSession },
        },
      }),
    );
  }
}
