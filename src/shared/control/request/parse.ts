/**
 * One input message of navien-control (`msg.payload`, or the `msg.topic` shortcut, and `msg.unit`) turned into
 * validated controls in a safe order, plus the timed actions (boost, vacation). One bad part refuses the whole
 * message, so nothing is half sent. The plans themselves come from ../plans, one module per control family.
 */
import type { TemperatureUnit } from '../../codec';
import { InputError, ownData, plain, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { planAirFilter } from '../plans/air-filter';
import { planAntiLegionella } from '../plans/anti-legionella';
import { planCondenserFaultReset } from '../plans/condenser-fault-reset';
import { planDemandResponse } from '../plans/demand-response';
import { planIntelligent } from '../plans/intelligent';
import { DAYS_ONLY_WITH_VACATION, planMode, planPower } from '../plans/operation';
import { planRecirculation } from '../plans/recirculation';
import { planReservationMode, planSchedule } from '../plans/schedule';
import { planSetpoint } from '../plans/setpoint';
import { TimedRequest, planBoost, planVacation } from '../plans/timed';
import { planTou, planTouSchedule } from '../plans/tou';

export const CONTROL_KEYS = [
  'power',
  'mode',
  'days',
  'setpoint',
  'antiLegionella',
  'tou',
  'touSchedule',
  'schedule',
  'vacation',
  'boost',
  'demandResponse',
  'airFilter',
  'reservationMode',
  'recirculation',
  'intelligent',
  'condenserFaultReset',
] as const;
/** Keys handled as timed actions that restore (not plain controls). */
const TIMED_KEYS = ['boost', 'vacation'];
/** Dashboard widgets send one value with the setting's name as topic. */
const SHORTCUT_TOPICS = ['power', 'mode', 'setpoint'];

export interface PlannedRequest {
  controls: PlannedControl[];
  timed: TimedRequest[];
}

/** Turns `msg.payload` (or the `msg.topic` shortcut) into validated controls, in a safe order; no timed actions. */
export function planControls(topic: unknown, payload: unknown, msgUnit: unknown, limits: ControlLimits): PlannedControl[] {
  const { controls, timed } = planRequest(topic, payload, msgUnit, limits);
  if (timed.length > 0) throw new InputError('unknown-key', { key: timed[0].kind, allowed: CONTROL_KEYS.filter((k) => !TIMED_KEYS.includes(k)).join(', ') });
  return controls;
}

/** Plain controls plus the timed actions (boost, vacation) of one input message, all validated. */
export function planRequest(topic: unknown, payload: unknown, msgUnit: unknown, limits: ControlLimits): PlannedRequest {
  const request = normalise(topic, payload);
  const unit = parseUnit(msgUnit) ?? limits.unit;
  const keys = Object.keys(request);
  for (const key of keys) {
    if (!(CONTROL_KEYS as readonly string[]).includes(key)) {
      throw new InputError('unknown-key', { key, allowed: CONTROL_KEYS.join(', ') });
    }
  }
  if (keys.length === 0 || (keys.length === 1 && keys[0] === 'days')) {
    throw new InputError('empty', { allowed: CONTROL_KEYS.filter((k) => k !== 'days').join(', ') });
  }
  // Validated in this order, so the first error reported is always the same one.
  const plans: PlannedControl[] = [];
  const powerOn = request.power === true;
  if ('power' in request) plans.push(planPower(request.power, limits));
  if ('mode' in request) plans.push(planMode(request.mode, request.days, limits));
  else if ('days' in request) throw new InputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(request.days) });
  if ('setpoint' in request) plans.push(planSetpoint(request.setpoint, unit, limits));
  if ('antiLegionella' in request) plans.push(planAntiLegionella(request.antiLegionella, limits));
  if ('tou' in request) plans.push(planTou(request.tou, limits));
  if ('touSchedule' in request) plans.push(planTouSchedule(request.touSchedule, limits));
  if ('schedule' in request) plans.push(planSchedule(request.schedule, unit, limits));
  if ('demandResponse' in request) plans.push(planDemandResponse(request.demandResponse, limits));
  if ('airFilter' in request) plans.push(planAirFilter(request.airFilter, limits));
  if ('reservationMode' in request) plans.push(planReservationMode(request.reservationMode, limits));
  if ('recirculation' in request) plans.push(planRecirculation(request.recirculation, limits));
  if ('intelligent' in request) plans.push(planIntelligent(request.intelligent, limits));
  if ('condenserFaultReset' in request) plans.push(planCondenserFaultReset(request.condenserFaultReset, limits));
  const timed: TimedRequest[] = [];
  for (const key of TIMED_KEYS) {
    if (!(key in request)) continue;
    // A boost or vacation owns mode and setpoint while it runs, and puts them back.
    const clash = ['mode', 'setpoint', 'days', ...TIMED_KEYS.filter((k) => k !== key)].find((k) => k in request);
    if (clash) throw new InputError('conflict', { field: key, other: clash });
  }
  if ('boost' in request) timed.push(planBoost(request.boost, unit, limits));
  if ('vacation' in request) timed.push(planVacation(request.vacation, limits));
  // Power on first (the others need a running unit), power off last (after everything else was stored).
  return { controls: plans.sort((a, b) => rank(a, powerOn) - rank(b, powerOn)), timed };
}

/** Errors only the device's feature record can settle: a check made without the record does not report them. */
const NEEDS_FEATURES = ['no-serial'];

/**
 * Validates an input before anything is asked of the device: keys (nested ones too), types, values within the
 * NWP500's own range, read-only, power off allowed. So a bad field is named at once, also while the device's feature
 * record is not known yet (a silent device would otherwise turn a typo into "features unknown" after a long wait).
 * The device's own limits, its capability flags and its serial are checked by planRequest once the record is there;
 * they only narrow what passes here (docs/protocol.md#capability-gating).
 */
export function precheckRequest(topic: unknown, payload: unknown, msgUnit: unknown, limits: Omit<ControlLimits, 'features'>): void {
  try {
    planRequest(topic, payload, msgUnit, { ...limits, features: undefined });
  } catch (err) {
    if (!(err instanceof InputError && NEEDS_FEATURES.includes(err.key))) throw err;
  }
}

function rank(plan: PlannedControl, powerOn: boolean): number {
  if (plan.command !== 'power') return 1;
  return powerOn ? 0 : 2;
}

function normalise(topic: unknown, payload: unknown): Record<string, unknown> {
  if (typeof topic === 'string' && SHORTCUT_TOPICS.includes(topic) && (typeof payload !== 'object' || payload === null)) {
    return { [topic]: payload };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InputError('bad-type', { field: 'msg.payload', expected: 'an object such as {"setpoint": 130}', value: show(payload) });
  }
  // Own keys only, nested objects included: an inherited `setpoint` is not part of the message.
  return ownData(payload) as Record<string, unknown>;
}

function parseUnit(value: unknown): TemperatureUnit | undefined {
  if (value === 'F' || value === 'C') return value;
  if (value === undefined || value === null || value === '') return undefined;
  throw new InputError('bad-enum', { field: 'msg.unit', value: plain(value), allowed: 'F, C' });
}
