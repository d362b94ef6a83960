/**
 * Targets: times of day (local time of the Node-RED host) with what is wanted then: a tank charge
 * (`{at: "06:30", charge: 90}`), litres of hot water above the comfort temperature (`{at, litres: 120}`) or showers
 * (`{at, showers: 2}`, LITRES_PER_SHOWER each), validated and turned into concrete instants over a planning horizon.
 */
import { LITRES_PER_SHOWER } from './draws';
import { PlanInputError, isRecord } from './input-error';
import { nextDay, wallClock, zonedTime } from './local-time';

export type TargetKind = 'charge' | 'litres' | 'showers';
export const TARGET_KINDS: readonly TargetKind[] = ['charge', 'litres', 'showers'];

/** Local wall-clock time `at` and exactly one of `charge`, `litres`, `showers`. */
export interface TargetSpec {
  /** Local wall-clock time, `HH:MM`. */
  at: string;
  /** Tank charge wanted at that time, percent of a full tank at the user's setpoint (0-100). */
  charge?: number;
  /** Litres of hot water above the comfort temperature wanted at that time. */
  litres?: number;
  /** Showers wanted at that time (LITRES_PER_SHOWER litres above the comfort temperature each). */
  showers?: number;
}

export interface Target {
  /** Epoch ms. */
  at: number;
  kind: TargetKind;
  /** Charge wanted, percent (0 for litres and showers targets). */
  charge: number;
  /** Litres above the comfort temperature wanted (0 for a charge target; showers x LITRES_PER_SHOWER). */
  litres: number;
  /** The showers asked for (showers targets only). */
  showers?: number;
  /** The `HH:MM` it came from. */
  time: string;
}

export const MAX_TARGET_LITRES = 2000;
export const MAX_TARGET_SHOWERS = 30;
const TARGET_SHAPE = '{at: "HH:MM", charge: 0-100}, {at, litres} or {at, showers}';

function kindOf(item: Record<string, unknown>, at: string): TargetKind {
  const kinds = TARGET_KINDS.filter((k) => item[k] !== undefined);
  if (kinds.length !== 1) throw new PlanInputError(at, `exactly one of charge, litres, showers in ${TARGET_SHAPE}`, item);
  return kinds[0];
}

function amount(kind: TargetKind, value: unknown, path: string): number {
  const ok = typeof value === 'number' && Number.isFinite(value);
  if (kind === 'charge' && !(ok && value >= 0 && value <= 100)) throw new PlanInputError(path, 'a tank charge in percent, 0-100', value);
  if (kind === 'litres' && !(ok && value >= 0 && value <= MAX_TARGET_LITRES)) throw new PlanInputError(path, `litres of hot water, 0-${MAX_TARGET_LITRES}`, value);
  if (kind === 'showers' && !(ok && Number.isInteger(value) && value >= 0 && value <= MAX_TARGET_SHOWERS)) {
    throw new PlanInputError(path, `a whole number of showers, 0-${MAX_TARGET_SHOWERS}`, value);
  }
  return value as number;
}

function specKind(spec: TargetSpec): TargetKind {
  if (spec.litres !== undefined) return 'litres';
  return spec.showers !== undefined ? 'showers' : 'charge';
}

/** Litres above comfort a target asks for. */
export function litresOf(spec: TargetSpec): number {
  if (spec.litres !== undefined) return spec.litres;
  if (spec.showers !== undefined) return spec.showers * LITRES_PER_SHOWER;
  return 0;
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
  if (!Array.isArray(value)) throw new PlanInputError(path, `a list of ${TARGET_SHAPE}`, value);
  if (value.length > MAX_TARGETS) throw new PlanInputError(path, `at most ${MAX_TARGETS} targets`, `${value.length} targets`);
  const seen = new Map<string, number>();
  return value.map((item, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) throw new PlanInputError(at, `an object ${TARGET_SHAPE}`, item);
    for (const key of Object.keys(item)) {
      if (key !== 'at' && !(TARGET_KINDS as readonly string[]).includes(key)) throw new PlanInputError(`${at}.${key}`, 'only the keys at and one of charge, litres, showers', item[key]);
    }
    const clock = parseClock(item.at, `${at}.at`);
    const kind = kindOf(item, at);
    const value = amount(kind, item[kind], `${at}.${kind}`);
    const earlier = seen.get(clock.text);
    if (earlier !== undefined) throw new PlanInputError(`${at}.at`, `a time different from ${path}[${earlier}].at`, item.at);
    seen.set(clock.text, i);
    return { at: clock.text, [kind]: value };
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
  const parsed = specs.map((s) => ({
    ...parseClock(s.at, 'at'),
    kind: specKind(s),
    charge: s.charge ?? 0,
    litres: litresOf(s),
    showers: s.showers,
  }));
  const first = wallClock(from, timeZone);
  let day = { year: first.year, month: first.month, day: first.day };
  // One day beyond `to`'s date is enough: a clock time never lies more than a day from its date's midnight.
  const lastWall = wallClock(to, timeZone);
  const lastKey = Date.UTC(lastWall.year, lastWall.month - 1, lastWall.day);
  while (Date.UTC(day.year, day.month - 1, day.day) <= lastKey) {
    for (const p of parsed) {
      const at = zonedTime(day.year, day.month, day.day, p.hour, p.minute, timeZone);
      if (at > from && at <= to) {
        out.push({ at, kind: p.kind, charge: p.charge, litres: p.litres, time: p.text, ...(p.showers !== undefined ? { showers: p.showers } : {}) });
      }
    }
    day = nextDay(day.year, day.month, day.day);
  }
  // The same instant from two clock times (both inside a skipped hour): keep the bigger ask.
  out.sort((a, b) => a.at - b.at || b.charge - a.charge || b.litres - a.litres);
  return out.filter((t, i) => i === 0 || out[i - 1].at !== t.at);
}
