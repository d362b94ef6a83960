/** The flat dashboard summary of one status message, plus derived tank-energy figures. */
import { DHW_MODES, DHW_MODE_POWER_OFF, DHW_MODE_VACATION, DhwModeName, HEAT_SOURCES, HeatSourceName } from './enums';
import { DecodedError, describeError } from './errors';
import { STATUS_RANGES, plausibleNumber } from './plausible';
import { TemperatureUnit, fromHalfCelsius } from './units';

export interface StatusSummary {
  online: boolean;
  power: boolean;
  /** `dhwOperationSetting` by name; null when missing or an unknown value. */
  mode: DhwModeName | null;
  setpoint: number | null;
  /** `dhwTemperature` (a tank temperature) in `unit`. */
  temperature: number | null;
  unit: TemperatureUnit;
  /** `dhwChargePer`, 0-100; null when missing or outside 0-100. */
  tankCharge: number | null;
  /** Powered on and heating by `operationMode` or by a running compressor/element. */
  heating: boolean;
  heatSource: HeatSourceName;
  powerW: number | null;
  error: DecodedError | null;
  /** Only while in vacation mode, else null. */
  vacationDaysLeft: number | null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A status field as a number the unit can report (plausible.ts), else null. */
function field(raw: Record<string, unknown>, key: string): number | null {
  return plausibleNumber(STATUS_RANGES, key, raw[key]);
}

function halfCelsius(raw: Record<string, unknown>, key: string, unit: TemperatureUnit): number | null {
  const value = field(raw, key);
  return value === null ? null : fromHalfCelsius(value, unit);
}

/** Powered on = a known, non-off mode (`dhwOperationSetting` 1-5). */
export function isPoweredOn(raw: Record<string, unknown>): boolean {
  const mode = DHW_MODES.nameOf(raw.dhwOperationSetting);
  return mode !== null && raw.dhwOperationSetting !== DHW_MODE_POWER_OFF;
}

function componentSource(raw: Record<string, unknown>): HeatSourceName {
  const compressor = raw.compUse === 2;
  const element = raw.heatUpperUse === 2 || raw.heatLowerUse === 2;
  if (compressor && element) return 'both';
  if (compressor) return 'heat-pump';
  return element ? 'element' : 'none';
}

/**
 * Heating = powered on and `operationMode` non-zero, or a compressor/element flag on: control acks
 * can still carry the previous `operationMode` (docs/protocol.md#confirmation) - the vacation ack shows 0 while an
 * element draws 5 kW. A power-off ack shows the old mode too, hence the power check.
 */
export function isHeating(raw: Record<string, unknown>): boolean {
  if (!isPoweredOn(raw)) return false;
  const operationMode = num(raw.operationMode);
  return (operationMode !== null && operationMode !== 0) || componentSource(raw) !== 'none';
}

/**
 * What heats right now. The component flags (compressor, elements; 2 = running) are the ground
 * truth - `currentHeatUse` lags them in the capture (3 while only the compressor draws ~430 W);
 * `currentHeatUse` fills in while heating with no component flag set yet.
 */
export function heatSource(raw: Record<string, unknown>): HeatSourceName {
  if (!isPoweredOn(raw)) return 'none';
  const components = componentSource(raw);
  if (components !== 'none') return components;
  if (!isHeating(raw)) return 'none';
  return HEAT_SOURCES.nameOf(raw.currentHeatUse) ?? 'none';
}

/**
 * Days of vacation left. `vacationDayElapsed` equals the setting right after entering vacation
 * (capture), so it is taken as a count-down of remaining days; docs/protocol.md#verified-vs-uncertain
 * marks this unverified.
 */
export function vacationDaysLeft(raw: Record<string, unknown>): number | null {
  if (raw.dhwOperationSetting !== DHW_MODE_VACATION) return null;
  return field(raw, 'vacationDayElapsed') ?? field(raw, 'vacationDaySetting');
}

/**
 * Wh to heat the whole tank from the minimum setpoint (40.5 °C) to the current setpoint
 * (docs/protocol.md#energy-counters).
 */
export function fullChargeWh(raw: Record<string, unknown>): number | null {
  const total = field(raw, 'totalEnergyCapacity');
  return total === null ? null : total * 4;
}

/** Wh still needed to reach the setpoint (a deficit, 0 when fully charged). */
export function energyToFullWh(raw: Record<string, unknown>): number | null {
  const available = field(raw, 'availableEnergyCapacity');
  return available === null ? null : available * 4;
}

/** Drawable energy above 40.5 °C: (total - available) x 4 Wh, never negative. */
export function usableEnergyWh(raw: Record<string, unknown>): number | null {
  const total = field(raw, 'totalEnergyCapacity');
  const available = field(raw, 'availableEnergyCapacity');
  if (total === null || available === null) return null;
  return Math.max(0, (total - available) * 4);
}

/**
 * Summarises a raw `response.status` for dashboards. Never throws on missing fields; numbers the unit cannot
 * report (plausible.ts) are null, like missing ones.
 */
export function summarizeStatus(raw: Record<string, unknown>, unit: TemperatureUnit, online = true): StatusSummary {
  const status = typeof raw === 'object' && raw !== null ? raw : {};
  return {
    online,
    power: isPoweredOn(status),
    mode: DHW_MODES.nameOf(status.dhwOperationSetting),
    setpoint: halfCelsius(status, 'dhwTemperatureSetting', unit),
    temperature: halfCelsius(status, 'dhwTemperature', unit),
    unit,
    tankCharge: field(status, 'dhwChargePer'),
    heating: isHeating(status),
    heatSource: heatSource(status),
    powerW: field(status, 'currentInstPower'),
    error: describeError(status.errorCode, status.subErrorCode),
    vacationDaysLeft: vacationDaysLeft(status),
  };
}
