/** Enumerations of the MGPP protocol (docs/protocol.md#enums) as id <-> name tables. */

/** Two-way lookup over a fixed id -> name table. */
export interface EnumTable<N extends string> {
  readonly names: Readonly<Record<number, N>>;
  /** The name of `id`, or null when the id is unknown or not a number. */
  nameOf(id: unknown): N | null;
  /** The id of `name`, or undefined when the name is not in the table. */
  idOf(name: unknown): number | undefined;
}

function enumTable<N extends string>(names: Record<number, N>): EnumTable<N> {
  const ids = new Map<string, number>(Object.entries(names).map(([id, name]) => [name, Number(id)]));
  return {
    names,
    nameOf: (id) => (typeof id === 'number' && Object.prototype.hasOwnProperty.call(names, id) ? names[id] : null),
    idOf: (name) => (typeof name === 'string' ? ids.get(name) : undefined),
  };
}

/** `dhwOperationSetting` (docs/protocol.md#enums). 6 is status-only (powered off); 0 (standby) is never valid. */
export type DhwModeName = 'heat-pump' | 'electric' | 'energy-saver' | 'high-demand' | 'vacation' | 'off';
export const DHW_MODES = enumTable<DhwModeName>({
  1: 'heat-pump',
  2: 'electric',
  3: 'energy-saver',
  4: 'high-demand',
  5: 'vacation',
  6: 'off',
});
export const DHW_MODE_POWER_OFF = 6;
export const DHW_MODE_VACATION = 5;
/** Modes a `dhw-mode` control may send (docs/protocol.md#dhw-mode). */
export type WritableDhwModeName = Exclude<DhwModeName, 'off'>;
export const WRITABLE_DHW_MODES: readonly WritableDhwModeName[] = ['heat-pump', 'electric', 'energy-saver', 'high-demand', 'vacation'];

/**
 * `operationMode` (docs/protocol.md#enums), read-only live heating state. Interpreted as bits (32 heat pump, 64
 * element) as docs/protocol.md#verified-vs-uncertain recommends; nwp500-python names 64/96 "hybrid
 * efficiency/boost" instead.
 */
export type OperationModeName = 'standby' | 'heat-pump' | 'element' | 'both';
export const OPERATION_MODES = enumTable<OperationModeName>({ 0: 'standby', 32: 'heat-pump', 64: 'element', 96: 'both' });

/** `currentHeatUse` (docs/protocol.md#enums); also the vocabulary of the summary's `heatSource`. */
export type HeatSourceName = 'none' | 'heat-pump' | 'element' | 'both';
export const HEAT_SOURCES = enumTable<HeatSourceName>({ 0: 'none', 1: 'heat-pump', 2: 'element', 3: 'both' });

/** `drEventStatus` (docs/protocol.md#enums), CTA-2045 demand-response event in force. */
export type DrEventName = 'none' | 'run-normal' | 'shed' | 'load-up' | 'advanced-load-up' | 'peak-event';
export const DR_EVENTS = enumTable<DrEventName>({
  0: 'none',
  1: 'run-normal',
  2: 'shed',
  3: 'load-up',
  4: 'advanced-load-up',
  5: 'peak-event',
});

/** `recircOperationMode` and the `recirc-mode` param (docs/protocol.md#enums). */
export type RecircModeName = 'unknown' | 'always' | 'button' | 'schedule' | 'temperature';
export const RECIRC_MODES = enumTable<RecircModeName>({ 0: 'unknown', 1: 'always', 2: 'button', 3: 'schedule', 4: 'temperature' });

/** `volumeCode` (docs/protocol.md#enums) -> tank size in US gallons. */
export const TANK_GALLONS: Readonly<Record<number, number>> = { 1: 50, 2: 65, 3: 80 };

/**
 * `temperatureType` (docs/protocol.md#enums): the device's display preference only; wire values never change with it.
 */
export const TEMPERATURE_TYPES = enumTable<'C' | 'F'>({ 1: 'C', 2: 'F' });

/**
 * `tempFormulaType` (docs/protocol.md#enums): how whole-°F display values are rounded (docs/protocol.md#temperatures).
 */
export const TEMP_FORMULA_TYPES = enumTable<'asymmetric' | 'standard'>({ 0: 'asymmetric', 1: 'standard' });

/** `dhwTemperatureSettingUse` (docs/protocol.md#enums). Temperature control is allowed for 2-4. */
export type TemperatureSettingName = 'unknown' | 'disabled' | 'half-degree' | 'whole-degree' | 'three-stage';
export const TEMPERATURE_SETTING_USE = enumTable<TemperatureSettingName>({
  0: 'unknown',
  1: 'disabled',
  2: 'half-degree',
  3: 'whole-degree',
  4: 'three-stage',
});

/** `modelTypeCode` (docs/protocol.md#enums). 513 is the heat-pump water heater family the NWP500 belongs to. */
export const MODEL_TYPES = enumTable<string>({
  1: 'NPE', 2: 'NCB', 3: 'NHB', 4: 'CAS_NPE', 5: 'CAS_NHB', 6: 'NFB', 7: 'CAS_NFB', 8: 'NFC', 9: 'NPN',
  10: 'CAS_NPN', 11: 'NPE2', 12: 'CAS_NPE2', 13: 'NCB_H', 14: 'NVW', 15: 'CAS_NVW', 16: 'NHB_H',
  17: 'CAS_NHB_H', 20: 'NFB_700', 21: 'CAS_NFB_700', 257: 'TWC', 513: 'NWP500',
});

/**
 * Reservation entry `mode` (docs/protocol.md#weekly-program). Only 1-4 are offered: 5/6 mean "vacation/power off" to
 * nwp500-python but "power off" to the app (docs/protocol.md#verified-vs-uncertain), so they are not
 * named until verified.
 */
export type ReservationModeName = 'heat-pump' | 'electric' | 'energy-saver' | 'high-demand';
export const RESERVATION_MODES = enumTable<ReservationModeName>({ 1: 'heat-pump', 2: 'electric', 3: 'energy-saver', 4: 'high-demand' });

/** `failCode` of a ctrl-fail message (docs/protocol.md#ctrl-fail); 2 is the only code the app handles. */
export const FAIL_CODES = enumTable<'control-interval-exceeded'>({ 2: 'control-interval-exceeded' });

/** The MGPP on/off flag values (docs/protocol.md#flags). */
export const FLAG_ON = 2;
export const FLAG_OFF = 1;
