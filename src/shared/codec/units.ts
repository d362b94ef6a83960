/**
 * Temperature conversions between the device's wire encodings and user units (docs/protocol.md#temperatures).
 * The wire is always Celsius-based; the display unit is the caller's choice.
 */

/** The units a node's dialog offers (and `msg.unit` may name). */
export const TEMPERATURE_UNITS = ['F', 'C'] as const;
export type TemperatureUnit = (typeof TEMPERATURE_UNITS)[number];

/** Display values get one decimal: the finest wire step is 0.1 °C (= 0.18 °F). */
const DISPLAY_DECIMALS = 1;

/** Rounds half away from zero at `decimals` places, avoiding binary artefacts such as 1.005 -> 1.00. */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const sign = value < 0 ? -1 : 1;
  const factor = 10 ** decimals;
  // One ulp of headroom absorbs float noise (1.005 * 100 = 100.49999...) at a fraction of toPrecision's cost:
  // this runs for every field of every status message.
  const shifted = Math.round(Math.abs(value) * factor * (1 + Number.EPSILON));
  const result = (sign * shifted) / factor;
  return result === 0 ? 0 : result; // no -0 in outputs
}

/** Wh as kWh with two decimals; unknown (null) stays unknown. */
export function whToKWh(wh: number | null): number | null {
  return wh === null ? null : roundTo(wh / 1000, 2);
}

function celsiusToUnit(celsius: number, unit: TemperatureUnit): number {
  return unit === 'C' ? celsius : (celsius * 9) / 5 + 32;
}

/** "H" encoding: half-degrees Celsius (setpoints, DHW temperature, limits, reservation `param`). */
export function fromHalfCelsius(raw: number, unit: TemperatureUnit): number {
  return roundTo(celsiusToUnit(raw / 2, unit), DISPLAY_DECIMALS);
}

/** "D" encoding: tenths of a degree Celsius (tank and refrigerant probes). */
export function fromTenthCelsius(raw: number, unit: TemperatureUnit): number {
  return roundTo(celsiusToUnit(raw / 10, unit), DISPLAY_DECIMALS);
}

/** "dD" encoding: a temperature difference in tenths of °C; in °F it is scaled but not offset. */
export function fromTenthCelsiusDifference(raw: number, unit: TemperatureUnit): number {
  const celsius = raw / 10;
  return roundTo(unit === 'C' ? celsius : (celsius * 9) / 5, DISPLAY_DECIMALS);
}

/**
 * "HR" encoding (`outsideTemperature`): half-degree Celsius shown as a whole °F using the device's
 * rounding rule. `formulaType` 1 = standard rounding, 0 = asymmetric (ceil unless the raw value's
 * truncating remainder mod 10 is 9, then floor). In °C it is a plain half-degree value.
 */
export function fromHalfCelsiusDisplay(raw: number, unit: TemperatureUnit, formulaType: number | undefined): number {
  if (unit === 'C') return fromHalfCelsius(raw, 'C');
  const fahrenheit = (raw / 2) * 1.8 + 32;
  if (formulaType === 0) return raw % 10 === 9 ? Math.floor(fahrenheit) : Math.ceil(fahrenheit);
  return Math.round(fahrenheit);
}

/**
 * Encodes a setpoint for `dhw-temperature` and reservation entries (docs/protocol.md#setpoint).
 * Math.round rounds .5 up; only Celsius inputs ending in .25/.75 hit a tie.
 */
export function toHalfCelsius(value: number, unit: TemperatureUnit): number {
  return unit === 'C' ? Math.round(value * 2) : Math.round(((value - 32) * 10) / 9);
}

/** Litres to US gallons, for callers that want to show flow/volume in imperial units. */
export const GALLONS_PER_LITRE = 0.264172;
