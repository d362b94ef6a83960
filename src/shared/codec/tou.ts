/** Time-of-Use plans (docs/protocol.md#tou-plan, #tou-schedule): REST plan decoding and MQTT period encoding. */
import { ImplausibleReporter, TOU_RANGES, isPlausible } from './plausible';
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

/**
 * A period as decoded from the cloud: a time with an hour or minute that does not exist, a negative price or a
 * `decimalPoint` outside 0-9 is null (plausible.ts), so no cost is computed from it.
 */
export interface DecodedTouPeriod {
  months: MonthName[];
  days: DayName[];
  start: string | null;
  end: string | null;
  priceMin: number | null;
  priceMax: number | null;
  decimalPoint: number | null;
}

export interface TouPlan {
  name: string | null;
  utility: string | null;
  zipCode: string | null;
  controllerId: string | null;
  registerPath: string | null;
  sourceType: string | null;
  periods: DecodedTouPeriod[];
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

/** True when `key` of `p` is plausible; reports it when not. */
function plausibleKey(p: WireTouPeriod, key: keyof typeof TOU_RANGES & keyof WireTouPeriod, report?: ImplausibleReporter): boolean {
  const ok = isPlausible(TOU_RANGES[key], p[key]);
  if (!ok) report?.(key);
  return ok;
}

function plausibleTime(p: WireTouPeriod, hourKey: 'startHour' | 'endHour', minuteKey: 'startMinute' | 'endMinute', report?: ImplausibleReporter): string | null {
  const hourOk = plausibleKey(p, hourKey, report);
  const minuteOk = plausibleKey(p, minuteKey, report);
  return hourOk && minuteOk ? time(p[hourKey], p[minuteKey]) : null;
}

export function decodeTouPeriod(p: WireTouPeriod, onImplausible?: ImplausibleReporter): DecodedTouPeriod {
  const decimalsOk = plausibleKey(p, 'decimalPoint', onImplausible);
  const price = (key: 'priceMin' | 'priceMax') => (plausibleKey(p, key, onImplausible) && decimalsOk ? priceFromRaw(p[key], p.decimalPoint) : null);
  return {
    months: seasonToMonths(p.season),
    days: weekToDays(p.week),
    start: plausibleTime(p, 'startHour', 'startMinute', onImplausible),
    end: plausibleTime(p, 'endHour', 'endMinute', onImplausible),
    priceMin: price('priceMin'),
    priceMax: price('priceMax'),
    decimalPoint: decimalsOk ? p.decimalPoint : null,
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

/** Decodes the `data` of `GET /device/tou` (or its `touInfo`). Never throws; implausible values are reported by wire name. */
export function decodeTouPlan(data: unknown, onImplausible?: ImplausibleReporter): TouPlan {
  const d = record(data);
  const info = 'touInfo' in d ? record(d.touInfo) : d;
  return {
    name: str(info.name),
    utility: str(info.utility),
    zipCode: str(info.zipCode),
    controllerId: str(info.controllerId),
    registerPath: str(d.registerPath),
    sourceType: str(d.sourceType),
    periods: touPlanPeriods(data).map((p) => decodeTouPeriod(p, onImplausible)),
  };
}

/** Decodes the `tou/rd` echo of a TOU write (docs/protocol.md#tou-schedule). */
export function decodeTouEcho(response: unknown, onImplausible?: ImplausibleReporter): { enabled: boolean | null; periods: DecodedTouPeriod[]; wire: WireTouPeriod[] } {
  const r = record(response);
  const wire = Array.isArray(r.reservation) ? r.reservation.map((p) => wireTouPeriod(p)) : [];
  const enabled = r.reservationUse === 2 ? true : r.reservationUse === 1 ? false : null;
  return { enabled, periods: wire.map((p) => decodeTouPeriod(p, onImplausible)), wire };
}

function parseTime(value: string | null, field: string): [number, number] {
  const match = typeof value === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(value) : null;
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid; allowed: a time 'HH:MM' from 00:00 to 23:59`);
  }
  return [hour, minute];
}

function price(value: number | null, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid; allowed: a price per kWh >= 0`);
  }
  return value;
}

/**
 * Encodes readable periods for the MQTT TOU write (docs/protocol.md#tou-schedule). Throws naming the field on bad input
 * - including the nulls of a decoded plan whose values were implausible, so a decoded plan can be written
 * back only when whole.
 */
export function encodeTouPeriods(periods: ReadonlyArray<TouPeriod | DecodedTouPeriod>): WireTouPeriod[] {
  if (periods.length > MAX_TOU_PERIODS) {
    throw new Error(`periods: ${periods.length} periods is not valid; allowed: at most ${MAX_TOU_PERIODS}`);
  }
  return periods.map((p, i) => {
    const [startHour, startMinute] = parseTime(p.start, `periods[${i}].start`);
    const [endHour, endMinute] = parseTime(p.end, `periods[${i}].end`);
    const decimalPoint = p.decimalPoint;
    if (decimalPoint === null || !Number.isInteger(decimalPoint) || decimalPoint < 0 || decimalPoint > 9) {
      throw new Error(`periods[${i}].decimalPoint: ${JSON.stringify(decimalPoint)} is not valid; allowed: a whole number 0-9`);
    }
    if (!Array.isArray(p.months) || p.months.length === 0 || !p.months.every((m) => MONTH_NAMES.includes(m))) {
      throw new Error(`periods[${i}].months: ${JSON.stringify(p.months)} is not valid; allowed: a non-empty list of ${MONTH_NAMES.join(', ')}`);
    }
    if (!Array.isArray(p.days) || p.days.length === 0 || !p.days.every((d) => DAY_NAMES.includes(d))) {
      throw new Error(`periods[${i}].days: ${JSON.stringify(p.days)} is not valid; allowed: a non-empty list of ${DAY_NAMES.join(', ')}`);
    }
    const priceMin = price(p.priceMin, `periods[${i}].priceMin`);
    const priceMax = price(p.priceMax, `periods[${i}].priceMax`);
    return {
      season: monthsToSeason(p.months),
      week: daysToWeek(p.days),
      startHour,
      startMinute,
      endHour,
      endMinute,
      priceMin: priceToRaw(priceMin, decimalPoint),
      priceMax: priceToRaw(priceMax, decimalPoint),
      decimalPoint,
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
