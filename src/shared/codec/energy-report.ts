/**
 * The energy report navien-status sends (`navien/<mac>/energy`): the requested period out of a decoded energy reply,
 * with a cost estimate from the device's TOU plan. Pure: beside the energy and TOU decoders it builds on.
 */
import type { DecodedEnergy, EnergyFigures, EnergyItem } from './energy';
import type { TouPlan } from './tou';
import { roundTo, whToKWh } from './units';

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
  return { ...f, totalKWh: whToKWh(f.totalWh) };
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
