/**
 * Chooses when to heat: the cheapest heating that meets every charge target, from a price list, optional free
 * surplus power, the tank's state and its model. Pure and deterministic: the clock comes in as `now`.
 *
 * How (docs/planner-model.md has the long form):
 * 1. The horizon is cut into cells at every price, surplus and target boundary (at most one hour each).
 * 2. Targets are taken in time order. For each, the forecast energy at its time (standby loss is an exponential
 *    decay towards the room: exact for the model) is compared with what the target needs plus the reserve. The
 *    deficit is filled from the cells before it that deliver a kWh of heat at that time most cheaply: price divided
 *    by the heat pump's COP (or 1 for the element) and by the share of the heat that survives until the target.
 *    Free surplus power costs nothing and is used first. No cell may push the tank past the highest setpoint allowed
 *    at any later time.
 * 3. Left-over free or negative-price energy is stored as well (up to the highest setpoint).
 * 4. Runs of heated cells become windows (mode, setpoint = the temperature planned at the window's end plus the
 *    margin the heater stops short by, so its own thermostat ends each window at the right energy). Between windows
 *    the heater is held in the user's mode at a low setpoint, so it does not heat at expensive times.
 * 5. The windows are simulated as the heater would run them; a target the simulation misses raises that target's
 *    requirement and the allocation runs again (a few rounds), keeping the best plan.
 * The baseline is the same simulation with the heater left in the user's mode and setpoint throughout.
 */
import { HeatSourceName, roundTo } from '../codec';
import { PlanInputError } from './input-error';
import { PriceSlot, SurplusSlot, slotAt } from './prices';
import { Cell, ScheduledSetting, Setting, SimulationResult, energyAtTime, simulateTank } from './simulate';
import { Target, TargetSpec, resolveTargets } from './targets';
import {
  MIN_SETPOINT_C,
  REACHED_BELOW_SETPOINT_K,
  THERMOSTAT,
  TankModel,
  USER_MODES,
  UserMode,
  chargeOf,
  copAt,
  energyAt,
  energyForCharge,
  isUserMode,
  tempOf,
} from './tank-model';

export type HeatMode = 'heat-pump' | 'high-demand' | 'electric';

export interface PlanRequest {
  /** Epoch ms: the injected clock. */
  now: number;
  prices: readonly PriceSlot[];
  surplus?: readonly SurplusSlot[];
  targets: readonly TargetSpec[];
  /** IANA zone for the targets' clock times; undefined = the host's zone. */
  timeZone?: string;
  /** Stored energy now, kWh above 40.5 °C (`tankFromStatus(raw).energyKWh`). */
  energyKWh: number;
  /** What heats right now (a recovery under way continues in the baseline). */
  heating?: HeatSourceName;
  model: TankModel;
  /** The mode the user runs the heater in; the baseline and the hold between windows use it. */
  userMode: UserMode;
  /** The user's setpoint, °C: charge percentages are of a full tank at this setpoint. */
  userSetpointC: number;
  /** Highest setpoint a window may use, °C. */
  maxSetpointC: number;
  /** The device's lowest setpoint, °C (feature `dhwTemperatureMin`; 40.5 °C on the NWP500). */
  minSetpointC?: number;
  /** Whether windows may use an element (High Demand / Electric). */
  allowElement: boolean;
  /** Hours ahead to plan (default 24), cut to the end of the price list. */
  horizonHours?: number;
  /** Charge in percentage points planned on top of each target, for draws nobody announced (default 5). */
  reservePercent?: number;
  /** Charge the hold between windows keeps at least, percent (default 0: the lowest setpoint). */
  minChargePercent?: number;
}

export interface PlanWindow {
  start: number;
  end: number;
  mode: HeatMode;
  setpointC: number;
  /** Electricity the window is expected to use, kWh. */
  kWh: number;
  cost: number;
}

export interface PlanTarget {
  at: number;
  time: string;
  charge: number;
  expectedCharge: number;
  met: boolean;
}

export interface Plan {
  createdAt: number;
  /** Planned stretch: from `now` to the horizon or the end of the prices. */
  start: number;
  end: number;
  windows: PlanWindow[];
  targets: PlanTarget[];
  expectedCost: number;
  expectedKWh: number;
  baselineCost: number;
  baselineKWh: number;
  /**
   * baselineCost - expectedCost, less what it will cost to make up the energy the plan leaves the tank with below the
   * baseline's at the end (valued at the mean price through the heat pump), so deferring heating is no saving.
   */
  savings: number;
  /** Charge (percent of a full tank at the user's setpoint) over the horizon. */
  chargeForecast: Array<{ at: number; charge: number }>;
  /** The setting between windows. */
  hold: Setting;
  /** The user's own setting, for when planning stops. */
  restore: Setting;
}

const HOUR_MS = 3_600_000;
const MAX_CELL_MS = HOUR_MS;
const EPS = 1e-7;
const DEFAULT_HORIZON_HOURS = 24;
export const MAX_HORIZON_HOURS = 7 * 24;
const DEFAULT_RESERVE = 5;
/** Shortfall the verification accepts, kWh (about 0.03 K on a 300 l tank). */
const TOLERANCE_KWH = 0.01;
const ROUNDS = 8;

// ---- request checks ----

function checkNumber(value: unknown, path: string, min: number, max: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new PlanInputError(path, `a number ${min}-${max}${unit}`, value);
  }
  return value;
}

// ---- the time grid ----

function buildCells(req: PlanRequest, horizonEnd: number, targets: Target[]): Cell[] {
  const cuts = new Set<number>([req.now, horizonEnd]);
  const inside = (t: number) => t > req.now && t < horizonEnd;
  for (const s of req.prices) for (const t of [s.start, s.end]) if (inside(t)) cuts.add(t);
  for (const s of req.surplus ?? []) for (const t of [s.start, s.end]) if (inside(t)) cuts.add(t);
  for (const t of targets) if (inside(t.at)) cuts.add(t.at);
  const sorted = [...cuts].sort((a, b) => a - b);
  const priced = req.prices.filter((s) => s.end > req.now && s.start < horizonEnd);
  const meanPrice = priced.reduce((a, s) => a + s.price * (Math.min(s.end, horizonEnd) - Math.max(s.start, req.now)), 0) /
    Math.max(1, priced.reduce((a, s) => a + Math.min(s.end, horizonEnd) - Math.max(s.start, req.now), 0));
  const cells: Cell[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    for (let a = sorted[i]; a < sorted[i + 1]; ) {
      const b = Math.min(sorted[i + 1], a + MAX_CELL_MS);
      const mid = (a + b) / 2;
      const slot = slotAt(req.prices, mid);
      const surplus = req.surplus ? slotAt(req.surplus, mid) : undefined;
      cells.push({ start: a, end: b, price: slot ? slot.price : meanPrice, priced: slot !== undefined, freeW: surplus?.watts ?? 0 });
      a = b;
    }
  }
  return cells;
}

// ---- allocation ----

interface Allocation {
  hpIn: number[];
  elIn: number[];
  heat: number[];
  /** Forecast energy at each cell boundary (n + 1). */
  e: number[];
}

interface Grid {
  cells: Cell[];
  n: number;
  /** Hours from the start at each boundary. */
  t: number[];
  hours: number[];
  lambda: number;
  eAmbient: number;
  eMax: number;
}

function makeGrid(cells: Cell[], m: TankModel, maxSetpointC: number): Grid {
  const t0 = cells[0].start;
  return {
    cells,
    n: cells.length,
    t: [...cells.map((c) => (c.start - t0) / HOUR_MS), (cells[cells.length - 1].end - t0) / HOUR_MS],
    hours: cells.map((c) => (c.end - c.start) / HOUR_MS),
    lambda: m.standbyWPerK / m.capacityWhPerK,
    eAmbient: energyAt(m.ambientC, m),
    // The heater stops a little below its setpoint: the most a window can store.
    eMax: energyAt(maxSetpointC - REACHED_BELOW_SETPOINT_K, m),
  };
}

/** The model's forecast: exponential decay towards the room, heat added mid-cell. */
function forecast(g: Grid, a: Allocation): void {
  for (let i = 0; i < g.n; i++) {
    const decay = Math.exp(-g.lambda * g.hours[i]);
    a.e[i + 1] = g.eAmbient + (a.e[i] - g.eAmbient) * decay + a.heat[i] * Math.exp((-g.lambda * g.hours[i]) / 2);
  }
}

/** Heat cell i can still take without the tank passing the highest setpoint at any later boundary. */
function headrooms(g: Grid, a: Allocation): number[] {
  const out = new Array<number>(g.n).fill(0);
  let suffix = Infinity;
  for (let j = g.n; j >= 1; j--) {
    suffix = Math.min(suffix, (g.eMax - a.e[j]) * Math.exp(g.lambda * g.t[j]));
    const i = j - 1;
    const mid = (g.t[i] + g.t[i + 1]) / 2;
    out[i] = Math.max(0, suffix * Math.exp(-g.lambda * mid));
  }
  return out;
}

interface Option {
  cell: number;
  element: boolean;
  /** Cost per kWh of heat still in the tank at the deadline. */
  cost: number;
  maxHeat: number;
  cop: number;
}

interface AllocContext {
  g: Grid;
  m: TankModel;
  allowElement: boolean;
}

/**
 * Shares of each source's input that free surplus power covers in cell i: surplus is power, so a 300 W surplus pays
 * 300 of the heat pump's 430 W while it runs; the element gets what the heat pump leaves.
 */
function freeShares(ctx: AllocContext, a: Allocation, i: number): { hp: number; el: number } {
  const { m } = ctx;
  const surplusKW = ctx.g.cells[i].freeW / 1000;
  const hpKW = m.heatPumpInputW / 1000;
  const left = surplusKW - (a.hpIn[i] > EPS ? hpKW : 0);
  return { hp: Math.min(1, surplusKW / hpKW), el: Math.min(1, Math.max(0, left) / (m.elementW / 1000)) };
}

/** The ways to add heat in cells before boundary `k` (one option per cell and source) and their cost at k. */
function options(ctx: AllocContext, a: Allocation, k: number, room: number[]): Option[] {
  const { g, m } = ctx;
  const out: Option[] = [];
  for (let i = 0; i < k; i++) {
    const cell = g.cells[i];
    if (!cell.priced || room[i] <= EPS) continue;
    const mid = (g.t[i] + g.t[i + 1]) / 2;
    const keep = Math.exp(-g.lambda * (g.t[k] - mid));
    const cop = copAt(tempOf((a.e[i] + a.e[i + 1]) / 2, m), m);
    const free = freeShares(ctx, a, i);
    const hpLeft = (m.heatPumpInputW / 1000) * g.hours[i] - a.hpIn[i];
    if (hpLeft > EPS) {
      out.push({ cell: i, element: false, cost: (cell.price * (1 - free.hp)) / (cop * keep), maxHeat: Math.min(hpLeft * cop, room[i]), cop });
    }
    const elLeft = (m.elementW / 1000) * g.hours[i] - a.elIn[i];
    if (ctx.allowElement && elLeft > EPS) {
      out.push({ cell: i, element: true, cost: (cell.price * (1 - free.el)) / keep, maxHeat: Math.min(elLeft, room[i]), cop: 1 });
    }
  }
  return out;
}

function better(x: Option, y: Option): boolean {
  if (Math.abs(x.cost - y.cost) > 1e-12) return x.cost < y.cost;
  if (x.cell !== y.cell) return x.cell > y.cell; // later: less standby loss before the deadline
  return !x.element && y.element;
}

function add(a: Allocation, o: Option, heat: number): void {
  if (o.element) a.elIn[o.cell] += heat;
  else a.hpIn[o.cell] += heat / o.cop;
  a.heat[o.cell] += heat;
}

/** Fills the deficit at boundary k up to `required`; returns the shortfall left (0 when met). */
function fillTarget(ctx: AllocContext, a: Allocation, k: number, required: number): number {
  const { g } = ctx;
  for (let guard = 0; guard < 40 * g.n + 40; guard++) {
    forecast(g, a);
    const deficit = required - a.e[k];
    if (deficit <= EPS) return 0;
    const all = options(ctx, a, k, headrooms(g, a));
    if (all.length === 0) return deficit;
    const best = all.reduce((b, o) => (better(o, b) ? o : b));
    const keep = Math.exp(-g.lambda * (g.t[k] - (g.t[best.cell] + g.t[best.cell + 1]) / 2));
    add(a, best, Math.min(deficit / keep, best.maxHeat));
  }
  forecast(g, a);
  return Math.max(0, required - a.e[k]);
}

/** Stores energy that costs nothing (fully covered by surplus, or a price <= 0) in what room is left, latest cells first. */
function storeFreeEnergy(ctx: AllocContext, a: Allocation): void {
  const { g, m } = ctx;
  for (let i = g.n - 1; i >= 0; i--) {
    const cell = g.cells[i];
    if (!cell.priced) continue;
    for (const element of [false, true]) {
      if (element && !ctx.allowElement) continue;
      forecast(g, a);
      const room = headrooms(g, a)[i];
      const share = freeShares(ctx, a, i)[element ? 'el' : 'hp'];
      if (room <= EPS || cell.price * (1 - share) > 0) continue;
      const cop = element ? 1 : copAt(tempOf((a.e[i] + a.e[i + 1]) / 2, m), m);
      const left = element ? (m.elementW / 1000) * g.hours[i] - a.elIn[i] : (m.heatPumpInputW / 1000) * g.hours[i] - a.hpIn[i];
      if (left > EPS) add(a, { cell: i, element, cost: 0, maxHeat: 0, cop }, Math.min(left * cop, room));
    }
  }
  forecast(g, a);
}

function allocate(ctx: AllocContext, e0: number, deadlines: Array<{ k: number; required: number }>): Allocation {
  const n = ctx.g.n;
  const a: Allocation = { hpIn: new Array<number>(n).fill(0), elIn: new Array<number>(n).fill(0), heat: new Array<number>(n).fill(0), e: new Array<number>(n + 1).fill(0) };
  a.e[0] = e0;
  for (const d of deadlines) fillTarget(ctx, a, d.k, d.required);
  storeFreeEnergy(ctx, a);
  return a;
}

// ---- windows ----

function ceilHalf(c: number): number {
  return Math.ceil(c * 2 - 1e-9) / 2;
}

interface WindowLimits {
  minSetpointC: number;
  maxSetpointC: number;
}

/**
 * Runs of heated cells with one mode become windows. A partly used first cell heats at its end (the cheaper cells
 * after it follow without a gap); the window's setpoint is the planned temperature at its end plus the margin the
 * heater stops short by, at least far enough above the tank at its start for the mode's thermostat to start, at most
 * the highest setpoint.
 */
function toWindows(ctx: AllocContext, a: Allocation, limits: WindowLimits): ScheduledSetting[] {
  const { g, m } = ctx;
  const mode = (i: number): HeatMode | null => {
    if (a.heat[i] <= EPS) return null;
    if (a.elIn[i] > EPS) return a.hpIn[i] > EPS ? 'high-demand' : 'electric';
    return 'heat-pump';
  };
  const windows: ScheduledSetting[] = [];
  for (let i = 0; i < g.n; ) {
    const m0 = mode(i);
    if (m0 === null) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < g.n && mode(j + 1) === m0) j++;
    const first = g.cells[i];
    const hpShare = a.hpIn[i] / ((m.heatPumpInputW / 1000) * g.hours[i]);
    const elShare = a.elIn[i] / ((m.elementW / 1000) * g.hours[i]);
    const share = Math.min(1, Math.max(hpShare, elShare));
    const start = j > i || share >= 1 - 1e-6 ? first.end - share * (first.end - first.start) : first.start;
    const startTemp = tempOf(a.e[i] + (a.e[i + 1] - a.e[i]) * ((start - first.start) / (first.end - first.start)), m);
    const startK = m0 === 'electric' ? THERMOSTAT.electric.elementStartK ?? 0 : THERMOSTAT[m0].heatPumpStartK ?? 0;
    const wanted = Math.max(ceilHalf(tempOf(a.e[j + 1], m) + REACHED_BELOW_SETPOINT_K), ceilHalf(startTemp + startK + 0.05), limits.minSetpointC);
    windows.push({ start: Math.round(start), end: g.cells[j].end, mode: m0, setpointC: Math.min(wanted, limits.maxSetpointC) });
    i = j + 1;
  }
  return windows;
}

// ---- the plan ----

interface Evaluated {
  windows: ScheduledSetting[];
  sim: SimulationResult;
  shortfalls: number[];
  met: number;
  reserveMet: number;
}

function evaluate(cells: Cell[], windows: ScheduledSetting[], hold: Setting, req: PlanRequest, deadlines: Array<{ at: number; required: number; minimum: number }>): Evaluated {
  const sim = simulateTank(cells, { between: hold, windows }, req.energyKWh, req.model, 'none');
  const energies = deadlines.map((d) => energyAtTime(sim.points, d.at));
  return {
    windows,
    sim,
    shortfalls: deadlines.map((d, i) => d.required - energies[i]),
    met: deadlines.filter((d, i) => energies[i] >= d.minimum - 1e-6).length,
    reserveMet: deadlines.filter((d, i) => energies[i] >= d.required - TOLERANCE_KWH).length,
  };
}

function preferred(x: Evaluated, y: Evaluated | undefined): boolean {
  if (!y) return true;
  if (x.met !== y.met) return x.met > y.met;
  if (x.reserveMet !== y.reserveMet) return x.reserveMet > y.reserveMet;
  return x.sim.cost < y.sim.cost - 1e-9;
}

/** Plans heating windows for the request. Throws PlanInputError for settings out of range or prices that end before `now`. */
export function planHeating(req: PlanRequest): Plan {
  const minSetpointC = req.minSetpointC ?? MIN_SETPOINT_C;
  if (!isUserMode(req.userMode)) throw new PlanInputError('mode', USER_MODES.join(', '), req.userMode);
  checkNumber(req.userSetpointC, 'setpoint', minSetpointC, 100, ' °C');
  checkNumber(req.maxSetpointC, 'maxSetpoint', minSetpointC, 100, ' °C');
  const horizonHours = checkNumber(req.horizonHours ?? DEFAULT_HORIZON_HOURS, 'horizon', 1, MAX_HORIZON_HOURS, ' hours');
  const reserve = checkNumber(req.reservePercent ?? DEFAULT_RESERVE, 'reserve', 0, 50, ' %');
  const minCharge = checkNumber(req.minChargePercent ?? 0, 'minCharge', 0, 100, ' %');
  if (!Number.isFinite(req.energyKWh)) throw new PlanInputError('tank', 'the stored energy in kWh', req.energyKWh);
  const m = req.model;

  const lastEnd = req.prices.reduce((t, s) => Math.max(t, s.end), -Infinity);
  if (!(lastEnd > req.now)) {
    throw new PlanInputError('payload', 'prices that reach past now', Number.isFinite(lastEnd) ? `the last slot ends ${new Date(lastEnd).toISOString()}` : 'no prices');
  }
  const end = Math.min(req.now + horizonHours * HOUR_MS, lastEnd);
  const targets = resolveTargets(req.targets, req.now, end, req.timeZone);
  const cells = buildCells(req, end, targets);
  const g = makeGrid(cells, m, req.maxSetpointC);
  const ctx: AllocContext = { g, m, allowElement: req.allowElement };

  const holdC = Math.min(req.userSetpointC, Math.max(minSetpointC, ceilHalf(tempOf(energyForCharge(minCharge, req.userSetpointC, m), m))));
  const hold: Setting = { mode: req.userMode, setpointC: holdC };
  const restore: Setting = { mode: req.userMode, setpointC: req.userSetpointC };
  const boundaryOf = new Map(g.t.map((_, k) => [k === g.n ? cells[g.n - 1].end : cells[k].start, k]));
  const deadlines = targets.map((t) => {
    const minimum = energyForCharge(t.charge, req.userSetpointC, m);
    return { at: t.at, k: boundaryOf.get(t.at) ?? g.n, minimum, required: Math.min(g.eMax, energyForCharge(t.charge + reserve, req.userSetpointC, m)) };
  });

  let best: Evaluated | undefined;
  const extra = deadlines.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    const alloc = allocate(ctx, req.energyKWh, deadlines.map((d, i) => ({ k: d.k, required: Math.min(g.eMax, d.required + extra[i]) })));
    const result = evaluate(cells, toWindows(ctx, alloc, { minSetpointC, maxSetpointC: req.maxSetpointC }), hold, req, deadlines);
    if (preferred(result, best)) best = result;
    let raised = false;
    result.shortfalls.forEach((s, i) => {
      if (s > TOLERANCE_KWH && deadlines[i].required + extra[i] < g.eMax - EPS) {
        extra[i] += s + TOLERANCE_KWH;
        raised = true;
      }
    });
    if (!raised) break;
  }
  const chosen = best as Evaluated;
  const baseline = simulateTank(cells, { between: restore, windows: [] }, req.energyKWh, m, req.heating ?? 'none');

  const pricedHours = cells.filter((c) => c.priced);
  const meanPrice = pricedHours.reduce((s, c) => s + c.price * (c.end - c.start), 0) / Math.max(1, pricedHours.reduce((s, c) => s + c.end - c.start, 0));
  const shortEnd = baseline.endEnergyKWh - chosen.sim.endEnergyKWh;
  const makeUp = (shortEnd * meanPrice) / copAt(tempOf(energyAt(req.userSetpointC, m), m), m);

  const charge = (e: number) => roundTo(chargeOf(e, req.userSetpointC, m), 1);
  const forecastTimes = new Set<number>([...cells.map((c) => c.start), end, ...chosen.windows.flatMap((w) => [w.start, w.end])]);
  return {
    createdAt: req.now,
    start: req.now,
    end,
    windows: chosen.windows.map((w, i) => ({
      start: w.start,
      end: w.end,
      mode: w.mode as HeatMode,
      setpointC: w.setpointC,
      kWh: roundTo(chosen.sim.windowInputKWh[i], 2),
      cost: roundTo(chosen.sim.windowCost[i], 4),
    })),
    targets: targets.map((t, i) => {
      const expected = energyAtTime(chosen.sim.points, t.at);
      return { at: t.at, time: t.time, charge: t.charge, expectedCharge: charge(expected), met: expected >= deadlines[i].minimum - 1e-6 };
    }),
    expectedCost: roundTo(chosen.sim.cost, 4),
    expectedKWh: roundTo(chosen.sim.inputKWh, 2),
    baselineCost: roundTo(baseline.cost, 4),
    baselineKWh: roundTo(baseline.inputKWh, 2),
    savings: roundTo(baseline.cost - chosen.sim.cost - makeUp, 4),
    chargeForecast: [...forecastTimes].sort((a, b) => a - b).map((at) => ({ at, charge: charge(energyAtTime(chosen.sim.points, at)) })),
    hold,
    restore,
  };
}
