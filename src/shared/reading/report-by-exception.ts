/**
 * Report by exception for navien-status: which summary fields changed beyond their deadband since they were last
 * reported, and when a heartbeat (full snapshot) is due. Pure: no Node-RED, no timers.
 */

export interface Deadbands {
  /** Temperatures (`setpoint`, `temperature`) in the node's unit; a change of at least this much is reported. */
  temperature: number;
  /** `powerW`, watts. */
  power: number;
}

export const DEFAULT_DEADBANDS: Deadbands = { temperature: 0.5, power: 20 };
const TEMPERATURE_FIELDS = new Set(['setpoint', 'temperature']);
const POWER_FIELDS = new Set(['powerW']);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function bandOf(field: string, bands: Deadbands): number {
  if (TEMPERATURE_FIELDS.has(field)) return bands.temperature;
  if (POWER_FIELDS.has(field)) return bands.power;
  return 0;
}

/**
 * Fields of `next` that differ from `reported` (the values last sent). A numeric field with a deadband counts as
 * changed when it moved by at least the deadband from the value last reported, so slow drifts add up and are
 * reported once they reach it; appearing or disappearing (null) always counts. Without anything reported yet, every
 * field of `next` counts. Field order is that of `next`.
 */
export function changedFields(
  reported: Readonly<Record<string, unknown>> | undefined,
  next: Readonly<Record<string, unknown>>,
  bands: Deadbands = DEFAULT_DEADBANDS,
): string[] {
  if (!reported) return Object.keys(next);
  return Object.keys(next).filter((field) => {
    const before = reported[field];
    const after = next[field];
    const band = bandOf(field, bands);
    if (band > 0 && typeof before === 'number' && typeof after === 'number') {
      // A tiny epsilon so 0.5 - 0.0000001 from float arithmetic still counts as a 0.5 step.
      return Math.abs(after - before) >= band - 1e-9;
    }
    return !same(before, after);
  });
}

/**
 * The values to remember as "last reported" after sending `changed` fields of `next`: fields inside their deadband
 * keep their earlier reported value, so the band is measured from what subscribers last saw.
 */
export function mergeReported(
  reported: Readonly<Record<string, unknown>> | undefined,
  next: Readonly<Record<string, unknown>>,
  changed: readonly string[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(reported ?? {}) };
  for (const field of changed) merged[field] = next[field];
  for (const field of Object.keys(next)) if (!(field in merged)) merged[field] = next[field];
  return merged;
}

/** A full snapshot is due when a heartbeat is set and the last full one is at least that old (or none was sent). */
export function heartbeatDue(heartbeatSeconds: number, lastFullAtMs: number | undefined, nowMs: number): boolean {
  if (!(heartbeatSeconds > 0)) return false;
  return lastFullAtMs === undefined || nowMs - lastFullAtMs >= heartbeatSeconds * 1000;
}

/** Parses a deadband or heartbeat setting: a finite number >= 0, else the fallback (an empty field = default). */
export function nonNegative(value: unknown, fallback: number): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
