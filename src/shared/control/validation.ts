import {
  CommandContext,
  DecodedFeature,
  OutboundMessage,
  TemperatureUnit,
  buildAntiLegionella,
  buildModeCommand,
  buildPowerCommand,
  buildSetpointCommand,
  buildTouEnable,
  fromHalfCelsius,
  toHalfCelsius,
} from '../codec';

/** A rejected input, as an i18n key plus its arguments, so the node can say it in the user's language. */
export class ControlInputError extends Error {
  constructor(readonly key: string, readonly args: Record<string, string | number> = {}) {
    super(`${key}: ${JSON.stringify(args)}`);
    this.name = 'ControlInputError';
  }
}

export type ControlName = 'power' | 'mode' | 'setpoint' | 'antiLegionella' | 'tou';

export interface PlannedControl {
  command: ControlName;
  /** What the user asked for, in their terms (unit of the node or msg). */
  requested: unknown;
  /** Collapse key: later values of the same setting on the same device replace waiting ones. */
  setting: string;
  build(ctx: CommandContext): OutboundMessage;
  /** What the device's status shows once the control took effect, or undefined while it does not. */
  confirmedValue(status: Record<string, unknown>): unknown;
}

export interface ControlLimits {
  unit: TemperatureUnit;
  allowPowerOff: boolean;
  readOnly: boolean;
  features: DecodedFeature | undefined;
}

export const CONTROL_KEYS = ['power', 'mode', 'days', 'setpoint', 'antiLegionella', 'tou'] as const;
const SHORTCUT_TOPICS = ['power', 'mode', 'setpoint'];
const WRITABLE_MODES = ['heat-pump', 'electric', 'energy-saver', 'high-demand', 'vacation'] as const;
type WritableMode = (typeof WRITABLE_MODES)[number];
const MODE_IDS: Record<WritableMode, number> = { 'heat-pump': 1, electric: 2, 'energy-saver': 3, 'high-demand': 4, vacation: 5 };
const MODE_CAPABILITY: Record<WritableMode, string> = {
  'heat-pump': 'heatPump',
  electric: 'electric',
  'energy-saver': 'energySaver',
  'high-demand': 'highDemand',
  vacation: 'vacation',
};
const POWER_OFF_SETTING = 6;
/** NAVILINK.md 5.4/13: 1-30 days until the device is known to accept more. */
const VACATION_DAYS = { min: 1, max: 30 };
const ANTI_LEGIONELLA_DAYS = { min: 1, max: 30 };
/** Reads as "days must be left out unless mode is 'vacation', got 3". */
const DAYS_ONLY_WITH_VACATION = "left out unless mode is 'vacation' (then a whole number 1-30)";

/** Turns `msg.payload` (or the `msg.topic` shortcut) into validated controls, in a safe order. */
export function planControls(topic: unknown, payload: unknown, msgUnit: unknown, limits: ControlLimits): PlannedControl[] {
  const request = normalise(topic, payload);
  const unit = parseUnit(msgUnit) ?? limits.unit;
  const keys = Object.keys(request);
  for (const key of keys) {
    if (!(CONTROL_KEYS as readonly string[]).includes(key)) {
      throw new ControlInputError('unknown-key', { key, allowed: CONTROL_KEYS.join(', ') });
    }
  }
  if (keys.length === 0 || (keys.length === 1 && keys[0] === 'days')) {
    throw new ControlInputError('empty', { allowed: CONTROL_KEYS.filter((k) => k !== 'days').join(', ') });
  }
  const plans: PlannedControl[] = [];
  const powerOn = request.power === true;
  if ('power' in request) plans.push(planPower(request.power, limits));
  if ('mode' in request) plans.push(planMode(request.mode, request.days, limits));
  else if ('days' in request) throw new ControlInputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(request.days) });
  if ('setpoint' in request) plans.push(planSetpoint(request.setpoint, unit, limits));
  if ('antiLegionella' in request) plans.push(planAntiLegionella(request.antiLegionella, limits));
  if ('tou' in request) plans.push(planTou(request.tou, limits));
  // Power on first (the others need a running unit), power off last (after everything else was stored).
  return plans.sort((a, b) => rank(a, powerOn) - rank(b, powerOn));
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
    throw new ControlInputError('bad-type', { field: 'msg.payload', expected: 'an object such as {"setpoint": 130}', value: show(payload) });
  }
  return payload as Record<string, unknown>;
}

function guard(limits: ControlLimits, field: string, capability: string): void {
  if (limits.readOnly) throw new ControlInputError('read-only', { field });
  const caps = limits.features?.capabilities as Record<string, boolean | undefined> | undefined;
  // Unknown features (not read yet) do not block; a known "no" does.
  if (caps && caps[capability] === false) throw new ControlInputError('unsupported', { field });
}

function planPower(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new ControlInputError('bad-type', { field: 'power', expected: 'true or false', value: show(value) });
  guard(limits, 'power', 'power');
  if (!value && !limits.allowPowerOff) throw new ControlInputError('power-off-disallowed');
  return {
    command: 'power',
    requested: value,
    setting: 'power',
    build: (ctx) => buildPowerCommand(ctx, value),
    confirmedValue: (status) => {
      const setting = status.dhwOperationSetting;
      if (typeof setting !== 'number' || setting === 0) return undefined;
      return (setting !== POWER_OFF_SETTING) === value ? value : undefined;
    },
  };
}

function planMode(value: unknown, days: unknown, limits: ControlLimits): PlannedControl {
  if (value === 'off') throw new ControlInputError('bad-enum', { field: 'mode', value: 'off', allowed: `${WRITABLE_MODES.join(', ')} (use power: false to turn off)` });
  if (typeof value !== 'string' || !(WRITABLE_MODES as readonly string[]).includes(value)) {
    throw new ControlInputError('bad-enum', { field: 'mode', value: plain(value), allowed: WRITABLE_MODES.join(', ') });
  }
  const mode = value as WritableMode;
  guard(limits, 'mode', 'dhwMode');
  guard(limits, `mode '${mode}'`, MODE_CAPABILITY[mode]);
  let vacationDays: number | undefined;
  if (mode === 'vacation') {
    vacationDays = integerIn(days, 'days', VACATION_DAYS.min, VACATION_DAYS.max);
  } else if (days !== undefined) {
    throw new ControlInputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(days) });
  }
  const id = MODE_IDS[mode];
  return {
    command: 'mode',
    requested: vacationDays === undefined ? mode : { mode, days: vacationDays },
    setting: 'mode',
    build: (ctx) => buildModeCommand(ctx, id, vacationDays),
    confirmedValue: (status) => {
      if (status.dhwOperationSetting !== id) return undefined;
      if (vacationDays !== undefined && status.vacationDaySetting !== vacationDays) return undefined;
      return vacationDays === undefined ? mode : { mode, days: vacationDays };
    },
  };
}

function planSetpoint(value: unknown, unit: TemperatureUnit, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ControlInputError('bad-type', { field: 'setpoint', expected: `a number in °${unit}`, value: show(value) });
  }
  guard(limits, 'setpoint', 'temperature');
  const raw = toHalfCelsius(value, unit);
  // The device's own limits; before they are known, the NWP500's documented 81..131 half-°C.
  const minRaw = limits.features?.setpointMinRaw ?? 81;
  const maxRaw = limits.features?.setpointMaxRaw ?? 131;
  if (raw < minRaw || raw > maxRaw) {
    throw new ControlInputError('out-of-range', {
      field: 'setpoint',
      value: `${value} °${unit}`,
      min: fromHalfCelsius(minRaw, unit),
      max: fromHalfCelsius(maxRaw, unit),
    });
  }
  return {
    command: 'setpoint',
    requested: value,
    setting: 'setpoint',
    build: (ctx) => buildSetpointCommand(ctx, raw),
    confirmedValue: (status) => (status.dhwTemperatureSetting === raw ? fromHalfCelsius(raw, unit) : undefined),
  };
}

function planAntiLegionella(value: unknown, limits: ControlLimits): PlannedControl {
  guard(limits, 'antiLegionella', 'antiLegionella');
  if (value === false) {
    return {
      command: 'antiLegionella',
      requested: false,
      setting: 'antiLegionella',
      build: (ctx) => buildAntiLegionella(ctx, false),
      confirmedValue: (status) => (status.antiLegionellaUse === 1 ? false : undefined),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ControlInputError('bad-type', { field: 'antiLegionella', expected: 'false or {"periodDays": 1-30}', value: show(value) });
  }
  const extra = Object.keys(value).filter((k) => k !== 'periodDays');
  if (extra.length) throw new ControlInputError('unknown-key', { key: `antiLegionella.${extra[0]}`, allowed: 'periodDays' });
  const days = integerIn((value as Record<string, unknown>).periodDays, 'antiLegionella.periodDays', ANTI_LEGIONELLA_DAYS.min, ANTI_LEGIONELLA_DAYS.max);
  return {
    command: 'antiLegionella',
    requested: { periodDays: days },
    setting: 'antiLegionella',
    build: (ctx) => buildAntiLegionella(ctx, days),
    confirmedValue: (status) => (status.antiLegionellaUse === 2 && status.antiLegionellaPeriod === days ? { periodDays: days } : undefined),
  };
}

function planTou(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new ControlInputError('bad-type', { field: 'tou', expected: 'true or false', value: show(value) });
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

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ControlInputError('bad-type', { field, expected: `a whole number ${min}-${max}`, value: show(value) });
  }
  if (value < min || value > max) throw new ControlInputError('out-of-range', { field, value, min, max });
  return value;
}

function parseUnit(value: unknown): TemperatureUnit | undefined {
  if (value === 'F' || value === 'C') return value;
  if (value === undefined || value === null || value === '') return undefined;
  throw new ControlInputError('bad-enum', { field: 'msg.unit', value: plain(value), allowed: 'F, C' });
}

/** For messages that already quote the value ('__value__'): a string as it is, anything else as JSON. */
function plain(value: unknown): string {
  return typeof value === 'string' ? (value.length > 60 ? `${value.slice(0, 57)}...` : value) : show(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
