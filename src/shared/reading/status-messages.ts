/**
 * What navien-status sends, as plain message properties: the status message, one message per summary field, and
 * alert events. No Node-RED: the node adds them to its messages and sends them.
 */
import { DecodedStatus, StatusSummary, TemperatureUnit, decodeStatus, summarizeStatus } from '../codec';
import type { DeviceInfo } from '../device/device-api';
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

export function statusMessage(
  raw: Record<string, unknown>,
  options: { unit: TemperatureUnit; online: boolean; device: DeviceInfo; electricSince: number | null | undefined },
): StatusMessage {
  return {
    topic: `navien/${options.device.mac}/status`,
    payload: summarizeStatus(raw, options.unit, options.online),
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

/** The one-line node status of a device: temperature, tank charge and mode; `error` when the device reports one. */
export function statusLine(raw: Record<string, unknown>, unit: TemperatureUnit): { text: string; error: boolean } {
  const s = summarizeStatus(raw, unit, true);
  return { text: `${s.temperature ?? '?'}°${unit} · ${s.tankCharge ?? '?'}% · ${s.mode}`, error: !!s.error };
}
