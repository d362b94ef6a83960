/**
 * (7b) Planner on real rates: the planner against simple strategies on real price days and on a published US
 * Time-of-Use plan, in the simulator's tank (tools/simulator/thermal.ts), minute by minute, at two DOE draw levels.
 *
 * Price days: `NAVIEN_PRICE_DAYS=DIR` reads every *.json in DIR in the shapes the planner accepts (src/shared/planner/
 * prices.ts; also inside a Node-RED message: `payload`, a Home Assistant Nord Pool sensor's `raw_today`/`raw_tomorrow`,
 * Tibber's GraphQL `viewer.homes[0].currentSubscription.priceInfo`). Each file's complete local days (Europe/Oslo) are
 * one run. Without the variable: generated days (bench/planner-scenarios.ts), so the benchmark runs from a clone.
 * The US plan (US_TOU below) is always run, for a week in July, expanded through touPriceSlots() as the node does.
 *
 * Strategies, each from the same tank state:
 *   alone 125 °F / alone 140 °F   Energy Saver at that setpoint throughout (the heater left alone)
 *   cheapest N h (hindsight)      each day the N cheapest hours at 140 °F in Heat Pump mode, 40.5 °C otherwise; N is the smallest that
 *                                 never delivers water below the comfort temperature in that run (chosen afterwards)
 *   heater TOU mode               (US plan only) our model of the heater's own TOU mode: 140 °F off-peak, held at the
 *                                 comfort temperature on-peak, in Heat Pump mode (the heater's real rule is not published; see notes)
 *   planner                       planHeating() re-planned every hour (as the node does with "heater-tou"), followed
 *                                 live: window -> mode and setpoint, otherwise the hold
 * Per run: cost (plus what it costs to bring the tank at the end to where "alone 125 °F" left it), kWh by source,
 * litres drawn while the top of the tank was below the comfort temperature, and the planner's targets met.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_TANK_MODEL,
  MODE_IDS,
  Plan,
  PriceSlot,
  TankModel,
  TargetSpec,
  chargeOf,
  nextDay,
  parsePrices,
  planHeating,
  resolveTargets,
  settingAt,
  slotAt,
  touPriceSlots,
  wallClock,
  zonedTime,
} from '../src/shared/planner';
import type { TouPlan } from '../src/shared/codec';
import type { ScheduledDraw } from '../tools/simulator/draws';
import { litresBetween } from '../tools/simulator/draws';
import { DEFAULT_AMBIENT_C, MIN_SETPOINT_C, TANK_WH_PER_K, heatPumpCop, stepTank, type TankState } from '../tools/simulator/thermal';
import { Row, fmt, log, saveResult } from './lib';
import { scenario } from './planner-scenarios';
import { BenchResult } from './types';

const MIN = 60_000;
const H = 60 * MIN;
const F = (f: number) => Math.round(((f - 32) * 5) / 9 * 2) / 2;
const SETPOINT_125 = F(125); // 51.5 °C
const SETPOINT_140 = F(140); // 60 °C
/** Comfort temperature: water below this at the tap counts as a failure (110 °F). */
const COMFORT_C = 43;
const ENERGY_SAVER = MODE_IDS['energy-saver'];
const HEAT_PUMP = MODE_IDS['heat-pump'];
const HOLD_C = MIN_SETPOINT_C;
const GALLON_L = 3.785;

/**
 * A real published residential Time-of-Day plan: River Falls Municipal Utilities (Wisconsin), rates as of
 * 2020-09-29, https://wi-riverfalls.civicplus.com/606/Time-of-Day-Rates - on-peak 08:00-20:00 Monday-Friday
 * $0.1910/kWh, off-peak all other hours and weekends $0.0660/kWh (its six holidays are off-peak too; not modelled).
 * Written as the heater's REST TOU read decodes it (windows inclusive), so it goes through touPriceSlots().
 */
export const US_TOU: TouPlan = {
  name: 'River Falls Municipal Utilities Time-of-Day (rates of 2020-09-29)',
  utility: 'River Falls Municipal Utilities',
  zipCode: '54022',
  controllerId: null,
  registerPath: null,
  sourceType: null,
  periods: [
    { months: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '19:59', priceMin: 0.191, priceMax: 0.191, decimalPoint: 3 },
    { months: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '20:00', end: '07:59', priceMin: 0.066, priceMax: 0.066, decimalPoint: 3 },
    { months: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], days: ['sat', 'sun'], start: '00:00', end: '23:59', priceMin: 0.066, priceMax: 0.066, decimalPoint: 3 },
  ],
};
const US_ZONE = 'America/Chicago';

/**
 * The DOE 24-hour simulated-use draw patterns (10 CFR 430 Subpart B, Appendix E, tables III.2 medium / III.3 high:
 * draw start in hours:minutes from the start of the test, gallons, gallons per minute), as transcribed here; the
 * test's hour 0 is put at 06:00 local. Medium: 12 draws, 55 gal; high: 14 draws, 84 gal.
 */
const DOE_PATTERNS: Record<'medium' | 'high', Array<[number, number, number, number]>> = {
  medium: [
    [0, 0, 15, 1.7], [0, 30, 2, 1], [1, 40, 9, 1.7], [10, 30, 9, 1.7], [11, 30, 5, 1.7], [12, 0, 1, 1],
    [12, 45, 1, 1], [12, 50, 1, 1], [16, 15, 2, 1], [16, 45, 2, 1.7], [17, 0, 7, 1.7], [17, 30, 1, 1],
  ],
  high: [
    [0, 0, 27, 3], [0, 30, 2, 1], [0, 40, 1, 1], [1, 40, 9, 1.7], [10, 30, 15, 3], [11, 30, 5, 1.7], [12, 0, 1, 1],
    [12, 45, 1, 1], [12, 50, 1, 1], [16, 0, 2, 1], [16, 15, 2, 1], [16, 30, 2, 1.7], [16, 45, 2, 1.7], [17, 0, 14, 3],
  ],
};
const PATTERN_START_HOUR = 6;
/** The planner's targets for these draws: charged before the morning, afternoon and evening draws. */
const TARGETS: TargetSpec[] = [
  { at: '05:45', charge: 90 },
  { at: '16:15', charge: 60 },
  { at: '21:45', charge: 60 },
];

interface Run {
  market: string;
  label: string;
  zone: string;
  start: number;
  end: number;
  prices: PriceSlot[];
  /** The US plan: the planner expands it (touPriceSlots) at every plan, as the node does. */
  tou?: TouPlan;
}

// ---- price days ----

/** The price list inside one file: an accepted shape at the top, in `payload`, in a Nord Pool sensor or in Tibber's GraphQL answer. */
function pricesIn(value: unknown): PriceSlot[] {
  const rec = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const candidates: unknown[] = [value, rec(value).payload];
  for (const holder of [rec(value).data, rec(value).payload]) {
    const attributes = rec(rec(holder).attributes);
    const today: unknown[] = Array.isArray(attributes.raw_today) ? attributes.raw_today : [];
    const tomorrow: unknown[] = Array.isArray(attributes.raw_tomorrow) ? attributes.raw_tomorrow : [];
    if (today.length > 0) candidates.unshift([...today, ...tomorrow]);
  }
  const homes = rec(rec(rec(value).payload).viewer).homes;
  if (Array.isArray(homes)) candidates.unshift(rec(rec(homes[0]).currentSubscription).priceInfo);
  for (const c of candidates) {
    try {
      return parsePrices(c).slots;
    } catch {
      // not this one
    }
  }
  throw new Error('no price list in an accepted shape');
}

/** The complete local days of `slots` in `zone`, as one run. */
function completeDays(slots: PriceSlot[], zone: string): { start: number; end: number; days: number } | undefined {
  if (slots.length === 0) return undefined;
  const first = wallClock(slots[0].start, zone);
  let date = { year: first.year, month: first.month, day: first.day };
  let start: number | undefined;
  let end: number | undefined;
  let days = 0;
  for (;;) {
    const from = zonedTime(date.year, date.month, date.day, 0, 0, zone);
    const next = nextDay(date.year, date.month, date.day);
    const to = zonedTime(next.year, next.month, next.day, 0, 0, zone);
    if (from > slots[slots.length - 1].end) break;
    const covered = slots.filter((s) => s.start >= from && s.end <= to).reduce((a, s) => a + s.end - s.start, 0);
    if (covered === to - from) {
      if (start === undefined || end !== from) {
        if (days > 0) break; // keep the first stretch of whole days
        start = from;
      }
      end = to;
      days++;
    }
    date = next;
  }
  return start !== undefined && end !== undefined ? { start, end, days } : undefined;
}

function priceDayRuns(dir: string): Run[] {
  const zone = 'Europe/Oslo';
  const runs: Run[] = [];
  const seen = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let slots: PriceSlot[];
    try {
      slots = pricesIn(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    } catch (err) {
      log(`planner-rates: ${file} skipped (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const span = completeDays(slots, zone);
    if (!span) continue;
    const prices = slots.filter((s) => s.start >= span.start && s.end <= span.end);
    const key = `${span.start}/${prices.map((p) => p.price).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const day = new Date(span.start + 12 * H).toISOString().slice(0, 10);
    runs.push({ market: 'Nord Pool NO', label: `${file.replace(/\.json$/, '')} (${day}, ${span.days} d)`, zone, start: span.start, end: span.end, prices });
  }
  return runs;
}

function syntheticRuns(): Run[] {
  return [1, 2, 3, 4].map((seed) => {
    const s = scenario(seed, { year: 2025, month: [1, 3, 6, 10][seed - 1], day: 6 }, 2);
    return { market: 'generated (Europe/Berlin)', label: `seed ${seed}`, zone: 'Europe/Berlin', start: s.days[0].start, end: s.days[1].end, prices: s.days.flatMap((d) => d.prices) };
  });
}

function usRun(): Run {
  const start = zonedTime(2025, 7, 7, 0, 0, US_ZONE); // Monday
  const end = zonedTime(2025, 7, 14, 0, 0, US_ZONE);
  return { market: 'US TOU', label: 'River Falls TOD, 2025-07-07..13', zone: US_ZONE, start, end, prices: touPriceSlots(US_TOU, start, end, US_ZONE), tou: US_TOU };
}

// ---- simulation ----

function draws(run: Run, level: 'medium' | 'high'): ScheduledDraw[] {
  const out: ScheduledDraw[] = [];
  for (let day = wallClock(run.start, run.zone), d = { year: day.year, month: day.month, day: day.day }; ; d = nextDay(d.year, d.month, d.day)) {
    const base = zonedTime(d.year, d.month, d.day, PATTERN_START_HOUR, 0, run.zone);
    if (base >= run.end) break;
    for (const [h, m, gal, gpm] of DOE_PATTERNS[level]) out.push({ atMs: base + (h * 60 + m) * MIN, litres: gal * GALLON_L, lpm: gpm * GALLON_L });
  }
  return out.filter((x) => x.atMs < run.end);
}

const SIM_MODEL: TankModel = { ...DEFAULT_TANK_MODEL, capacityWhPerK: TANK_WH_PER_K, ambientC: DEFAULT_AMBIENT_C };

function energyOf(tank: TankState): number {
  return (TANK_WH_PER_K * ((tank.upperC + tank.lowerC) / 2 - MIN_SETPOINT_C)) / 1000;
}

/** Every run starts with the tank as "alone 125 °F" keeps it: full at 125 °F. */
function startTank(): TankState {
  return { upperC: SETPOINT_125, lowerC: SETPOINT_125 - 1, compressor: false, upperElement: false, lowerElement: false };
}

interface Outcome {
  cost: number;
  heatPumpKWh: number;
  elementKWh: number;
  coldLitres: number;
  targets: number;
  met: number;
  endEnergyKWh: number;
  plans: number;
}

type Setting = (now: number, tank: TankState) => { mode: number; setpointC: number };

function simulate(run: Run, level: 'medium' | 'high', setting: Setting): Outcome {
  const tank = startTank();
  const list = draws(run, level);
  const targets = resolveTargets(TARGETS, run.start, run.end, run.zone);
  const out: Outcome = { cost: 0, heatPumpKWh: 0, elementKWh: 0, coldLitres: 0, targets: 0, met: 0, endEnergyKWh: 0, plans: 0 };
  let next = 0;
  for (let now = run.start; now < run.end; now += MIN) {
    while (next < targets.length && targets[next].at <= now) {
      out.targets++;
      if (chargeOf(energyOf(tank), SETPOINT_125, SIM_MODEL) >= targets[next++].charge) out.met++;
    }
    const want = setting(now, tank);
    const litres = litresBetween(list, now, now + MIN);
    // The water leaving in this minute leaves at the top's temperature.
    if (litres > 0 && tank.upperC < COMFORT_C) out.coldLitres += litres;
    const used = stepTank(tank, want.mode, want.setpointC, 60, litres, DEFAULT_AMBIENT_C);
    const price = slotAt(run.prices, now)?.price ?? 0;
    out.heatPumpKWh += used.compressorWh / 1000;
    out.elementKWh += used.elementWh / 1000;
    out.cost += ((used.compressorWh + used.elementWh) / 1000) * price;
  }
  out.endEnergyKWh = energyOf(tank);
  return out;
}

const fixed = (setpointC: number): Setting => () => ({ mode: ENERGY_SAVER, setpointC });

function cheapest(run: Run, hours: number): Setting {
  const cheap = new Set<number>();
  for (let t = run.start; t < run.end; ) {
    const w = wallClock(t, run.zone);
    const n = nextDay(w.year, w.month, w.day);
    const dayEnd = zonedTime(n.year, n.month, n.day, 0, 0, run.zone);
    const day = run.prices.filter((s) => s.start >= t && s.start < dayEnd);
    const slotHours = day.length ? (day[0].end - day[0].start) / H : 1;
    [...day].sort((a, b) => a.price - b.price || a.start - b.start).slice(0, Math.round(hours / slotHours)).forEach((s) => cheap.add(s.start));
    t = dayEnd;
  }
  // Heat Pump mode: a cheapest-hours flow that switched to 140 °F in Energy Saver would start the elements each time.
  return (now) => ({ mode: HEAT_PUMP, setpointC: cheap.has(slotAt(run.prices, now)?.start ?? -1) ? SETPOINT_140 : HOLD_C });
}

/** Our model of the heater's own TOU mode: charge to 140 °F off-peak, keep only the comfort temperature on-peak. */
function heaterTou(run: Run): Setting {
  const low = Math.min(...run.prices.map((p) => p.price));
  // In Heat Pump mode: in Energy Saver the jump back to 140 °F after each peak would start the elements, and that
  // cost would come from our guess at the rules rather than from the heater.
  return (now) => ({ mode: HEAT_PUMP, setpointC: (slotAt(run.prices, now)?.price ?? low) > low ? F(110) : SETPOINT_140 });
}

function planner(run: Run, out: { plans: number }): Setting {
  let plan: Plan | undefined;
  let plannedAt = -Infinity;
  return (now, tank) => {
    if (!plan || now - plannedAt >= H) {
      const prices = run.tou ? touPriceSlots(run.tou, now, now + 24 * H, run.zone) : run.prices;
      plan = planHeating({
        now, prices, targets: TARGETS, timeZone: run.zone, energyKWh: energyOf(tank), model: SIM_MODEL,
        heating: tank.compressor ? 'heat-pump' : tank.upperElement || tank.lowerElement ? 'element' : 'none',
        userMode: 'energy-saver', userSetpointC: SETPOINT_125, maxSetpointC: SETPOINT_140, allowElement: false, horizonHours: 24,
      });
      plannedAt = now;
      out.plans++;
    }
    const want = settingAt(plan, now);
    return { mode: MODE_IDS[want.mode], setpointC: want.setpointC };
  };
}

// ---- report ----

interface RunResult {
  market: string;
  run: string;
  level: 'medium' | 'high';
  cheapestN: number;
  cheapestNMeetsComfort: boolean;
  outcomes: Record<string, Outcome & { adjustedCost: number }>;
}

function runOne(run: Run, level: 'medium' | 'high'): RunResult {
  const meanPrice = run.prices.reduce((a, p) => a + p.price * (p.end - p.start), 0) / run.prices.reduce((a, p) => a + p.end - p.start, 0);
  const outcomes: Record<string, Outcome> = {
    'alone 125 °F': simulate(run, level, fixed(SETPOINT_125)),
    'alone 140 °F': simulate(run, level, fixed(SETPOINT_140)),
  };
  let n = 1;
  let best = simulate(run, level, cheapest(run, n));
  while (best.coldLitres > 0 && n < 24) best = simulate(run, level, cheapest(run, ++n));
  outcomes['cheapest N h (hindsight)'] = best;
  if (run.tou) outcomes['heater TOU mode (model)'] = simulate(run, level, heaterTou(run));
  const counter = { plans: 0 };
  const planned = simulate(run, level, planner(run, counter));
  outcomes.planner = { ...planned, plans: counter.plans };
  const reference = outcomes['alone 125 °F'].endEnergyKWh;
  const adjusted = Object.fromEntries(
    Object.entries(outcomes).map(([k, o]) => [k, { ...o, adjustedCost: o.cost + ((reference - o.endEnergyKWh) * meanPrice) / heatPumpCop(55) }]),
  );
  return { market: run.market, run: run.label, level, cheapestN: n, cheapestNMeetsComfort: best.coldLitres === 0, outcomes: adjusted };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export async function run(): Promise<BenchResult> {
  const dir = process.env.NAVIEN_PRICE_DAYS;
  const dayRuns = dir && existsSync(dir) ? priceDayRuns(dir) : syntheticRuns();
  const runs = [...dayRuns, usRun()];
  const results: RunResult[] = [];
  for (const r of runs) {
    for (const level of ['medium', 'high'] as const) results.push(runOne(r, level));
    log(`planner-rates: ${r.label}`);
  }
  const rows: Row[] = [];
  const groups = [...new Set(results.map((r) => `${r.market}|${r.level}`))];
  const goals: BenchResult['goals'] = [];
  for (const g of groups) {
    const [market, level] = g.split('|');
    const picked = results.filter((r) => r.market === market && r.level === level);
    const strategies = Object.keys(picked[0].outcomes);
    const ref = sum(picked.map((r) => r.outcomes['alone 125 °F'].adjustedCost));
    for (const st of strategies) {
      const os = picked.map((r) => r.outcomes[st]);
      const cost = sum(os.map((o) => o.adjustedCost));
      rows.push({
        market,
        draws: level,
        strategy: st === 'cheapest N h (hindsight)' ? `cheapest N h (hindsight, N = ${[...new Set(picked.map((r) => r.cheapestN))].sort((a, b) => a - b).join('/')})` : st,
        'cost (all runs)': fmt(cost, 2),
        'vs alone 125 °F': st === 'alone 125 °F' ? '-' : `${fmt((100 * (cost - ref)) / ref, 1)} %`,
        'kWh heat pump': fmt(sum(os.map((o) => o.heatPumpKWh)), 1),
        'kWh element': fmt(sum(os.map((o) => o.elementKWh)), 1),
        'litres below 43 °C': fmt(sum(os.map((o) => o.coldLitres)), 0),
        'targets met': `${sum(os.map((o) => o.met))}/${sum(os.map((o) => o.targets))}`,
      });
    }
    const plannerCost = sum(picked.map((r) => r.outcomes.planner.adjustedCost));
    const cheapestCost = sum(picked.map((r) => r.outcomes['cheapest N h (hindsight)'].adjustedCost));
    const cold = sum(picked.map((r) => r.outcomes.planner.coldLitres));
    goals.push({ goal: `planner-rates ${market}, ${level}: planner cost vs cheapest N (hindsight) (%)`, value: (100 * (cheapestCost - plannerCost)) / cheapestCost, met: plannerCost <= cheapestCost });
    goals.push({ goal: `planner-rates ${market}, ${level}: planner litres below 43 °C`, value: cold, met: cold === 0 });
    if (picked[0].outcomes['heater TOU mode (model)']) {
      const tou = sum(picked.map((r) => r.outcomes['heater TOU mode (model)'].adjustedCost));
      goals.push({ goal: `planner-rates ${market}, ${level}: planner cost vs the heater's TOU mode (model) (%)`, value: (100 * (tou - plannerCost)) / tou, met: plannerCost <= tou });
    }
  }
  const raw = { priceDays: dir ? 'NAVIEN_PRICE_DAYS' : 'generated', runs: runs.map((r) => ({ market: r.market, label: r.label, start: new Date(r.start).toISOString(), end: new Date(r.end).toISOString() })), results };
  const file = saveResult('planner-rates', raw);
  return {
    name: 'planner-rates',
    title: `(7b) Planner on real rates: ${dayRuns.length} ${dir ? 'real price-day runs (NAVIEN_PRICE_DAYS)' : 'generated two-day runs'} and a week of a US TOU plan, DOE medium and high draws`,
    rows,
    raw,
    file,
    notes: [
      `runs: ${runs.map((r) => r.label).join('; ')}`,
      'cost in each market\'s currency per kWh (NOK for Nord Pool NO, USD for the US plan), corrected to the end-of-run tank energy of "alone 125 °F" (at the mean price through the heat pump)',
      `planner: planHeating() every hour, 24 h horizon, targets ${TARGETS.map((t) => `${t.at} ${t.charge} %`).join(', ')} of a full tank at 125 °F, up to 140 °F, Energy Saver, no element windows; ${sum(results.map((r) => r.outcomes.planner.plans))} plans`,
      'heater TOU mode is a model (Heat Pump mode, 140 °F off-peak, 110 °F on-peak); the NWP500\'s own TOU rules are not published',
      'cheapest N h: N is the smallest number of hours a day that delivers no water below 43 °C in that run, chosen afterwards; N = 24 means even heating all day did not',
    ],
    goals,
  };
}
