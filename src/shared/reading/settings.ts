/** navien-status's settings as its dialog stores them (strings or numbers, possibly empty), read once. */
import type { TemperatureUnit } from '../codec';
import { intervalSeconds } from '../seconds';
import { ReadDefaults, configuredPeriod, configuredRead } from './read-request';
import { DEFAULT_DEADBANDS, Deadbands, nonNegative } from './report-by-exception';

export interface StatusConfigFields {
  unit?: unknown;
  interval?: unknown;
  output?: unknown;
  read?: unknown;
  period?: unknown;
  deadbandTemp?: unknown;
  deadbandPower?: unknown;
  heartbeat?: unknown;
}

/** What output 1 sends (the dialog's "Output"); `all` for a missing or unknown value. */
export const STATUS_OUTPUTS = ['all', 'changes', 'fields', 'chart'] as const;
export type StatusOutput = (typeof STATUS_OUTPUTS)[number];

export interface StatusSettings {
  unit: TemperatureUnit;
  /** Seconds between polls; 0 = pushes only. */
  interval: number;
  /** `chart`: small chart points per status, energy reads as bar rows (chart-messages.ts). */
  output: StatusOutput;
  readDefaults: Required<ReadDefaults>;
  bands: Deadbands;
  /** Seconds; a full snapshot at least this often with output changes/fields; 0 = never. */
  heartbeat: number;
}

/** Seconds between polls; the cloud is not to be polled faster than every 10 s (the HA integration enforces the same floor). */
export const POLL_INTERVAL = { fallback: 30, min: 10 };

export function statusSettings(config: StatusConfigFields): StatusSettings {
  return {
    unit: config.unit === 'C' ? 'C' : 'F',
    interval: intervalSeconds(config.interval, POLL_INTERVAL),
    output: (STATUS_OUTPUTS as readonly unknown[]).includes(config.output) ? (config.output as StatusOutput) : 'all',
    readDefaults: { read: configuredRead(config.read), period: configuredPeriod(config.period) },
    bands: {
      temperature: nonNegative(config.deadbandTemp, DEFAULT_DEADBANDS.temperature),
      power: nonNegative(config.deadbandPower, DEFAULT_DEADBANDS.power),
    },
    heartbeat: nonNegative(config.heartbeat, 0),
  };
}
