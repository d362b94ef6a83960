/** navien-control's result payloads: what a control or a boost/vacation did, with the device's summary after it. */
import { StatusSummary, TemperatureUnit, summarizeStatus } from '../codec';
import type { ControlOutcome, ControlResult } from './device-commands';
import type { TimedEvent } from './timed-actions';

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
