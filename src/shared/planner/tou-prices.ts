/**
 * The heater's own Time-of-Use plan (the REST TOU read, src/shared/codec/tou.ts) as price slots, so a TOU customer
 * plans without a price feed. Pure: no clock, no Node-RED.
 *
 * How a plan is read (the same way the status node's cost estimate reads it, src/shared/reading/derived.ts):
 * - a period applies on the local calendar days whose month is in its season and whose weekday is in its week;
 * - it runs from `start` to the end of its `end` minute (windows are inclusive: 16:00-20:59 is 16:00 to 21:00); an
 *   `end` before `start` runs past midnight into the next day (the day it starts on is the one that must match);
 * - its price is the midpoint of `priceMin` and `priceMax` (tiered plans give a below- and an above-baseline price);
 * - where periods overlap the higher price counts (a plan may give an all-day base and a peak on top of it);
 * - a minute no period covers stays unpriced (a gap: the planner does not heat there), and a period the cloud sent
 *   with an impossible time or price (decoded as null) is left out.
 * Times are the heater's wall clock (the account's zone), so a DST day has 23 or 25 hours of slots.
 */
import { MONTH_NAMES, TouPlan } from '../codec';
import { PlanInputError } from './input-error';
import { nextDay, wallClock, zonedTime } from './local-time';
import type { PriceSlot } from './prices';

/** What a message or the dialog says to plan from the heater's own TOU plan instead of a price list. */
export const HEATER_TOU = 'heater-tou';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

interface Stretch {
  start: number;
  end: number;
  price: number;
}

function minuteOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** The instant of local `minute` (0-1440) on a calendar day, in `timeZone`. */
function at(date: { year: number; month: number; day: number }, minute: number, timeZone: string | undefined): number {
  if (minute >= 24 * 60) {
    const next = nextDay(date.year, date.month, date.day);
    return zonedTime(next.year, next.month, next.day, 0, minute - 24 * 60, timeZone);
  }
  return zonedTime(date.year, date.month, date.day, Math.floor(minute / 60), minute % 60, timeZone);
}

/**
 * Price slots of `plan` from `from` to `to` (epoch ms) on the heater's wall clock in `timeZone` (undefined = the
 * host's): one per local hour, cut where a period starts or ends. Throws PlanInputError when no period of the plan
 * covers any of that time.
 */
export function touPriceSlots(plan: TouPlan, from: number, to: number, timeZone?: string): PriceSlot[] {
  const stretches: Stretch[] = [];
  const hourCuts = new Set<number>();
  // From the day before: a period of yesterday evening may run past midnight into `from`.
  const first = wallClock(from - DAY_MS, timeZone);
  for (let date = { year: first.year, month: first.month, day: first.day }; at(date, 0, timeZone) < to; date = nextDay(date.year, date.month, date.day)) {
    const month = MONTH_NAMES[date.month - 1];
    const weekday = WEEKDAY_NAMES[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()];
    for (let h = 0; h < 24; h++) hourCuts.add(at(date, h * 60, timeZone));
    for (const p of plan.periods) {
      if (p.start === null || p.end === null || p.priceMin === null || p.priceMax === null) continue;
      if (!p.months.includes(month) || !(p.days as readonly string[]).includes(weekday)) continue;
      const startMinute = minuteOfDay(p.start);
      let endMinute = minuteOfDay(p.end) + 1;
      if (endMinute <= startMinute) endMinute += 24 * 60;
      const start = at(date, startMinute, timeZone);
      const end = at(date, endMinute, timeZone);
      // Both ends inside the hour the clocks skip: the period does not happen that day.
      if (end > start) stretches.push({ start, end, price: Number(((p.priceMin + p.priceMax) / 2).toPrecision(12)) });
    }
  }
  const cuts = new Set<number>([from, to]);
  for (const t of hourCuts) if (t > from && t < to) cuts.add(t);
  for (const s of stretches) for (const t of [s.start, s.end]) if (t > from && t < to) cuts.add(t);
  const sorted = [...cuts].sort((a, b) => a - b);
  // The hour the clocks go back is one wall-clock hour twice: cut it into real hours too.
  const bounds: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    bounds.push(sorted[i]);
    for (let t = sorted[i] + HOUR_MS; i + 1 < sorted.length && t < sorted[i + 1]; t += HOUR_MS) bounds.push(t);
  }
  const slots: PriceSlot[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    let price: number | undefined;
    for (const s of stretches) if (s.start <= start && s.end >= end) price = price === undefined ? s.price : Math.max(price, s.price);
    if (price !== undefined) slots.push({ start, end, price });
  }
  if (slots.length === 0) {
    const name = plan.name ? ` (${plan.name})` : '';
    throw new PlanInputError(`the heater's TOU plan${name}`, `periods that cover ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`, `${plan.periods.length} periods`);
  }
  return slots;
}
