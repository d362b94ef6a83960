/** Decoding of `response.status` (docs/protocol.md#encodings, #status-fields) into real units. */
import {
  DHW_MODES,
  DR_EVENTS,
  EnumTable,
  HEAT_SOURCES,
  OPERATION_MODES,
  RECIRC_MODES,
  TEMPERATURE_TYPES,
  TEMP_FORMULA_TYPES,
} from './enums';
import { isUnsafeKey } from './cloud-json';
import { DecodedError, describeError } from './errors';
import { ImplausibleReporter, STATUS_RANGES, isImplausibleNumber } from './plausible';
import {
  TemperatureUnit,
  fromHalfCelsius,
  fromHalfCelsiusDisplay,
  fromTenthCelsius,
  fromTenthCelsiusDifference,
  roundTo,
} from './units';

/**
 * How a status field is encoded on the wire:
 * - `raw`: passed through (counts, rpm, %, W, hours, days, opaque codes)
 * - `H` / `HR` / `D` / `dD`: temperatures (docs/protocol.md#temperatures), converted to the requested unit
 * - `flag`: 2 -> true, anything else -> false
 * - `tri`: 2 -> true, 1 -> false, 0 -> null (fields the app decodes as unknown/off/on)
 * - `tou`: 0 -> false, non-zero -> true (`touStatus`)
 * - `inverted`: 1 -> true, 2 -> false, 0 -> null (`touOverrideStatus`)
 * - `enum`: id -> name, unknown ids -> null
 * - `energy4Wh`: counts of 4 Wh -> Wh
 * - `tenth`: raw / 10 (flow rates)
 * - `rssi`: dBm, positive readings negated
 */
export type StatusEncoding = 'raw' | 'H' | 'HR' | 'D' | 'dD' | 'flag' | 'tri' | 'tou' | 'inverted' | 'enum' | 'energy4Wh' | 'tenth' | 'rssi';

export interface StatusField {
  key: string;
  encoding: StatusEncoding;
  /** Unit of the decoded value; `temperature` / `temperature difference` follow the caller's unit. */
  unit: string;
  description: string;
  /** For `enum` fields. */
  values?: EnumTable<string>;
}

const TEMP = 'temperature';
const TEMP_DIFF = 'temperature difference';

function field(key: string, encoding: StatusEncoding, unit: string, description: string, values?: EnumTable<string>): StatusField {
  return values ? { key, encoding, unit, description, values } : { key, encoding, unit, description };
}

/** Every known status field, its wire encoding and decoded unit. */
export const STATUS_FIELDS: readonly StatusField[] = [
  // meta (docs/protocol.md#status-meta)
  field('command', 'raw', 'code', 'What produced this status: status reply, control ack or device push'),
  field('temperatureType', 'enum', 'C|F', "Device display unit preference (does not change wire values)", TEMPERATURE_TYPES),
  field('tempFormulaType', 'enum', 'name', 'Whole-°F display rounding rule', TEMP_FORMULA_TYPES),
  field('specialFunctionStatus', 'raw', 'code', 'Special-function activity (undocumented values)'),
  field('didReload', 'flag', 'boolean', 'Device recently restarted / reloaded'),
  field('currentStatenum', 'raw', 'code', 'Internal state-machine state'),
  field('smartDiagnostic', 'raw', 'code', '0 = nothing detected'),
  field('errorCode', 'raw', 'code', 'Error number shown on the panel (0 = none); decoded into `error`'),
  field('subErrorCode', 'raw', 'code', 'Qualifies errorCode'),
  field('faultStatus1', 'raw', 'bitfield', 'Fault register 1 (undocumented bits)'),
  field('faultStatus2', 'raw', 'bitfield', 'Fault register 2 (undocumented bits)'),
  field('wifiRssi', 'rssi', 'dBm', 'WiFi signal strength'),
  // operating state (docs/protocol.md#status-operating)
  field('dhwOperationSetting', 'enum', 'mode', 'Configured DHW mode; off = powered off', DHW_MODES),
  field('operationMode', 'enum', 'name', 'What is heating right now (standby, heat-pump, element, both)', OPERATION_MODES),
  field('operationBusy', 'tri', 'boolean', 'Heating demand active'),
  field('dhwOperationBusy', 'flag', 'boolean', 'DHW heating busy (newer firmware)'),
  field('currentHeatUse', 'enum', 'name', 'Active heat source', HEAT_SOURCES),
  field('compUse', 'tri', 'boolean', 'Compressor running'),
  field('eevUse', 'flag', 'boolean', 'Electronic expansion valve active'),
  field('evaFanUse', 'flag', 'boolean', 'Evaporator fan running'),
  field('heatUpperUse', 'tri', 'boolean', 'Upper element energized'),
  field('heatLowerUse', 'tri', 'boolean', 'Lower element energized'),
  field('dhwUse', 'flag', 'boolean', 'Hot water being drawn now'),
  field('dhwUseSustained', 'flag', 'boolean', 'Prolonged draw'),
  field('dhwChargePer', 'raw', '%', 'Usable hot water remaining'),
  field('currentInstPower', 'raw', 'W', 'Whole-unit power including elements'),
  field('targetFanRpm', 'raw', 'rpm', 'Evaporator fan target speed'),
  field('currentFanRpm', 'raw', 'rpm', 'Evaporator fan speed'),
  field('fanPwm', 'raw', 'raw', 'Fan drive (not a percentage)'),
  field('eevStep', 'raw', 'steps', 'EEV position'),
  field('mixingRate', 'raw', '%', 'Mixing valve position'),
  // half-degree Celsius (docs/protocol.md#status-half-degree)
  field('dhwTemperature', 'H', TEMP, 'Hot-water temperature (measured in the tank)'),
  field('dhwTemperatureSetting', 'H', TEMP, 'Target setpoint'),
  field('dhwTargetTemperatureSetting', 'H', TEMP, 'Duplicate of the setpoint'),
  field('dhwTemperature2', 'H', TEMP, 'Second DHW reading (0 on NWP500)'),
  field('freezeProtectionTemperature', 'H', TEMP, 'Freeze-protection threshold'),
  field('freezeProtectionTempMin', 'H', TEMP, 'Lowest freeze-protection threshold'),
  field('freezeProtectionTempMax', 'H', TEMP, 'Highest freeze-protection threshold'),
  field('hpUpperOnTempSetting', 'H', TEMP, 'Heat pump upper zone on point'),
  field('hpUpperOffTempSetting', 'H', TEMP, 'Heat pump upper zone off point'),
  field('hpLowerOnTempSetting', 'H', TEMP, 'Heat pump lower zone on point'),
  field('hpLowerOffTempSetting', 'H', TEMP, 'Heat pump lower zone off point'),
  field('heUpperOnTempSetting', 'H', TEMP, 'Upper element on point'),
  field('heUpperOffTempSetting', 'H', TEMP, 'Upper element off point'),
  field('heLowerOnTempSetting', 'H', TEMP, 'Lower element on point'),
  field('heLowerOffTempSetting', 'H', TEMP, 'Lower element off point'),
  field('heatMinOpTemperature', 'H', TEMP, 'Minimum setpoint in the current mode (newer firmware)'),
  field('recircTempSetting', 'H', TEMP, 'Recirculation loop target'),
  field('recircTemperature', 'H', TEMP, 'Recirculation loop temperature'),
  field('recircFaucetTemperature', 'H', TEMP, 'Far-faucet temperature'),
  // docs/protocol.md#verified-vs-uncertain: the library model says half-°C, older docs tenths; always 0 on the NWP500.
  field('currentInletTemperature', 'H', TEMP, 'Cold-inlet temperature (0 on NWP500)'),
  field('outsideTemperature', 'HR', TEMP, 'Outdoor temperature, whole °F display rounding (0 on NWP500)'),
  // tenth-degree Celsius (docs/protocol.md#status-tenth-degree)
  field('tankUpperTemperature', 'D', TEMP, 'Upper tank thermistor'),
  field('tankLowerTemperature', 'D', TEMP, 'Lower tank thermistor'),
  field('dischargeTemperature', 'D', TEMP, 'Compressor discharge'),
  field('suctionTemperature', 'D', TEMP, 'Compressor suction'),
  field('evaporatorTemperature', 'D', TEMP, 'Evaporator coil'),
  field('ambientTemperature', 'D', TEMP, 'Air at the heat-pump intake'),
  // Superheat is a difference; docs/protocol.md#verified-vs-uncertain recommends the difference formula (no +32 in °F).
  field('targetSuperHeat', 'dD', TEMP_DIFF, 'Superheat target'),
  field('currentSuperHeat', 'dD', TEMP_DIFF, 'Superheat actual (can be negative)'),
  // hysteresis differences (docs/protocol.md#status-differentials)
  field('hpUpperOnDiffTempSetting', 'dD', TEMP_DIFF, 'Heat pump upper on differential'),
  field('hpUpperOffDiffTempSetting', 'dD', TEMP_DIFF, 'Heat pump upper off differential'),
  field('hpLowerOnDiffTempSetting', 'dD', TEMP_DIFF, 'Heat pump lower on differential'),
  field('hpLowerOffDiffTempSetting', 'dD', TEMP_DIFF, 'Heat pump lower off differential'),
  field('heUpperOnDiffTempSetting', 'dD', TEMP_DIFF, 'Upper element on differential'),
  field('heUpperOffDiffTempSetting', 'dD', TEMP_DIFF, 'Upper element off differential'),
  // The device really sends this misspelling; the correct spelling is accepted in case firmware fixes it.
  field('heLowerOnTDiffempSetting', 'dD', TEMP_DIFF, 'Lower element on differential (key misspelled on the wire)'),
  field('heLowerOnDiffTempSetting', 'dD', TEMP_DIFF, 'Lower element on differential (corrected spelling, not yet seen)'),
  field('heLowerOffDiffTempSetting', 'dD', TEMP_DIFF, 'Lower element off differential'),
  // energy (docs/protocol.md#status-energy-maintenance)
  field('totalEnergyCapacity', 'energy4Wh', 'Wh', 'Energy to heat the tank from 40.5 °C to the setpoint'),
  field('availableEnergyCapacity', 'energy4Wh', 'Wh', 'Energy still needed to reach the setpoint (deficit)'),
  // maintenance (docs/protocol.md#status-energy-maintenance)
  field('airFilterAlarmPeriod', 'raw', 'h', 'Filter service interval (0 = alarm off)'),
  field('airFilterAlarmElapsed', 'raw', 'h', 'Hours since last filter reset'),
  field('cumulatedOpTimeEvaFan', 'raw', 'h', 'Evaporator fan lifetime run time'),
  // docs/protocol.md#verified-vs-uncertain: litres per the library, gallons per older docs;
  // unverified (all captures 0).
  field('cumulatedDhwFlowRate', 'raw', 'L', 'Lifetime delivered hot water (unverified unit)'),
  field('currentDhwFlowRate', 'tenth', 'L/min', 'Hot-water flow (unverified unit)'),
  // features and programs (docs/protocol.md#status-programs)
  field('programReservationUse', 'flag', 'boolean', 'Reservation program enabled'),
  field('programReservationType', 'raw', 'code', '0 = none'),
  field('vacationDaySetting', 'raw', 'days', 'Configured vacation length'),
  field('vacationDayElapsed', 'raw', 'days', 'Vacation day counter (semantics unverified)'),
  field('antiLegionellaUse', 'tri', 'boolean', 'Anti-legionella enabled'),
  field('antiLegionellaPeriod', 'raw', 'days', 'Disinfection interval'),
  field('antiLegionellaOperationBusy', 'tri', 'boolean', 'Disinfection cycle running'),
  field('freezeProtectionUse', 'flag', 'boolean', 'Freeze protection enabled'),
  field('ecoUse', 'flag', 'boolean', 'ECO high-limit function enabled'),
  field('scaldUse', 'flag', 'boolean', 'Scald warning function enabled'),
  field('errorBuzzerUse', 'flag', 'boolean', 'Panel error buzzer enabled'),
  field('shutOffValveUse', 'flag', 'boolean', 'Shut-off valve state'),
  field('conOvrSensorUse', 'flag', 'boolean', 'Condensate overflow sensor'),
  field('wtrOvrSensorUse', 'flag', 'boolean', 'Water leak sensor'),
  field('airFilterAlarmUse', 'tri', 'boolean', 'Air filter alarm enabled'),
  // time of use and demand response (docs/protocol.md#status-tou-dr)
  field('touStatus', 'tou', 'boolean', 'TOU scheduling active'),
  field('touOverrideStatus', 'inverted', 'boolean', 'User override of TOU active (true = forcing heating)'),
  field('drEventStatus', 'enum', 'name', 'Demand-response event in force', DR_EVENTS),
  // docs/protocol.md#verified-vs-uncertain: hours remaining per the library, a tri-state per the app - exposed raw.
  field('drOverrideStatus', 'raw', 'raw', 'User override of demand response'),
  // recirculation (docs/protocol.md#status-recirculation)
  field('recircOperationMode', 'enum', 'name', 'Recirculation mode', RECIRC_MODES),
  field('recircOperationBusy', 'flag', 'boolean', 'Pump cycle running'),
  field('recircReservationUse', 'tri', 'boolean', 'Recirculation schedule enabled'),
  field('recircPumpOperationStatus', 'raw', 'code', 'Pump state (undocumented)'),
  field('recircHotBtnReady', 'raw', 'code', 'Hot-button readiness (undocumented)'),
  field('recircOperationReason', 'raw', 'code', 'Reason code (undocumented)'),
  field('recircErrorStatus', 'raw', 'code', 'Recirculation error (undocumented)'),
  field('recircDhwFlowRate', 'tenth', 'L/min', 'Loop flow (unverified unit)'),
];

const FIELDS_BY_KEY: ReadonlyMap<string, StatusField> = new Map(STATUS_FIELDS.map((f) => [f.key, f]));

/** A decoded status: wire keys with converted values, unknown keys untouched, plus `error`. */
export interface DecodedStatus {
  [key: string]: unknown;
  /** Decoded `errorCode`/`subErrorCode`; null without an error (absent when `errorCode` is). */
  error?: DecodedError | null;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Decodes one value; non-numeric values of a known field become null, and so do numbers the unit cannot report
 * (outside the field's plausible range, or not finite - see plausible.ts).
 */
export function decodeStatusValue(
  spec: StatusField,
  value: unknown,
  unit: TemperatureUnit,
  formulaType?: number,
): unknown {
  if (isImplausibleNumber(STATUS_RANGES[spec.key], value)) return null;
  if (spec.encoding === 'raw') return value;
  if (!isNumber(value)) return null;
  switch (spec.encoding) {
    case 'H':
      return fromHalfCelsius(value, unit);
    case 'HR':
      return fromHalfCelsiusDisplay(value, unit, formulaType);
    case 'D':
      return fromTenthCelsius(value, unit);
    case 'dD':
      return fromTenthCelsiusDifference(value, unit);
    case 'flag':
      return value === 2;
    case 'tri':
      return value === 0 ? null : value === 2;
    case 'tou':
      return value !== 0;
    case 'inverted':
      return value === 0 ? null : value === 1;
    case 'enum':
      return spec.values?.nameOf(value) ?? null;
    case 'energy4Wh':
      return value * 4;
    case 'tenth':
      return roundTo(value / 10, 1);
    case 'rssi':
      return value > 0 ? -value : value;
  }
}

/**
 * Converts a raw `response.status` object. Never throws: missing fields stay absent, fields of an
 * unexpected type decode to null, implausible numbers decode to null (each reported to `onImplausible`),
 * unknown fields pass through unchanged. Keys that could reach the prototype (`__proto__`, `constructor`,
 * `prototype`) are never copied, so the result always inherits from Object.prototype alone.
 */
export function decodeStatus(raw: Record<string, unknown>, unit: TemperatureUnit, onImplausible?: ImplausibleReporter): DecodedStatus {
  const out: DecodedStatus = {};
  if (typeof raw !== 'object' || raw === null) return out;
  const formulaType = isNumber(raw.tempFormulaType) ? raw.tempFormulaType : undefined;
  for (const [key, value] of Object.entries(raw)) {
    if (isUnsafeKey(key)) continue;
    const spec = FIELDS_BY_KEY.get(key);
    if (spec && isImplausibleNumber(STATUS_RANGES[key], value)) {
      onImplausible?.(key);
      out[key] = null;
    } else {
      out[key] = spec ? decodeStatusValue(spec, value, unit, formulaType) : value;
    }
  }
  if ('errorCode' in raw) out.error = describeError(raw.errorCode, raw.subErrorCode);
  return out;
}
