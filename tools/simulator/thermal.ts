// A deliberately simple two-zone tank model: plausible, deterministic and cheap, not a physical simulation.
// It decides which heat sources run for the configured mode and moves the tank temperatures over simulated time.

/** Heat capacity of the tank, Wh per kelvin. Chosen so the captured status (setpoint 60.5 degC) gives
 * totalEnergyCapacity 1861 (x 4 Wh) as in the fixture (docs/protocol.md#energy-counters). */
export const TANK_WH_PER_K = 372.2;
/** Lowest setpoint of the NWP500 (40.5 degC); energy counters are measured from it. */
export const MIN_SETPOINT_C = 40.5;
export const COMPRESSOR_W = 430;
export const ELEMENT_W = 4800;
export const IDLE_W = 10;
const HEAT_PUMP_COP = 3.5;
const STANDBY_LOSS_K_PER_H = 0.6;
const INLET_C = 15;
const ZONE_LITRES = 120;

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

/**
 * Advances the tank by `seconds` of simulated time in `mode` (dhwOperationSetting 1-6) towards `setpointC`,
 * with `drawLpm` litres per minute of hot water leaving (replaced by cold inlet water).
 */
export function stepTank(tank: TankState, mode: number, setpointC: number, seconds: number, drawLpm: number): StepResult {
  const hours = seconds / 3600;
  const result: StepResult = { compressorWh: 0, elementWh: 0, compressorHours: 0, elementHours: 0 };
  if (hours <= 0) return result;

  decideSources(tank, mode, setpointC);

  const zoneWhPerK = TANK_WH_PER_K / 2;
  // Standby loss towards the room.
  tank.upperC -= STANDBY_LOSS_K_PER_H * hours;
  tank.lowerC -= STANDBY_LOSS_K_PER_H * hours;
  // Draw: hot water leaves at the top, cold enters at the bottom (plug flow between the zones).
  if (drawLpm > 0) {
    const fraction = Math.min(1, (drawLpm * seconds) / 60 / ZONE_LITRES);
    const oldLower = tank.lowerC;
    tank.lowerC += (INLET_C - tank.lowerC) * fraction;
    tank.upperC += (oldLower - tank.upperC) * fraction;
  }
  const beforeUpper = tank.upperC;
  const beforeLower = tank.lowerC;
  if (tank.compressor) {
    const thermalWh = COMPRESSOR_W * HEAT_PUMP_COP * hours;
    // The condenser wraps the lower part of the tank.
    tank.lowerC += (0.6 * thermalWh) / zoneWhPerK;
    tank.upperC += (0.4 * thermalWh) / zoneWhPerK;
    result.compressorWh += COMPRESSOR_W * hours;
    result.compressorHours += hours;
  }
  if (tank.upperElement) tank.upperC += (ELEMENT_W * hours) / zoneWhPerK;
  if (tank.lowerElement) tank.lowerC += (ELEMENT_W * hours) / zoneWhPerK;
  if (tank.upperElement || tank.lowerElement) {
    result.elementWh += ELEMENT_W * hours;
    result.elementHours += hours;
  }
  // Warmer water below rises: mix the zones.
  if (tank.lowerC > tank.upperC) tank.upperC = tank.lowerC = (tank.upperC + tank.lowerC) / 2;
  // Heating never pushes a zone past the thermostat (a zone already above it, e.g. after lowering the setpoint,
  // only cools down).
  const ceiling = mode === 5 ? VACATION_HOLD_C + 2 : setpointC;
  tank.upperC = Math.min(tank.upperC, Math.max(ceiling, beforeUpper));
  tank.lowerC = Math.min(tank.lowerC, Math.max(ceiling, beforeLower));
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
