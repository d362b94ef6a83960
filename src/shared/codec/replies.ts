/** Small decoders for the less frequent replies and events (docs/protocol.md#other-replies). */
import { FAIL_CODES } from './enums';
import { DIAGNOSTICS_RANGES, FIRMWARE_RANGES, ImplausibleReporter, plausibleNumber } from './plausible';

type Obj = Record<string, unknown>;

function record(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export interface FirmwareDownload {
  swCode: number | null;
  otaMode: number | null;
  swVersion: number | null;
  status: number | null;
}

/**
 * `response.downloadSwInfo` (docs/protocol.md#firmware-download). A unit with nothing pending sends
 * one all-zero element. A value the unit cannot send (negative, not finite) is null and reported to `onImplausible`.
 */
export function decodeFirmwareDownloadInfo(response: unknown, onImplausible?: ImplausibleReporter): { pending: boolean; items: FirmwareDownload[] } {
  const list = record(response).downloadSwInfo;
  const items = (Array.isArray(list) ? list : []).map((item): FirmwareDownload => {
    const i = record(item);
    const n = (key: string) => plausibleNumber(FIRMWARE_RANGES, key, i[key], onImplausible);
    return { swCode: n('swCode'), otaMode: n('otaMode'), swVersion: n('swVersion'), status: n('status') };
  });
  const pending = items.some((i) => (i.swCode ?? 0) !== 0 || (i.swVersion ?? 0) !== 0 || (i.status ?? 0) !== 0);
  return { pending, items };
}

export interface DecodedDiagnostics {
  typeOfTD: number | null;
  /** Lifetime energy (Wh) and event counters; `cumulatedPwrHp/He` equal the energy totals. */
  totals: Obj;
  /** Hot-water draw statistics. */
  draws: Obj;
  /** Component run hours and start counts. */
  components: Obj;
  /** Empty on the NWP500. */
  tc: Obj;
  daysSinceInstallation: number | null;
  heatPumpWh: number | null;
  elementWh: number | null;
  compressorHours: number | null;
  upperElementHours: number | null;
  lowerElementHours: number | null;
}

/**
 * Installer diagnostics `response.data` groups (docs/protocol.md#installer-diagnostics); vendor misspellings kept as on
 * the wire. The named figures are null when negative or not finite (plausible.ts; reported to `onImplausible`).
 */
export function decodeDiagnostics(response: unknown, onImplausible?: ImplausibleReporter): DecodedDiagnostics {
  const r = record(response);
  const data = record(r.data);
  const totals = record(data.tsData);
  const components = record(data.taData);
  const figure = (group: Obj, key: string) => plausibleNumber(DIAGNOSTICS_RANGES, key, group[key], onImplausible);
  return {
    typeOfTD: num(r.typeOfTD),
    totals,
    draws: record(data.tdData),
    components,
    tc: record(data.tcData),
    daysSinceInstallation: figure(totals, 'daysSinceInstallation'),
    heatPumpWh: figure(totals, 'cumulatedPwrHp'),
    elementWh: figure(totals, 'cumulatedPwrHe'),
    compressorHours: figure(components, 'cumulatedOpTimeComp'),
    upperElementHours: figure(components, 'cumulatedOpTimeUhe'),
    lowerElementHours: figure(components, 'cumulatedOpTimeLhe'),
  };
}

/**
 * A rejected control (docs/protocol.md#ctrl-fail). The message does not say which command failed; back
 * off and re-read status.
 */
export function decodeControlFailure(response: unknown): { failCode: number | null; reason: string } {
  const failCode = num(record(response).failCode);
  return { failCode, reason: FAIL_CODES.nameOf(failCode) ?? 'unknown' };
}

/** A connection event (docs/protocol.md#connection-events): `status <= 0` means that client disconnected. */
export function decodeConnectionEvent(event: unknown): { connected: boolean; status: number | null; os: string | null } {
  const connection = record(record(event).connection);
  const status = num(connection.status);
  return { connected: status !== null && status > 0, status, os: typeof connection.os === 'string' ? connection.os : null };
}
