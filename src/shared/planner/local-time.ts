/**
 * Wall-clock time of the Node-RED host (or a named IANA zone, for tests and for hosts that want one): reading the
 * clock face of an instant, and the instant of a clock-face time, safe across daylight-saving changes.
 */

export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for an unknown zone name (checked where a zone is configured). */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

function wallParts(t: number, timeZone: string | undefined): WallTime & { second: number } {
  if (timeZone === undefined) {
    const d = new Date(t);
    return {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
      weekday: d.getDay(),
    };
  }
  const out: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) out[part.type] = part.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday] ?? 0,
  };
}

/** The clock face at instant `t` (epoch ms) in `timeZone` (undefined = the host's zone). */
export function wallClock(t: number, timeZone?: string): WallTime {
  const { second: _second, ...wall } = wallParts(t, timeZone);
  return wall;
}

/** The clock face of `t` written as if it were UTC: comparing these compares wall times. */
function wallAsUtc(t: number, timeZone: string | undefined): number {
  const p = wallParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (((t % 1000) + 1000) % 1000);
}

/**
 * The instant the clock in `timeZone` shows year-month-day hour:minute. When that time occurs twice (the hour the
 * clocks go back) it is the first occurrence; when it does not exist (the hour the clocks go forward) it is the
 * moment the clocks jump, the first instant at which the clock has passed the requested time.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone?: string): number {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets within a day either side: at most two distinct ones (transitions are months apart).
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((d) => wallAsUtc(wanted + d, timeZone) - (wanted + d)));
  const candidates = [...offsets].map((o) => wanted - o).sort((a, b) => a - b);
  const exact = candidates.find((t) => wallAsUtc(t, timeZone) === wanted);
  if (exact !== undefined) return exact;
  // In a gap: search the jump between the two candidates (the wall clock only moves forward there).
  let lo = candidates[0];
  let hi = candidates[candidates.length - 1];
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS || lo + MINUTE_MS;
    if (wallAsUtc(mid, timeZone) >= wanted) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * `t`, unless the clock shows t's time for the second time then (the hour the clocks go back): then the end of that
 * repeated stretch, the first minute whose clock time occurs once. A weekly-program entry fires the first time the
 * heater's clock shows its time, so one meant for the second pass would fire an hour early and again at its own time;
 * moved forward it fires once, never early, and stays in order with the entries around it.
 */
export function unrepeatedTime(t: number, timeZone?: string): number {
  const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS;
  const firstShown = (u: number) => {
    const w = wallParts(u, timeZone);
    return zonedTime(w.year, w.month, w.day, w.hour, w.minute, timeZone);
  };
  const first = firstShown(minute);
  if (first === minute) return t;
  // In the second pass, which lasts at most `minute - first` from here: search where it ends.
  let lo = minute;
  let hi = minute + (minute - first);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (firstShown(mid) === mid) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The calendar day after year-month-day (plain calendar arithmetic, independent of any zone). */
export function nextDay(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
