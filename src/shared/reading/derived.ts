/**
 * Values users ask for that the device does not report directly, computed from a raw status, an energy reply and a
 * TOU plan. Pure: no Node-RED, no I/O. How each is computed is documented in the navien-status help.
 */
// From the codec's modules, not its index (whose re-exports are getters): deriveStatus runs for every status.
import type { DecodedEnergy, EnergyFigures, EnergyItem } from '../codec/energy';
import type { HeatSourceName } from '../codec/enums';
import { STATUS_RANGES, plausibleNumber } from '../codec/plausible';
import { energyToFullWh, fullChargeWh, isPoweredOn, usableEnergyWh, vacationDaysLeft } from '../codec/summary';
import type { TouPlan } from '../codec/tou';
import { roundTo } from '../codec/units';

/** Idle draw is 1-20 W; the compressor alone ~430 W; an element 4.7-5.4 kW (docs/protocol.md#energy-counters). */
export const IDLE_MAX_W = 100;
export const ELEMENT_MIN_W = 2000;
/** The device reverts Electric mode to its previous mode after about 72 hours. */
export const ELECTRIC_REVERT_HOURS = 72;

export interface DerivedStatus {
  /** Hot water drawable above 40.5 °C, kWh with two decimals ((total - available) x 4 Wh). */
  usableEnergyKWh: number | null;
  /** Energy to heat the whole tank from 40.5 °C to the setpoint, kWh. */
  fullChargeKWh: number | null;
  /** Energy still needed to reach the setpoint, kWh. */
  energyToFullKWh: number | null;
  /** What really heats now, judged by the measured power first, the component flags second. */
  activeHeatSource: HeatSourceName;
  vacationDaysLeft: number | null;
  /** ISO time when Electric mode is expected to revert by itself, when it is on and its start is known. */
  electricRevertsAt: string | null;
}

function kWh(wh: number | null): number | null {
  return wh === null ? null : roundTo(wh / 1000, 2);
}

/**
 * The heat source that is really running. The flags (`compUse`, `heatUpperUse`, `heatLowerUse`; 2 = on) can lag the
 * power reading, so the power decides when it is reported: below 100 W nothing heats, from 2000 W an element does
 * (with the compressor too if its flag is on), in between the heat pump. Without a plausible power reading (missing,
 * negative, beyond what the unit can draw) the flags decide.
 */
export function activeHeatSource(raw: Record<string, unknown>): HeatSourceName {
  if (!isPoweredOn(raw)) return 'none';
  const compressor = raw.compUse === 2;
  const element = raw.heatUpperUse === 2 || raw.heatLowerUse === 2;
  const power = plausibleNumber(STATUS_RANGES, 'currentInstPower', raw.currentInstPower);
  if (power === null) {
    if (compressor && element) return 'both';
    if (compressor) return 'heat-pump';
    return element ? 'element' : 'none';
  }
  if (power < IDLE_MAX_W) return 'none';
  if (power >= ELEMENT_MIN_W) return compressor ? 'both' : 'element';
  return 'heat-pump';
}

export function electricRevertsAt(electricSinceMs: number | null | undefined): string | null {
  return typeof electricSinceMs === 'number' ? new Date(electricSinceMs + ELECTRIC_REVERT_HOURS * 3_600_000).toISOString() : null;
}

export function deriveStatus(raw: Record<string, unknown>, electricSinceMs?: number | null): DerivedStatus {
  return {
    usableEnergyKWh: kWh(usableEnergyWh(raw)),
    fullChargeKWh: kWh(fullChargeWh(raw)),
    energyToFullKWh: kWh(energyToFullWh(raw)),
    activeHeatSource: activeHeatSource(raw),
    vacationDaysLeft: vacationDaysLeft(raw),
    electricRevertsAt: raw.dhwOperationSetting === 2 ? electricRevertsAt(electricSinceMs) : null,
  };
}

// ---- cost estimate from a TOU plan ----

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MONTH_KEYS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;

function minutes(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

export interface DayPrice {
  /** Time-weighted average of the windows' price midpoints ((priceMin + priceMax) / 2), per kWh. */
  average: number;
  /** Same with priceMin / priceMax only. */
  low: number;
  high: number;
  /** Minutes of the day covered by a window of the plan. */
  coveredMinutes: number;
}

/**
 * The plan's average price over one calendar day: every window that applies to that month and weekday weighs by its
 * length in minutes (windows are inclusive, so 16:00-20:59 is 300 minutes; a window that ends before it starts wraps
 * past midnight). Minutes no window covers are left out of the average, and so are windows the plan gives with an
 * impossible time or price (decoded as null). Null when no window applies.
 */
export function dayPrice(plan: TouPlan, year: number, month: number, day: number): DayPrice | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = DAY_KEYS[date.getUTCDay()];
  const monthKey = MONTH_KEYS[month - 1];
  let covered = 0;
  let mid = 0;
  let low = 0;
  let high = 0;
  for (const p of plan.periods) {
    if (!p.months.includes(monthKey) || !(p.days as readonly string[]).includes(weekday)) continue;
    const { start, end, priceMin, priceMax } = p;
    if (start === null || end === null || priceMin === null || priceMax === null) continue;
    let length = minutes(end) - minutes(start) + 1;
    if (length <= 0) length += 24 * 60;
    covered += length;
    mid += length * ((priceMin + priceMax) / 2);
    low += length * priceMin;
    high += length * priceMax;
  }
  if (covered === 0) return null;
  return { average: mid / covered, low: low / covered, high: high / covered, coveredMinutes: Math.min(covered, 24 * 60) };
}

export interface CostFigures {
  /** Currency of the plan per kWh times kWh; the plan does not say which currency. */
  estimate: number;
  low: number;
  high: number;
}

export interface CostEstimate extends CostFigures {
  plan: string | null;
  utility: string | null;
  /** Days (daily) or months (monthly) with energy but no price in the plan; their energy is not in the estimate. */
  unpriced: number;
  method: 'daily-average-price';
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Average day price over a whole month (every day weighs the same), or null when no day of it is priced. */
export function monthPrice(plan: TouPlan, year: number, month: number): DayPrice | null {
  const prices = Array.from({ length: daysInMonth(year, month) }, (_, i) => dayPrice(plan, year, month, i + 1)).filter(
    (p): p is DayPrice => p !== null,
  );
  if (prices.length === 0) return null;
  const avg = (pick: (p: DayPrice) => number) => prices.reduce((t, p) => t + pick(p), 0) / prices.length;
  return { average: avg((p) => p.average), low: avg((p) => p.low), high: avg((p) => p.high), coveredMinutes: avg((p) => p.coveredMinutes) };
}

function priced(totalWh: number, price: DayPrice): CostFigures {
  const kwh = totalWh / 1000;
  return { estimate: kwh * price.average, low: kwh * price.low, high: kwh * price.high };
}

function rounded(c: CostFigures): CostFigures {
  return { estimate: roundTo(c.estimate, 2), low: roundTo(c.low, 2), high: roundTo(c.high, 2) };
}

/**
 * Estimated cost of one energy period (one month of days, or one year of months): each item's total Wh times the
 * plan's average price for that day (daily) or that month (monthly). The device gives no hourly data, so when in
 * the day the energy was used is unknown; this is the price of a day's energy spread evenly over the day.
 * Returns per-item costs (rounded to 2 decimals; null for unpriced items and for items whose energy is unknown because
 * the device reported an implausible figure - those are left out of the total too) and the period total.
 */
export function estimateCost(
  plan: TouPlan,
  year: number,
  month: number | undefined,
  items: ReadonlyArray<EnergyItem>,
): { items: Array<CostFigures | null>; total: CostEstimate } {
  const sum: CostFigures = { estimate: 0, low: 0, high: 0 };
  let unpriced = 0;
  const perItem = items.map((item) => {
    const price = month !== undefined && item.day !== undefined
      ? dayPrice(plan, year, month, item.day)
      : item.month !== undefined ? monthPrice(plan, year, item.month) : null;
    const totalWh = item.totalWh;
    if (totalWh === null) return null;
    if (!price) {
      if (totalWh > 0) unpriced++;
      return null;
    }
    const cost = priced(totalWh, price);
    sum.estimate += cost.estimate;
    sum.low += cost.low;
    sum.high += cost.high;
    return rounded(cost);
  });
  return { items: perItem, total: { ...rounded(sum), plan: plan.name, utility: plan.utility, unpriced, method: 'daily-average-price' } };
}

/** The readable energy report navien-status sends (`msg.payload` of `navien/<mac>/energy`). */
export interface EnergyReport {
  period: 'daily' | 'monthly';
  year: number;
  month?: number;
  items: Array<EnergyItem & { cost?: CostFigures | null }>;
  totals: EnergyFigures & { totalKWh: number | null };
  lifetime: (EnergyFigures & { totalKWh: number | null }) | null;
  cost: CostEstimate | null;
}

function withKWh(f: EnergyFigures): EnergyFigures & { totalKWh: number | null } {
  return { ...f, totalKWh: kWh(f.totalWh) };
}

/**
 * The report for the requested period out of a decoded reply (which may hold more periods), or null when the reply
 * does not hold the requested one.
 */
export function energyReport(
  decoded: DecodedEnergy,
  request: { period: 'daily' | 'monthly'; year: number; month?: number },
  plan?: TouPlan | null,
): EnergyReport | null {
  if (decoded.kind !== request.period) return null;
  const found = decoded.periods.find((p) => p.year === request.year && (request.period === 'monthly' || p.month === request.month));
  if (!found) return null;
  const month = request.period === 'daily' ? request.month : undefined;
  const cost = plan && plan.periods.length > 0 ? estimateCost(plan, request.year, month, found.items) : null;
  return {
    period: request.period,
    year: request.year,
    ...(month !== undefined ? { month } : {}),
    items: found.items.map((item, i) => (cost ? { ...item, cost: cost.items[i] } : { ...item })),
    totals: withKWh(found.totals),
    lifetime: decoded.lifetime ? withKWh(decoded.lifetime) : null,
    cost: cost ? cost.total : null,
  };
}
