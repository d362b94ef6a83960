/**
 * The hot water a household is expected to draw, by weekday and time of day: learned from the heater's own history
 * (`dhwUse`, `currentDhwFlowRate`, `cumulatedDhwFlowRate`), and until there is enough of it a standard residential
 * day: the "medium usage" draw pattern of the DOE 24-hour simulated-use test (10 CFR 430 Subpart B, Appendix E,
 * Table III.4 (2014 final rule, 79 FR 40542): 12 draws, 55 gal a day). docs/planner-model.md ("Expected draws").
 */
import { wallClock, zonedTime } from './local-time';
import type { Draw } from './two-zone';

const GAL = 3.785411784;
const MIN_MS = 60_000;
const HOUR_MS = 3_600_000;

/** One draw of a pattern: minutes after the pattern's start, US gallons, gallons per minute. */
interface PatternDraw {
  minute: number;
  gallons: number;
  gpm: number;
}

/** 10 CFR 430 Subpart B, Appendix E, Table III.4: Medium Usage Draw Pattern (55 gal). */
export const DOE_MEDIUM_USAGE: readonly PatternDraw[] = Object.freeze([
  { minute: 0, gallons: 15.0, gpm: 1.7 },
  { minute: 30, gallons: 2.0, gpm: 1.0 },
  { minute: 100, gallons: 9.0, gpm: 1.7 },
  { minute: 630, gallons: 9.0, gpm: 1.7 },
  { minute: 690, gallons: 5.0, gpm: 1.7 },
  { minute: 720, gallons: 1.0, gpm: 1.0 },
  { minute: 765, gallons: 1.0, gpm: 1.0 },
  { minute: 770, gallons: 1.0, gpm: 1.0 },
  { minute: 960, gallons: 1.0, gpm: 1.0 },
  { minute: 975, gallons: 2.0, gpm: 1.0 },
  { minute: 1005, gallons: 2.0, gpm: 1.7 },
  { minute: 1020, gallons: 7.0, gpm: 1.7 },
]);

/**
 * The test gives times from its start only; the first draw (15 gal, a shower's worth) is placed at this local clock
 * time, the morning shower the dialog's default target (06:30) is there for; the midday and evening clusters then
 * fall at 17:00-19:20 and 22:30-23:30.
 */
export const DOE_PATTERN_START = { hour: 6, minute: 30 };

/** Litres per shower: an 8-minute shower at 7.6 l/min (2.0 gal/min, the US federal showerhead limit, 10 CFR 430.32(p)). */
export const LITRES_PER_SHOWER = 60;

/** History needed before learned draws by weekday replace the default pattern, days. */
export const MIN_HISTORY_DAYS = 7;
/** History needed before learned draws by time of day alone (all weekdays alike) replace it, days. */
export const MIN_POOLED_DAYS = 3;

export interface DrawSample {
  /** Epoch ms. */
  at: number;
  drawing?: boolean;
  /** `currentDhwFlowRate`, l/min. */
  flowLpm?: number | null;
  /** `cumulatedDhwFlowRate`, litres delivered over the heater's life. */
  cumulativeLitres?: number | null;
}

export interface DrawPattern {
  source: 'history' | 'default';
  /** Days of history it was learned from (0 for the default). */
  days: number;
  /** Litres per weekday (0 = Sunday) and hour; null = the default pattern. */
  litres: number[][] | null;
}

/** Mean litres drawn per weekday and hour from the history, or the default pattern when it covers too few days. */
export function learnDrawPattern(samples: readonly DrawSample[], timeZone?: string): DrawPattern {
  const sorted = [...samples].filter((s) => Number.isFinite(s.at)).sort((a, b) => a.at - b.at);
  const sums = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const daysSeen = Array.from({ length: 7 }, () => new Set<string>());
  const allDays = new Set<string>();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (b.at - a.at > 30 * MIN_MS) continue;
    let litres = 0;
    if (a.cumulativeLitres != null && b.cumulativeLitres != null && b.cumulativeLitres >= a.cumulativeLitres) {
      litres = b.cumulativeLitres - a.cumulativeLitres;
    } else if (a.drawing && a.flowLpm != null && a.flowLpm > 0) {
      litres = (a.flowLpm * (b.at - a.at)) / MIN_MS;
    }
    const w = wallClock(a.at, timeZone);
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const key = `${w.year}-${w.month}-${w.day}`;
    daysSeen[weekday].add(key);
    allDays.add(key);
    sums[weekday][w.hour] += litres;
  }
  if (allDays.size >= MIN_HISTORY_DAYS && daysSeen.every((d) => d.size > 0)) {
    return { source: 'history', days: allDays.size, litres: sums.map((row, d) => row.map((l) => l / daysSeen[d].size)) };
  }
  // A few days (the node keeps a few thousand samples, so a busy heater's history may span less than a week): by time
  // of day alone, every weekday alike.
  if (allDays.size >= MIN_POOLED_DAYS) {
    const pooled = new Array<number>(24).fill(0).map((_, h) => sums.reduce((a, row) => a + row[h], 0) / allDays.size);
    return { source: 'history', days: allDays.size, litres: sums.map(() => [...pooled]) };
  }
  return { source: 'default', days: 0, litres: null };
}

/** The draws expected from `from` to `to` (epoch ms) under `pattern`, in time order. */
export function expectedDraws(pattern: DrawPattern, from: number, to: number, timeZone?: string): Draw[] {
  const out: Draw[] = [];
  if (!(to > from)) return out;
  if (pattern.litres === null) {
    // The pattern day started on the day before `from` covers a draw late in the evening before it.
    const first = wallClock(from - 24 * HOUR_MS, timeZone);
    for (let d = 0; d < 10; d++) {
      const day = new Date(Date.UTC(first.year, first.month - 1, first.day + d));
      const start = zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), DOE_PATTERN_START.hour, DOE_PATTERN_START.minute, timeZone);
      if (start > to) break;
      for (const p of DOE_MEDIUM_USAGE) {
        const at = start + p.minute * MIN_MS;
        if (at >= from && at < to) out.push({ at, litres: p.gallons * GAL, lpm: p.gpm * GAL });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }
  // Learned: each hour's mean, drawn at the start of the hour at a shower's flow (the tank must hold it then).
  for (let t = Math.floor(from / HOUR_MS) * HOUR_MS; t < to; t += HOUR_MS) {
    const w = wallClock(t, timeZone);
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const litres = pattern.litres[weekday][w.hour];
    if (litres >= 1 && t >= from) out.push({ at: t, litres, lpm: 7.6 });
  }
  return out;
}
