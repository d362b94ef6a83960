/**
 * What navien-status reads (`read` in its dialog or `msg.payload.read`): parsing and validation of read requests.
 * Pure: no Node-RED, no I/O. Errors are the shared InputError (field, value and what is allowed), as for controls.
 */
import { InputError, isPlainObject, ownData, show } from '../input-error';
import type { ReadRequest } from '../types/device';

export const READ_KINDS = ['status', 'features', 'schedule', 'energy', 'tou', 'installer', 'firmware', 'recirculation', 'device'] as const;
export type ReadKind = (typeof READ_KINDS)[number];
export const ENERGY_PERIODS = ['daily', 'monthly'] as const;
export type EnergyPeriodName = (typeof ENERGY_PERIODS)[number];
/** The codec's query builders accept 2000-2100; later than this year makes no sense for history. */
export const FIRST_ENERGY_YEAR = 2000;

/** A rejected request: catalog key plus its arguments (so the node can translate it). */
export interface ReadRequestError {
  key: 'bad-value' | 'unknown-key';
  field: string;
  value: string;
  allowed: string;
}

export type ParsedRead = { ok: true; request: ReadRequest } | { ok: false; error: ReadRequestError };

/** The configured default: `read` and `period` of the node (missing or unknown = status / daily, so old flows stay valid). */
export interface ReadDefaults {
  read?: unknown;
  period?: unknown;
}

const KEYS: Readonly<Record<ReadKind, readonly string[]>> = {
  status: ['read'],
  features: ['read'],
  schedule: ['read'],
  tou: ['read'],
  energy: ['read', 'period', 'year', 'month'],
  installer: ['read'],
  firmware: ['read'],
  recirculation: ['read'],
  device: ['read'],
};

export function configuredRead(value: unknown): ReadKind {
  return (READ_KINDS as readonly unknown[]).includes(value) ? (value as ReadKind) : 'status';
}

export function configuredPeriod(value: unknown): EnergyPeriodName {
  return value === 'monthly' ? 'monthly' : 'daily';
}

function bad(field: string, value: unknown, allowed: string): InputError {
  // Read requests are short: quote the whole value.
  return new InputError('bad-value', { field, value: show(value, Infinity), allowed });
}

/**
 * The read an input message asks for; a bad one throws InputError. A payload that is not an object, or an object
 * without `read`, asks for the node's configured read (any message used to mean "status now": that stays true for a
 * node left at `status`). Energy defaults to the current month (daily) or year (monthly) of `now`, in local time.
 */
export function readRequest(payload: unknown, defaults: ReadDefaults = {}, now: Date = new Date()): ReadRequest {
  // Own keys only: an inherited `read` or `year` is not part of the message.
  const data = ownData(payload);
  const explicit = isPlainObject(data) && 'read' in data;
  const source: Record<string, unknown> = explicit ? data : {};
  const read = explicit ? source.read : configuredRead(defaults.read);
  if (!(READ_KINDS as readonly unknown[]).includes(read)) throw bad('read', read, READ_KINDS.join(', '));
  const kind = read as ReadKind;
  const periodValue = 'period' in source ? source.period : configuredPeriod(defaults.period);
  if (kind === 'energy' && !(ENERGY_PERIODS as readonly unknown[]).includes(periodValue)) {
    throw bad('period', periodValue, ENERGY_PERIODS.join(', '));
  }
  const allowedKeys = kind === 'energy' && periodValue === 'monthly' ? ['read', 'period', 'year'] : KEYS[kind];
  for (const key of Object.keys(source)) {
    if (!allowedKeys.includes(key)) {
      throw new InputError('unknown-key', { field: key, value: show(source[key], Infinity), allowed: allowedKeys.join(', ') });
    }
  }
  if (kind !== 'energy') return { read: kind };

  const thisYear = now.getFullYear();
  const year = 'year' in source ? source.year : thisYear;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < FIRST_ENERGY_YEAR || year > thisYear) {
    throw bad('year', year, `a whole number ${FIRST_ENERGY_YEAR}-${thisYear}`);
  }
  if (periodValue === 'monthly') return { read: 'energy', period: 'monthly', year };
  const month = 'month' in source ? source.month : now.getMonth() + 1;
  if (typeof month !== 'number' || !Number.isInteger(month) || month < 1 || month > 12) {
    throw bad('month', month, 'a whole number 1-12');
  }
  return { read: 'energy', period: 'daily', year, month };
}

/** readRequest for callers that want a result, not an exception: the request, or the error as plain data. */
export function parseReadRequest(payload: unknown, defaults: ReadDefaults = {}, now: Date = new Date()): ParsedRead {
  try {
    return { ok: true, request: readRequest(payload, defaults, now) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { ok: false, error: { key: err.key as ReadRequestError['key'], field: String(err.args.field), value: String(err.args.value), allowed: String(err.args.allowed) } };
  }
}
