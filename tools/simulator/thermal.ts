// A deliberately simple two-zone tank model: plausible, deterministic and cheap, not a physical simulation.
// It decides which heat sources run for the configured mode and moves the tank temperatures over simulated time.
// Where each figure comes from: docs/planner-model.md ("The simulator's tank").

/** Heat capacity of the tank, Wh per kelvin. Chosen so the captured status (setpoint 60.5 degC) gives
 * totalEnergyCapacity 1861 (x 4 Wh) as in the fixture (docs/protocol.md#energy-counters): about 320 l of water. */
export const TANK_WH_PER_K = 372.2;
/** Lowest setpoint of the NWP500 (40.5 degC); energy counters are measured from it. */
export const MIN_SETPOINT_C = 40.5;
/** Compressor and fan while the heat pump runs (captured ~430 W). */
export const COMPRESSOR_W = 430;
/** One element (captured 4764-5378 W; rated 5000 W at 240 V). */
export const ELEMENT_W = 4800;
export const IDLE_W = 10;
/** Heat-pump COP at a 55 degC tank: median implied COP 2.89 over 183 recoveries of one NWP500 (nwp500-python). */
export const HEAT_PUMP_COP_55 = 2.89;
/** COP change per kelvin of water temperature: slope of a heat-pump water heater's COP curve at 55 degC (HPWHsim). */
export const HEAT_PUMP_COP_PER_K = -0.044;
/** Standby loss coefficient, W/K between tank and room (HPWHsim's 60 gal tank, 2.0 W/K, scaled to 80 gal). */
export const STANDBY_W_PER_K = 2.5;
/** Room temperature when the status does not report one. */
export const DEFAULT_AMBIENT_C = 20;
const INLET_C = 15;
/** Water per zone: the tank's heat capacity in litres (1.163 Wh per litre and kelvin), in two halves. */
const ZONE_LITRES = TANK_WH_PER_K / 1.163 / 2;

/** The heat pump's COP with water at `waterC` (the condenser sits around the lower part of the tank). */
export function heatPumpCop(waterC: number): number {
  return Math.min(6, Math.max(1, HEAT_PUMP_COP_55 + HEAT_PUMP_COP_PER_K * (waterC - 55)));
}

export interface TankState {
  upperC: number;
  lowerC: number;
  /** Heat sources currently latched on (hysteresis). */
  compressor: boolean;
  upperElement: boolean;
  lowerElement: boolean;
}

/** Mode-specific start thresholds (kelvin below the setpoint). The element values follow the measured entry
 * thresholds in docs/protocol.md#pitfalls; the heat-pump ones are illustrative. */
interface ModeRule {
  heatPumpStartK: number | null;
  elementStartK: number | null;
}

const RULES: Record<number, ModeRule> = {
  1: { heatPumpStartK: 2.0, elementStartK: null }, // Heat Pump
  2: { heatPumpStartK: null, elementStartK: 0.3 }, // Electric
  3: { heatPumpStartK: 1.0, elementStartK: 6.0 }, // Energy Saver: elements only for a large deficit
  4: { heatPumpStartK: 0.7, elementStartK: 2.0 }, // High Demand
};

/** Vacation keeps the tank warm enough to avoid freezing and nothing more. */
const VACATION_HOLD_C = 15;

export interface StepResult {
  compressorWh: number;
  elementWh: number;
  compressorHours: number;
  elementHours: number;
}

/** Longest step the thermostat and the heat sources act on: a longer call is cut into these, so the result does
 * not depend on how often the simulation is ticked. */
const MAX_STEP_S = 30;

/**
 * Advances the tank by `seconds` of simulated time in `mode` (dhwOperationSetting 1-6) towards `setpointC`,
 * with `drawLpm` litres per minute of hot water leaving (replaced by cold inlet water), in a room at `ambientC`.
 */
export function stepTank(
  tank: TankState,
  mode: number,
  setpointC: number,
  seconds: number,
  drawLpm: number,
  ambientC: number = DEFAULT_AMBIENT_C,
): StepResult {
  const result: StepResult = { compressorWh: 0, elementWh: 0, compressorHours: 0, elementHours: 0 };
  for (let done = 0; done < seconds; ) {
    const step = Math.min(MAX_STEP_S, seconds - done);
    const r = stepOnce(tank, mode, setpointC, step, drawLpm, ambientC);
    result.compressorWh += r.compressorWh;
    result.elementWh += r.elementWh;
    result.compressorHours += r.compressorHours;
    result.elementHours += r.elementHours;
    done += step;
  }
  return result;
}

function stepOnce(tank: TankState, mode: number, setpointC: number, seconds: number, drawLpm: number, ambientC: number): StepResult {
  const hours = seconds / 3600;
  const result: StepResult = { compressorWh: 0, elementWh: 0, compressorHours: 0, elementHours: 0 };
  if (hours <= 0) return result;

  decideSources(tank, mode, setpointC);

  const zoneWhPerK = TANK_WH_PER_K / 2;
  // Standby loss towards the room, proportional to each zone's temperature above it.
  tank.upperC -= ((STANDBY_W_PER_K / 2) * (tank.upperC - ambientC) * hours) / zoneWhPerK;
  tank.lowerC -= ((STANDBY_W_PER_K / 2) * (tank.lowerC - ambientC) * hours) / zoneWhPerK;
  // Draw: hot water leaves at the top, cold enters at the bottom (plug flow between the zones).
  if (drawLpm > 0) {
    const fraction = Math.min(1, (drawLpm * seconds) / 60 / ZONE_LITRES);
    const oldLower = tank.lowerC;
    tank.lowerC += (INLET_C - tank.lowerC) * fraction;
    tank.upperC += (oldLower - tank.upperC) * fraction;
  }
  const beforeUpper = tank.upperC;
  const beforeLower = tank.lowerC;
  const compressorHeatWh = tank.compressor ? COMPRESSOR_W * heatPumpCop(0.6 * tank.lowerC + 0.4 * tank.upperC) * hours : 0;
  const element = tank.upperElement || tank.lowerElement;
  const elementHeatWh = element ? ELEMENT_W * hours : 0;
  // The condenser wraps the lower part of the tank.
  tank.lowerC += (0.6 * compressorHeatWh) / zoneWhPerK;
  tank.upperC += (0.4 * compressorHeatWh) / zoneWhPerK;
  if (tank.upperElement) tank.upperC += elementHeatWh / zoneWhPerK;
  if (tank.lowerElement) tank.lowerC += elementHeatWh / zoneWhPerK;
  // Heating never pushes a zone past the thermostat (a zone already above it, e.g. after lowering the setpoint,
  // only cools down). Heat beyond it stays in the tank, in the other zone: the condenser keeps heating the water
  // around it while the top is at the setpoint.
  const ceiling = mode === 5 ? VACATION_HOLD_C + 2 : setpointC;
  const upperCap = Math.max(ceiling, beforeUpper);
  const lowerCap = Math.max(ceiling, beforeLower);
  if (tank.upperC > upperCap) {
    tank.lowerC += tank.upperC - upperCap;
    tank.upperC = upperCap;
  }
  if (tank.lowerC > lowerCap) {
    tank.upperC = Math.min(upperCap, tank.upperC + tank.lowerC - lowerCap);
    tank.lowerC = lowerCap;
  }
  // Warmer water below rises: mix the zones.
  if (tank.lowerC > tank.upperC) tank.upperC = tank.lowerC = (tank.upperC + tank.lowerC) / 2;
  // A source stops when its zone reaches the thermostat: it only runs (and draws power) for the heat the tank took.
  const providedWh = compressorHeatWh + elementHeatWh;
  const absorbedWh = (tank.upperC - beforeUpper + tank.lowerC - beforeLower) * zoneWhPerK;
  const share = providedWh > 0 ? Math.min(1, Math.max(0, absorbedWh / providedWh)) : 0;
  if (tank.compressor) {
    result.compressorWh = COMPRESSOR_W * hours * share;
    result.compressorHours = hours * share;
  }
  if (element) {
    result.elementWh = ELEMENT_W * hours * share;
    result.elementHours = hours * share;
  }
  tank.upperC = Math.max(tank.upperC, INLET_C - 5);
  tank.lowerC = Math.max(tank.lowerC, INLET_C - 5);
  return result;
}

function decideSources(tank: TankState, mode: number, setpointC: number): void {
  const avg = (tank.upperC + tank.lowerC) / 2;
  if (mode === 6 || !(mode in RULES || mode === 5)) {
    tank.compressor = tank.upperElement = tank.lowerElement = false;
    return;
  }
  if (mode === 5) {
    tank.upperElement = tank.lowerElement = false;
    if (avg < VACATION_HOLD_C) tank.compressor = true;
    else if (avg >= VACATION_HOLD_C + 2) tank.compressor = false;
    return;
  }
  const rule = RULES[mode];
  const deficit = setpointC - avg;
  const satisfied = tank.upperC >= setpointC - 0.05 && tank.lowerC >= setpointC - 1.0;
  if (rule.heatPumpStartK === null) tank.compressor = false;
  else if (deficit >= rule.heatPumpStartK) tank.compressor = true;
  else if (satisfied) tank.compressor = false;

  let element = tank.upperElement || tank.lowerElement;
  if (rule.elementStartK === null) element = false;
  else if (setpointC - tank.upperC >= rule.elementStartK || deficit >= rule.elementStartK + 1) element = true;
  else if (satisfied) element = false;
  // Upper element first, then lower, never both (docs/protocol.md#dhw-mode).
  tank.upperElement = element && tank.upperC < setpointC - 0.05;
  tank.lowerElement = element && !tank.upperElement;
}
