/**
 * What an NWP500 can physically report, for every numeric field of every record the cloud sends: the one place the
 * plausible ranges are defined (wire encodings and field meanings: docs/protocol.md). A value outside its range
 * (or one that is not a finite number after JSON parsing, such as `1e400`) is not a reading: the decoders report it
 * as null and tell the caller, who counts it in diagnostics ("implausible values").
 *
 * Ranges are in wire units (half-°C, tenth-°C, counts of 4 Wh, ...), so a range check needs no conversion and no
 * conversion of a value in range can overflow. The bounds are wide on purpose: they reject only what the unit
 * cannot report, never an unusual but real reading.
 */

/** Inclusive bounds in wire units. */
export interface PlausibleRange {
  readonly min: number;
  readonly max: number;
}

function range(min: number, max: number): PlausibleRange {
  return Object.freeze({ min, max });
}

/** True for a finite number within `r`. */
export function isPlausible(r: PlausibleRange, value: number): boolean {
  return Number.isFinite(value) && value >= r.min && value <= r.max;
}

/** A numeric value the unit cannot report: not finite, or outside its range. Non-numbers are not judged here. */
export function isImplausibleNumber(r: PlausibleRange | undefined, value: unknown): boolean {
  if (typeof value !== 'number') return false;
  return r ? !isPlausible(r, value) : !Number.isFinite(value);
}

// ---- physical limits of the unit ----

/**
 * The NWP500's setpoint range in half-°C: 81-131 = 40.5-65.5 °C (104.9-149.9 °F). It is what the unit's feature
 * record reports as `dhwTemperatureMin`/`dhwTemperatureMax` and what it accepts in `dhw-temperature` and
 * reservation entries; a limit the cloud reports outside it is not believed, so it can never widen what a control
 * accepts.
 */
export const SETPOINT_RANGE_RAW = range(81, 131);

/**
 * Water in the tank and its pipes, in °C: the T&P relief valve opens at 210 °F (99 °C), so the water cannot be
 * hotter than 100 °C; below -20 °C the tank of an installed unit would be solid ice. Used for every water-side
 * temperature (tank, DHW, recirculation, thermostat points, setpoints as reported) - not for the setpoint *limits*,
 * which the tighter setpoint range bounds.
 */
const WATER_C = { min: -20, max: 100 } as const;
/** Air at the unit (intake, outdoors): -50..60 °C spans every climate a unit is installed in. */
const AIR_C = { min: -50, max: 60 } as const;
/** Refrigerant probes: suction and evaporator run below freezing, discharge of the compressor up to ~120 °C. */
const REFRIGERANT_C = { min: -50, max: 150 } as const;
/** Temperature differences (superheat, hysteresis settings), in kelvin: the probes span well under 100 K. */
const DIFFERENCE_K = 50;

/**
 * Whole-unit power in W: never negative; an element draws 4.7-5.4 kW and the compressor ~430 W (docs/protocol.md),
 * so 10 kW - about twice the most the unit draws - leaves headroom for supply voltage and firmware.
 */
export const MAX_POWER_W = 10_000;

/**
 * Energy to heat the biggest NWP500 tank (80 gal, 303 L) from 0 to 100 °C is 35 kWh; the status capacities
 * (counts of 4 Wh, heating to the setpoint) cannot be more than 40 kWh.
 */
const MAX_TANK_ENERGY_WH = 40_000;

const halfCelsius = (c: { min: number; max: number }) => range(c.min * 2, c.max * 2);
const tenthCelsius = (c: { min: number; max: number }) => range(c.min * 10, c.max * 10);

const WATER_H = halfCelsius(WATER_C);
const WATER_D = tenthCelsius(WATER_C);
const AIR_H = halfCelsius(AIR_C);
const AIR_D = tenthCelsius(AIR_C);
const REFRIGERANT_D = tenthCelsius(REFRIGERANT_C);
const DIFFERENCE_D = range(-DIFFERENCE_K * 10, DIFFERENCE_K * 10);
/** Percentages (tank charge, valve position). */
const PERCENT = range(0, 100);
/** Counters, speeds, hours and days: never negative. */
const COUNT = range(0, Number.MAX_SAFE_INTEGER);
const POWER_W = range(0, MAX_POWER_W);
/** WiFi signal in dBm, a signed byte; the unit sends the magnitude (positive) or the negative value. */
const RSSI = range(-127, 127);
/** Flow in tenths of L/min: never negative; 100 L/min is several times what a household line carries. */
const FLOW_TENTH_LPM = range(0, 1000);
const TANK_ENERGY_4WH = range(0, MAX_TANK_ENERGY_WH / 4);
const HOUR_OF_DAY = range(0, 23);
const MINUTE_OF_HOUR = range(0, 59);

// ---- per record, keyed by wire name ----

/** `response.status` (docs/protocol.md#status-fields). Fields not listed are codes, flags or enums. */
export const STATUS_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  wifiRssi: RSSI,
  dhwChargePer: PERCENT,
  currentInstPower: POWER_W,
  targetFanRpm: COUNT,
  currentFanRpm: COUNT,
  fanPwm: COUNT,
  eevStep: COUNT,
  mixingRate: PERCENT,
  // half-°C, water side
  dhwTemperature: WATER_H,
  dhwTemperatureSetting: WATER_H,
  dhwTargetTemperatureSetting: WATER_H,
  dhwTemperature2: WATER_H,
  freezeProtectionTemperature: WATER_H,
  freezeProtectionTempMin: WATER_H,
  freezeProtectionTempMax: WATER_H,
  hpUpperOnTempSetting: WATER_H,
  hpUpperOffTempSetting: WATER_H,
  hpLowerOnTempSetting: WATER_H,
  hpLowerOffTempSetting: WATER_H,
  heUpperOnTempSetting: WATER_H,
  heUpperOffTempSetting: WATER_H,
  heLowerOnTempSetting: WATER_H,
  heLowerOffTempSetting: WATER_H,
  heatMinOpTemperature: WATER_H,
  recircTempSetting: WATER_H,
  recircTemperature: WATER_H,
  recircFaucetTemperature: WATER_H,
  currentInletTemperature: WATER_H,
  outsideTemperature: AIR_H,
  // tenth-°C probes
  tankUpperTemperature: WATER_D,
  tankLowerTemperature: WATER_D,
  dischargeTemperature: REFRIGERANT_D,
  suctionTemperature: REFRIGERANT_D,
  evaporatorTemperature: REFRIGERANT_D,
  ambientTemperature: AIR_D,
  // tenth-K differences
  targetSuperHeat: DIFFERENCE_D,
  currentSuperHeat: DIFFERENCE_D,
  hpUpperOnDiffTempSetting: DIFFERENCE_D,
  hpUpperOffDiffTempSetting: DIFFERENCE_D,
  hpLowerOnDiffTempSetting: DIFFERENCE_D,
  hpLowerOffDiffTempSetting: DIFFERENCE_D,
  heUpperOnDiffTempSetting: DIFFERENCE_D,
  heUpperOffDiffTempSetting: DIFFERENCE_D,
  heLowerOnTDiffempSetting: DIFFERENCE_D,
  heLowerOnDiffTempSetting: DIFFERENCE_D,
  heLowerOffDiffTempSetting: DIFFERENCE_D,
  // energy, maintenance, programs
  totalEnergyCapacity: TANK_ENERGY_4WH,
  availableEnergyCapacity: TANK_ENERGY_4WH,
  airFilterAlarmPeriod: COUNT,
  airFilterAlarmElapsed: COUNT,
  cumulatedOpTimeEvaFan: COUNT,
  cumulatedDhwFlowRate: COUNT,
  currentDhwFlowRate: FLOW_TENTH_LPM,
  recircDhwFlowRate: FLOW_TENTH_LPM,
  vacationDaySetting: COUNT,
  vacationDayElapsed: COUNT,
  antiLegionellaPeriod: COUNT,
});

/**
 * `response.feature`. The setpoint limits are bounded by the unit's setpoint range (a wider limit would widen what
 * navien-control accepts); freeze-protection and recirculation limits are water temperatures.
 */
export const FEATURE_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  dhwTemperatureMin: SETPOINT_RANGE_RAW,
  dhwTemperatureMax: SETPOINT_RANGE_RAW,
  freezeProtectionTempMin: WATER_H,
  freezeProtectionTempMax: WATER_H,
  recircTemperatureMin: WATER_H,
  recircTemperatureMax: WATER_H,
});

/** Energy history items (Wh, hours) by what one item covers: no period holds more hours than it has, nor more energy than full power for all of them. */
export type EnergySpan = 'day' | 'month' | 'lifetime';
const energyRanges = (hours: number): Readonly<Record<string, PlausibleRange>> =>
  Object.freeze({
    hpUsage: range(0, hours * MAX_POWER_W),
    heUsage: range(0, hours * MAX_POWER_W),
    hpTime: range(0, hours),
    heTime: range(0, hours),
  });
export const ENERGY_RANGES: Readonly<Record<EnergySpan, Readonly<Record<string, PlausibleRange>>>> = Object.freeze({
  day: energyRanges(24),
  month: energyRanges(31 * 24),
  // Lifetime counters only grow; they have no physical ceiling the decoder could know.
  lifetime: Object.freeze({ hpUsage: COUNT, heUsage: COUNT, hpTime: COUNT, heTime: COUNT }),
});

/**
 * Reservation and recirculation schedule entries. `param` is a setpoint as the unit reports it (water range, like
 * the status setpoint; unused in recirculation entries).
 */
export const SCHEDULE_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  hour: HOUR_OF_DAY,
  min: MINUTE_OF_HOUR,
  param: WATER_H,
});

/** TOU periods: prices are never negative (the TOU write refuses them too), `decimalPoint` 0-9 like the write. */
export const TOU_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  priceMin: COUNT,
  priceMax: COUNT,
  decimalPoint: range(0, 9),
  startHour: HOUR_OF_DAY,
  startMinute: MINUTE_OF_HOUR,
  endHour: HOUR_OF_DAY,
  endMinute: MINUTE_OF_HOUR,
});

/**
 * Installer diagnostics (`td`, docs/protocol.md#installer-diagnostics): lifetime energy (Wh), run hours, start and
 * event counts, draw statistics and days only grow from 0; they are lifetime counters, so no ceiling is known.
 * The mixing valve's average rate is a percentage like the status `mixingRate`.
 */
export const DIAGNOSTICS_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  // tsData
  cumulatedPwrHp: COUNT,
  cumulatedPwrHe: COUNT,
  daysSinceInstallation: COUNT,
  cumulatedOccNumEco: COUNT,
  cumulatedOccNumDryFire: COUNT,
  numOffRostProtectBurn: COUNT,
  cumulatedOccNumConOvrFlow: COUNT,
  cumulatedOccNumWtrOvrFlow: COUNT,
  cumulatedOccNumAbDisTmp: COUNT,
  cumulatedOccNumHpo: COUNT,
  cumulatedOccNumAbSucTmp: COUNT,
  cumulatedOccNumAbDisSucTmp: COUNT,
  cumulatedOpTimeDrShed: COUNT,
  cumulatedOpTimeDrLoadUp: COUNT,
  cumulatedOpTimeDrAdvLoadUp: COUNT,
  cumulatedOpTimeDrCpp: COUNT,
  cumulatedOpTimeDrGridEmg: COUNT,
  // tdData
  numOfdhwUse: COUNT,
  dhwUseTotalFlow: COUNT,
  dhwUseTotalTime: COUNT,
  numOfLongDhwUse: COUNT,
  longDhwUseTotalFlow: COUNT,
  longDhwUseTotalTime: COUNT,
  numOfShortDhwUse: COUNT,
  avrageRecoveryTime: COUNT,
  // taData
  cumulatedOpTimeComp: COUNT,
  cumulatedOpNumComp: COUNT,
  cumulatedOpTimeEvaFan: COUNT,
  cumulatedOpNumEvaFan: COUNT,
  cumulatedOpStepEev: COUNT,
  cumulatedOpTimeUhe: COUNT,
  cumulatedOpNumUhe: COUNT,
  cumulatedOpTimeLhe: COUNT,
  cumulatedOpNumLhe: COUNT,
  cumulatedOpNumShutOffVv: COUNT,
  mixingValveOpTotalStep: COUNT,
  mixingValveOpAvgMixinGrate: PERCENT,
  cumulatedOpNumRecircPump: COUNT,
  cumulatedOpTimeRecircPump: COUNT,
  cumulatedOpTimeInvComp1: COUNT,
  cumulatedOpTimeInvComp2: COUNT,
  cumulatedOpTimeInvComp3: COUNT,
  cumulatedOpTimeInvComp4: COUNT,
});

/**
 * Firmware: the REST record (`/device/firmware/info`, docs/protocol.md#firmware-info) and the MQTT download info
 * (`dl-sw-info`, #firmware-download). Codes and versions are opaque non-negative integers.
 */
export const FIRMWARE_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  curSwCode: COUNT,
  curVersion: COUNT,
  downloadedVersion: COUNT,
  swCode: COUNT,
  otaMode: COUNT,
  swVersion: COUNT,
  status: COUNT,
});

/**
 * The REST device record (`/device/info`, docs/protocol.md#device-info): coordinates on the globe. `altitude` was
 * null in every capture and its unit is unknown, so it is only checked for being a finite number.
 */
export const DEVICE_RECORD_RANGES: Readonly<Record<string, PlausibleRange>> = Object.freeze({
  latitude: range(-90, 90),
  longitude: range(-180, 180),
});

/** Told the wire name of each implausible value a decoder turned into null. */
export type ImplausibleReporter = (field: string) => void;

/**
 * The value when it is a plausible number for `field` of `ranges`, else null (reporting numbers out of range).
 * Non-numbers are null without a report: they are missing or malformed, not implausible readings.
 */
export function plausibleNumber(
  ranges: Readonly<Record<string, PlausibleRange>>,
  field: string,
  value: unknown,
  report?: ImplausibleReporter,
): number | null {
  if (typeof value !== 'number') return null;
  const r = Object.prototype.hasOwnProperty.call(ranges, field) ? ranges[field] : undefined;
  if (r ? isPlausible(r, value) : Number.isFinite(value)) return value;
  report?.(field);
  return null;
}
