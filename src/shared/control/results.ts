/** navien-control's result payloads: what a control or a boost/vacation did, with the device's summary after it. */
import { StatusSummary, TemperatureUnit, summarizeStatus } from '../codec';
import type { ControlOutcome, ControlResult } from './device-commands';
import type { TimedKind } from './plans/timed';

/**
 * What a boost or vacation did when it started, changed or was put back; a type of its own here (not in timed-actions)
 * so the change ledger, which reports restores, needs nothing from the code that uses the ledger.
 */
export interface TimedEvent {
  command: TimedKind;
  /** `changed`: the days of a running vacation were changed. */
  phase: 'started' | 'restored' | 'changed';
  requested: unknown;
  applied: unknown;
  result: ControlResult;
  latencyMs: number;
  status: Record<string, unknown> | undefined;
  /** For restores that no input message asked for: the topic of the message that started the action. */
  topic?: unknown;
  /** Restores: when (clock ms) the heater had been sent everything and answered. */
  at?: number;
}

export interface ControlResultPayload {
  command: string;
  /** Boost and vacation only: started or restored. */
  phase?: TimedEvent['phase'];
  requested: unknown;
  applied: unknown;
  result: ControlResult;
  latencyMs: number;
  status: StatusSummary | null;
}

export function outcomePayload(outcome: ControlOutcome, unit: TemperatureUnit, online: boolean): ControlResultPayload {
  return {
    command: outcome.command,
    requested: outcome.requested,
    applied: outcome.applied,
    result: outcome.result,
    latencyMs: outcome.latencyMs,
    status: outcome.status ? summarizeStatus(outcome.status, unit, online) : null,
  };
}

export function timedPayload(event: TimedEvent, unit: TemperatureUnit, online: boolean): ControlResultPayload {
  return {
    command: event.command,
    phase: event.phase,
    requested: event.requested,
    applied: event.applied,
    result: event.result,
    latencyMs: event.latencyMs,
    status: event.status ? summarizeStatus(event.status, unit, online) : null,
  };
}
