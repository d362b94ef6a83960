/**
 * Energy prices and free surplus power in the shapes flows already carry, detected and normalised into sorted,
 * non-overlapping slots with epoch-millisecond times. Pure: no Node-RED, no clock.
 *
 * Accepted price shapes (`path` is where they were found, `payload` by default):
 * - power-saver (node-red-contrib-power-saver): `{priceData: [{start, value, end?}]}`
 * - Tibber: `[{startsAt, total}]`, or `{today: [...], tomorrow: [...]}` of those
 * - Nord Pool / ENTSO-E style: `[{start, end, value}]` (`end` optional)
 * - aWATTar: `{data: [{start_timestamp, end_timestamp, marketprice, unit}]}`; its prices are per MWh and are
 *   converted to per kWh
 * - ComEd hourly pricing (US, Illinois): `[{millisUTC, price}]`, `millisUTC` epoch ms as a number or a string, taken
 *   as the start of its slot; its prices are cents per kWh and are converted to dollars per kWh (the unit of a TOU
 *   plan, so both read alike)
 * - plain: `[{start, price}]` (`end` optional)
 * Times are ISO strings, epoch milliseconds or Date objects. A slot without `end` ends where the next one starts,
 * or after the spacing of its neighbours when the next one is further away (a gap stays unpriced); a lone slot
 * without `end` lasts one hour. Hourly, 15-minute and mixed slots are all fine.
 */
import { PlanInputError, isRecord } from './input-error';

export interface PriceSlot {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Per kWh, in whatever currency the source uses (negative prices are kept). */
  price: number;
}

export interface SurplusSlot {
  start: number;
  end: number;
  /** Power available for free (solar surplus), W. */
  watts: number;
}

export type PriceFormat = 'power-saver' | 'tibber' | 'tibber-days' | 'nordpool' | 'awattar' | 'comed' | 'plain';

export interface ParsedPrices {
  format: PriceFormat;
  slots: PriceSlot[];
}

const HOUR_MS = 3_600_000;
/** Epoch ms below this (March 1973) are almost certainly epoch seconds. */
const MIN_EPOCH_MS = 1e11;
const AWATTAR_PER_MWH = 1000;
const COMED_CENTS = 100;

export const PRICE_SHAPES =
  '{priceData: [{start, value}]}, [{startsAt, total}], {today, tomorrow}, [{start, end, value}], ' +
  '{data: [{start_timestamp, end_timestamp, marketprice}]}, [{millisUTC, price}] or [{start, price}]';

/** An ISO time, epoch milliseconds or a Date, as epoch ms. */
export function parseInstant(value: unknown, path: string): number {
  const expected = 'an ISO time or epoch ms';
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new PlanInputError(path, expected, value);
    return t;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PlanInputError(path, expected, value);
    if (Math.abs(value) < MIN_EPOCH_MS) throw new PlanInputError(path, `${expected} (this number looks like epoch seconds)`, value);
    return Math.round(value);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{12,}$/.test(text)) return Number(text);
    // Only date-shaped strings: Date.parse also reads things like "1" or "March" as dates.
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
      const t = Date.parse(text);
      if (!Number.isNaN(t)) return t;
    }
  }
  throw new PlanInputError(path, expected, value);
}

/** A finite number, or a decimal number in a string (some price sources send strings). */
function parseNumber(value: unknown, path: string, expected = 'a number'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw new PlanInputError(path, expected, value);
}

interface RawEntry {
  start: number;
  end: number | undefined;
  value: number;
  path: string;
}

interface ItemShape {
  start: string;
  end?: string;
  value: string;
  /** Human description of one item, for "expected" texts. */
  describe: string;
}

const SHAPES: Record<Exclude<PriceFormat, 'tibber-days'>, ItemShape> = {
  'power-saver': { start: 'start', end: 'end', value: 'value', describe: 'an object {start, value, end?}' },
  tibber: { start: 'startsAt', value: 'total', describe: 'an object {startsAt, total}' },
  nordpool: { start: 'start', end: 'end', value: 'value', describe: 'an object {start, end, value}' },
  awattar: { start: 'start_timestamp', end: 'end_timestamp', value: 'marketprice', describe: 'an object {start_timestamp, end_timestamp, marketprice}' },
  comed: { start: 'millisUTC', value: 'price', describe: 'an object {millisUTC, price}' },
  plain: { start: 'start', end: 'end', value: 'price', describe: 'an object {start, price}' },
};

function readItems(list: unknown[], basePath: string, shape: ItemShape, scale = 1): RawEntry[] {
  return list.map((item, i) => {
    const path = `${basePath}[${i}]`;
    if (!isRecord(item)) throw new PlanInputError(path, shape.describe, item);
    if (!(shape.start in item)) throw new PlanInputError(`${path}.${shape.start}`, 'an ISO time or epoch ms', undefined);
    const start = parseInstant(item[shape.start], `${path}.${shape.start}`);
    const endValue = shape.end !== undefined ? item[shape.end] : undefined;
    const end = endValue === undefined || endValue === null ? undefined : parseInstant(endValue, `${path}.${shape.end}`);
    if (end !== undefined && end <= start) throw new PlanInputError(`${path}.${shape.end}`, `a time after ${shape.start}`, endValue);
    const value = parseNumber(item[shape.value], `${path}.${shape.value}`, 'a price (number)') / scale;
    return { start, end, value, path };
  });
}

/** Sorted, non-overlapping slots with every end filled in; `startKey`/`endKey` name the fields in errors. */
function toSlots(entries: RawEntry[], basePath: string, startKey: string, endKey = 'end'): Array<{ start: number; end: number; value: number }> {
  if (entries.length === 0) throw new PlanInputError(basePath, 'at least one slot', []);
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  const gaps = sorted.slice(1).map((e, i) => e.start - sorted[i].start).filter((g) => g > 0).sort((a, b) => a - b);
  const typical = gaps.length > 0 ? gaps[gaps.length >> 1] : HOUR_MS;
  const out: Array<{ start: number; end: number; value: number }> = [];
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    const prev = sorted[i - 1];
    const next = sorted[i + 1];
    if (next && next.start === e.start) {
      const [first, second] = [e, next].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
      throw new PlanInputError(`${second.path}.${startKey}`, `a start different from ${first.path}.${startKey}`, new Date(e.start).toISOString());
    }
    let end = e.end;
    if (end === undefined) {
      // Inside the list a slot is as long as the closer neighbour is away; the first and last one no longer than
      // the typical spacing (so a gap before the last slot does not stretch it).
      const around = [prev ? e.start - prev.start : Infinity, next ? next.start - e.start : Infinity];
      const length = prev && next ? Math.min(...around) : Math.min(...around, typical);
      end = next && next.start - e.start <= length ? next.start : e.start + length;
    }
    if (next && end > next.start) {
      throw new PlanInputError(`${e.path}.${endKey}`, `a slot that ends by the next slot's start ${new Date(next.start).toISOString()}`, new Date(end).toISOString());
    }
    out.push({ start: e.start, end, value: e.value });
  }
  return out;
}

function detectArray(list: unknown[], path: string): Exclude<PriceFormat, 'tibber-days' | 'power-saver'> {
  const first = list.find(isRecord);
  if (first) {
    if ('startsAt' in first) return 'tibber';
    if ('start_timestamp' in first) return 'awattar';
    if ('millisUTC' in first) return 'comed';
    if ('start' in first && 'price' in first) return 'plain';
    if ('start' in first && 'value' in first) return 'nordpool';
  }
  if (list.length === 0) throw new PlanInputError(path, 'at least one price slot', list);
  throw new PlanInputError(path, `prices as ${PRICE_SHAPES}`, first ?? list[0]);
}

function awattarScale(list: unknown[]): number {
  // aWATTar reports `unit: "Eur/MWh"`; a per-kWh unit (should one appear) is kept as is.
  const unit = list.find(isRecord)?.unit;
  return typeof unit === 'string' && /kwh/i.test(unit) ? 1 : AWATTAR_PER_MWH;
}

function priceSlots(entries: RawEntry[], path: string, shape: ItemShape): PriceSlot[] {
  return toSlots(entries, path, shape.start, shape.end).map((s) => ({ start: s.start, end: s.end, price: s.value }));
}

/**
 * Detects the price format of `value` (found at `path`) and returns normalised slots. Throws PlanInputError naming
 * the first offending path.
 */
export function parsePrices(value: unknown, path = 'payload'): ParsedPrices {
  if (Array.isArray(value)) {
    const format = detectArray(value, path);
    const shape = SHAPES[format];
    const scale = format === 'awattar' ? awattarScale(value) : format === 'comed' ? COMED_CENTS : 1;
    const entries = readItems(value, path, shape, scale);
    return { format, slots: priceSlots(entries, path, shape) };
  }
  if (isRecord(value)) {
    if ('priceData' in value) {
      const list = value.priceData;
      const at = `${path}.priceData`;
      if (!Array.isArray(list)) throw new PlanInputError(at, 'a list of {start, value, end?}', list);
      return { format: 'power-saver', slots: priceSlots(readItems(list, at, SHAPES['power-saver']), at, SHAPES['power-saver']) };
    }
    if ('today' in value || 'tomorrow' in value) {
      const entries: RawEntry[] = [];
      for (const day of ['today', 'tomorrow'] as const) {
        const list = value[day];
        const at = `${path}.${day}`;
        if (list === undefined || list === null) continue; // tomorrow is empty until the day-ahead prices are out
        if (!Array.isArray(list)) throw new PlanInputError(at, 'a list of {startsAt, total}', list);
        entries.push(...readItems(list, at, SHAPES.tibber));
      }
      return { format: 'tibber-days', slots: priceSlots(entries, path, SHAPES.tibber) };
    }
    if ('data' in value) {
      const list = value.data;
      const at = `${path}.data`;
      if (!Array.isArray(list)) throw new PlanInputError(at, 'a list of {start_timestamp, end_timestamp, marketprice}', list);
      const entries = readItems(list, at, SHAPES.awattar, awattarScale(list));
      return { format: 'awattar', slots: priceSlots(entries, at, SHAPES.awattar) };
    }
    if ('prices' in value) return parsePrices(value.prices, `${path}.prices`);
  }
  throw new PlanInputError(path, `prices as ${PRICE_SHAPES}`, value);
}

/** Free surplus power `[{start, watts, end?}]` (a solar forecast or a live surplus reading) as sorted slots. */
export function parseSurplus(value: unknown, path = 'payload.surplus'): SurplusSlot[] {
  if (!Array.isArray(value)) throw new PlanInputError(path, 'a list of {start, watts}', value);
  const entries = value.map((item, i): RawEntry => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) throw new PlanInputError(at, 'an object {start, watts, end?}', item);
    const start = parseInstant(item.start, `${at}.start`);
    const end = item.end === undefined || item.end === null ? undefined : parseInstant(item.end, `${at}.end`);
    if (end !== undefined && end <= start) throw new PlanInputError(`${at}.end`, 'a time after start', item.end);
    const watts = parseNumber(item.watts, `${at}.watts`, 'watts, a number >= 0');
    if (watts < 0) throw new PlanInputError(`${at}.watts`, 'watts, a number >= 0', item.watts);
    return { start, end, value: watts, path: at };
  });
  if (entries.length === 0) return [];
  return toSlots(entries, path, 'start').map((s) => ({ start: s.start, end: s.end, watts: s.value }));
}

/** The slot covering `t`, or undefined in a gap or outside the list. Slots must be sorted (binary search). */
export function slotAt<T extends { start: number; end: number }>(slots: readonly T[], t: number): T | undefined {
  let lo = 0;
  let hi = slots.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (slots[mid].end <= t) lo = mid + 1;
    else if (slots[mid].start > t) hi = mid - 1;
    else return slots[mid];
  }
  return undefined;
}
