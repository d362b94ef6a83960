/**
 * Generated day-ahead price curves, solar surplus and hot-water draws for the planner benchmark. Seeded, so every
 * run of the benchmark sees the same days.
 */
import { PriceSlot, SurplusSlot, TargetSpec, nextDay, wallClock, zonedTime } from '../src/shared/planner';
import type { ScheduledDraw } from '../tools/simulator/draws';

export const ZONE = 'Europe/Berlin';
const MIN = 60_000;
const H = 60 * MIN;

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
/** A smooth bump around `centre` (hours) with half-width `width`. */
const bump = (hour: number, centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));

export interface Day {
  /** Local midnight, epoch ms. */
  start: number;
  end: number;
  prices: PriceSlot[];
  surplus: SurplusSlot[];
  draws: ScheduledDraw[];
  solar: boolean;
}

export interface Scenario {
  seed: number;
  /** Minutes per price slot: 60 or 15. */
  slotMinutes: number;
  allowElement: boolean;
  targets: TargetSpec[];
  days: Day[];
}

/** The household's wishes, one set per scenario (morning and evening use; an early riser). */
const TARGET_SETS: TargetSpec[][] = [
  [{ at: '06:30', charge: 90 }, { at: '18:30', charge: 70 }],
  [{ at: '07:00', charge: 80 }, { at: '19:00', charge: 80 }],
  [{ at: '06:00', charge: 95 }],
];

/**
 * One day's prices: a base, a night valley, morning and evening peaks, on solar days a midday dip (sometimes below
 * zero), and slot-to-slot noise; per kWh.
 */
function dayPrices(r: () => number, start: number, end: number, slotMinutes: number, solar: boolean): PriceSlot[] {
  const base = between(r, 0.18, 0.3);
  const valley = between(r, 0.04, 0.14);
  const valleyAt = between(r, 2, 4.5);
  const morning = between(r, 0.04, 0.18);
  const evening = between(r, 0.08, 0.3);
  const dip = solar ? between(r, 0.08, 0.32) : 0;
  const slots: PriceSlot[] = [];
  let noise = 0;
  for (let t = start; t < end; t += slotMinutes * MIN) {
    const w = wallClock(t, ZONE);
    const hour = w.hour + w.minute / 60 + slotMinutes / 120;
    noise = 0.6 * noise + 0.4 * (r() - 0.5) * 0.06;
    const price = base - valley * bump(hour, valleyAt, 2.2) + morning * bump(hour, 7.5, 1.2) + evening * bump(hour, 18.5, 1.6) - dip * bump(hour, 13, 2) + noise;
    slots.push({ start: t, end: t + slotMinutes * MIN, price: Math.round(price * 10_000) / 10_000 });
  }
  return slots;
}

/** Surplus from a PV array on a sunny day: a bell around 13:00, hourly. */
function daySurplus(r: () => number, start: number, end: number): SurplusSlot[] {
  const peak = between(r, 300, 1600);
  const out: SurplusSlot[] = [];
  for (let t = start; t < end; t += H) {
    const hour = wallClock(t, ZONE).hour + 0.5;
    const watts = Math.round(peak * Math.max(0, bump(hour, 13, 2.6) - 0.08));
    if (watts > 0) out.push({ start: t, end: t + H, watts });
  }
  return out;
}

/**
 * A household's hot water: showers after the morning target, washing-up and showers in the evening after the
 * evening target, and small draws (hands, cleaning) all day, some of them shortly before a target.
 */
function dayDraws(r: () => number, day: { year: number; month: number; day: number }): ScheduledDraw[] {
  const at = (hour: number, minute: number) => zonedTime(day.year, day.month, day.day, hour, minute, ZONE);
  const draws: ScheduledDraw[] = [];
  const showers = Math.floor(between(r, 1, 3.99));
  for (let i = 0; i < showers; i++) draws.push({ atMs: at(7, Math.floor(i * 20 + between(r, 0, 10))), litres: between(r, 35, 60), lpm: 8 });
  draws.push({ atMs: at(19, Math.floor(between(r, 30, 59))), litres: between(r, 10, 25), lpm: 6 });
  const evening = Math.floor(between(r, 0, 2.99));
  for (let i = 0; i < evening; i++) draws.push({ atMs: at(20 + i, Math.floor(between(r, 0, 50))), litres: between(r, 35, 55), lpm: 8 });
  const small = Math.floor(between(r, 3, 8.99));
  for (let i = 0; i < small; i++) {
    const hour = Math.floor(between(r, 8, 23));
    draws.push({ atMs: at(hour, Math.floor(between(r, 0, 59))), litres: between(r, 1, 5), lpm: 4 });
  }
  return draws.sort((a, b) => a.atMs - b.atMs);
}

/** A scenario of `days` days from a start date (local midnight in ZONE). */
export function scenario(seed: number, startDate: { year: number; month: number; day: number }, days: number): Scenario {
  const r = rng(seed);
  const slotMinutes = seed % 2 === 0 ? 60 : 15;
  const out: Day[] = [];
  let date = startDate;
  for (let i = 0; i < days; i++) {
    const next = nextDay(date.year, date.month, date.day);
    const start = zonedTime(date.year, date.month, date.day, 0, 0, ZONE);
    const end = zonedTime(next.year, next.month, next.day, 0, 0, ZONE);
    const solar = r() < 0.35;
    out.push({ start, end, prices: dayPrices(r, start, end, slotMinutes, solar), surplus: solar ? daySurplus(r, start, end) : [], draws: dayDraws(r, date), solar });
    date = next;
  }
  return { seed, slotMinutes, allowElement: seed % 3 === 0, targets: TARGET_SETS[seed % TARGET_SETS.length], days: out };
}
