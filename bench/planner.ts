/**
 * (7) Planner: what planning the heating is worth, in the simulator's tank (tools/simulator/thermal.ts), over many
 * generated day-ahead price curves (night valley, morning and evening peaks, solar dips, noise; hourly and 15-minute
 * slots) and households' draw profiles (bench/planner-scenarios.ts). Strategies, each on the same days:
 *   none           the heater left in Heat Pump mode at its setpoint (it reheats whenever the tank cools 2 K)
 *   cheapest N h   no tank model: each day, the heater runs at its setpoint in the N cheapest hours of that day and is
 *                  held at 40.5 °C otherwise (what a "cheapest hours" flow does), for N = 4 ... 20
 *   planner        planHeating() re-planned at 13:00 when tomorrow's prices appear, and whenever the tank drifts from
 *                  the forecast (checked every 15 min), followed live (window -> mode and setpoint, otherwise the hold)
 *   planner, model 20 % off            the same with a model 20 % wrong (COP and element 20 % high, standby 20 % low)
 *   planner, model 20 % off, learning  the same, learning the tank from its status history once a day
 * A minute-by-minute simulation; cost = electricity not covered by the surplus x the price of its slot, plus what it
 * costs to bring the tank at the end to where "none" left it. Targets are checked at their times in the simulated
 * tank. Goal: 100 % of targets met, savings against no planning and against cheapest-N at the same service.
 */
import {
  DEFAULT_TANK_MODEL,
  MODE_IDS,
  Plan,
  PriceSlot,
  SurplusSlot,
  TankModel,
  TankSample,
  Target,
  chargeOf,
  energyForCharge,
  hasDrifted,
  heatPumpHeatKW,
  learnTankModel,
  planHeating,
  resolveTargets,
  settingAt,
  slotAt,
  wallClock,
} from '../src/shared/planner';
import { litresBetween } from '../tools/simulator/draws';
import { DEFAULT_AMBIENT_C, MIN_SETPOINT_C, TANK_WH_PER_K, heatPumpCop, stepTank, type TankState } from '../tools/simulator/thermal';
import { FULL, Row, fmt, fmtSummary, log, saveResult, summarize } from './lib';
import { Scenario, ZONE, scenario } from './planner-scenarios';
import { BenchResult } from './types';

const MIN = 60_000;
const H = 60 * MIN;
const SCENARIOS = FULL ? 48 : 16;
const DAYS = 14;
const USER_SETPOINT_C = 60.5;
const MAX_SETPOINT_C = 65;
const HOLD_C = MIN_SETPOINT_C;
const PUBLISH_HOUR = 13;
const DRIFT_CHECK_MIN = 15;
const START_CHARGE = 60;
const LEARN_EVERY_MS = 24 * H;
const LEARN_FROM_MS = 72 * H;
/** Start dates spread over the year (two runs cross a DST change). */
const STARTS = [
  { year: 2025, month: 1, day: 6 },
  { year: 2025, month: 3, day: 24 },
  { year: 2025, month: 6, day: 2 },
  { year: 2025, month: 8, day: 18 },
  { year: 2025, month: 10, day: 20 },
  { year: 2025, month: 12, day: 1 },
];

const CHEAPEST_HOURS = [4, 6, 8, 10, 12, 14, 16, 18, 20];
type Cheapest = `cheapest ${number} h`;
const OFF = 'planner, model 20 % off';
const LEARNING = 'planner, model 20 % off, learning';
type Strategy = 'none' | Cheapest | 'planner' | typeof OFF | typeof LEARNING;
const CHEAPEST: Cheapest[] = CHEAPEST_HOURS.map((n): Cheapest => `cheapest ${n} h`);
const STRATEGIES: Strategy[] = ['none', ...CHEAPEST, 'planner', OFF, LEARNING];
/** The row that stands for "cheapest N hours" at the same service as no planning. */
const TUNED = 'cheapest N h, N tuned per scenario';

interface Outcome {
  cost: number;
  kWh: number;
  targets: number;
  met: number;
  /** Charge short of the target at each miss, percentage points. */
  misses: number[];
  endEnergyKWh: number;
  plans: number;
  planMs: number[];
}
type Adjusted = Outcome & { adjustedCost: number };

/** The simulated tank's stored energy above 40.5 °C, kWh (what the status counters / probes report). */
function energyOf(tank: TankState): number {
  return (TANK_WH_PER_K * ((tank.upperC + tank.lowerC) / 2 - MIN_SETPOINT_C)) / 1000;
}

/** The planner's model when it has learned the tank: the simulator's own figures. */
const SIM_MODEL: TankModel = { ...DEFAULT_TANK_MODEL, capacityWhPerK: TANK_WH_PER_K, ambientC: DEFAULT_AMBIENT_C };
/** The planner's view of the tank before learning: figures off in the direction that promises too much. */
const OFF_MODEL: TankModel = { ...SIM_MODEL, cop55: SIM_MODEL.cop55 * 1.2, elementW: SIM_MODEL.elementW * 1.2, standbyWPerK: SIM_MODEL.standbyWPerK * 0.8 };

function startTank(): TankState {
  const c = MIN_SETPOINT_C + (START_CHARGE / 100) * (USER_SETPOINT_C - MIN_SETPOINT_C);
  return { upperC: c + 1, lowerC: c - 1, compressor: false, upperElement: false, lowerElement: false };
}

/** The N cheapest hours (or 4N quarter hours) of each day, as a set of slot starts. */
function cheapestSlots(s: Scenario, hours: number): Set<number> {
  const out = new Set<number>();
  const n = Math.round((hours * 60) / s.slotMinutes);
  for (const day of s.days) [...day.prices].sort((a, b) => a.price - b.price || a.start - b.start).slice(0, n).forEach((p) => out.add(p.start));
  return out;
}

/** What the planner may know at `now`: prices and the solar forecast to the end of today, from 13:00 of tomorrow. */
function known(s: Scenario, now: number): { prices: PriceSlot[]; surplus: SurplusSlot[] } {
  const dayIndex = s.days.findIndex((d) => d.start <= now && now < d.end);
  const last = wallClock(now, ZONE).hour >= PUBLISH_HOUR ? dayIndex + 1 : dayIndex;
  const days = s.days.slice(0, Math.min(s.days.length, last + 1));
  return { prices: days.flatMap((d) => d.prices), surplus: days.flatMap((d) => d.surplus) };
}

function simulate(s: Scenario, strategy: Strategy, allTargets: Target[]): Outcome {
  const tank = startTank();
  const prices = s.days.flatMap((d) => d.prices);
  const surplus = s.days.flatMap((d) => d.surplus);
  const draws = s.days.flatMap((d) => d.draws);
  const start = s.days[0].start;
  const end = s.days[s.days.length - 1].end;
  const cheap = strategy.startsWith('cheapest') ? cheapestSlots(s, Number(strategy.split(' ')[1])) : undefined;
  let model = strategy === OFF || strategy === LEARNING ? OFF_MODEL : SIM_MODEL;
  const history: TankSample[] = [];
  let learnedAt = start;
  const out: Outcome = { cost: 0, kWh: 0, targets: 0, met: 0, misses: [], endEnergyKWh: 0, plans: 0, planMs: [] };
  let plan: Plan | undefined;
  const replan = (now: number): Plan => {
    const k = known(s, now);
    const t0 = process.hrtime.bigint();
    const p = planHeating({
      now, prices: k.prices, surplus: k.surplus, targets: s.targets, timeZone: ZONE, energyKWh: energyOf(tank),
      heating: tank.compressor ? 'heat-pump' : tank.upperElement || tank.lowerElement ? 'element' : 'none', model,
      userMode: 'heat-pump', userSetpointC: USER_SETPOINT_C, maxSetpointC: MAX_SETPOINT_C, allowElement: s.allowElement, horizonHours: 48,
    });
    out.planMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    out.plans++;
    return p;
  };
  let nextTarget = 0;
  for (let now = start; now < end; now += MIN) {
    while (nextTarget < allTargets.length && allTargets[nextTarget].at <= now) {
      const t = allTargets[nextTarget++];
      const charge = chargeOf(energyOf(tank), USER_SETPOINT_C, SIM_MODEL);
      out.targets++;
      if (charge >= t.charge) out.met++;
      else out.misses.push(t.charge - charge);
    }
    let mode = MODE_IDS['heat-pump'];
    let setpoint = USER_SETPOINT_C;
    if (cheap) {
      const slot = slotAt(prices, now);
      setpoint = slot && cheap.has(slot.start) ? USER_SETPOINT_C : HOLD_C;
    } else if (strategy !== 'none') {
      const w = wallClock(now, ZONE);
      const published = w.hour === PUBLISH_HOUR && w.minute === 0;
      if (strategy === LEARNING && published && now - learnedAt >= LEARN_EVERY_MS - H) {
        // What the node does with the status history it keeps: learn the tank's figures, then plan with them.
        model = learnTankModel(history.filter((x) => x.at >= now - LEARN_FROM_MS), OFF_MODEL).model;
        learnedAt = now;
      }
      const check = (now - start) % (DRIFT_CHECK_MIN * MIN) === 0;
      const charge = chargeOf(energyOf(tank), USER_SETPOINT_C, model);
      if (!plan || published || now >= plan.end - H || (check && hasDrifted(plan, now, charge))) plan = replan(now);
      const want = settingAt(plan, now);
      mode = MODE_IDS[want.mode];
      setpoint = want.setpointC;
    }
    const litres = litresBetween(draws, now, now + MIN);
    const used = stepTank(tank, mode, setpoint, 60, litres, DEFAULT_AMBIENT_C);
    const wh = used.compressorWh + used.elementWh;
    if (strategy === LEARNING && (now - start) % (5 * MIN) === 0) {
      // A status every 5 minutes, as navien-status would deliver it.
      const element = used.elementWh > 0;
      const source = used.compressorWh > 0 ? (element ? 'both' : 'heat-pump') : element ? 'element' : 'none';
      history.push({ at: now + MIN, energyKWh: energyOf(tank), powerW: wh * 60 + 10, source, drawing: litres > 0, capacityWhPerK: TANK_WH_PER_K });
    }
    const freeWh = Math.min(wh, (slotAt(surplus, now)?.watts ?? 0) / 60);
    const price = slotAt(prices, now)?.price ?? 0;
    out.kWh += wh / 1000;
    out.cost += ((wh - freeWh) / 1000) * price;
  }
  out.endEnergyKWh = energyOf(tank);
  return out;
}

interface ScenarioResult {
  seed: number;
  slotMinutes: number;
  allowElement: boolean;
  targets: string;
  solarDays: number;
  /** Per strategy, with the cost corrected to the end-of-run tank energy of `none`. */
  outcomes: Record<Strategy, Adjusted>;
}

function runScenario(seed: number): ScenarioResult {
  const s = scenario(seed, STARTS[seed % STARTS.length], DAYS);
  const start = s.days[0].start;
  const end = s.days[s.days.length - 1].end;
  const targets = resolveTargets(s.targets, start, end, ZONE);
  const prices = s.days.flatMap((d) => d.prices);
  const meanPrice = prices.reduce((a, p) => a + p.price * (p.end - p.start), 0) / prices.reduce((a, p) => a + p.end - p.start, 0);
  const outcomes = {} as ScenarioResult['outcomes'];
  let reference = NaN;
  for (const strategy of STRATEGIES) {
    const o = simulate(s, strategy, targets);
    if (strategy === 'none') reference = o.endEnergyKWh;
    // Energy left in the tank at the end is worth what it costs to put in: the mean price through the heat pump.
    const makeUp = ((reference - o.endEnergyKWh) * meanPrice) / heatPumpCop(55);
    outcomes[strategy] = { ...o, adjustedCost: o.cost + makeUp };
  }
  return {
    seed,
    slotMinutes: s.slotMinutes,
    allowElement: s.allowElement,
    targets: s.targets.map((t) => `${t.at} ${t.charge} %`).join(', '),
    solarDays: s.days.filter((d) => d.solar).length,
    outcomes,
  };
}

const pct = (x: number) => `${fmt(x, 1)} %`;
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One outcome for the raw file: rounded, plan times as a median. */
function compact(o: Adjusted): Record<string, unknown> {
  return {
    cost: round(o.cost, 3),
    adjustedCost: round(o.adjustedCost, 3),
    kWh: round(o.kWh, 2),
    targets: o.targets,
    met: o.met,
    misses: o.misses.map((m) => round(m, 1)),
    endEnergyKWh: round(o.endEnergyKWh, 2),
    ...(o.plans > 0 ? { plans: o.plans, planMsMedian: round(summarize(o.planMs).median, 2) } : {}),
  };
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const metShare = (os: Outcome[]) => (100 * sum(os.map((o) => o.met))) / sum(os.map((o) => o.targets));

function row(name: string, outcomes: Adjusted[], none: number[]): Row {
  const cost = sum(outcomes.map((o) => o.adjustedCost));
  const kWh = sum(outcomes.map((o) => o.kWh));
  const met = sum(outcomes.map((o) => o.met));
  const targets = sum(outcomes.map((o) => o.targets));
  const misses = outcomes.flatMap((o) => o.misses);
  const noneCost = sum(none);
  const perScenario = summarize(outcomes.map((o, i) => (100 * (none[i] - o.adjustedCost)) / none[i]));
  return {
    strategy: name,
    'cost (all days)': fmt(cost, 2),
    'saved vs none': name === 'none' ? '-' : pct((100 * (noneCost - cost)) / noneCost),
    'per scenario: median (min-max)': name === 'none' ? '-' : fmtSummary(perScenario, 1, ' %'),
    kWh: fmt(kWh, 0),
    'paid per kWh': fmt(cost / kWh, 3),
    'targets met': `${pct((100 * met) / targets)} (${met}/${targets})`,
    'worst miss': misses.length ? `${fmt(Math.max(...misses), 1)} points` : '-',
  };
}

export async function run(): Promise<BenchResult> {
  const results: ScenarioResult[] = [];
  for (let seed = 1; seed <= SCENARIOS; seed++) {
    results.push(runScenario(seed));
    if (seed % 4 === 0) log(`planner: ${seed}/${SCENARIOS} scenarios`);
  }
  const of = (st: Strategy) => results.map((r) => r.outcomes[st]);
  const cost = (os: Adjusted[]) => sum(os.map((o) => o.adjustedCost));
  // "Cheapest N hours" at the same service as no planning: per scenario, in hindsight, the smallest N that meets at
  // least as many targets as leaving the heater alone (the largest N tried when none does).
  const tuned = results.map((r) => {
    const n = CHEAPEST.find((c) => r.outcomes[c].met >= r.outcomes.none.met) ?? CHEAPEST[CHEAPEST.length - 1];
    return { n, outcome: r.outcomes[n] };
  });
  const noneCosts = results.map((r) => r.outcomes.none.adjustedCost);
  const rows: Row[] = [...STRATEGIES.map((st) => row(st, of(st), noneCosts)), row(TUNED, tuned.map((t) => t.outcome), noneCosts)];

  const noneCost = cost(of('none'));
  const plannerCost = cost(of('planner'));
  const tunedCost = cost(tuned.map((t) => t.outcome));
  const plannerMet = metShare(of('planner'));
  const learningMet = metShare(of(LEARNING));
  const planMs = summarize([...of('planner'), ...of(OFF), ...of(LEARNING)].flatMap((o) => o.planMs));
  const byResolution = [60, 15].map((m) => {
    const picked = results.map((r, i) => ({ r, t: tuned[i] })).filter((x) => x.r.slotMinutes === m);
    const none = sum(picked.map((x) => x.r.outcomes.none.adjustedCost));
    const plan = sum(picked.map((x) => x.r.outcomes.planner.adjustedCost));
    const ch = sum(picked.map((x) => x.t.outcome.adjustedCost));
    return `${m}-minute slots (${picked.length} scenarios): the planner saves ${pct((100 * (none - plan)) / none)} against no planning, ${pct((100 * (ch - plan)) / ch)} against cheapest-N at the same service`;
  });
  const tunedN = summarize(tuned.map((t) => Number(t.n.split(' ')[1])));
  const raw = {
    scenarios: SCENARIOS,
    daysEach: DAYS,
    userSetpointC: USER_SETPOINT_C,
    maxSetpointC: MAX_SETPOINT_C,
    startCharge: START_CHARGE,
    planMs,
    tunedCheapestHours: tuned.map((t) => t.n),
    results: results.map((r) => ({
      ...r,
      outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([k, o]) => [k, compact(o)])),
    })),
  };
  const file = saveResult('planner', raw);
  return {
    name: 'planner',
    title: `(7) Planner: ${SCENARIOS * DAYS} generated days (${SCENARIOS} scenarios x ${DAYS} days) in the simulated tank`,
    rows,
    raw,
    file,
    notes: [
      ...byResolution,
      `cheapest N hours at the same service as no planning: N = ${fmtSummary(tunedN)} hours a day, chosen per scenario in hindsight`,
      `planHeating(): ${fmtSummary(planMs, 1, ' ms')} per plan (48 h horizon, up to 192 price slots); ${sum(of('planner').map((o) => o.plans))} plans in the planner row`,
      `heat pump at 55 °C: ${fmt(heatPumpHeatKW(55, SIM_MODEL), 2)} kW of heat for 0.43 kW; a full tank at ${USER_SETPOINT_C} °C holds ${fmt(energyForCharge(100, USER_SETPOINT_C, SIM_MODEL), 2)} kWh above 40.5 °C`,
    ],
    goals: [
      { goal: 'planner: 100 % of targets met (%)', value: plannerMet, met: plannerMet >= 100 },
      { goal: 'planner saves vs no planning (%)', value: (100 * (noneCost - plannerCost)) / noneCost, met: plannerCost < noneCost },
      { goal: 'planner saves vs cheapest-N at the same service (%)', value: (100 * (tunedCost - plannerCost)) / tunedCost, met: plannerCost < tunedCost },
      { goal: 'planner, 20 % wrong model, learning: targets met (%)', value: learningMet, met: learningMet >= 99 },
    ],
  };
}
