/**
 * Alert events of navien-status: the transitions worth a message of their own (error raised/changed/cleared, leak,
 * condensate overflow, freeze protection, air filter due, anti-legionella cycle, presence, demand response, vacation
 * ending, Electric mode about to revert). Pure: state in, events and the next state out; the node keeps the state
 * (in its context, so a restart neither repeats nor loses them). JSON-serialisable state.
 */
// From the codec's modules, not its index (whose re-exports are getters): this runs for every status.
import { DR_EVENTS } from '../codec/enums';
import { DecodedError, describeError } from '../codec/errors';
import { STATUS_RANGES, plausibleNumber } from '../codec/plausible';
import { roundTo } from '../codec/units';
import { ELECTRIC_REVERT_HOURS } from './derived';

export type AlertName =
  | 'error-raised'
  | 'error-changed'
  | 'error-cleared'
  | 'leak-detected'
  | 'leak-cleared'
  | 'condensate-overflow'
  | 'condensate-overflow-cleared'
  | 'freeze-protection-started'
  | 'freeze-protection-ended'
  | 'air-filter-due'
  | 'air-filter-reset'
  | 'anti-legionella-started'
  | 'anti-legionella-finished'
  | 'offline'
  | 'online'
  | 'demand-response'
  | 'vacation-ending'
  | 'electric-reverting';

export interface AlertEvent {
  name: AlertName;
  /** Details; always JSON-serialisable. */
  details: Record<string, unknown>;
}

export interface AlertState {
  /** `E407/1`-style key of the active error, or null. */
  error: string | null;
  errorInfo: (DecodedError & { advice: string }) | null;
  leak: boolean;
  condensate: boolean;
  freeze: boolean;
  airFilterDue: boolean;
  antiLegionella: boolean;
  dr: number;
  vacationDaysLeft: number | null;
  /** When Electric mode was first seen on (ms since epoch), or null when not in Electric. */
  electricSince: number | null;
  electricWarned: boolean;
  presence: 'online' | 'offline' | 'unknown';
}

export interface AlertOptions {
  /** Warn this many hours before Electric mode is expected to revert (default 2). */
  electricWarnHours?: number;
}

export const ELECTRIC_WARN_HOURS = 2;
/** Freeze protection counts as ended once the tank is this much (°C) above the threshold again. */
export const FREEZE_HYSTERESIS_C = 1;

/** Short advice per error code (owner-level; the installation manual has the service procedure). */
const ADVICE: Readonly<Record<number, string>> = {
  96: 'Element fault: call a service technician; the heat pump keeps heating.',
  97: 'Element fault: call a service technician; the heat pump keeps heating.',
  326: 'Dry fire: make sure the tank is full of water (open a hot tap until water flows), then power-cycle.',
  407: 'Temperature sensor fault: power-cycle the unit; if it returns, call service.',
  445: 'Mixing valve fault: power-cycle; if it returns, call service.',
  480: 'Tank sensor fault: power-cycle; if it returns, call service.',
  481: 'Tank sensor fault: power-cycle; if it returns, call service.',
  515: 'Relay fault: switch the unit off at the breaker and call service.',
  596: 'WiFi problem: check the router and the unit\'s WiFi module.',
  781: 'Demand-response module not communicating: check the CTA-2045 module is seated.',
  798: 'Shut-off valve fault: check the valve and its wiring.',
  799: 'Water leak detected: check for water around the unit and close the cold-water supply if needed.',
  901: 'High-limit (ECO) tripped: the water got too hot; call service before resetting.',
  907: 'Compressor fault: the element can still heat (Electric mode); call service.',
  908: 'Compressor fault: the element can still heat (Electric mode); call service.',
  909: 'Fan fault: check the air filter and that nothing blocks the fan; call service if it returns.',
  911: 'Discharge too hot: check the air filter and the air intake; call service if it returns.',
  913: 'Suction too cold: check the air filter and the room temperature; call service if it returns.',
  940: 'Refrigerant line blockage: call service.',
  990: 'Condensate overflow: clear the condensate drain line and empty the drain pan.',
};
const DEFAULT_ADVICE = 'See the installation manual or call service; power-cycling clears transient faults.';

export function adviceFor(errorNumber: number): string {
  return ADVICE[errorNumber] ?? DEFAULT_ADVICE;
}

/** A status number the unit can report (codec/plausible.ts), else null: an implausible reading raises no alert. */
function reading(raw: Record<string, unknown>, key: string): number | null {
  return plausibleNumber(STATUS_RANGES, key, raw[key]);
}

/** The coldest tank reading in °C (`dhwTemperature` half-°C, `tankLowerTemperature` tenth-°C), or null. */
function coldestC(raw: Record<string, unknown>): number | null {
  const readings = [reading(raw, 'dhwTemperature'), reading(raw, 'tankLowerTemperature')];
  const values: number[] = [];
  if (readings[0] !== null) values.push(readings[0] / 2);
  if (readings[1] !== null) values.push(readings[1] / 10);
  return values.length > 0 ? Math.min(...values) : null;
}

/**
 * Freeze protection is not a device flag; it is derived: enabled (`freezeProtectionUse` 2) and the coldest tank
 * reading at or below `freezeProtectionTemperature`; it ends once the tank is FREEZE_HYSTERESIS_C above it again.
 */
export function freezeProtectionActive(raw: Record<string, unknown>, wasActive: boolean): boolean {
  const threshold = reading(raw, 'freezeProtectionTemperature');
  const coldest = coldestC(raw);
  if (raw.freezeProtectionUse !== 2 || threshold === null || coldest === null) return false;
  const limitC = threshold / 2;
  return wasActive ? coldest <= limitC + FREEZE_HYSTERESIS_C : coldest <= limitC;
}

export function airFilterDue(raw: Record<string, unknown>): boolean {
  const period = reading(raw, 'airFilterAlarmPeriod');
  const elapsed = reading(raw, 'airFilterAlarmElapsed');
  return period !== null && period > 0 && elapsed !== null && elapsed >= period;
}

export function initialAlertState(): AlertState {
  return {
    error: null,
    errorInfo: null,
    leak: false,
    condensate: false,
    freeze: false,
    airFilterDue: false,
    antiLegionella: false,
    dr: 0,
    vacationDaysLeft: null,
    electricSince: null,
    electricWarned: false,
    presence: 'unknown',
  };
}

/**
 * Events caused by one status (or a re-check of the last status as time passes: the Electric warning depends on
 * `nowMs`). With `previous` undefined (first status ever seen for the device), conditions already active are
 * reported as raised/started - an alert that began while Node-RED was down is not lost - but nothing is reported
 * as cleared or finished.
 */
export function statusAlerts(
  previous: AlertState | undefined,
  raw: Record<string, unknown>,
  nowMs: number,
  options: AlertOptions = {},
): { events: AlertEvent[]; state: AlertState } {
  const prev = previous ?? initialAlertState();
  const events: AlertEvent[] = [];
  const state: AlertState = { ...prev };
  const emit = (name: AlertName, details: Record<string, unknown> = {}) => events.push({ name, details });

  // Errors.
  const error = describeError(raw.errorCode, raw.subErrorCode);
  const key = error ? `${error.code}/${error.subCode ?? ''}` : null;
  const info = error ? { ...error, advice: adviceFor(error.number) } : null;
  if (key !== prev.error) {
    if (key && !prev.error) emit('error-raised', { error: info });
    else if (key && prev.error) emit('error-changed', { error: info, previous: prev.errorInfo });
    else if (!key && prev.error) emit('error-cleared', { previous: prev.errorInfo });
    state.error = key;
    state.errorInfo = info;
  }

  // Leak (E799 or the leak sensor flag) and condensate overflow (E990 or its sensor flag). The sensor flags read 1
  // on a healthy unit in the capture, so 2 is taken as "tripped".
  const leak = error?.number === 799 || raw.wtrOvrSensorUse === 2;
  if (leak !== prev.leak) emit(leak ? 'leak-detected' : 'leak-cleared', { errorCode: error?.code ?? null, sensor: raw.wtrOvrSensorUse === 2 });
  state.leak = leak;
  const condensate = error?.number === 990 || raw.conOvrSensorUse === 2;
  if (condensate !== prev.condensate) {
    emit(condensate ? 'condensate-overflow' : 'condensate-overflow-cleared', { errorCode: error?.code ?? null, sensor: raw.conOvrSensorUse === 2 });
  }
  state.condensate = condensate;

  const freeze = freezeProtectionActive(raw, prev.freeze);
  if (freeze !== prev.freeze) {
    const threshold = reading(raw, 'freezeProtectionTemperature');
    const coldest = coldestC(raw);
    emit(freeze ? 'freeze-protection-started' : 'freeze-protection-ended', {
      thresholdC: threshold === null ? null : threshold / 2,
      coldestC: coldest === null ? null : roundTo(coldest, 1),
    });
  }
  state.freeze = freeze;

  const filter = airFilterDue(raw);
  if (filter !== prev.airFilterDue) {
    emit(filter ? 'air-filter-due' : 'air-filter-reset', { elapsedHours: reading(raw, 'airFilterAlarmElapsed'), periodHours: reading(raw, 'airFilterAlarmPeriod') });
  }
  state.airFilterDue = filter;

  // 0 = unknown: keep what was known.
  const busy = raw.antiLegionellaOperationBusy === 2 ? true : raw.antiLegionellaOperationBusy === 1 ? false : prev.antiLegionella;
  if (busy !== prev.antiLegionella) emit(busy ? 'anti-legionella-started' : 'anti-legionella-finished');
  state.antiLegionella = busy;

  const dr = reading(raw, 'drEventStatus');
  if (dr !== null && dr !== prev.dr) {
    emit('demand-response', { status: DR_EVENTS.nameOf(dr) ?? dr, previous: DR_EVENTS.nameOf(prev.dr) ?? prev.dr });
    state.dr = dr;
  }

  const daysLeft = raw.dhwOperationSetting === 5 ? reading(raw, 'vacationDayElapsed') ?? reading(raw, 'vacationDaySetting') : null;
  if (daysLeft !== null && daysLeft <= 1 && daysLeft !== prev.vacationDaysLeft) emit('vacation-ending', { daysLeft });
  state.vacationDaysLeft = daysLeft;

  // Electric mode reverts by itself after about 72 h; warn `electricWarnHours` before.
  if (raw.dhwOperationSetting === 2) {
    if (state.electricSince === null) {
      state.electricSince = nowMs;
      state.electricWarned = false;
    }
    const warnHours = options.electricWarnHours ?? ELECTRIC_WARN_HOURS;
    const revertsAt = state.electricSince + ELECTRIC_REVERT_HOURS * 3_600_000;
    if (!state.electricWarned && nowMs >= revertsAt - warnHours * 3_600_000) {
      emit('electric-reverting', {
        since: new Date(state.electricSince).toISOString(),
        revertsAt: new Date(revertsAt).toISOString(),
        hoursLeft: roundTo(Math.max(0, revertsAt - nowMs) / 3_600_000, 1),
      });
      state.electricWarned = true;
    }
  } else if (typeof raw.dhwOperationSetting === 'number') {
    state.electricSince = null;
    state.electricWarned = false;
  }
  return { events, state };
}

/** `offline` when a device stops answering (from online or not yet known), `online` when an offline one is back. */
export function presenceAlerts(
  previous: AlertState | undefined,
  presence: 'online' | 'offline' | 'unknown',
): { events: AlertEvent[]; state: AlertState } {
  const prev = previous ?? initialAlertState();
  const events: AlertEvent[] = [];
  if (presence === 'offline' && prev.presence !== 'offline') events.push({ name: 'offline', details: {} });
  if (presence === 'online' && prev.presence === 'offline') events.push({ name: 'online', details: {} });
  return { events, state: presence === 'unknown' ? prev : { ...prev, presence } };
}
