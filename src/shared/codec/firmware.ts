/**
 * The REST firmware record (`POST /device/firmware/info`, docs/protocol.md#firmware-info): one element per firmware
 * component with its installed version and a version downloaded but not yet installed.
 */
import { FIRMWARE_RANGES, ImplausibleReporter, plausibleNumber } from './plausible';

type Obj = Record<string, unknown>;

function record(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

export interface FirmwareComponent {
  /** The component's code (`curSwCode`), opaque; which code is which component is not documented. */
  swCode: number | null;
  /** Installed version (`curVersion`), an opaque integer. */
  version: number | null;
  /** Downloaded, not yet installed (`downloadedVersion`); null when there is none (0 or null on the wire). */
  downloadedVersion: number | null;
  updatePending: boolean;
  /** `deviceGroup`, e.g. "NWP500", or null. */
  group: string | null;
}

/**
 * `data.firmwares` of the REST record, one entry per component. Never throws; codes and versions the cloud cannot
 * mean (negative, not finite) are null and reported to `onImplausible`.
 */
export function decodeFirmwareRecord(data: unknown, onImplausible?: ImplausibleReporter): FirmwareComponent[] {
  const list = record(data).firmwares;
  return (Array.isArray(list) ? list : []).map((item) => {
    const f = record(item);
    const n = (key: string) => plausibleNumber(FIRMWARE_RANGES, key, f[key], onImplausible);
    const downloaded = n('downloadedVersion');
    return {
      swCode: n('curSwCode'),
      version: n('curVersion'),
      downloadedVersion: downloaded === 0 ? null : downloaded,
      updatePending: downloaded !== null && downloaded !== 0,
      group: typeof f.deviceGroup === 'string' ? f.deviceGroup : null,
    };
  });
}
