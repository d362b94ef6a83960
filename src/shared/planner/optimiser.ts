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
import { DrawPattern, expectedDraws } from './draws';
import { Cell, ScheduledSetting, Setting, energyAtTime } from './simulate';
import { TargetKind, TargetSpec, resolveTargets } from './targets';
import {
  MIN_SETPOINT_C,
  REACHED_BELOW_SETPOINT_K,
  THERMOSTAT,
  TankModel,
  USER_MODES,
  UserMode,
  WATER_WH_PER_LITRE_K,
  chargeOf,
  copAt,
  energyAt,
  energyForCharge,
  isUserMode,
  tempOf,
  thermostatOf,
} from './tank-model';
import { AppliedBy, Draw, INLET_C, ZoneState, hotLitres, startingSetpoint, zoneStateOf } from './two-zone';
import { ZoneSimResult, simulateZones } from './zone-sim';

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
  /**
   * Delivered hot water must never fall below this, °C (default 43 °C = 110 °F): the hold keeps the heater's own
   * thermostat above it and every expected draw must find enough water above it.
   */
  comfortC?: number;
  /** The heater's probes now, °C (`tankUpperTemperature`, `tankLowerTemperature`); without them a tank at rest. */
  upperC?: number | null;
  lowerC?: number | null;
  /** The draws expected over the horizon; default: `drawPattern`'s. */
  draws?: readonly Draw[];
  /** Where the draws come from when `draws` is not given (default: the DOE medium-usage day). */
  drawPattern?: DrawPattern;
  /** How the windows reach the heater: control writes (live) or its weekly program (device; the default). */
  appliedBy?: AppliedBy;
  /** A TOU schedule is active on the heater (heat-pump recoveries stop near 90 %). */
  tou?: boolean;
}

export const DEFAULT_COMFORT_C = 43;

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
  kind: TargetKind;
  /** Charge asked for (charge targets), percent. */
  charge: number;
  /** Litres above the comfort temperature asked for (litres and showers targets). */
  litres?: number;
  showers?: number;
  expectedCharge: number;
  /** Hot water above the comfort temperature expected then, litres. */
  expectedLitres: number;
  met: boolean;
}

/** The comfort constraint as planned. */
export interface PlanComfort {
  comfortC: number;
  /** Every expected draw delivers water at or above comfortC in the forecast. */
  met: boolean;
  /** False when no plan within the limits (highest setpoint, element allowed) meets it. */
  feasible: boolean;
  /** Where the expected draws come from. */
  draws: { source: 'history' | 'default' | 'given'; count: number; litres: number };
  /** Least hot water above comfortC over the horizon, litres, and when. */
  worst: { at: number; litres: number };
  /** Coldest water an expected draw gets, °C (null without draws), and when. */
  coldestDraw: { at: number; deliveredC: number } | null;
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
  comfort: PlanComfort;
}

const HOUR_MS = 3_600_000;
const MAX_CELL_MS = HOUR_MS;
const EPS = 1e-7;
const DEFAULT_HORIZON_HOURS = 24;
export const MAX_HORIZON_HOURS = 7 * 24;
const DEFAULT_RESERVE = 5;
/** Shortfall the verification accepts, kWh (about 0.03 K on a 300 l tank). */
const TOLERANCE_KWH = 0.01;
const ROUNDS = 10;
/** Draws the one-zone forecast expects to take water this much warmer than the mean (the top of a stratified tank). */
const DRAW_ABOVE_MEAN_K = 1.5;
/** Every half hour, for the worst moment of the hot-water forecast. */
const WORST_STEP_MS = 30 * 60_000;

// ---- request checks ----

function checkNumber(value: unknown, path: string, min: number, max: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new PlanInputError(path, `a number ${min}-${max}${unit}`, value);
  }
  return value;
}

// ---- the time grid ----

function buildCells(req: PlanRequest, horizonEnd: number, targets: readonly { at: number }[]): Cell[] {
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
  /** Litres expected to be drawn in each cell. */
  drawLitres: number[];
  /** kWh per litre and kelvin above the inlet. */
  drawKWhPerLK: number;
  inletC: number;
  m: TankModel;
}

function makeGrid(cells: Cell[], m: TankModel, maxSetpointC: number, draws: readonly Draw[], inletC: number): Grid {
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
    drawLitres: cells.map((c) => draws.filter((d) => d.at >= c.start && d.at < c.end).reduce((a, d) => a + d.litres, 0)),
    drawKWhPerLK: WATER_WH_PER_LITRE_K / 1000,
    inletC,
    m,
  };
}

/** The model's forecast: exponential decay towards the room, heat added mid-cell. */
function forecast(g: Grid, a: Allocation): void {
  for (let i = 0; i < g.n; i++) {
    const decay = Math.exp(-g.lambda * g.hours[i]);
    // A draw takes water from the top and replaces it with cold: its heat leaves the tank.
    const drawn = g.drawLitres[i] > 0 ? g.drawLitres[i] * g.drawKWhPerLK * Math.max(0, tempOf(a.e[i], g.m) + DRAW_ABOVE_MEAN_K - g.inletC) : 0;
    a.e[i + 1] = g.eAmbient + (a.e[i] - g.eAmbient - drawn) * decay + a.heat[i] * Math.exp((-g.lambda * g.hours[i]) / 2);
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
    // The warmest the run plans the tank to be: a draw inside the window lowers the temperature at its end, and a
    // setpoint from there would stop the heater short before the draw.
    let peakE = a.e[j + 1];
    for (let b = i + 1; b <= j; b++) peakE = Math.max(peakE, a.e[b]);
    const wanted = Math.max(ceilHalf(tempOf(peakE, m) + REACHED_BELOW_SETPOINT_K), ceilHalf(startTemp + startK + 0.05), limits.minSetpointC);
    windows.push({ start: Math.round(start), end: g.cells[j].end, mode: m0, setpointC: Math.min(wanted, limits.maxSetpointC) });
    i = j + 1;
  }
  return windows;
}

// ---- the plan ----

/** What a round must reach at one instant: stored energy (charge targets) or litres above comfort (litres targets, draws). */
interface Deadline {
  at: number;
  k: number;
  /** Energy the allocation plans for, kWh (raised by the rounds when the simulation falls short). */
  required: number;
  /** Energy that counts as met (charge targets); -Infinity for litres. */
  minimum: number;
  /** Litres above comfort that count as met (litres targets and draws); 0 for charge. */
  litres: number;
  /** A draw: met when the water it gets stays at or above comfort. */
  draw?: number;
}

interface Evaluated {
  windows: ScheduledSetting[];
  sim: ZoneSimResult;
  shortfalls: number[];
  met: number;
  reserveMet: number;
  /** Sum of the shortfalls of the deadlines missed, kWh: among plans that miss, the one that misses least. */
  missedKWh: number;
}

interface EvalContext {
  cells: Cell[];
  hold: Setting;
  req: PlanRequest;
  start: ZoneState;
  draws: readonly Draw[];
  appliedBy: AppliedBy;
  tou: boolean;
  comfortC: number;
  maxSetpointC: number;
  deadlines: Deadline[];
}

function runZones(x: EvalContext, windows: readonly ScheduledSetting[], probes: number[]): ZoneSimResult {
  return simulateZones(x.cells, { between: x.hold, windows }, x.start, x.req.model, { draws: x.draws, appliedBy: x.appliedBy, tou: x.tou, probes, source: 'none' });
}

/**
 * Windows whose setpoint would not start the heater (its upper probe is warmer than the mean the allocation saw) get
 * the lowest setpoint that does, window by window in time order, each against the tank the ones before leave.
 */
function startableWindows(x: EvalContext, windows: ScheduledSetting[]): ScheduledSetting[] {
  const out = windows.map((w) => ({ ...w }));
  for (let i = 0; i < out.length; i++) {
    const at = out[i].start;
    const state = runZones(x, out.slice(0, i), [at]).states.get(at);
    if (!state) continue;
    const needed = ceilHalf(startingSetpoint(state.upperC, out[i].mode, x.appliedBy, x.tou, x.req.model));
    if (out[i].setpointC < needed) out[i].setpointC = Math.min(x.maxSetpointC, needed);
  }
  return out;
}

function litresAt(sim: ZoneSimResult, at: number, x: EvalContext): number {
  const state = sim.states.get(at);
  return state ? hotLitres(state, x.comfortC, x.req.model) : 0;
}

function evaluate(x: EvalContext, planned: ScheduledSetting[]): Evaluated {
  const windows = startableWindows(x, planned);
  const sim = runZones(x, windows, x.deadlines.map((d) => d.at));
  const kWhPerLitre = (WATER_WH_PER_LITRE_K * Math.max(1, x.comfortC + 3 - INLET_C)) / 1000;
  const shortfalls: number[] = [];
  let met = 0;
  let reserveMet = 0;
  for (const d of x.deadlines) {
    if (d.litres > 0 || d.draw !== undefined) {
      const litres = litresAt(sim, d.at, x);
      const ok = d.draw !== undefined ? sim.draws[d.draw].deliveredC >= x.comfortC - 0.05 : litres >= d.litres - 0.5;
      shortfalls.push(ok ? 0 : Math.max(TOLERANCE_KWH * 2, (d.litres - litres) * kWhPerLitre));
      if (ok) {
        met++;
        reserveMet++;
      }
    } else {
      const e = energyAtTime(sim.points, d.at);
      shortfalls.push(d.required - e);
      if (e >= d.minimum - 1e-6) met++;
      if (e >= d.required - TOLERANCE_KWH) reserveMet++;
    }
  }
  const missedKWh = shortfalls.reduce((a, v) => a + Math.max(0, v), 0);
  return { windows, sim, shortfalls, met, reserveMet, missedKWh };
}

function preferred(x: Evaluated, y: Evaluated | undefined): boolean {
  if (!y) return true;
  if (x.met !== y.met) return x.met > y.met;
  if (x.reserveMet !== y.reserveMet) return x.reserveMet > y.reserveMet;
  if (Math.abs(x.missedKWh - y.missedKWh) > TOLERANCE_KWH) return x.missedKWh < y.missedKWh;
  return x.sim.cost < y.sim.cost - 1e-9;
}

/** Lowest hold setpoint at which the mode's own thermostat starts before the top falls below comfort. */
function comfortHoldC(mode: UserMode, comfortC: number, m: TankModel): number {
  const rule = thermostatOf(mode, m);
  const starts = [rule.heatPumpStartK, rule.elementStartK].filter((k): k is number => k !== null);
  return ceilHalf(comfortC + Math.min(...starts) + 0.05);
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
  const comfortC = checkNumber(req.comfortC ?? DEFAULT_COMFORT_C, 'comfort', 30, 65.5, ' °C');
  if (!Number.isFinite(req.energyKWh)) throw new PlanInputError('tank', 'the stored energy in kWh', req.energyKWh);
  const m = req.model;

  const lastEnd = req.prices.reduce((t, s) => Math.max(t, s.end), -Infinity);
  if (!(lastEnd > req.now)) {
    throw new PlanInputError('payload', 'prices that reach past now', Number.isFinite(lastEnd) ? `the last slot ends ${new Date(lastEnd).toISOString()}` : 'no prices');
  }
  const end = Math.min(req.now + horizonHours * HOUR_MS, lastEnd);
  const targets = resolveTargets(req.targets, req.now, end, req.timeZone);
  const pattern = req.drawPattern ?? { source: 'default' as const, days: 0, litres: null };
  const draws = (req.draws ?? expectedDraws(pattern, req.now, end, req.timeZone)).filter((d) => d.at > req.now && d.at < end && d.litres > 0);
  const cells = buildCells(req, end, [...targets, ...draws]);
  const g = makeGrid(cells, m, req.maxSetpointC, draws, INLET_C);
  const ctx: AllocContext = { g, m, allowElement: req.allowElement };

  const chargeHold = Math.max(minSetpointC, ceilHalf(tempOf(energyForCharge(minCharge, req.userSetpointC, m), m)));
  // The hold keeps the heater's own thermostat guarding the comfort temperature (never above the user's setpoint).
  const holdC = Math.min(req.userSetpointC, Math.max(chargeHold, comfortHoldC(req.userMode, comfortC, m)));
  const hold: Setting = { mode: req.userMode, setpointC: holdC };
  const restore: Setting = { mode: req.userMode, setpointC: req.userSetpointC };
  const boundaryOf = new Map(g.t.map((_, k) => [k === g.n ? cells[g.n - 1].end : cells[k].start, k]));
  const litresEnergy = Math.min(g.eMax, energyAt(comfortC + 3, m));
  const deadlines: Deadline[] = [
    ...targets.map((t): Deadline => {
      const k = boundaryOf.get(t.at) ?? g.n;
      if (t.kind !== 'charge') return { at: t.at, k, required: t.litres > 0 ? litresEnergy : -Infinity, minimum: -Infinity, litres: t.litres };
      const minimum = energyForCharge(t.charge, req.userSetpointC, m);
      return { at: t.at, k, minimum, required: Math.min(g.eMax, energyForCharge(t.charge + reserve, req.userSetpointC, m)), litres: 0 };
    }),
    ...draws.map((d, i): Deadline => ({ at: d.at, k: boundaryOf.get(d.at) ?? g.n, required: litresEnergy, minimum: -Infinity, litres: d.litres, draw: i })),
  ].sort((a, b) => a.at - b.at);
  const start = zoneStateOf(req.upperC ?? null, req.lowerC ?? null, tempOf(req.energyKWh, m));
  const appliedBy = req.appliedBy ?? 'program';
  const x: EvalContext = { cells, hold, req, start, draws, appliedBy, tou: req.tou === true, comfortC, maxSetpointC: req.maxSetpointC, deadlines };

  let best: Evaluated | undefined;
  const extra = deadlines.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    const alloc = allocate(ctx, req.energyKWh, deadlines.map((d, i) => ({ k: d.k, required: Math.min(g.eMax, d.required + extra[i]) })));
    const result = evaluate(x, toWindows(ctx, alloc, { minSetpointC, maxSetpointC: req.maxSetpointC }));
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
  const baseline = simulateZones(cells, { between: restore, windows: [] }, start, m, { draws, appliedBy, tou: x.tou, source: req.heating ?? 'none' });

  const pricedHours = cells.filter((c) => c.priced);
  const meanPrice = pricedHours.reduce((s, c) => s + c.price * (c.end - c.start), 0) / Math.max(1, pricedHours.reduce((s, c) => s + c.end - c.start, 0));
  const shortEnd = baseline.endEnergyKWh - chosen.sim.endEnergyKWh;
  const makeUp = (shortEnd * meanPrice) / copAt(tempOf(energyAt(req.userSetpointC, m), m), m);

  // The hot-water forecast: at the targets and every half hour, for the worst moment.
  const sampleTimes = [...new Set([...targets.map((t) => t.at), ...draws.map((d) => d.at)])];
  for (let t = req.now; t <= end; t += WORST_STEP_MS) sampleTimes.push(t);
  const final = runZones(x, chosen.windows, sampleTimes);
  let worst = { at: req.now, litres: Infinity };
  for (const t of sampleTimes.sort((a, b) => a - b)) {
    const l = litresAt(final, t, x);
    if (l < worst.litres) worst = { at: t, litres: l };
  }
  const coldest = final.draws.reduce<{ at: number; deliveredC: number } | null>(
    (c, d) => (c === null || d.deliveredC < c.deliveredC ? { at: d.draw.at, deliveredC: d.deliveredC } : c),
    null,
  );
  const comfortMet = final.draws.every((d) => d.deliveredC >= comfortC - 0.05);
  // Infeasible: even the most heat the limits allow (every window at the highest setpoint) leaves a draw too cold.
  const feasible = comfortMet || (() => {
    const most = runZones({ ...x, hold: { mode: req.allowElement ? 'high-demand' : req.userMode, setpointC: req.maxSetpointC } }, [], []);
    return most.draws.every((d) => d.deliveredC >= comfortC - 0.05);
  })();

  const charge = (e: number) => roundTo(chargeOf(e, req.userSetpointC, m), 1);
  const forecastTimes = new Set<number>([...cells.map((c) => c.start), end, ...chosen.windows.flatMap((w) => [w.start, w.end])]);
  const targetDeadline = new Map(deadlines.filter((d) => d.draw === undefined).map((d) => [d.at, d]));
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
    targets: targets.map((t) => {
      const expected = energyAtTime(chosen.sim.points, t.at);
      const litres = litresAt(final, t.at, x);
      const d = targetDeadline.get(t.at);
      const met = t.kind === 'charge' ? expected >= (d?.minimum ?? 0) - 1e-6 : litres >= t.litres - 0.5;
      return {
        at: t.at,
        time: t.time,
        kind: t.kind,
        charge: t.charge,
        ...(t.kind !== 'charge' ? { litres: t.litres } : {}),
        ...(t.showers !== undefined ? { showers: t.showers } : {}),
        expectedCharge: charge(expected),
        expectedLitres: Math.round(litres),
        met,
      };
    }),
    expectedCost: roundTo(chosen.sim.cost, 4),
    expectedKWh: roundTo(chosen.sim.inputKWh, 2),
    baselineCost: roundTo(baseline.cost, 4),
    baselineKWh: roundTo(baseline.inputKWh, 2),
    savings: roundTo(baseline.cost - chosen.sim.cost - makeUp, 4),
    chargeForecast: [...forecastTimes].sort((a, b) => a - b).map((at) => ({ at, charge: charge(energyAtTime(chosen.sim.points, at)) })),
    hold,
    restore,
    comfort: {
      comfortC,
      met: comfortMet,
      feasible,
      draws: { source: req.draws ? 'given' : pattern.source, count: draws.length, litres: Math.round(draws.reduce((a, d) => a + d.litres, 0)) },
      worst: { at: worst.at, litres: Number.isFinite(worst.litres) ? Math.round(worst.litres) : 0 },
      coldestDraw: coldest ? { at: coldest.at, deliveredC: roundTo(coldest.deliveredC, 1) } : null,
    },
  };
}
