/**
 * What the heater does under a schedule of settings, by its own thermostat on its two probes (two-zone.ts), with the
 * expected draws taken from the top of the tank: the plan's forecast, its check against the comfort temperature and
 * the unplanned baseline. Costs free surplus power first, as simulate.ts does.
 */
import { HeatSourceName } from '../codec';
import { Cell, Schedule, SimPoint } from './simulate';
import { TankModel, chargeOf } from './tank-model';
import { AppliedBy, Draw, INLET_C, ZoneState, decideZones, drawFrom, heatZones, startsOnApply, zoneEnergyKWh } from './two-zone';

export interface ZoneSimOptions {
  draws: readonly Draw[];
  appliedBy: AppliedBy;
  tou: boolean;
  /** What heats at the start (a recovery under way continues). */
  source?: HeatSourceName;
  /** Instants whose tank state is wanted (e.g. targets, draw starts). */
  probes?: readonly number[];
  inletC?: number;
}

export interface DrawOutcome {
  draw: Draw;
  /** Coldest water leaving the top during the draw, °C. */
  deliveredC: number;
}

export interface ZoneSimResult {
  points: SimPoint[];
  /** The tank's probes at each point (same order as `points`). */
  upper: number[];
  states: Map<number, ZoneState>;
  draws: DrawOutcome[];
  inputKWh: number;
  paidKWh: number;
  cost: number;
  windowInputKWh: number[];
  windowCost: number[];
  endEnergyKWh: number;
}

const MAX_STEP_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const MIN_MS = 60_000;

export function simulateZones(cells: readonly Cell[], schedule: Schedule, start: ZoneState, m: TankModel, o: ZoneSimOptions): ZoneSimResult {
  const s: ZoneState = { ...start, compressor: o.source === 'heat-pump' || o.source === 'both', element: o.source === 'element' || o.source === 'both' };
  const inletC = o.inletC ?? INLET_C;
  const windows = schedule.windows;
  const windowInputKWh = windows.map(() => 0);
  const windowCost = windows.map(() => 0);
  const drawEnds = o.draws.map((d) => d.at + (d.litres / Math.max(0.1, d.lpm)) * MIN_MS);
  const edges = [...new Set([...windows.flatMap((w) => [w.start, w.end]), ...o.draws.map((d) => d.at), ...drawEnds, ...(o.probes ?? [])])].sort((a, b) => a - b);
  const windowStarts = new Map(windows.map((w, i) => [w.start, i]));
  const probes = new Set(o.probes ?? []);
  const out: ZoneSimResult = { points: [], upper: [], states: new Map(), draws: o.draws.map((draw) => ({ draw, deliveredC: Infinity })), inputKWh: 0, paidKWh: 0, cost: 0, windowInputKWh, windowCost, endEnergyKWh: 0 };
  const record = (t: number) => {
    out.points.push({ at: t, energyKWh: zoneEnergyKWh(s, m) });
    out.upper.push(s.upperC);
    if (probes.has(t)) out.states.set(t, { ...s });
  };
  if (cells.length === 0) return out;
  let t = cells[0].start;
  record(t);
  let edge = 0;
  let wi = 0;
  for (const cell of cells) {
    while (t < cell.end) {
      while (edge < edges.length && edges[edge] <= t) edge++;
      const stepEnd = Math.min(cell.end, t + MAX_STEP_MS, edge < edges.length ? edges[edge] : Infinity);
      while (wi < windows.length && windows[wi].end <= t) wi++;
      const window = wi < windows.length && windows[wi].start <= t ? wi : -1;
      const setting = window >= 0 ? windows[window] : schedule.between;
      // A window's first moment: a control write may start a recovery the thermostat alone would not.
      const opened = windowStarts.get(t);
      if (opened !== undefined && startsOnApply(s, setting.mode, setting.setpointC, o.appliedBy, o.tou, m)) {
        if (setting.mode === 'electric') s.element = true;
        else s.compressor = true;
      }
      // Draws in this step come first: the thermostat then sees the cooled probes.
      const minutes = (stepEnd - t) / MIN_MS;
      o.draws.forEach((d, i) => {
        const from = Math.max(t, d.at);
        const to = Math.min(stepEnd, drawEnds[i]);
        if (to <= from) return;
        drawFrom(s, (d.litres * (to - from)) / (drawEnds[i] - d.at), m, inletC);
        out.draws[i].deliveredC = Math.min(out.draws[i].deliveredC, s.upperC);
      });
      decideZones(s, setting.mode, setting.setpointC, chargeOf(zoneEnergyKWh(s, m), setting.setpointC, m), o.tou, m);
      const hours = (minutes * MIN_MS) / HOUR_MS;
      const used = heatZones(s, setting.setpointC, hours, m).inputKWh;
      const free = Math.min(used, ((cell.freeW / 1000) * (stepEnd - t)) / HOUR_MS);
      const paid = used - free;
      out.inputKWh += used;
      out.paidKWh += paid;
      out.cost += paid * cell.price;
      if (window >= 0) {
        windowInputKWh[window] += used;
        windowCost[window] += paid * cell.price;
      }
      t = stepEnd;
      record(t);
    }
  }
  out.endEnergyKWh = zoneEnergyKWh(s, m);
  return out;
}
