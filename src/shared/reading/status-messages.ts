/**
 * What navien-status sends, as plain message properties: the status message, one message per summary field, and
 * alert events. No Node-RED: the node adds them to its messages and sends them.
 */
// From the codec's modules, not its index (whose re-exports are getters): this runs for every status.
import { DecodedStatus, decodeStatus } from '../codec/status';
import { StatusSummary, summarizeStatus } from '../codec/summary';
import type { TemperatureUnit } from '../codec/units';
import type { DeviceInfo } from '../types/device';
import type { AlertEvent } from './alerts';
import { DerivedStatus, deriveStatus } from './derived';

export interface StatusMessage {
  topic: string;
  /** The summary (what dashboards show), in the node's unit. */
  payload: StatusSummary;
  /** Every wire field under its own name, in real units. */
  status: DecodedStatus;
  /** The device's `response.status`, untouched. */
  raw: Record<string, unknown>;
  device: DeviceInfo;
  derived: DerivedStatus;
}

/** A device status carries at least its mode and its water temperature as numbers; anything else is garbage. */
export function looksLikeStatus(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const status = raw as Record<string, unknown>;
  return typeof status.dhwOperationSetting === 'number' && typeof status.dhwTemperature === 'number';
}

/** `summary`: the status's summary when the caller has it already (it is what report by exception compares). */
export function statusMessage(
  raw: Record<string, unknown>,
  options: { unit: TemperatureUnit; online: boolean; device: DeviceInfo; electricSince: number | null | undefined },
  summary: StatusSummary = summarizeStatus(raw, options.unit, options.online),
): StatusMessage {
  return {
    topic: `navien/${options.device.mac}/status`,
    payload: summary,
    status: decodeStatus(raw, options.unit),
    raw,
    device: options.device,
    derived: deriveStatus(raw, options.electricSince),
  };
}

/** Output "fields": one message per named summary field, topic `navien/<mac>/<field>`. */
export function fieldMessages(message: StatusMessage, fields: readonly string[]): Array<{ topic: string; payload: unknown; device: DeviceInfo }> {
  const summary = message.payload as unknown as Record<string, unknown>;
  return fields.map((field) => ({ topic: `navien/${message.device.mac}/${field}`, payload: summary[field], device: message.device }));
}

/** Output 2: one message per alert event, topic `navien/<mac>/event/<name>`. */
export function eventMessages(device: DeviceInfo, events: readonly AlertEvent[], at: Date = new Date()): Array<{ topic: string; payload: Record<string, unknown>; device: DeviceInfo }> {
  const time = at.toISOString();
  return events.map((e) => ({ topic: `navien/${device.mac}/event/${e.name}`, payload: { event: e.name, mac: device.mac, at: time, ...e.details }, device }));
}

/** The one-line node status of a device, from its summary: temperature, tank charge and mode; `error` when the device reports one. */
export function statusLine(s: StatusSummary): { text: string; error: boolean } {
  return { text: `${s.temperature ?? '?'}°${s.unit} · ${s.tankCharge ?? '?'}% · ${s.mode}`, error: !!s.error };
}
