/** Time-of-Use plans (docs/protocol.md#tou-plan, #tou-schedule): REST plan decoding and MQTT period encoding. */
import { DAY_NAMES, DayName, daysToWeek, weekToDays } from './schedule';

export type MonthName = 'jan' | 'feb' | 'mar' | 'apr' | 'may' | 'jun' | 'jul' | 'aug' | 'sep' | 'oct' | 'nov' | 'dec';
export const MONTH_NAMES: readonly MonthName[] = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** The device holds up to 16 periods (docs/protocol.md#tou-schedule). */
export const MAX_TOU_PERIODS = 16;

/** One period exactly as on the wire (REST `interval[]` items plus `season`, MQTT `reservation[]`). */
export interface WireTouPeriod {
  season: number;
  week: number;
  startHour: number;
  startMinute: number;
  endHour: number;
  endMinute: number;
  priceMin: number;
  priceMax: number;
  decimalPoint: number;
}

export interface TouPeriod {
  months: MonthName[];
  days: DayName[];
  /** `HH:MM`; windows are inclusive, so `end` usually ends in :59. */
  start: string;
  end: string;
  /** Currency per kWh. */
  priceMin: number;
  priceMax: number;
  decimalPoint: number;
}

export interface TouPlan {
  name: string | null;
  utility: string | null;
  zipCode: string | null;
  controllerId: string | null;
  registerPath: string | null;
  sourceType: string | null;
  periods: TouPeriod[];
}

/** Season bitfield (docs/protocol.md#season-bitfield): bit (month - 1). */
export function seasonToMonths(season: number): MonthName[] {
  return MONTH_NAMES.filter((_, i) => (season & (1 << i)) !== 0);
}

export function monthsToSeason(months: readonly MonthName[]): number {
  return months.reduce((season, m) => season | (1 << MONTH_NAMES.indexOf(m)), 0);
}

/** price = raw / 10^decimalPoint (docs/protocol.md#prices). */
export function priceFromRaw(raw: number, decimalPoint: number): number {
  return Number((raw / 10 ** decimalPoint).toPrecision(15));
}

/** Half-up rounding at `decimalPoint` places: 0.125 at 2 -> 13 (docs/protocol.md#prices). */
export function priceToRaw(price: number, decimalPoint: number): number {
  const scaled = Number((Math.abs(price) * 10 ** decimalPoint).toPrecision(12));
  return Math.sign(price) * Math.floor(scaled + 0.5) || 0;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function time(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function wireTouPeriod(value: unknown, season?: number): WireTouPeriod {
  const p = record(value);
  return {
    season: season ?? num(p.season),
    week: num(p.week),
    startHour: num(p.startHour),
    startMinute: num(p.startMinute),
    endHour: num(p.endHour),
    endMinute: num(p.endMinute),
    priceMin: num(p.priceMin),
    priceMax: num(p.priceMax),
    decimalPoint: num(p.decimalPoint),
  };
}

export function decodeTouPeriod(p: WireTouPeriod): TouPeriod {
  return {
    months: seasonToMonths(p.season),
    days: weekToDays(p.week),
    start: time(p.startHour, p.startMinute),
    end: time(p.endHour, p.endMinute),
    priceMin: priceFromRaw(p.priceMin, p.decimalPoint),
    priceMax: priceFromRaw(p.priceMax, p.decimalPoint),
    decimalPoint: p.decimalPoint,
  };
}

/**
 * The REST plan's seasons flattened into wire periods (each `interval` tagged with its
 * `season`) - the shape the MQTT TOU write sends. Accepts `data` or `data.touInfo`.
 */
export function touPlanPeriods(data: unknown): WireTouPeriod[] {
  const d = record(data);
  const info = 'touInfo' in d ? record(d.touInfo) : d;
  const seasons = Array.isArray(info.schedule) ? info.schedule : [];
  return seasons.flatMap((s) => {
    const season = record(s);
    const intervals = Array.isArray(season.interval) ? season.interval : [];
    return intervals.map((i) => wireTouPeriod(i, num(season.season)));
  });
}

/** Decodes the `data` of `GET /device/tou` (or its `touInfo`). Never throws. */
export function decodeTouPlan(data: unknown): TouPlan {
  const d = record(data);
  const info = 'touInfo' in d ? record(d.touInfo) : d;
  return {
    name: str(info.name),
    utility: str(info.utility),
    zipCode: str(info.zipCode),
    controllerId: str(info.controllerId),
    registerPath: str(d.registerPath),
    sourceType: str(d.sourceType),
    periods: touPlanPeriods(data).map(decodeTouPeriod),
  };
}

/** Decodes the `tou/rd` echo of a TOU write (docs/protocol.md#tou-schedule). */
export function decodeTouEcho(response: unknown): { enabled: boolean | null; periods: TouPeriod[]; wire: WireTouPeriod[] } {
  const r = record(response);
  const wire = Array.isArray(r.reservation) ? r.reservation.map((p) => wireTouPeriod(p)) : [];
  const enabled = r.reservationUse === 2 ? true : r.reservationUse === 1 ? false : null;
  return { enabled, periods: wire.map(decodeTouPeriod), wire };
}

function parseTime(value: string, field: string): [number, number] {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value);
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid; allowed: a time 'HH:MM' from 00:00 to 23:59`);
  }
  return [hour, minute];
}

/**
 * Encodes readable periods for the MQTT TOU write (docs/protocol.md#tou-schedule). Throws naming
 * the field on bad input.
 */
export function encodeTouPeriods(periods: readonly TouPeriod[]): WireTouPeriod[] {
  if (periods.length > MAX_TOU_PERIODS) {
    throw new Error(`periods: ${periods.length} periods is not valid; allowed: at most ${MAX_TOU_PERIODS}`);
  }
  return periods.map((p, i) => {
    const [startHour, startMinute] = parseTime(p.start, `periods[${i}].start`);
    const [endHour, endMinute] = parseTime(p.end, `periods[${i}].end`);
    if (!Number.isInteger(p.decimalPoint) || p.decimalPoint < 0 || p.decimalPoint > 9) {
      throw new Error(`periods[${i}].decimalPoint: ${JSON.stringify(p.decimalPoint)} is not valid; allowed: a whole number 0-9`);
    }
    if (!Array.isArray(p.months) || p.months.length === 0 || !p.months.every((m) => MONTH_NAMES.includes(m))) {
      throw new Error(`periods[${i}].months: ${JSON.stringify(p.months)} is not valid; allowed: a non-empty list of ${MONTH_NAMES.join(', ')}`);
    }
    if (!Array.isArray(p.days) || p.days.length === 0 || !p.days.every((d) => DAY_NAMES.includes(d))) {
      throw new Error(`periods[${i}].days: ${JSON.stringify(p.days)} is not valid; allowed: a non-empty list of ${DAY_NAMES.join(', ')}`);
    }
    for (const key of ['priceMin', 'priceMax'] as const) {
      if (typeof p[key] !== 'number' || !Number.isFinite(p[key]) || p[key] < 0) {
        throw new Error(`periods[${i}].${key}: ${JSON.stringify(p[key])} is not valid; allowed: a price per kWh >= 0`);
      }
    }
    return {
      season: monthsToSeason(p.months),
      week: daysToWeek(p.days),
      startHour,
      startMinute,
      endHour,
      endMinute,
      priceMin: priceToRaw(p.priceMin, p.decimalPoint),
      priceMax: priceToRaw(p.priceMax, p.decimalPoint),
      decimalPoint: p.decimalPoint,
    };
  });
}

/**
 * Order-insensitive comparison of wire period lists (to confirm a write from its echo, docs/protocol.md#tou-schedule).
 */
export function sameTouPeriods(a: readonly WireTouPeriod[], b: readonly WireTouPeriod[]): boolean {
  const key = (list: readonly WireTouPeriod[]): string =>
    list
      .map((p) => wireTouPeriod(p))
      .map((p) => [p.season, p.week, p.startHour, p.startMinute, p.endHour, p.endMinute, p.priceMin, p.priceMax, p.decimalPoint].join(','))
      .sort()
      .join(';');
  return key(a) === key(b);
}
