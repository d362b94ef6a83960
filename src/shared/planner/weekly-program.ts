/**
 * A plan's windows as entries of the heater's weekly program (docs/protocol.md#weekly-program): each
 * entry is "switch to mode M with setpoint S at time T on these days", so a window becomes a start entry with its
 * own mode and setpoint and an end entry back to the setting between windows. The program holds 16 entries; when the
 * windows need more, the two closest windows are merged until they fit.
 */
import { DayName, MAX_RESERVATION_ENTRIES, ScheduleEntryInput, TemperatureUnit, fromHalfCelsius, toHalfCelsius } from '../codec';
import { PlanInputError } from './input-error';
import { unrepeatedTime, wallClock } from './local-time';
import { HeatMode } from './optimiser';
import { Setting } from './simulate';

export interface ProgramWindow {
  start: number;
  end: number;
  mode: HeatMode;
  setpointC: number;
}

export interface WeeklyProgramOptions {
  /** The setting each window ends in (the plan's `hold`, or the user's own setting). */
  restore: Setting;
  /** Unit of the entries' setpoints (default °C). */
  unit?: TemperatureUnit;
  /** Entries the plan may use (default 16, the whole program). */
  maxEntries?: number;
  /** Zone of the device's clock; undefined = the host's zone. */
  timeZone?: string;
}

export interface WeeklyProgram {
  /** Ready for the `schedule` control (`{enabled: true, entries}`), in time order. */
  entries: ScheduleEntryInput[];
  /** When each entry first switches (epoch ms, on the minute), in the same order: when it has done its job. */
  times: number[];
  /** The windows as written (after any merging). */
  windows: ProgramWindow[];
  /** How many merges the entry budget forced. */
  merged: number;
}

const MINUTE_MS = 60_000;
const WEEKDAY_NAMES: readonly DayName[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function needsEnd(windows: readonly ProgramWindow[], i: number): boolean {
  const next = windows[i + 1];
  return !next || next.start - windows[i].end >= MINUTE_MS;
}

function countEntries(windows: readonly ProgramWindow[]): number {
  return windows.reduce((n, _, i) => n + 1 + (needsEnd(windows, i) ? 1 : 0), 0);
}

/** A mode that does what both did: the heat pump and an element together are High Demand. */
function union(a: HeatMode, b: HeatMode): HeatMode {
  if (a === b) return a;
  return 'high-demand';
}

function entry(t: number, mode: Setting['mode'] | HeatMode, setpointC: number, unit: TemperatureUnit, timeZone: string | undefined): ScheduleEntryInput {
  const wall = wallClock(t, timeZone);
  return {
    enabled: true,
    days: [WEEKDAY_NAMES[wall.weekday]],
    time: `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`,
    mode,
    setpoint: fromHalfCelsius(toHalfCelsius(setpointC, 'C'), unit),
  };
}

/** The weekly-program entries for `windows` (sorted, non-overlapping), within the entry budget. */
export function toWeeklyProgram(windows: readonly ProgramWindow[], options: WeeklyProgramOptions): WeeklyProgram {
  const max = options.maxEntries ?? MAX_RESERVATION_ENTRIES;
  if (!Number.isInteger(max) || max < 2 || max > MAX_RESERVATION_ENTRIES) {
    throw new PlanInputError('maxEntries', `a whole number 2-${MAX_RESERVATION_ENTRIES}`, max);
  }
  const unit = options.unit ?? 'C';
  // Minutes are the program's resolution: start on the minute, end on the next one.
  let list: ProgramWindow[] = windows.map((w) => ({
    ...w,
    start: Math.floor(w.start / MINUTE_MS) * MINUTE_MS,
    end: Math.ceil(w.end / MINUTE_MS) * MINUTE_MS,
  }));
  let merged = 0;
  while (countEntries(list) > max && list.length > 1) {
    let at = 0;
    for (let i = 1; i + 1 < list.length; i++) if (list[i + 1].start - list[i].end < list[at + 1].start - list[at].end) at = i;
    const [a, b] = [list[at], list[at + 1]];
    list = [...list.slice(0, at), { start: a.start, end: b.end, mode: union(a.mode, b.mode), setpointC: Math.max(a.setpointC, b.setpointC) }, ...list.slice(at + 2)];
    merged++;
  }
  const entries: ScheduleEntryInput[] = [];
  const times: number[] = [];
  // An instant in the second pass of a repeated hour is written where that hour ends (see unrepeatedTime).
  const at = (t: number) => unrepeatedTime(t, options.timeZone);
  list.forEach((w, i) => {
    entries.push(entry(at(w.start), w.mode, w.setpointC, unit, options.timeZone));
    times.push(at(w.start));
    if (needsEnd(list, i)) {
      entries.push(entry(at(w.end), options.restore.mode, options.restore.setpointC, unit, options.timeZone));
      times.push(at(w.end));
    }
  });
  return { entries, times, windows: list, merged };
}


