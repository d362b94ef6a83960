/** The DHW setpoint (docs/protocol.md#setpoint): half-°C on the wire, within the device's own limits. */
import { DEFAULT_SETPOINT_LIMITS, TemperatureUnit, buildSetpointCommand, fromHalfCelsius, toHalfCelsius } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard } from './checks';

export function planSetpoint(value: unknown, unit: TemperatureUnit, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError('bad-type', { field: 'setpoint', expected: `a number in °${unit}`, value: show(value) });
  }
  guard(limits, 'setpoint', 'setpoint');
  const raw = setpointRaw(value, 'setpoint', unit, limits);
  return { ...setpointPlanRaw(raw, unit), requested: value };
}

/**
 * The device's own limits; before they are known (or when the cloud sent implausible ones, decoded as null), the
 * NWP500's physical range, so a cloud value never widens what is accepted.
 */
export function setpointLimits(limits: ControlLimits): { minRaw: number; maxRaw: number } {
  return {
    minRaw: limits.features?.setpointMinRaw ?? DEFAULT_SETPOINT_LIMITS.minRaw,
    maxRaw: limits.features?.setpointMaxRaw ?? DEFAULT_SETPOINT_LIMITS.maxRaw,
  };
}

/** A setpoint in the user's unit as half-°C, refused outside the device's limits (named `field` in the error). */
export function setpointRaw(value: number, field: string, unit: TemperatureUnit, limits: ControlLimits): number {
  const raw = toHalfCelsius(value, unit);
  const { minRaw, maxRaw } = setpointLimits(limits);
  if (raw < minRaw || raw > maxRaw) {
    throw new InputError('out-of-range', {
      field,
      value: `${value} °${unit}`,
      min: fromHalfCelsius(minRaw, unit),
      max: fromHalfCelsius(maxRaw, unit),
    });
  }
  return raw;
}

/** A setpoint control from an already-encoded value (a boost's setpoint, or a remembered one put back). */
export function setpointPlanRaw(raw: number, unit: TemperatureUnit): PlannedControl {
  return {
    command: 'setpoint',
    requested: fromHalfCelsius(raw, unit),
    setting: 'setpoint',
    build: (ctx) => buildSetpointCommand(ctx, raw),
    confirmedValue: (status) => (status.dhwTemperatureSetting === raw ? fromHalfCelsius(raw, unit) : undefined),
  };
}
