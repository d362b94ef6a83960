/**
 * The shapes that cross layers when a device is read: who a device is, what a read asks for and what it returns.
 * Types only (a leaf: it imports nothing), so device/ can return them and reading/ can format them without either
 * importing the other.
 */

/** Who a device is, as output messages carry it (`msg.device`). */
export interface DeviceInfo {
  mac: string;
  name: string;
  deviceType: number;
  model: string;
}

/** What navien-status reads (`read` in its dialog or `msg.payload.read`), parsed by reading/read-request. */
export type ReadRequest =
  | { read: 'status' }
  | { read: 'features' | 'schedule' | 'tou' | 'installer' | 'firmware' | 'recirculation' | 'device' }
  | { read: 'energy'; period: 'daily'; year: number; month: number }
  | { read: 'energy'; period: 'monthly'; year: number };

/** What a read returns: the decoded value (in the unit asked for) and the device's own record it came from. */
export interface ReadResult {
  payload: unknown;
  raw: unknown;
}
