/**
 * The REST device record (`POST /device/info`, docs/protocol.md#device-info) as flows see it: named fields only,
 * copied one by one, so nothing the cloud adds (tokens, the account's e-mail) ever reaches a message.
 */
import { DEVICE_RECORD_RANGES, ImplausibleReporter, plausibleNumber } from './plausible';

type Obj = Record<string, unknown>;

function record(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The app's 1/2 flags (docs/protocol.md#flags): 2 = on, 1 = off, anything else unknown. */
function flag(value: unknown): boolean | null {
  return value === 2 ? true : value === 1 ? false : null;
}

export interface DeviceRecord {
  name: string | null;
  homeSeq: number | null;
  deviceType: number | null;
  /** `installType` R/C; other letters pass through. */
  installType: 'residential' | 'commercial' | string | null;
  /** Cloud presence (`connected` 2 = online, 1 = offline). */
  connected: boolean | null;
  location: {
    address: string | null;
    city: string | null;
    state: string | null;
    latitude: number | null;
    longitude: number | null;
    altitude: number | null;
  };
  /** The installer's contact; null when the record names none. */
  installer: { id: string | null; firstName: string | null; lastName: string | null; phone: string | null } | null;
  /** Push-alarm preferences of the app (`alarmInfo`), not live alarms. */
  notifications: { errors: boolean | null; other: boolean | null };
  descaling: { start: string | null; end: string | null };
}

/** `installerId` is typed nowhere (null in the captures): a number is shown as its text. */
function id(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value);
}

/**
 * Decodes `data` of the reply. Never throws; coordinates off the globe are null (reported to `onImplausible`).
 */
export function decodeDeviceRecord(data: unknown, onImplausible?: ImplausibleReporter): DeviceRecord {
  const d = record(data);
  const info = record(d.deviceInfo);
  const location = record(d.location);
  const installer = record(d.installer);
  const alarms = record(d.alarmInfo);
  const descaling = record(d.descaling);
  const n = (group: Obj, key: string) => plausibleNumber(DEVICE_RECORD_RANGES, key, group[key], onImplausible);
  const installType = text(info.installType);
  const contact = {
    id: id(installer.installerId),
    firstName: text(installer.installerFirstName),
    lastName: text(installer.installerLastName),
    phone: text(installer.installerPhoneNumber),
  };
  const connected = info.connected === 2 ? true : info.connected === 1 ? false : null;
  return {
    name: text(info.deviceName),
    homeSeq: n(info, 'homeSeq'),
    deviceType: n(info, 'deviceType'),
    installType: installType === 'R' ? 'residential' : installType === 'C' ? 'commercial' : installType,
    connected,
    location: {
      address: text(location.address),
      city: text(location.city),
      state: text(location.state),
      latitude: n(location, 'latitude'),
      longitude: n(location, 'longitude'),
      altitude: n(location, 'altitude'),
    },
    installer: Object.values(contact).some((v) => v !== null) ? contact : null,
    notifications: { errors: flag(alarms.isErrorAlarm), other: flag(alarms.isEtcAlarm) },
    descaling: { start: text(descaling.descalingStartTime), end: text(descaling.descalingEndTime) },
  };
}

/** Key names that can carry a credential or the account's identity; never copied into `msg.raw`. */
const SECRET_KEY = /token|password|secret|credential|session|e-?mail|userid|accesskey|signature/i;

/**
 * A copy of a REST record for `msg.raw` without anything secret: keys that name a credential or the account's identity
 * are left out, and so is any text that contains one of `secrets` (the account's e-mail), wherever it appears.
 */
export function withoutSecrets(value: unknown, secrets: readonly string[]): unknown {
  const hidden = secrets.filter((s) => s !== '').map((s) => s.toLowerCase());
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy).filter((item) => item !== undefined);
    if (typeof v === 'string') return hidden.some((secret) => v.toLowerCase().includes(secret)) ? undefined : v;
    if (typeof v !== 'object' || v === null) return v;
    const out: Obj = {};
    for (const [key, inner] of Object.entries(v as Obj)) {
      if (SECRET_KEY.test(key)) continue;
      const kept = copy(inner);
      if (kept !== undefined) out[key] = kept;
    }
    return out;
  };
  return copy(value);
}
