/**
 * Timed actions that put things back (boost, vacation): their requests, validated, and the controls that start and
 * end them. Built here only, for TimedActions (which runs them) and for a dry run (which shows them).
 */
import { DHW_MODES, DHW_MODE_VACATION, TemperatureUnit, WRITABLE_DHW_MODES } from '../../codec';
import { InputError, isPlainObject, plain, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard, integerIn, onlyKeys } from './checks';
import { VACATION_DAYS, modePlanId } from './operation';
import { setpointPlanRaw, setpointRaw } from './setpoint';

export type TimedKind = 'boost' | 'vacation';

export type TimedRequest =
  | { kind: 'boost'; requested: unknown; setpointRaw?: number; modeId?: number; minutes: number; untilCharge?: number }
  | { kind: 'boost-cancel'; requested: false }
  | { kind: 'vacation'; requested: unknown; days: number; restore: boolean }
  | { kind: 'vacation-end'; requested: false };

export type TimedStart = Extract<TimedRequest, { kind: TimedKind }>;

/** The device's mode (1-4) and setpoint (half-°C) from before a boost or vacation: what its end puts back. */
export interface TimedPrevious {
  mode: number;
  setpointRaw: number;
}

/** 72 h: as long as the device's own override windows (touOverrideStatus, Electric mode's revert). */
export const BOOST_MAX_MINUTES = 72 * 60;
/** Boost length when a boost names neither minutes nor untilCharge and the node sets none (the dialog's default). */
export const DEFAULT_BOOST_MINUTES = 60;
/** A boost that waits for a tank charge still ends after this long if the charge is never reached. */
export const BOOST_CHARGE_CAP_MINUTES = 12 * 60;
const BOOST_MODES = WRITABLE_DHW_MODES.filter((m) => m !== 'vacation');

export function planBoost(value: unknown, unit: TemperatureUnit, limits: ControlLimits): TimedRequest {
  if (value === false) {
    if (limits.readOnly) throw new InputError('read-only', { field: 'boost' });
    return { kind: 'boost-cancel', requested: false };
  }
  const expected = '{setpoint, mode, minutes} or {setpoint, mode, untilCharge: 1-100}, or false to end it';
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: 'boost', expected, value: show(value) });
  onlyKeys(value, 'boost', ['setpoint', 'mode', 'minutes', 'untilCharge']);
  if (!('setpoint' in value) && !('mode' in value)) throw new InputError('bad-type', { field: 'boost', expected, value: show(value) });
  let setpointRawValue: number | undefined;
  let modeId: number | undefined;
  if ('setpoint' in value) {
    const sp = value.setpoint;
    if (typeof sp !== 'number' || !Number.isFinite(sp)) throw new InputError('bad-type', { field: 'boost.setpoint', expected: `a number in °${unit}`, value: show(sp) });
    guard(limits, 'boost.setpoint', 'setpoint');
    setpointRawValue = setpointRaw(sp, 'boost.setpoint', unit, limits);
  }
  if ('mode' in value) {
    const mode = value.mode;
    if (typeof mode !== 'string' || !(BOOST_MODES as readonly string[]).includes(mode)) {
      throw new InputError('bad-enum', { field: 'boost.mode', value: plain(mode), allowed: BOOST_MODES.join(', ') });
    }
    guard(limits, 'boost.mode', 'mode');
    guard(limits, `mode '${mode}'`, mode);
    modeId = DHW_MODES.idOf(mode);
  }
  if (limits.readOnly) throw new InputError('read-only', { field: 'boost' });
  let untilCharge: number | undefined;
  if ('untilCharge' in value) untilCharge = integerIn(value.untilCharge, 'boost.untilCharge', 1, 100);
  let minutes: number;
  if ('minutes' in value) {
    const m = value.minutes;
    if (typeof m !== 'number' || !Number.isFinite(m)) throw new InputError('bad-type', { field: 'boost.minutes', expected: `a number of minutes above 0, at most ${BOOST_MAX_MINUTES}`, value: show(m) });
    if (m <= 0 || m > BOOST_MAX_MINUTES) throw new InputError('out-of-range', { field: 'boost.minutes', value: m, min: 'above 0', max: BOOST_MAX_MINUTES });
    minutes = m;
  } else {
    minutes = untilCharge !== undefined ? BOOST_CHARGE_CAP_MINUTES : limits.boostMinutes ?? DEFAULT_BOOST_MINUTES;
  }
  const requested: Record<string, unknown> = { ...value };
  if (!('minutes' in value) && untilCharge === undefined) requested.minutes = minutes;
  return { kind: 'boost', requested, setpointRaw: setpointRawValue, modeId, minutes, untilCharge };
}

export function planVacation(value: unknown, limits: ControlLimits): TimedRequest {
  guard(limits, 'vacation', 'vacation');
  if (value === false) return { kind: 'vacation-end', requested: false };
  const expected = '{"days": 1-30} (optionally "restore": true), or false to end it';
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: 'vacation', expected, value: show(value) });
  onlyKeys(value, 'vacation', ['days', 'restore']);
  const days = integerIn(value.days, 'vacation.days', VACATION_DAYS.min, VACATION_DAYS.max);
  const restore = value.restore ?? false;
  if (typeof restore !== 'boolean') throw new InputError('bad-type', { field: 'vacation.restore', expected: 'true or false', value: show(restore) });
  return { kind: 'vacation', requested: { days, restore }, days, restore };
}

/** The controls that start a boost (setpoint first, then mode) or a vacation (vacation mode with its days). */
export function startPlans(request: TimedStart, unit: TemperatureUnit): PlannedControl[] {
  if (request.kind === 'vacation') return [modePlanId(DHW_MODE_VACATION, request.days)];
  const plans: PlannedControl[] = [];
  if (request.setpointRaw !== undefined) plans.push(setpointPlanRaw(request.setpointRaw, unit));
  if (request.modeId !== undefined) plans.push(modePlanId(request.modeId));
  return plans;
}

/**
 * The controls that put the mode and setpoint from before back. Vacation is left first (a setpoint change is pointless
 * while it lasts); a boost puts the setpoint back first.
 */
export function restorePlans(kind: TimedKind, previous: TimedPrevious, unit: TemperatureUnit): PlannedControl[] {
  const mode = modePlanId(previous.mode);
  const setpoint = setpointPlanRaw(previous.setpointRaw, unit);
  return kind === 'vacation' ? [mode, setpoint] : [setpoint, mode];
}
