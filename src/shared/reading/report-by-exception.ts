/**
 * Report by exception for navien-status: which summary fields changed beyond their deadband since they were last
 * reported, and when a heartbeat (full snapshot) is due. The functions are pure; ReportByException keeps the state
 * per device (last reported values, last full snapshot). No Node-RED, no timers.
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

/** What goes out for one status under report by exception. */
export interface Report {
  /** The fields that changed beyond their deadband (all of them for a device's first status). */
  changed: string[];
  /** The fields to send one message each (output "fields"): all of them for a first status or a full snapshot. */
  fields: string[];
  /** A full snapshot that went out because it was due (heartbeat) or forced, not because something changed. */
  heartbeat: boolean;
}

/** The report-by-exception state of one node: per device, what was last reported and when the last full snapshot went out. */
export class ReportByException {
  private readonly reported = new Map<string, Record<string, unknown>>();
  private readonly lastFullAt = new Map<string, number>();

  constructor(private readonly bands: Deadbands, private readonly heartbeatSeconds: number, private readonly now: () => number = Date.now) {}

  /**
   * What to send for this summary of `mac`, or null when nothing moved beyond its deadband and no snapshot is due.
   * `force` sends a full snapshot now (the heartbeat timer, for a device that went silent).
   */
  next(mac: string, summary: Readonly<Record<string, unknown>>, force = false): Report | null {
    const now = this.now();
    const first = !this.reported.has(mac);
    const due = force || (!first && heartbeatDue(this.heartbeatSeconds, this.lastFullAt.get(mac), now));
    const changed = changedFields(this.reported.get(mac), summary, this.bands);
    if (changed.length === 0 && !due) return null;
    this.reported.set(mac, mergeReported(this.reported.get(mac), summary, changed));
    if (first || due) this.lastFullAt.set(mac, now);
    return { changed, fields: first || due ? Object.keys(summary) : changed, heartbeat: due };
  }

  /** An input is answered with the whole status: that counts as reported, and as a full snapshot. Returns what changed. */
  answered(mac: string, summary: Readonly<Record<string, unknown>>): string[] {
    const changed = changedFields(this.reported.get(mac), summary, this.bands);
    this.reported.set(mac, mergeReported(this.reported.get(mac), summary, changed));
    this.lastFullAt.set(mac, this.now());
    return changed;
  }

  /** A heartbeat is set and the device's last full snapshot is at least that old (or none went out yet). */
  heartbeatDue(mac: string): boolean {
    return heartbeatDue(this.heartbeatSeconds, this.lastFullAt.get(mac), this.now());
  }
}
