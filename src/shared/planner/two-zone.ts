/**
 * The tank as the heater's own thermostat sees it: two zones, each read by one of the heater's probes
 * (`tankUpperTemperature`, `tankLowerTemperature`). The one-zone model (tank-model.ts) chooses how much heat to buy;
 * this one says whether a setting really starts the heater and what water comes out of the top. Every rule and figure
 * is sourced in docs/planner-model.md ("The two-zone tank").
 */
import { TankModel, UserMode, WATER_WH_PER_LITRE_K, copAt, energyAt, thermostatOf } from './tank-model';

/**
 * The lower-tank trigger: the heat pump starts when the lower probe reads below the device minimum, 104.9 °F
 * (40.5 °C), whatever the setpoint (docs/protocol.md's setpoint table: the device minimum is raw 81 = 104.9 °F).
 */
export const LOWER_TRIGGER_C = 40.5;
/** A recovery ends with the top at the setpoint and the bottom within this of it (the simulator's rule). */
export const LOWER_STOP_BELOW_K = 1.0;
/** Cold water entering the bottom of the tank, °C (the simulator's inlet). */
export const INLET_C = 15;
/** Under an active TOU schedule a heat-pump recovery stops at about this charge (docs/protocol.md#pitfalls). */
export const TOU_HEAT_PUMP_CAP_PERCENT = 90;
/** Share of the condenser's heat that goes into the lower zone (the condenser wraps the lower part of the tank). */
const CONDENSER_LOWER_SHARE = 0.6;

export interface ZoneState {
  upperC: number;
  lowerC: number;
  compressor: boolean;
  element: boolean;
}

/** How a setting reaches the heater: a control write (live) or an entry of its weekly program (device). */
export type AppliedBy = 'control' | 'program';

/** A draw of hot water: `litres` at `lpm` from `at` (epoch ms). */
export interface Draw {
  at: number;
  litres: number;
  lpm: number;
}

/** Litres of water in each zone: half the tank's heat capacity each. */
export function zoneLitres(m: TankModel): number {
  return m.capacityWhPerK / WATER_WH_PER_LITRE_K / 2;
}

export function meanC(s: ZoneState): number {
  return (s.upperC + s.lowerC) / 2;
}

/** Stored energy above 40.5 °C (the same basis as the status counters and the one-zone model). */
export function zoneEnergyKWh(s: ZoneState, m: TankModel): number {
  return energyAt(meanC(s), m);
}

/**
 * The state from the probes, or (without them) a tank at `meanTempC` stratified as a tank at rest is: the top as warm
 * as the mean plus half of `spreadK`.
 */
export function zoneStateOf(upperC: number | null, lowerC: number | null, meanTempC: number, spreadK = 3): ZoneState {
  if (upperC !== null && lowerC !== null) return { upperC, lowerC, compressor: false, element: false };
  return { upperC: meanTempC + spreadK / 2, lowerC: meanTempC - spreadK / 2, compressor: false, element: false };
}

/**
 * Whether a setting starts a recovery the moment it is applied. A control write starts one whenever the setpoint is
 * above what the upper probe reads (outside TOU); a program entry does not: the heater waits for its usual start
 * point. A setpoint at or below the upper probe never starts anything.
 */
export function startsOnApply(s: ZoneState, mode: UserMode, setpointC: number, by: AppliedBy, tou: boolean, m?: TankModel): boolean {
  if (setpointC <= s.upperC) return false;
  if (by === 'control' && !tou) return true;
  return wouldStart(s, mode, setpointC, m);
}

/** The mode's own start points on the probes (no hysteresis state). */
export function wouldStart(s: ZoneState, mode: UserMode, setpointC: number, m?: TankModel): boolean {
  const rule = thermostatOf(mode, m);
  if (rule.heatPumpStartK !== null && (setpointC - s.upperC >= rule.heatPumpStartK || s.lowerC < LOWER_TRIGGER_C)) return true;
  return rule.elementStartK !== null && setpointC - s.upperC >= rule.elementStartK;
}

/** Lowest setpoint at which the mode's thermostat starts on its own with the top at `upperC`. */
export function startingSetpoint(upperC: number, mode: UserMode, by: AppliedBy, tou: boolean, m?: TankModel): number {
  if (by === 'control' && !tou) return upperC + 0.05;
  const rule = thermostatOf(mode, m);
  const starts = [rule.heatPumpStartK, rule.elementStartK].filter((k): k is number => k !== null);
  return upperC + Math.min(...starts) + 0.05;
}

/** Latches the heat sources by the mode's rules on the two probes. */
export function decideZones(s: ZoneState, mode: UserMode, setpointC: number, chargePercent: number, tou: boolean, m?: TankModel): void {
  const rule = thermostatOf(mode, m);
  const satisfied = s.upperC >= setpointC - 0.05 && s.lowerC >= setpointC - LOWER_STOP_BELOW_K;
  if (rule.heatPumpStartK === null) s.compressor = false;
  else if (setpointC - s.upperC >= rule.heatPumpStartK || s.lowerC < LOWER_TRIGGER_C) s.compressor = true;
  else if (satisfied) s.compressor = false;
  if (rule.elementStartK === null) s.element = false;
  else if (setpointC - s.upperC >= rule.elementStartK) s.element = true;
  else if (satisfied) s.element = false;
  // TOU: a heat-pump-only recovery stops near 90 % charge.
  if (tou && s.compressor && !s.element && chargePercent >= TOU_HEAT_PUMP_CAP_PERCENT) s.compressor = false;
}

/** Moves `litres` of hot water out of the top; cold inlet water enters the bottom (plug flow between the zones). */
export function drawFrom(s: ZoneState, litres: number, m: TankModel, inletC = INLET_C): void {
  const zone = zoneLitres(m);
  // Small slices, so a long draw does not mix the zones more than plug flow does.
  for (let left = litres; left > 1e-9; ) {
    const slice = Math.min(left, zone / 20);
    const f = slice / zone;
    const oldLower = s.lowerC;
    s.lowerC += (inletC - s.lowerC) * f;
    s.upperC += (oldLower - s.upperC) * f;
    left -= slice;
  }
}

/** Litres that can be drawn before the water leaving the top falls below `comfortC`. */
export function hotLitres(s: ZoneState, comfortC: number, m: TankModel, inletC = INLET_C): number {
  if (s.upperC < comfortC) return 0;
  const copy = { ...s };
  const step = zoneLitres(m) / 40;
  let litres = 0;
  for (let i = 0; i < 400 && copy.upperC >= comfortC; i++) {
    drawFrom(copy, step, m, inletC);
    litres += step;
  }
  return litres;
}

export interface ZoneStep {
  /** Electric input, kWh, and of it the compressor's. */
  inputKWh: number;
  heatPumpKWh: number;
}

/**
 * Heats and cools the tank for `hours` under the latched sources (decide first), with no draw. Heat never pushes a
 * zone past the setpoint; heat beyond it goes to the other zone; warmer water below rises (the simulator's rules).
 */
export function heatZones(s: ZoneState, setpointC: number, hours: number, m: TankModel): ZoneStep {
  const zoneWhPerK = m.capacityWhPerK / 2;
  const lossU = ((m.standbyWPerK / 2) * (s.upperC - m.ambientC) * hours) / zoneWhPerK;
  const lossL = ((m.standbyWPerK / 2) * (s.lowerC - m.ambientC) * hours) / zoneWhPerK;
  s.upperC -= lossU;
  s.lowerC -= lossL;
  const beforeU = s.upperC;
  const beforeL = s.lowerC;
  const hpHeatWh = s.compressor ? m.heatPumpInputW * copAt(0.6 * s.lowerC + 0.4 * s.upperC, m) * hours : 0;
  const elHeatWh = s.element ? m.elementW * hours : 0;
  s.lowerC += (CONDENSER_LOWER_SHARE * hpHeatWh) / zoneWhPerK;
  s.upperC += ((1 - CONDENSER_LOWER_SHARE) * hpHeatWh) / zoneWhPerK;
  // Upper element first, then the lower one (docs/protocol.md#dhw-mode).
  if (beforeU < setpointC - 0.05) s.upperC += elHeatWh / zoneWhPerK;
  else s.lowerC += elHeatWh / zoneWhPerK;
  const capU = Math.max(setpointC, beforeU);
  const capL = Math.max(setpointC, beforeL);
  if (s.upperC > capU) {
    s.lowerC += s.upperC - capU;
    s.upperC = capU;
  }
  if (s.lowerC > capL) {
    s.upperC = Math.min(capU, s.upperC + s.lowerC - capL);
    s.lowerC = capL;
  }
  if (s.lowerC > s.upperC) s.upperC = s.lowerC = (s.upperC + s.lowerC) / 2;
  const provided = hpHeatWh + elHeatWh;
  const absorbed = (s.upperC - beforeU + s.lowerC - beforeL) * zoneWhPerK;
  const share = provided > 0 ? Math.min(1, Math.max(0, absorbed / provided)) : 0;
  const hpKWh = s.compressor ? (m.heatPumpInputW * hours * share) / 1000 : 0;
  const elKWh = s.element ? (m.elementW * hours * share) / 1000 : 0;
  return { inputKWh: hpKWh + elKWh, heatPumpKWh: hpKWh };
}
