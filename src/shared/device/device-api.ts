/**
 * The devices of one account as the nodes use them: reads (features, weekly program, energy history, TOU plan, and the
 * service reads of ./service-reads),
 * status requests, and each device's inbound messages. Nodes keep only Node-RED wiring; everything about asking a
 * device and matching its answer is here and in the connection's ReplyMatcher.
 */
import type { AccountConnection, DevicePresence } from '../connection';
import {
  InboundMessage,
  NWP500_DEVICE_TYPE,
  TemperatureUnit,
  TouPlan,
  buildEnergyDailyQuery,
  buildEnergyMonthlyQuery,
  buildReservationRead,
  decodeEnergyUsage,
  decodeFeature,
  decodeReservationResponse,
  decodeTouPlan,
} from '../codec';
import { NavilinkError, errorMessage } from '../errors';
import { energyReport } from '../codec/energy-report';
import type { DeviceInfo, ReadRequest, ReadResult } from '../types/device';
import { ServiceReadIo, readDeviceRecord, readFirmware, readInstaller, readRecirculation } from './service-reads';
import { TouCache } from './tou-cache';

/** Reads other than status: the cloud answers in 2-4 s, the first request after connecting in up to ~8 s (docs/protocol.md#latency). */
export const READ_TIMEOUT_MS = 15_000;

/** A read other than status (status arrives as an inbound message, see DeviceApi.requestStatus). */
export type DeviceRead = Exclude<ReadRequest, { read: 'status' }>;

/** The device is not on the account, or did not report what a read needs; `key` names it in a node's catalog. */
export class DeviceLookupError extends NavilinkError {
  constructor(readonly key: 'no-device' | 'no-serial', mac: string) {
    super(key === 'no-device' ? `device ${mac} is not on this account` : `device ${mac} reported no serial number`, key === 'no-device' ? 'NO_DEVICE' : 'NO_SERIAL');
  }
}

type Listener = (message: InboundMessage) => void;

const accounts = new WeakMap<AccountConnection, AccountDevices>();

/** The devices of a connection; one instance per connection, shared by all its nodes (and so is its TOU cache). */
export function accountDevices(connection: AccountConnection): AccountDevices {
  let devices = accounts.get(connection);
  if (!devices) {
    devices = new AccountDevices(connection);
    accounts.set(connection, devices);
  }
  return devices;
}

export class AccountDevices {
  private readonly touPlans = new TouCache();

  constructor(private readonly connection: AccountConnection) {}

  device(mac: string): DeviceApi {
    return new DeviceApi(this.connection, mac, this.touPlans);
  }

  /** The MACs of the account's devices; empty until the account has listed them (on its first connection). */
  get macs(): string[] {
    return this.connection.devices.map((d) => d.mac);
  }

  /**
   * Every inbound message from any device of the account, decoded, until the returned function is called (a node
   * calls it on close). This and DeviceApi.watch are the one way inbound messages reach nodes. A listener that throws
   * is reported to `onError` and keeps the others (and the connection) going.
   */
  watch(listener: Listener, onError?: (err: unknown) => void): () => void {
    return subscribe(this.connection, (message) => {
      if (message.mac) listener(message);
    }, onError);
  }
}

export class DeviceApi {
  constructor(private readonly connection: AccountConnection, readonly mac: string, private readonly touPlans: TouCache) {}

  /** The account lists the device (false too while the account has not listed its devices yet). */
  get known(): boolean {
    return this.connection.device(this.mac) !== undefined;
  }

  /** The account has listed its devices and this one is not among them: a wrong MAC, not a connection still starting. */
  get missing(): boolean {
    return this.connection.devices.length > 0 && !this.known;
  }

  get presence(): DevicePresence {
    return this.connection.presenceOf(this.mac);
  }

  info(): DeviceInfo {
    const device = this.connection.device(this.mac);
    return { mac: this.mac, name: device?.name ?? this.mac, deviceType: device?.deviceType ?? NWP500_DEVICE_TYPE, model: 'NWP500' };
  }

  /** Every inbound message of this device, decoded, until the returned function is called (see AccountDevices.watch). */
  watch(listener: Listener, onError?: (err: unknown) => void): () => void {
    return subscribe(this.connection, (message) => {
      if (message.mac === this.mac) listener(message);
    }, onError);
  }

  /** Asks for a status now; the reply also arrives through watch(). Never throws synchronously. */
  requestStatus(timeoutMs?: number): Promise<InboundMessage> {
    return Promise.resolve().then(() => this.connection.requestStatus(this.mac, timeoutMs));
  }

  /** The feature record (limits, capabilities, serial): the one read on connecting, else read now. */
  async features(timeoutMs = READ_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const known = this.connection.featuresOf(this.mac);
    if (known) return known;
    const reply = await this.connection.requestFeatures(this.mac, timeoutMs);
    return (reply.response?.feature as Record<string, unknown> | undefined) ?? this.connection.featuresOf(this.mac) ?? {};
  }

  /** One read other than status, decoded in `unit`. `debug` hears why an energy report has no cost estimate. */
  async read(request: DeviceRead, unit: TemperatureUnit, debug: (text: string) => void = () => undefined): Promise<ReadResult> {
    const connection = this.connection;
    switch (request.read) {
      case 'features': {
        const reply = await connection.requestFeatures(this.mac, READ_TIMEOUT_MS);
        const raw = (reply.response?.feature ?? {}) as Record<string, unknown>;
        const { raw: _raw, ...payload } = decodeFeature(raw, unit);
        return { payload, raw };
      }
      case 'schedule': {
        // Answered twice (JSON and hex): the first reply settles the request, the twin is ignored.
        const reply = await connection.request(this.mac, buildReservationRead(connection.commandContext(this.mac)), ['reservation'], READ_TIMEOUT_MS);
        return { payload: decodeReservationResponse(reply.response, unit), raw: reply.response };
      }
      case 'tou': {
        const { plan, data } = await this.readTou();
        return { payload: plan, raw: data };
      }
      case 'energy': {
        const ctx = connection.commandContext(this.mac);
        const query = request.period === 'daily' ? buildEnergyDailyQuery(ctx, request.year, [request.month]) : buildEnergyMonthlyQuery(ctx, [request.year]);
        // Replies to other nodes' energy queries share the client topic: only the period asked for counts.
        const reply = await connection.request(this.mac, query, ['energy'], READ_TIMEOUT_MS, {
          matches: (m) => energyReport(decodeEnergyUsage(m.response), request) !== null,
        });
        const plan = await this.touPlan(debug);
        return { payload: energyReport(decodeEnergyUsage(reply.response), request, plan), raw: reply.response };
      }
      case 'installer':
        return readInstaller(this.serviceIo());
      case 'firmware':
        return readFirmware(this.serviceIo());
      case 'recirculation':
        return readRecirculation(this.serviceIo());
      case 'device':
        return readDeviceRecord(this.serviceIo());
    }
  }

  /** What the service reads (./service-reads) use; the device must be on the account. */
  private serviceIo(): ServiceReadIo {
    const entry = this.connection.device(this.mac);
    if (!entry) throw new DeviceLookupError('no-device', this.mac);
    return { mac: this.mac, entry, connection: this.connection, features: () => this.features(), timeoutMs: READ_TIMEOUT_MS };
  }

  /** The TOU plan through the account's cache (read now when it is older than TOU_CACHE_MS); rejects when it cannot be read. */
  cachedTouPlan(): Promise<TouPlan> {
    return this.touPlans.get(this.mac, async () => (await this.readTou()).plan);
  }

  /** The TOU plan for cost estimates: cached per account, else read once now; null when there is none or it cannot be read. */
  private async touPlan(debug: (text: string) => void): Promise<TouPlan | null> {
    try {
      return await this.cachedTouPlan();
    } catch (err) {
      debug(`no TOU plan for the cost estimate of ${this.mac}: ${errorMessage(err)}`);
      return null;
    }
  }

  /** The TOU plan over REST, with the controller serial from the feature record; refreshes the account's cache. */
  private async readTou(): Promise<{ plan: TouPlan; data: Record<string, unknown> }> {
    const device = this.connection.device(this.mac);
    if (!device) throw new DeviceLookupError('no-device', this.mac);
    const feature = await this.features();
    const serial = typeof feature.controllerSerialNumber === 'string' ? feature.controllerSerialNumber : '';
    if (!serial) throw new DeviceLookupError('no-serial', this.mac);
    const data = await this.connection.withAccessToken((rest, tokens, email) => rest.touInfo(tokens, email, device, serial));
    const plan = decodeTouPlan(data, (field) => this.connection.diagnostics.recordImplausible(`tou.${field}`));
    this.touPlans.set(this.mac, plan);
    return { plan, data };
  }
}

/** The connection's 'message' event is the one inbound route; every subscription comes with its own way out. */
function subscribe(connection: AccountConnection, listener: Listener, onError: (err: unknown) => void = () => undefined): () => void {
  const guarded = (message: InboundMessage) => {
    try {
      listener(message);
    } catch (err) {
      onError(err);
    }
  };
  connection.on('message', guarded);
  return () => connection.off('message', guarded);
}
