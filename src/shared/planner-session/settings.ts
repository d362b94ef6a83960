/**
 * navien-planner's dialog settings, validated: what is planned for (targets, limits, horizon, reserve) and how the
 * plan is carried out (`apply`). Flows written by hand get an error naming the property and what it may be.
 */
import { SETPOINT_RANGE_RAW, TemperatureUnit, fromHalfCelsius, toHalfCelsius } from '../codec';
import { APPLY_MODES, ApplyMode, HEATER_TOU, MAX_HORIZON_HOURS, PlanInputError, TargetSpec, parseTargets } from '../planner';

/** Where the prices come from: messages (`msg.payload`), or the heater's own TOU plan (read over REST). */
export type PriceSource = 'messages' | typeof HEATER_TOU;
export const PRICE_SOURCES: readonly PriceSource[] = ['messages', HEATER_TOU];

export interface PlannerSettings {
  apply: ApplyMode;
  /** The prices until a message says otherwise. */
  prices: PriceSource;
  /** Unit of the setpoints in the dialog and in the node's messages. */
  unit: TemperatureUnit;
  targets: TargetSpec[];
  /** Highest setpoint a window may use, °C (the dialog's `maxSetpoint` in `unit`). */
  maxSetpointC: number;
  /** Windows may use an element (High Demand / Electric). */
  allowElement: boolean;
  horizonHours: number;
  /** Percentage points planned on top of each target for draws nobody announced. */
  reservePercent: number;
  /** Delivered hot water must never fall below this, °C (the dialog's `comfort` in `unit`). */
  comfortC: number;
  /** `expected`: plan for the draws the heater's history shows (a standard day until it has a week); `none`: only the targets. */
  draws: DrawsSetting;
  /** `device`: keep the planned program entries when the node closes (the heater follows them while Node-RED is down). */
  keepEntries: boolean;
}

/** The dialog's fields as the flow JSON holds them (numbers may come as strings from the editor). */
export interface PlannerConfigFields {
  apply?: unknown;
  prices?: unknown;
  unit?: unknown;
  targets?: unknown;
  maxSetpoint?: unknown;
  allowElement?: unknown;
  horizon?: unknown;
  reserve?: unknown;
  comfort?: unknown;
  draws?: unknown;
  keepEntries?: unknown;
}

export type DrawsSetting = 'expected' | 'none';
export const DRAWS_SETTINGS: readonly DrawsSetting[] = ['expected', 'none'];

export const DEFAULT_TARGETS: readonly TargetSpec[] = [{ at: '06:30', charge: 90 }];
export const DEFAULT_MAX_SETPOINT = { F: 140, C: 60 } as const;
export const DEFAULT_HORIZON_HOURS = 24;
/** 110 °F / 43 °C: the comfort temperature until the dialog says otherwise. */
export const DEFAULT_COMFORT = { F: 110, C: 43 } as const;
export const COMFORT_RANGE = { F: { min: 86, max: 140 }, C: { min: 30, max: 60 } } as const;
export const DEFAULT_RESERVE_PERCENT = 5;
export const MAX_RESERVE_PERCENT = 50;

function numberField(value: unknown, path: string, fallback: number, min: number, max: number, unit = ''): number {
  if (value === undefined || value === '' || value === null) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) throw new PlanInputError(path, `a number ${min}-${max}${unit}`, value);
  return n;
}

function booleanField(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined || value === '' || value === null) return fallback;
  if (typeof value !== 'boolean') throw new PlanInputError(path, 'true or false', value);
  return value;
}

/** Validates the dialog's settings; throws PlanInputError naming the property. */
export function plannerSettings(config: PlannerConfigFields): PlannerSettings {
  const apply = config.apply === undefined || config.apply === '' ? 'preview' : config.apply;
  if (!(APPLY_MODES as readonly unknown[]).includes(apply)) throw new PlanInputError('apply', APPLY_MODES.join(', '), apply);
  const prices = config.prices === undefined || config.prices === '' ? 'messages' : config.prices;
  if (!(PRICE_SOURCES as readonly unknown[]).includes(prices)) throw new PlanInputError('prices', PRICE_SOURCES.join(', '), prices);
  const unit = config.unit === undefined || config.unit === '' ? 'F' : config.unit;
  if (unit !== 'F' && unit !== 'C') throw new PlanInputError('unit', 'F or C', unit);
  const targets = config.targets === undefined || config.targets === '' ? [...DEFAULT_TARGETS] : parseTargets(config.targets, 'targets');
  const [min, max] = [fromHalfCelsius(SETPOINT_RANGE_RAW.min, unit), fromHalfCelsius(SETPOINT_RANGE_RAW.max, unit)];
  const maxSetpoint = numberField(config.maxSetpoint, 'maxSetpoint', DEFAULT_MAX_SETPOINT[unit], min, max, ` °${unit}`);
  const draws = config.draws === undefined || config.draws === '' ? 'expected' : config.draws;
  if (!(DRAWS_SETTINGS as readonly unknown[]).includes(draws)) throw new PlanInputError('draws', DRAWS_SETTINGS.join(', '), draws);
  const comfort = numberField(config.comfort, 'comfort', DEFAULT_COMFORT[unit], COMFORT_RANGE[unit].min, COMFORT_RANGE[unit].max, ` °${unit}`);
  return {
    apply: apply as ApplyMode,
    prices: prices as PriceSource,
    unit,
    targets,
    maxSetpointC: toHalfCelsius(maxSetpoint, unit) / 2,
    allowElement: booleanField(config.allowElement, 'allowElement', false),
    horizonHours: numberField(config.horizon, 'horizon', DEFAULT_HORIZON_HOURS, 1, MAX_HORIZON_HOURS, ' hours'),
    reservePercent: numberField(config.reserve, 'reserve', DEFAULT_RESERVE_PERCENT, 0, MAX_RESERVE_PERCENT, ' %'),
    comfortC: unit === 'F' ? (comfort - 32) / 1.8 : comfort,
    draws: draws as DrawsSetting,
    keepEntries: booleanField(config.keepEntries, 'keepEntries', false),
  };
}
