/**
 * What navien-planner reports on its second output: what it carried out (commands and their results), target misses,
 * plans made again, and why a plan is not applied. One message per report, `msg.topic` = `navien/<mac>/planner/<type>`.
 */
import type { ScheduleEntry } from '../codec';
import type { ControlResult } from '../control/device-commands';

/** `failed`: the control could not be sent (connection, queue); `skipped`: not sent on purpose (`error` says why). */
export type ApplyResult = ControlResult | 'failed' | 'skipped';

/** A setting as the node reports it: the mode's name and the setpoint in the node's unit. */
export interface SettingView {
  mode: string;
  setpoint: number;
}

export type PlannerReport =
  /** live: a window (or the hold between windows) set on the heater. */
  | {
      type: 'apply';
      at: string;
      /** Index into the plan's windows; null for the hold between windows. */
      window: number | null;
      setting: SettingView;
      /** When the user's own setting comes back unless a newer plan says otherwise. */
      until: string;
      result: ApplyResult;
      applied: unknown;
      latencyMs?: number;
      error?: string;
    }
  /** live: the user's own mode and setpoint put back (plan over, planning stopped, node deleted). */
  | { type: 'restore'; at: string; cause: 'plan-end' | 'stopped'; setting: SettingView | null; result: ApplyResult; applied: unknown; error?: string }
  /** device: the planner's entries of the weekly program written, pruned (passed ones removed) or removed. */
  | {
      type: 'program';
      at: string;
      action: 'write' | 'prune' | 'remove';
      result: ApplyResult;
      /** The planner's entries on the heater after this write, with the time each switches. */
      entries: Array<ScheduleEntry & { at: string }>;
      /** The user's own entries, kept as they were (null when the program could not be read). */
      userEntries: number | null;
      /** Windows merged to fit the program's free entries. */
      merged?: number;
      error?: string;
    }
  | { type: 'replan'; at: string; reason: 'drift' | 'status' | 'start' | 'hourly'; charge?: number; expectedCharge?: number }
  /** A target time passed with the tank below the charge wanted. */
  | { type: 'target'; at: string; target: string; charge: number; actualCharge: number; met: false }
  /** A litres or showers target: the hot water above comfort the probes showed then. */
  | { type: 'target'; at: string; target: string; litres: number; actualLitres: number; met: false }
  /** The plan is not carried out: read-only account, a capability the heater lacks, heater off or on vacation, ... */
  | { type: 'not-applied'; at: string; reason: string; error: string };

export type PlannerReportType = PlannerReport['type'];
