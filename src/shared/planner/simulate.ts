/**
 * What the heater does over time under a schedule of settings: in each stretch it has a mode and a setpoint and
 * heats by that mode's thermostat rule (start below the setpoint by the mode's deficit, stop with the tank's mean
 * REACHED_BELOW_SETPOINT_K below it),
 * while the tank loses heat to the room. Gives the energy forecast, the electricity used and what it costs
 * (free surplus power first). Used for the plan's forecast and for the unplanned baseline alike.
 */
import { HeatSourceName } from '../codec';
import { REACHED_BELOW_SETPOINT_K, THERMOSTAT, TankModel, UserMode, energyAt, heatPumpHeatKW, standbyLossKW, tempOf } from './tank-model';

/** A stretch of time with one price and one surplus power; the planner's time grid. */
export interface Cell {
  start: number;
  end: number;
  /** Per kWh; for unpriced cells an estimate (the mean price), see `priced`. */
  price: number;
  priced: boolean;
  /** Free surplus power during the cell, W. */
  freeW: number;
}

export interface Setting {
  mode: UserMode;
  setpointC: number;
}

/** A stretch where the heater is set differently from `between`. */
export interface ScheduledSetting extends Setting {
  start: number;
  end: number;
}

export interface Schedule {
  between: Setting;
  /** Sorted, non-overlapping. */
  windows: readonly ScheduledSetting[];
}

export interface SimPoint {
  at: number;
  energyKWh: number;
}

export interface SimulationResult {
  /** Energy at every step boundary, from the first cell's start to the last cell's end. */
  points: SimPoint[];
  inputKWh: number;
  /** Of `inputKWh`, what free surplus did not cover. */
  paidKWh: number;
  cost: number;
  /** Electricity and cost inside each window of the schedule (same order). */
  windowInputKWh: number[];
  windowCost: number[];
  endEnergyKWh: number;
}

const MAX_STEP_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;

interface Latch {
  compressor: boolean;
  element: boolean;
}

function settingAt(schedule: Schedule, t: number, hint: { i: number }): { setting: Setting; window: number } {
  const w = schedule.windows;
  while (hint.i < w.length && w[hint.i].end <= t) hint.i++;
  if (hint.i < w.length && w[hint.i].start <= t) return { setting: w[hint.i], window: hint.i };
  return { setting: schedule.between, window: -1 };
}

function decide(latch: Latch, setting: Setting, tempC: number): void {
  const rule = THERMOSTAT[setting.mode];
  const deficit = setting.setpointC - tempC;
  const satisfied = deficit <= REACHED_BELOW_SETPOINT_K;
  if (rule.heatPumpStartK === null) latch.compressor = false;
  else if (deficit >= rule.heatPumpStartK) latch.compressor = true;
  else if (satisfied) latch.compressor = false;
  if (rule.elementStartK === null) latch.element = false;
  else if (deficit >= rule.elementStartK) latch.element = true;
  else if (satisfied) latch.element = false;
}

/**
 * Simulates `cells` (contiguous, sorted) from `startEnergyKWh` under `schedule`. `source` is what heats at the start
 * (a recovery under way continues to the setpoint).
 */
export function simulateTank(
  cells: readonly Cell[],
  schedule: Schedule,
  startEnergyKWh: number,
  m: TankModel,
  source: HeatSourceName = 'none',
): SimulationResult {
  const latch: Latch = { compressor: source === 'heat-pump' || source === 'both', element: source === 'element' || source === 'both' };
  const windowInputKWh = schedule.windows.map(() => 0);
  const windowCost = schedule.windows.map(() => 0);
  const points: SimPoint[] = [];
  let e = startEnergyKWh;
  let inputKWh = 0;
  let paidKWh = 0;
  let cost = 0;
  const hint = { i: 0 };
  if (cells.length > 0) points.push({ at: cells[0].start, energyKWh: e });
  const edges = schedule.windows.flatMap((w) => [w.start, w.end]);
  let edge = 0;
  for (const cell of cells) {
    let t = cell.start;
    while (t < cell.end) {
      while (edge < edges.length && edges[edge] <= t) edge++;
      const stepEnd = Math.min(cell.end, t + MAX_STEP_MS, edge < edges.length ? edges[edge] : Infinity);
      const hours = (stepEnd - t) / HOUR_MS;
      const { setting, window } = settingAt(schedule, t, hint);
      const temp = tempOf(e, m);
      decide(latch, setting, temp);
      const heatKW = (latch.compressor ? heatPumpHeatKW(temp, m) : 0) + (latch.element ? m.elementW / 1000 : 0);
      const inputKW = (latch.compressor ? m.heatPumpInputW / 1000 : 0) + (latch.element ? m.elementW / 1000 : 0);
      const lossKW = standbyLossKW(temp, m);
      let onHours = 0;
      if (heatKW > 0) {
        const net = heatKW - lossKW;
        const ceiling = energyAt(setting.setpointC - REACHED_BELOW_SETPOINT_K, m);
        if (net > 0 && e + net * hours > ceiling) {
          // Reaches the setpoint inside the step: heats until then, then only cools.
          onHours = Math.max(0, (ceiling - e) / net);
          e = Math.max(e, ceiling) - lossKW * (hours - onHours);
          latch.compressor = latch.element = false;
        } else {
          onHours = hours;
          e += net * hours;
        }
      } else {
        e -= lossKW * hours;
      }
      const used = inputKW * onHours;
      const free = Math.min(inputKW, cell.freeW / 1000) * onHours;
      const paid = used - free;
      inputKWh += used;
      paidKWh += paid;
      cost += paid * cell.price;
      if (window >= 0) {
        windowInputKWh[window] += used;
        windowCost[window] += paid * cell.price;
      }
      t = stepEnd;
      points.push({ at: t, energyKWh: e });
    }
  }
  return { points, inputKWh, paidKWh, cost, windowInputKWh, windowCost, endEnergyKWh: e };
}

/** Energy at `t` from simulation points (linear between them); the first/last point outside their range. */
export function energyAtTime(points: readonly SimPoint[], t: number): number {
  if (points.length === 0) return NaN;
  if (t <= points[0].at) return points[0].energyKWh;
  let lo = 0;
  let hi = points.length - 1;
  if (t >= points[hi].at) return points[hi].energyKWh;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].at <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  return a.energyKWh + ((b.energyKWh - a.energyKWh) * (t - a.at)) / (b.at - a.at);
}
