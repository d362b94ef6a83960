/**
 * The service reads of navien-status: installer counters, firmware, the recirculation schedule and the REST device
 * record. Each asks the device (MQTT) or the cloud (REST) and returns the decoded payload with the record it came
 * from. DeviceApi.read dispatches here.
 */
import type { AccountConnection } from '../connection';
import {
  buildDiagnosticsQuery,
  buildFirmwareInfoQuery,
  buildRecircScheduleRead,
  decodeDeviceRecord,
  decodeFeature,
  decodeFirmwareDownloadInfo,
  decodeFirmwareRecord,
  decodeInstallerCounters,
  decodeRecircScheduleResponse,
  isControlSupported,
  withoutSecrets,
} from '../codec';
import { ApiRequestError, NavilinkError } from '../errors';
import type { DeviceEntry } from '../rest-client';

/** What a service read returns: the decoded payload and the record(s) it came from (never with secrets). */
export interface ServiceReadResult {
  payload: unknown;
  raw: unknown;
}

/** What the reads use of the account connection and the device. */
export interface ServiceReadIo {
  mac: string;
  /** The account's list entry of the device (REST reads need its `additionalValue`). */
  entry: DeviceEntry;
  connection: Pick<AccountConnection, 'request' | 'commandContext' | 'withAccessToken' | 'presenceOf' | 'diagnostics' | 'installerDiagnosticsAvailable'>;
  /** The feature record: the one read on connecting, else read now. */
  features(): Promise<Record<string, unknown>>;
  timeoutMs: number;
}

/** The heater's feature record says it lacks what a read needs; `flag` names the feature flag. */
export class ReadNotSupportedError extends NavilinkError {
  readonly key = 'unsupported-read';
  constructor(readonly read: string, readonly flag: string) {
    super(`this water heater does not support the ${read} read (${flag})`, 'UNSUPPORTED');
  }
}

/** The broker refused the subscription the installer diagnostics reply arrives on: the read cannot be answered. */
export class InstallerDiagnosticsUnavailableError extends NavilinkError {
  readonly key = 'installer-unavailable';
  constructor() {
    super('installer diagnostics unavailable: the cloud refused the subscription to their reply topic', 'DIAGNOSTICS_UNAVAILABLE');
  }
}

/** Some accounts get HTTP 403 from `/device/info` and `/device/firmware/info`: "not available", not a failure (docs/protocol.md#rest-envelope). */
function isForbidden(err: unknown): boolean {
  return err instanceof ApiRequestError && err.httpStatus === 403;
}

/** The local calendar date `days` days before `now`, as YYYY-MM-DD; null when `days` is unknown. */
export function installedOn(days: number | null, now: Date = new Date()): string | null {
  if (days === null) return null;
  const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Installer diagnostics counters (docs/protocol.md#installer-diagnostics); the reply comes on the app-form topic. */
export async function readInstaller(io: ServiceReadIo, now: Date = new Date()): Promise<ServiceReadResult> {
  const { connection, mac } = io;
  // Asking would only wait for a reply that cannot arrive.
  if (!connection.installerDiagnosticsAvailable(mac)) throw new InstallerDiagnosticsUnavailableError();
  const reply = await connection.request(mac, buildDiagnosticsQuery(connection.commandContext(mac)), ['diagnostics'], io.timeoutMs);
  // Implausible values of MQTT replies are counted once, where the connection receives them.
  const counters = decodeInstallerCounters(reply.response);
  return { payload: { ...counters, installedOn: installedOn(counters.daysSinceInstallation, now) }, raw: reply.response };
}

/**
 * Every firmware version: the REST record (installed and downloaded version per component), the device's download
 * info over MQTT, and the versions its feature record reports. A 403 on the REST record means "not available".
 */
export async function readFirmware(io: ServiceReadIo): Promise<ServiceReadResult> {
  const { connection, mac, entry } = io;
  const rest = connection
    .withAccessToken((client, tokens, email) => client.firmwareInfo(tokens, email, entry))
    .then((data): Record<string, unknown> | null => data, (err: unknown) => {
      if (isForbidden(err)) return null;
      throw err;
    });
  const download = connection.request(mac, buildFirmwareInfoQuery(connection.commandContext(mac)), ['firmware'], io.timeoutMs);
  // The feature record is normally known from connecting; without it only `reported` is missing.
  const feature = io.features().catch(() => null);
  const [restData, reply, featureRecord] = await Promise.all([rest, download, feature]);
  const components = restData === null ? null : decodeFirmwareRecord(restData, (field) => connection.diagnostics.recordImplausible(`firmware.${field}`));
  const downloadInfo = decodeFirmwareDownloadInfo(reply.response);
  return {
    payload: {
      updatePending: downloadInfo.pending || (components ?? []).some((c) => c.updatePending),
      restAvailable: restData !== null,
      components,
      download: downloadInfo,
      reported: featureRecord ? decodeFeature(featureRecord, 'C').firmware : null,
    },
    raw: { rest: restData === null ? null : withoutSecrets(restData, []), download: reply.response },
  };
}

/**
 * The recirculation schedule in the weekly program's readable form (docs/protocol.md#recirc-schedule), on heaters whose
 * feature record allows a recirculation schedule (`recircReservationUse`, docs/protocol.md#capability-gating).
 */
export async function readRecirculation(io: ServiceReadIo): Promise<ServiceReadResult> {
  const { connection, mac } = io;
  // Gating needs only the flags, which no unit changes: any unit will do for decoding.
  if (!isControlSupported(decodeFeature(await io.features(), 'C'), 'recircSchedule')) throw new ReadNotSupportedError('recirculation', 'recircReservationUse');
  // Answered twice (JSON and hex), like the weekly program: the first reply settles the request.
  const reply = await connection.request(mac, buildRecircScheduleRead(connection.commandContext(mac)), ['recirc-reservation'], io.timeoutMs);
  return { payload: decodeRecircScheduleResponse(reply.response), raw: reply.response };
}

/**
 * The REST device record (docs/protocol.md#device-info) without secrets, with the install date worked out from the
 * installer counters when the device answers (the record itself has no install date). A 403 means "not available".
 */
export async function readDeviceRecord(io: ServiceReadIo, now: Date = new Date()): Promise<ServiceReadResult> {
  const { connection, mac, entry } = io;
  let email = '';
  const rest = connection
    .withAccessToken((client, tokens, account) => {
      email = account;
      return client.deviceInfo(tokens, account, entry);
    })
    .then((data): Record<string, unknown> | null => data, (err: unknown) => {
      if (isForbidden(err)) return null;
      throw err;
    });
  // Best effort: a device known to be offline is not asked, and a silent one leaves the date unknown.
  const installDate = connection.presenceOf(mac) === 'offline'
    ? Promise.resolve(null)
    : readInstaller(io, now).then((r) => (r.payload as { installedOn: string | null }).installedOn, () => null);
  const [data, installed] = await Promise.all([rest, installDate]);
  if (data === null) {
    return { payload: { available: false, mac, name: entry.name, installedOn: installed }, raw: null };
  }
  const record = decodeDeviceRecord(data, (field) => connection.diagnostics.recordImplausible(`device.${field}`));
  return {
    payload: { available: true, mac, ...record, name: record.name ?? entry.name, installedOn: installed },
    raw: withoutSecrets(data, [email]),
  };
}
