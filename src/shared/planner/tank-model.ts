/**
 * The planner's model of an NWP500 tank: one well-mixed volume of water whose state is the energy stored above the
 * device's minimum setpoint (40.5 °C), heated by the heat pump and/or an element and cooling towards the room.
 * Every default is sourced in docs/planner-model.md; `learn.ts` replaces them with the device's own figures.
 */
import { HeatSourceName, activeHeatSource, usableEnergyWh } from '../codec';

/** The NWP500's lowest setpoint; the status energy counters are measured from it (docs/protocol.md#energy-counters). */
export const MIN_SETPOINT_C = 40.5;
/** Specific heat of water, Wh per litre and kelvin. */
export const WATER_WH_PER_LITRE_K = 1.163;

export interface TankModel {
  /** Heat capacity of the water, Wh/K. Read from the status (`totalEnergyCapacity`) when there is one. */
  capacityWhPerK: number;
  /** Electric input of the heat pump (compressor and fan), W. */
  heatPumpInputW: number;
  /** Heat-pump COP with the tank at 55 °C. */
  cop55: number;
  /** Change of the COP per kelvin of tank temperature (negative: a warmer tank is heated less efficiently). */
  copPerK: number;
  /** Electric input (= heat) of one element, W; only one runs at a time. */
  elementW: number;
  /** Standby loss coefficient (UA), W per kelvin between tank and room. */
  standbyWPerK: number;
  /** Temperature of the room around the tank, °C. */
  ambientC: number;
  /**
   * The heat pump's start point per mode, K below the setpoint on the upper probe, where the heater's history has
   * shown it (`learnThermostat`); THERMOSTAT's figure otherwise.
   */
  heatPumpStartK?: Partial<Record<UserMode, number>>;
}

/** Defaults until the device's history says otherwise; docs/planner-model.md gives the source of each. */
export const DEFAULT_TANK_MODEL: Readonly<TankModel> = Object.freeze({
  // 70.25 status counts (4 Wh) per kelvin measured on an NWP500-65 (eman/nwp500-python, tank-energy).
  capacityWhPerK: 281,
  // ~430 W with only the compressor running (docs/protocol.md#energy-counters).
  heatPumpInputW: 430,
  // Median implied COP 2.89 over 183 recoveries of one unit (eman/nwp500-python, tank-energy).
  cop55: 2.89,
  // Slope of a HPWH COP curve at 55 °C (bigladder/HPWHsim AOSmith preset: -0.0246 per °F).
  copPerK: -0.044,
  // Lower end of the measured 4764-5378 W (docs/protocol.md#energy-counters); 5000 W rated at 240 V, 3755 W at 208 V.
  elementW: 4800,
  // 2.0 W/K for a 60 gal tank (HPWHsim PHPT60 preset), scaled by surface to 65-80 gal.
  standbyWPerK: 2.5,
  ambientC: 20,
});

export type UserMode = 'heat-pump' | 'energy-saver' | 'high-demand' | 'electric';
export const USER_MODES: readonly UserMode[] = ['heat-pump', 'energy-saver', 'high-demand', 'electric'];
/** The mode ids of `dhwOperationSetting` (docs/protocol.md#enums). */
export const MODE_IDS: Readonly<Record<UserMode, number>> = { 'heat-pump': 1, electric: 2, 'energy-saver': 3, 'high-demand': 4 };

/**
 * When each mode starts heating: the deficit below the setpoint (K) at which the heat pump / an element switches on
 * (null = never in that mode). They stop at the setpoint. Element entries are the measured entry thresholds
 * (eman/nwp500-python, heating-elements); the heat-pump ones are the simulator's (tools/simulator/thermal.ts).
 */
export interface ThermostatRule {
  heatPumpStartK: number | null;
  elementStartK: number | null;
}
export const THERMOSTAT: Readonly<Record<UserMode, ThermostatRule>> = {
  'heat-pump': { heatPumpStartK: 2.0, elementStartK: null },
  electric: { heatPumpStartK: null, elementStartK: 0.3 },
  'energy-saver': { heatPumpStartK: 1.0, elementStartK: 6.0 },
  'high-demand': { heatPumpStartK: 0.7, elementStartK: 2.0 },
};

/**
 * A recovery ends with the mean tank temperature this far below the setpoint: the heater stops once the top of the
 * tank is at the setpoint and the bottom within about 1 K of it (the simulator's rule, tools/simulator/thermal.ts;
 * a real tank stratifies at least as much).
 */
export const REACHED_BELOW_SETPOINT_K = 0.5;

/** The mode's rule with what the heater's history taught about its heat-pump start point. */
export function thermostatOf(mode: UserMode, m?: TankModel): ThermostatRule {
  const rule = THERMOSTAT[mode];
  const learned = m?.heatPumpStartK?.[mode];
  return learned !== undefined && rule.heatPumpStartK !== null ? { ...rule, heatPumpStartK: learned } : rule;
}

export function isUserMode(value: unknown): value is UserMode {
  return (USER_MODES as readonly unknown[]).includes(value);
}

// ---- energy, temperature and charge ----

/** Mean tank temperature for a stored energy (kWh above 40.5 °C). */
export function tempOf(energyKWh: number, m: TankModel): number {
  return MIN_SETPOINT_C + (energyKWh * 1000) / m.capacityWhPerK;
}

/** Stored energy (kWh above 40.5 °C) of a tank at a mean temperature; negative below 40.5 °C. */
export function energyAt(tempC: number, m: TankModel): number {
  return ((tempC - MIN_SETPOINT_C) * m.capacityWhPerK) / 1000;
}

/**
 * Charge in percent: stored energy over a full tank at `setpointC`, the same fraction the status counters give
 * ((total - available) / total). May exceed 100 when the tank is hotter than that setpoint.
 */
export function chargeOf(energyKWh: number, setpointC: number, m: TankModel): number {
  const full = energyAt(setpointC, m);
  return full > 0 ? (100 * energyKWh) / full : 0;
}

export function energyForCharge(charge: number, setpointC: number, m: TankModel): number {
  return (charge / 100) * energyAt(setpointC, m);
}

// ---- rates ----

export function copAt(tempC: number, m: TankModel): number {
  return Math.min(6, Math.max(1, m.cop55 + m.copPerK * (tempC - 55)));
}

/** Heat the heat pump puts into the tank at a mean tank temperature, kW. */
export function heatPumpHeatKW(tempC: number, m: TankModel): number {
  return (m.heatPumpInputW * copAt(tempC, m)) / 1000;
}

/** Heat lost to the room at a mean tank temperature, kW (negative if the room is warmer). */
export function standbyLossKW(tempC: number, m: TankModel): number {
  return (m.standbyWPerK * (tempC - m.ambientC)) / 1000;
}

// ---- from a device status ----

export interface TankStatus {
  /** Stored energy above 40.5 °C, kWh (see `basis`). */
  energyKWh: number;
  /**
   * `counters`: (totalEnergyCapacity - availableEnergyCapacity) x 4 Wh, as navien-status derives it; used while the
   * tank is below the setpoint. `thermistors`: heat capacity x (mean of the two tank probes - 40.5 °C); used when the
   * counters cannot say (a tank at or above the setpoint reads "full" whatever its temperature, for instance while
   * the planner holds the setpoint low, and a tank below 40.5 °C reads 0).
   */
  basis: 'counters' | 'thermistors';
  setpointC: number | null;
  /** Heat capacity implied by `totalEnergyCapacity` and the setpoint, Wh/K; null when the setpoint is too close to 40.5 °C. */
  capacityWhPerK: number | null;
  mode: UserMode | null;
  source: HeatSourceName;
  powerW: number | null;
  /** Hot water being drawn (`dhwUse`). */
  drawing: boolean;
  /** Air at the heat-pump intake (`ambientTemperature`), °C, when reported. */
  ambientC: number | null;
  /** The heater's own probes (`tankUpperTemperature`, `tankLowerTemperature`), °C, when reported. */
  upperC: number | null;
  lowerC: number | null;
}

const MODE_BY_ID: Readonly<Record<number, UserMode>> = { 1: 'heat-pump', 2: 'electric', 3: 'energy-saver', 4: 'high-demand' };

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The tank as a raw `response.status` (wire values) shows it, or null when it shows neither counters nor probes.
 * The capacity is only derived with the setpoint at least 2 K above 40.5 °C, where the 4 Wh counts are precise
 * enough; `capacityWhPerK` (a learned or default capacity) stands in otherwise for the probes' energy.
 */
export function tankFromStatus(raw: Record<string, unknown>, capacityWhPerK?: number): TankStatus | null {
  const setRaw = num(raw.dhwTemperatureSetting);
  const setpointC = setRaw === null ? null : setRaw / 2;
  const total = num(raw.totalEnergyCapacity);
  const available = num(raw.availableEnergyCapacity);
  const statusCapacity = setpointC !== null && total !== null && total > 0 && setpointC - MIN_SETPOINT_C >= 2 ? (total * 4) / (setpointC - MIN_SETPOINT_C) : null;
  const capacity = statusCapacity ?? capacityWhPerK ?? null;
  const upper = num(raw.tankUpperTemperature);
  const lower = num(raw.tankLowerTemperature);
  const probesKWh = upper !== null && lower !== null && capacity !== null ? ((capacity / 1000) * ((upper + lower) / 20 - MIN_SETPOINT_C)) : null;
  const countersWh = usableEnergyWh(raw);
  // The counters are exact while the tank is between 40.5 °C and the setpoint.
  const countersValid = countersWh !== null && total !== null && available !== null && available > 0 && available < total;
  let energyKWh: number;
  let basis: TankStatus['basis'];
  if (countersValid || (probesKWh === null && countersWh !== null)) {
    energyKWh = countersWh / 1000;
    basis = 'counters';
  } else if (probesKWh !== null) {
    // At or above the setpoint the counters are a floor (the setpoint's full charge); below 40.5 °C they read 0.
    energyKWh = countersWh !== null && available === 0 ? Math.max(countersWh / 1000, probesKWh) : probesKWh;
    basis = 'thermistors';
  } else {
    return null;
  }
  const ambientRaw = num(raw.ambientTemperature);
  return {
    energyKWh,
    basis,
    setpointC,
    capacityWhPerK: statusCapacity,
    mode: MODE_BY_ID[num(raw.dhwOperationSetting) ?? 0] ?? null,
    source: activeHeatSource(raw),
    powerW: num(raw.currentInstPower),
    drawing: raw.dhwUse === 2,
    ambientC: ambientRaw === null || ambientRaw === 0 ? null : ambientRaw / 10,
    upperC: upper === null ? null : upper / 10,
    lowerC: lower === null ? null : lower / 10,
  };
}

/** One point of status history, the input of `learnTankModel`. */
export interface TankSample {
  /** Epoch ms. */
  at: number;
  energyKWh: number;
  powerW: number | null;
  source: HeatSourceName;
  drawing?: boolean;
  capacityWhPerK?: number | null;
  /** The probes, °C, for the two-zone model; flow (`currentDhwFlowRate`, l/min) and delivered litres (`cumulatedDhwFlowRate`) for the draws. */
  upperC?: number | null;
  lowerC?: number | null;
  flowLpm?: number | null;
  cumulativeLitres?: number | null;
  /** The mode and setpoint then, for learning the thermostat's start points. */
  mode?: UserMode | null;
  setpointC?: number | null;
}

export function sampleFromStatus(raw: Record<string, unknown>, at: number, capacityWhPerK?: number): TankSample | null {
  const tank = tankFromStatus(raw, capacityWhPerK);
  if (!tank) return null;
  const flow = num(raw.currentDhwFlowRate);
  return {
    at,
    energyKWh: tank.energyKWh,
    powerW: tank.powerW,
    source: tank.source,
    drawing: tank.drawing,
    capacityWhPerK: tank.capacityWhPerK,
    upperC: tank.upperC,
    lowerC: tank.lowerC,
    flowLpm: flow === null ? null : flow / 10,
    cumulativeLitres: num(raw.cumulatedDhwFlowRate),
    mode: tank.mode,
    setpointC: tank.setpointC,
  };
}
