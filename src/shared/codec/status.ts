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
import { ImplausibleReporter, PlausibleRange, STATUS_RANGES } from './plausible';
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

/** A decoded status: wire keys with converted values, unknown keys untouched, plus `error`. */
export interface DecodedStatus {
  [key: string]: unknown;
  /** Decoded `errorCode`/`subErrorCode`; null without an error (absent when `errorCode` is). */
  error?: DecodedError | null;
}

/** StatusEncoding as a small integer, for the switch every field of every status goes through. */
enum Kind { Raw, H, HR, D, DD, Flag, Tri, Tou, Inverted, Enum, Energy4Wh, Tenth, Rssi }

const KIND_OF: Readonly<Record<StatusEncoding, Kind>> = {
  raw: Kind.Raw, H: Kind.H, HR: Kind.HR, D: Kind.D, dD: Kind.DD, flag: Kind.Flag, tri: Kind.Tri, tou: Kind.Tou,
  inverted: Kind.Inverted, enum: Kind.Enum, energy4Wh: Kind.Energy4Wh, tenth: Kind.Tenth, rssi: Kind.Rssi,
};

/**
 * Everything decoding needs to know about one known field, worked out once: the plausible range (wire units) and the
 * encoding. Every status message runs through ~100 of these (BENCHMARKS.md, "cost per message").
 */
interface FieldPlan {
  readonly spec: StatusField;
  readonly range: PlausibleRange | undefined;
  readonly kind: Kind;
}

function planOf(spec: StatusField): FieldPlan {
  return { spec, range: STATUS_RANGES[spec.key], kind: KIND_OF[spec.encoding] };
}

const PLANS: ReadonlyMap<string, FieldPlan> = new Map(STATUS_FIELDS.map((spec) => [spec.key, planOf(spec)]));

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A number the unit cannot report: outside the field's range, or not finite (plausible.ts). */
function implausible(plan: FieldPlan, value: number): boolean {
  const r = plan.range;
  return r ? !(value >= r.min && value <= r.max) : !Number.isFinite(value);
}

/** Converts a plausible number of a known field. */
function convert(plan: FieldPlan, value: number, unit: TemperatureUnit, formulaType: number | undefined): unknown {
  switch (plan.kind) {
    case Kind.Raw:
      return value;
    case Kind.H:
      return fromHalfCelsius(value, unit);
    case Kind.HR:
      return fromHalfCelsiusDisplay(value, unit, formulaType);
    case Kind.D:
      return fromTenthCelsius(value, unit);
    case Kind.DD:
      return fromTenthCelsiusDifference(value, unit);
    case Kind.Flag:
      return value === 2;
    case Kind.Tri:
      return value === 0 ? null : value === 2;
    case Kind.Tou:
      return value !== 0;
    case Kind.Inverted:
      return value === 0 ? null : value === 1;
    case Kind.Enum:
      return plan.spec.values?.nameOf(value) ?? null;
    case Kind.Energy4Wh:
      return value * 4;
    case Kind.Tenth:
      return roundTo(value / 10, 1);
    case Kind.Rssi:
      return value > 0 ? -value : value;
  }
}

/**
 * One value: decoded for a known field (`plan`; null for a non-number, except in raw fields, and for an implausible
 * number, which goes to `onImplausible`), as it is for an unknown one.
 */
function valueOf(plan: FieldPlan | undefined, key: string, value: unknown, unit: TemperatureUnit, formulaType: number | undefined, onImplausible: ImplausibleReporter | undefined): unknown {
  if (plan === undefined) return value;
  if (typeof value !== 'number') return plan.kind === Kind.Raw ? value : null;
  if (implausible(plan, value)) {
    onImplausible?.(key);
    return null;
  }
  return convert(plan, value, unit, formulaType);
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
  return valueOf(PLANS.get(spec.key) ?? planOf(spec), spec.key, value, unit, formulaType, undefined);
}

function hasUnsafeKey(keys: readonly string[]): boolean {
  return keys.includes('__proto__') || keys.includes('constructor') || keys.includes('prototype');
}

/**
 * A status layout seen before: the same keys in the same order. A device sends the same layout every time, so the
 * work that depends on the keys alone is done once per layout: each key's plan, and per unit a decoded status of
 * that layout to copy. Nearly every status is then decoded by copying the template (one cheap clone of a
 * fixed-shape object) and overwriting the fields whose wire value differs from the template's - a handful, where
 * building the object key by key cost ~10 µs (BENCHMARKS.md, "cost per message").
 */
interface Layout {
  readonly keys: readonly string[];
  readonly plans: ReadonlyArray<FieldPlan | undefined>;
  readonly templates: Partial<Record<TemperatureUnit, Template>>;
}

interface Template {
  readonly status: DecodedStatus;
  /** By position: the template's wire value, its decoded value, and whether that wire value was implausible. */
  readonly raw: readonly unknown[];
  readonly decoded: readonly unknown[];
  readonly implausible: readonly boolean[];
  /** `tempFormulaType` of the template: `outsideTemperature` decodes by it. */
  readonly formulaType: number | undefined;
}

/** A few layouts (firmware versions, a status without errorCode); the oldest is dropped beyond that. */
const MAX_LAYOUTS = 4;
const layouts: Layout[] = [];
/** The layout of the last status seen: the one the next status most likely has. */
let recent: Layout | undefined;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The layout of these keys, learnt now if new; undefined for keys that must never be copied (decoded key by key). */
function layoutOf(keys: readonly string[]): Layout | undefined {
  for (const layout of layouts) {
    if (sameKeys(layout.keys, keys)) {
      recent = layout;
      return layout;
    }
  }
  if (hasUnsafeKey(keys)) return undefined;
  const plans = keys.map((key) => PLANS.get(key));
  const layout: Layout = { keys, plans, templates: {} };
  layouts.push(layout);
  if (layouts.length > MAX_LAYOUTS) layouts.shift();
  recent = layout;
  return layout;
}

/** Decodes key by key into a new object (a layout's first status in a unit, or one with an unsafe key, which is skipped). */
function decodeKeyByKey(raw: Record<string, unknown>, keys: readonly string[], values: readonly unknown[], unit: TemperatureUnit, formulaType: number | undefined, onImplausible: ImplausibleReporter | undefined): DecodedStatus {
  const out: DecodedStatus = {};
  for (let i = 0; i < keys.length; i++) {
    if (isUnsafeKey(keys[i])) continue;
    out[keys[i]] = valueOf(PLANS.get(keys[i]), keys[i], values[i], unit, formulaType, onImplausible);
  }
  if ('errorCode' in raw) out.error = describeError(raw.errorCode, raw.subErrorCode);
  return out;
}

/**
 * Converts a raw `response.status` object. Never throws: missing fields stay absent, fields of an
 * unexpected type decode to null, implausible numbers decode to null (each reported to `onImplausible`),
 * unknown fields pass through unchanged, in the wire's order. Keys that could reach the prototype (`__proto__`,
 * `constructor`, `prototype`) are never copied, so the result always inherits from Object.prototype alone.
 */
export function decodeStatus(raw: Record<string, unknown>, unit: TemperatureUnit, onImplausible?: ImplausibleReporter): DecodedStatus {
  if (typeof raw !== 'object' || raw === null) return {};
  const formulaType = isNumber(raw.tempFormulaType) ? raw.tempFormulaType : undefined;
  const tried = recent;
  const fast = tried && decodeLikeRecent(raw, tried, unit, formulaType, onImplausible);
  if (fast) return fast;
  const keys = Object.keys(raw);
  const layout = layoutOf(keys);
  const known = layout && layout !== tried && decodeLikeRecent(raw, layout, unit, formulaType, onImplausible);
  if (known) return known;
  const values = Object.values(raw);
  const decoded = decodeKeyByKey(raw, keys, values, unit, formulaType, onImplausible);
  // `error` is part of the template exactly when the layout has errorCode: no copy ever gains a property.
  if (layout && ('errorCode' in raw) === ('error' in decoded)) layout.templates[unit] = templateOf(layout, values, decoded, formulaType);
  return decoded;
}

/**
 * The common case: the status has the layout of the last one, and that layout has a template in this unit. One pass
 * over the status checks the keys against the layout and overwrites, in a copy of the template, the fields whose
 * wire value differs from the template's. Undefined (nothing reported) when the layout turns out different.
 */
function decodeLikeRecent(raw: Record<string, unknown>, layout: Layout, unit: TemperatureUnit, formulaType: number | undefined, onImplausible: ImplausibleReporter | undefined): DecodedStatus | undefined {
  const template = layout.templates[unit];
  if (!template || template.formulaType !== formulaType) return undefined;
  // Spreading defines own properties: nothing in the copy can touch its prototype.
  const out: DecodedStatus = { ...template.status };
  const { keys, plans } = layout;
  let implausibleKeys: string[] | undefined;
  let i = 0;
  for (const key in raw) {
    if (key !== keys[i]) return undefined;
    const value = raw[key];
    // The same wire value as the template's decodes to the same value, already in the copy.
    if (!Object.is(value, template.raw[i]) || template.implausible[i]) {
      // Implausible keys are reported once the layout is sure to match (else the caller decodes afresh and reports).
      const decoded = valueOf(plans[i], key, value, unit, formulaType, (field) => (implausibleKeys ??= []).push(field));
      if (!Object.is(decoded, template.decoded[i])) out[key] = decoded;
    }
    i++;
  }
  if (i !== keys.length) return undefined;
  if ('errorCode' in raw) out.error = describeError(raw.errorCode, raw.subErrorCode);
  if (implausibleKeys && onImplausible) for (const key of implausibleKeys) onImplausible(key);
  return out;
}

function templateOf(layout: Layout, values: readonly unknown[], decoded: DecodedStatus, formulaType: number | undefined): Template {
  const status: DecodedStatus = { ...decoded }; // a fixed-shape copy (the key-by-key object may not be)
  return {
    status,
    raw: values,
    decoded: layout.keys.map((key) => status[key]),
    implausible: layout.plans.map((plan, i) => plan !== undefined && typeof values[i] === 'number' && implausible(plan, values[i])),
    formulaType,
  };
}

/**
 * Reports the implausible values of a raw status, by wire name, without decoding it: exactly the fields decodeStatus
 * turns into null for being implausible (the same plan and range check), at a fraction of its cost.
 */
export function reportImplausibleStatus(raw: Record<string, unknown>, report: ImplausibleReporter): void {
  if (typeof raw !== 'object' || raw === null) return;
  if (recent && reportLikeRecent(raw, recent, report)) return;
  const keys = Object.keys(raw);
  const values = Object.values(raw);
  layoutOf(keys);
  for (let i = 0; i < keys.length; i++) {
    const value = values[i];
    if (typeof value !== 'number') continue;
    const plan = PLANS.get(keys[i]);
    if (plan !== undefined && implausible(plan, value)) report(keys[i]);
  }
}

/** reportImplausibleStatus for a status with the last one's layout, in one pass; false (nothing reported) when it has not. */
function reportLikeRecent(raw: Record<string, unknown>, layout: Layout, report: ImplausibleReporter): boolean {
  const { keys, plans } = layout;
  let implausibleKeys: string[] | undefined;
  let i = 0;
  for (const key in raw) {
    if (key !== keys[i]) return false;
    const value = raw[key];
    const plan = plans[i];
    if (plan !== undefined && typeof value === 'number' && implausible(plan, value)) (implausibleKeys ??= []).push(key);
    i++;
  }
  if (i !== keys.length) return false;
  if (implausibleKeys) for (const key of implausibleKeys) report(key);
  return true;
}
