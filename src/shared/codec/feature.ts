/**
 * Decoding of the device feature record (`response.feature`, docs/protocol.md#features) and capability gating
 * (docs/protocol.md#capability-gating).
 */
import { MODEL_TYPES, TANK_GALLONS, TEMPERATURE_SETTING_USE, TEMPERATURE_TYPES, TemperatureSettingName } from './enums';
import { FEATURE_RANGES, ImplausibleReporter, plausibleNumber } from './plausible';
import { TemperatureUnit, fromHalfCelsius } from './units';

/** Capability name -> feature flag on the wire (2 = supported, 1/0 = not). */
export const CAPABILITY_FLAGS = {
  power: 'powerUse',
  dhwMode: 'dhwUse',
  vacation: 'holidayUse',
  schedule: 'programReservationUse',
  // TOU on/off and the water program are gated by the reservation-program flag too
  // (docs/protocol.md#capability-gating).
  tou: 'programReservationUse',
  waterProgram: 'programReservationUse',
  antiLegionella: 'antiLegionellaSettingUse',
  demandResponse: 'drSettingUse',
  recirculation: 'recirculationUse',
  recircSchedule: 'recircReservationUse',
  energyUsage: 'energyUsageUse',
  heatPump: 'heatpumpUse',
  electric: 'electricUse',
  energySaver: 'energySaverUse',
  highDemand: 'highDemandUse',
  freezeProtection: 'freezeProtectionUse',
  smartDiagnostic: 'smartDiagnosticUse',
  wifiRssi: 'wifiRssiUse',
  // "Value" (sic) is the cloud's spelling.
  mixingValve: 'mixingValueUse',
  hpwh: 'hpwhUse',
  dhwRefill: 'dhwRefillUse',
  eco: 'ecoUse',
  title24: 'title24Use',
} as const;

/** `temperature` is derived from the `dhwTemperatureSettingUse` enum rather than a flag. */
export type CapabilityName = keyof typeof CAPABILITY_FLAGS | 'temperature';

/** true = supported, false = not, null = the feature record did not report the flag. */
export type Capabilities = Record<CapabilityName, boolean | null>;

export interface DecodedFeature {
  serial: string | null;
  model: string | null;
  modelTypeCode: number | null;
  countryCode: number | null;
  tankSizeGallons: number | null;
  /** Opaque version integers as the device reports them. */
  firmware: { controller: number | null; panel: number | null; wifi: number | null; recirc: number | null };
  /** The device's display preference, not the unit of any value here. */
  displayUnit: 'C' | 'F' | null;
  unit: TemperatureUnit;
  /**
   * Setpoint limits: null when not reported or implausible - outside the unit's setpoint range (plausible.ts) or
   * min above max - so a limit from the cloud never widens what navien-control accepts (it then uses that range).
   */
  setpointMin: number | null;
  setpointMax: number | null;
  setpointMinRaw: number | null;
  setpointMaxRaw: number | null;
  freezeProtectionMin: number | null;
  freezeProtectionMax: number | null;
  recircSetpointMin: number | null;
  recircSetpointMax: number | null;
  temperatureControl: boolean;
  temperatureSetting: TemperatureSettingName | null;
  capabilities: Capabilities;
  raw: Record<string, unknown>;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function halfCelsius(raw: number | null, unit: TemperatureUnit): number | null {
  return raw === null ? null : fromHalfCelsius(raw, unit);
}

/**
 * A min/max pair of half-°C limits, each within its plausible range and min <= max; an implausible one is null
 * (and reported), and a pair the wrong way round is null on both sides (and both reported).
 */
function limitPair(f: Record<string, unknown>, minKey: string, maxKey: string, report?: ImplausibleReporter): [number | null, number | null] {
  const min = plausibleNumber(FEATURE_RANGES, minKey, f[minKey], report);
  const max = plausibleNumber(FEATURE_RANGES, maxKey, f[maxKey], report);
  if (min !== null && max !== null && min > max) {
    report?.(minKey);
    report?.(maxKey);
    return [null, null];
  }
  return [min, max];
}

function flag(value: unknown): boolean | null {
  const raw = num(value);
  return raw === null ? null : raw === 2;
}

/** docs/protocol.md#enums: temperature control is allowed for `dhwTemperatureSettingUse` 2-4. */
function temperatureControlAllowed(value: unknown): boolean | null {
  const raw = num(value);
  return raw === null ? null : raw >= 2 && raw <= 4;
}

/**
 * Decodes `response.feature`. Never throws; missing values are null, and so are temperature limits the unit
 * cannot have (each reported to `onImplausible`).
 */
export function decodeFeature(raw: Record<string, unknown>, unit: TemperatureUnit, onImplausible?: ImplausibleReporter): DecodedFeature {
  const f = typeof raw === 'object' && raw !== null ? raw : {};
  const [setpointMinRaw, setpointMaxRaw] = limitPair(f, 'dhwTemperatureMin', 'dhwTemperatureMax', onImplausible);
  const [freezeMinRaw, freezeMaxRaw] = limitPair(f, 'freezeProtectionTempMin', 'freezeProtectionTempMax', onImplausible);
  const [recircMinRaw, recircMaxRaw] = limitPair(f, 'recircTemperatureMin', 'recircTemperatureMax', onImplausible);
  const capabilities = {} as Capabilities;
  for (const [name, wireKey] of Object.entries(CAPABILITY_FLAGS)) {
    capabilities[name as CapabilityName] = flag(f[wireKey]);
  }
  capabilities.temperature = temperatureControlAllowed(f.dhwTemperatureSettingUse);
  const volume = num(f.volumeCode);
  return {
    serial: typeof f.controllerSerialNumber === 'string' && f.controllerSerialNumber ? f.controllerSerialNumber : null,
    model: MODEL_TYPES.nameOf(f.modelTypeCode),
    modelTypeCode: num(f.modelTypeCode),
    countryCode: num(f.countryCode),
    tankSizeGallons: volume === null ? null : TANK_GALLONS[volume] ?? null,
    firmware: {
      controller: num(f.controllerSwVersion),
      panel: num(f.panelSwVersion),
      wifi: num(f.wifiSwVersion),
      recirc: num(f.recircSwVersion),
    },
    displayUnit: TEMPERATURE_TYPES.nameOf(f.temperatureType),
    unit,
    setpointMin: halfCelsius(setpointMinRaw, unit),
    setpointMax: halfCelsius(setpointMaxRaw, unit),
    setpointMinRaw,
    setpointMaxRaw,
    freezeProtectionMin: halfCelsius(freezeMinRaw, unit),
    freezeProtectionMax: halfCelsius(freezeMaxRaw, unit),
    recircSetpointMin: halfCelsius(recircMinRaw, unit),
    recircSetpointMax: halfCelsius(recircMaxRaw, unit),
    temperatureControl: capabilities.temperature === true,
    temperatureSetting: TEMPERATURE_SETTING_USE.nameOf(f.dhwTemperatureSettingUse),
    capabilities,
    raw: f,
  };
}

/**
 * Control names (as used by nodes and builders) -> the capability that gates them (docs/protocol.md#capability-gating).
 */
const CONTROL_CAPABILITY: Readonly<Record<string, CapabilityName>> = {
  power: 'power',
  mode: 'dhwMode',
  dhwMode: 'dhwMode',
  setpoint: 'temperature',
  temperature: 'temperature',
  antiLegionella: 'antiLegionella',
  tou: 'tou',
  touSchedule: 'tou',
  schedule: 'schedule',
  reservations: 'schedule',
  waterProgram: 'waterProgram',
  reservationMode: 'waterProgram',
  vacation: 'vacation',
  vacationDays: 'vacation',
  demandResponse: 'demandResponse',
  recirculation: 'recirculation',
  recircMode: 'recirculation',
  recircHotButton: 'recirculation',
  recircSchedule: 'recircSchedule',
  // Intelligent (adaptive) scheduling is a reservation function in the app (its codes are named
  // RESERVATION_INTELLIGENT_*): gated like the weekly program. No source names a flag of its own; unverified.
  intelligent: 'schedule',
  // The condenser is part of the heat pump: a heater without one has nothing to reset. Unverified.
  condenserFaultReset: 'heatPump',
  energy: 'energyUsage',
  energyUsage: 'energyUsage',
  'heat-pump': 'heatPump',
  electric: 'electric',
  'energy-saver': 'energySaver',
  'high-demand': 'highDemand',
};

/** The capability that gates a control or DHW mode name, or undefined when nothing gates it. */
export function capabilityFor(controlName: string): CapabilityName | undefined {
  return Object.prototype.hasOwnProperty.call(CONTROL_CAPABILITY, controlName) ? CONTROL_CAPABILITY[controlName] : undefined;
}

/**
 * Whether a control may be offered: false only on a known "no"; unknown features
 * (record not read yet, flag absent) do not block.
 */
export function isControlSupported(feature: DecodedFeature | undefined, controlName: string): boolean {
  const capability = capabilityFor(controlName);
  if (!feature || !capability) return true;
  return feature.capabilities[capability] !== false;
}
