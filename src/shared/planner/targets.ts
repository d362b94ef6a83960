/**
 * Charge targets: times of day (local time of the Node-RED host) with the tank charge wanted then, e.g.
 * `[{at: "06:30", charge: 90}]`, validated and turned into concrete instants over a planning horizon.
 */
import { PlanInputError, isRecord } from './input-error';
import { nextDay, wallClock, zonedTime } from './local-time';

export interface TargetSpec {
  /** Local wall-clock time, `HH:MM`. */
  at: string;
  /** Tank charge wanted at that time, percent of a full tank at the user's setpoint (0-100). */
  charge: number;
}

export interface Target {
  /** Epoch ms. */
  at: number;
  charge: number;
  /** The `HH:MM` it came from. */
  time: string;
}

export const MAX_TARGETS = 48;
const TIME = /^(\d{1,2}):(\d{2})$/;
const TIME_EXPECTED = "a time 'HH:MM' from 00:00 to 23:59";

function parseClock(value: unknown, path: string): { hour: number; minute: number; text: string } {
  const match = typeof value === 'string' ? TIME.exec(value.trim()) : null;
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) throw new PlanInputError(path, TIME_EXPECTED, value);
  return { hour, minute, text: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}` };
}

/** Validates a target list; throws PlanInputError naming the offending path. Times come back as `HH:MM`. */
export function parseTargets(value: unknown, path = 'payload.targets'): TargetSpec[] {
  if (!Array.isArray(value)) throw new PlanInputError(path, 'a list of {at: "HH:MM", charge: 0-100}', value);
  if (value.length > MAX_TARGETS) throw new PlanInputError(path, `at most ${MAX_TARGETS} targets`, `${value.length} targets`);
  const seen = new Map<string, number>();
  return value.map((item, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) throw new PlanInputError(at, 'an object {at: "HH:MM", charge: 0-100}', item);
    for (const key of Object.keys(item)) {
      if (key !== 'at' && key !== 'charge') throw new PlanInputError(`${at}.${key}`, 'only the keys at and charge', item[key]);
    }
    const clock = parseClock(item.at, `${at}.at`);
    const charge = item.charge;
    if (typeof charge !== 'number' || !Number.isFinite(charge) || charge < 0 || charge > 100) {
      throw new PlanInputError(`${at}.charge`, 'a tank charge in percent, 0-100', charge);
    }
    const earlier = seen.get(clock.text);
    if (earlier !== undefined) throw new PlanInputError(`${at}.at`, `a time different from ${path}[${earlier}].at`, item.at);
    seen.set(clock.text, i);
    return { at: clock.text, charge };
  });
}

/**
 * Every occurrence of the targets after `from` and up to `to` (epoch ms), in time order, in `timeZone` (undefined =
 * the host's zone). DST-safe: 06:30 is 06:30 on the clock on every day; a time the clocks skip happens when they
 * jump, a time that occurs twice counts once (its first occurrence).
 */
export function resolveTargets(specs: readonly TargetSpec[], from: number, to: number, timeZone?: string): Target[] {
  const out: Target[] = [];
  if (to <= from || specs.length === 0) return out;
  const parsed = specs.map((s) => ({ ...parseClock(s.at, 'at'), charge: s.charge }));
  const first = wallClock(from, timeZone);
  let day = { year: first.year, month: first.month, day: first.day };
  // One day beyond `to`'s date is enough: a clock time never lies more than a day from its date's midnight.
  const lastWall = wallClock(to, timeZone);
  const lastKey = Date.UTC(lastWall.year, lastWall.month - 1, lastWall.day);
  while (Date.UTC(day.year, day.month - 1, day.day) <= lastKey) {
    for (const p of parsed) {
      const at = zonedTime(day.year, day.month, day.day, p.hour, p.minute, timeZone);
      if (at > from && at <= to) out.push({ at, charge: p.charge, time: p.text });
    }
    day = nextDay(day.year, day.month, day.day);
  }
  // The same instant from two clock times (both inside a skipped hour): keep the higher charge.
  out.sort((a, b) => a.at - b.at || b.charge - a.charge);
  return out.filter((t, i) => i === 0 || out[i - 1].at !== t.at);
}
