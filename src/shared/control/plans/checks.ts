/** Checks every control family shares: gating, whole numbers in a range, known keys, the codec's schedule errors. */
import { ScheduleValidationError, isControlSupported } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits } from '../plan';

/**
 * Read-only accounts refuse every write; a control the device's feature flags say it lacks is refused
 * (docs/protocol.md#capability-gating).
 */
export function guard(limits: ControlLimits, field: string, control: string): void {
  if (limits.readOnly) throw new InputError('read-only', { field });
  // A flag the record does not carry does not block; a known "no" does.
  if (!isControlSupported(limits.features, control)) throw new InputError('unsupported', { field });
}

export function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InputError('bad-type', { field, expected: `a whole number ${min}-${max}`, value: show(value) });
  }
  if (value < min || value > max) throw new InputError('out-of-range', { field, value, min, max });
  return value;
}

export function onlyKeys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new InputError('unknown-key', { key: `${field}.${extra}`, allowed: allowed.join(', ') });
}

/** The codec's schedule errors name field, value and what is allowed; keep that, under our field name. */
export function invalid(prefix: string, err: unknown): InputError {
  if (err instanceof ScheduleValidationError) {
    return new InputError('invalid', { field: `${prefix}.${err.field}`, value: show(err.value), allowed: err.allowed });
  }
  const text = err instanceof Error ? err.message : String(err);
  const match = /^(.+?): (.*) is not valid; allowed: (.*)$/.exec(text);
  if (match) return new InputError('invalid', { field: `${prefix}.${match[1]}`, value: match[2], allowed: match[3] });
  return new InputError('invalid', { field: prefix, value: text, allowed: 'see the help' });
}

/**
 * Status-less controls are confirmed by the device's ack: a status whose `command` is the control's code
 * (docs/protocol.md#confirmation).
 */
export function acked(code: number): (status: Record<string, unknown>) => boolean {
  return (status) => status.command === code;
}
