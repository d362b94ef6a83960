/** Time of use: switching TOU on/off (docs/protocol.md#other-controls), and writing the price schedule the device follows. */
import { TouPeriod, WireTouPeriod, buildTouEnable, buildTouScheduleWrite, decodeTouEcho, encodeTouPeriods, sameTouPeriods } from '../../codec';
import { InputError, isPlainObject, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard, invalid, onlyKeys } from './checks';

const TOU_PERIOD_HELP = "{months: ['jan', ...], days: ['mon', ...], start: 'HH:MM', end: 'HH:MM', priceMin, priceMax, decimalPoint}";

export function planTou(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new InputError('bad-type', { field: 'tou', expected: 'true or false', value: show(value) });
  guard(limits, 'tou', 'tou');
  return {
    command: 'tou',
    requested: value,
    setting: 'tou',
    build: (ctx) => buildTouEnable(ctx, value),
    confirmedValue: (status) => {
      if (typeof status.touStatus !== 'number') return undefined;
      return (status.touStatus !== 0) === value ? value : undefined;
    },
  };
}

export function planTouSchedule(value: unknown, limits: ControlLimits): PlannedControl {
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: 'touSchedule', expected: '{enabled, periods: [...]}', value: show(value) });
  onlyKeys(value, 'touSchedule', ['enabled', 'periods']);
  guard(limits, 'touSchedule', 'touSchedule');
  const enabled = value.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new InputError('bad-type', { field: 'touSchedule.enabled', expected: 'true or false', value: show(enabled) });
  const periods = value.periods;
  // Never send the write-shaped message without periods: a device could store "no schedule"
  // (docs/protocol.md#tou-schedule).
  if (!Array.isArray(periods) || periods.length === 0) {
    throw new InputError('bad-type', { field: 'touSchedule.periods', expected: `a non-empty list of periods ${TOU_PERIOD_HELP}`, value: show(periods) });
  }
  periods.forEach((p, i) => {
    if (!isPlainObject(p)) throw new InputError('bad-type', { field: `touSchedule.periods[${i}]`, expected: `a period ${TOU_PERIOD_HELP}`, value: show(p) });
    onlyKeys(p, `touSchedule.periods[${i}]`, ['months', 'days', 'start', 'end', 'priceMin', 'priceMax', 'decimalPoint']);
    for (const key of ['start', 'end']) {
      if (typeof p[key] !== 'string') throw new InputError('invalid', { field: `touSchedule.periods[${i}].${key}`, value: show(p[key]), allowed: "a time 'HH:MM' from 00:00 to 23:59" });
    }
  });
  let wire: WireTouPeriod[];
  try {
    wire = encodeTouPeriods(periods as TouPeriod[]);
  } catch (err) {
    throw invalid('touSchedule', err);
  }
  const serial = limits.features?.serial;
  if (!serial) throw new InputError('no-serial', { field: 'touSchedule' });
  return {
    command: 'touSchedule',
    requested: value,
    setting: 'touSchedule',
    build: (ctx) => buildTouScheduleWrite(ctx, serial, enabled, wire),
    confirmedValue: () => undefined,
    confirmedByReply: (message) => {
      if (message.kind !== 'tou-echo') return undefined;
      const echo = decodeTouEcho(message.response);
      return echo.enabled === enabled && sameTouPeriods(echo.wire, wire) ? { enabled, periods: echo.periods } : undefined;
    },
  };
}
