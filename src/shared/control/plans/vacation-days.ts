/**
 * A vacation that is already running gets a new day count with `goout-day` (docs/protocol.md#dhw-mode): it changes
 * the stored count without leaving vacation, whereas `dhw-mode [5, days]` is how a vacation is entered. What the
 * count-down does with the new count while a vacation runs has not been captured; the control is confirmed when the
 * status shows the new count and the heater still on vacation.
 */
import { DHW_MODE_VACATION, TemperatureUnit, buildVacationDays } from '../../codec';
import type { PlannedControl } from '../plan';
import { TimedStart, startPlans } from './timed';

/** Whether a raw status shows the heater on vacation. */
export function onVacation(status: Record<string, unknown>): boolean {
  return status.dhwOperationSetting === DHW_MODE_VACATION;
}

/** `goout-day [days]`, confirmed by the status. */
export function vacationDaysPlan(days: number): PlannedControl {
  return {
    command: 'vacation',
    requested: { days },
    setting: 'vacation.days',
    build: (ctx) => buildVacationDays(ctx, days),
    confirmedValue: (status) => (onVacation(status) && status.vacationDaySetting === days ? { days } : undefined),
  };
}

/** The controls a boost or vacation request starts with, given the heater's status now: a running vacation only changes its days. */
export function startPlansFor(request: TimedStart, status: Record<string, unknown>, unit: TemperatureUnit): PlannedControl[] {
  if (request.kind === 'vacation' && onVacation(status)) return [vacationDaysPlan(request.days)];
  return startPlans(request, unit);
}
