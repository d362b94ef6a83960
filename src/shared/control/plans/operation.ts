/** Power and DHW mode (docs/protocol.md#power, #dhw-mode): both write `dhwOperationSetting`. */
import { DHW_MODES, DHW_MODE_POWER_OFF, DHW_MODE_VACATION, WRITABLE_DHW_MODES, buildModeCommand, buildPowerCommand } from '../../codec';
import { InputError, plain, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard, integerIn } from './checks';

/** docs/protocol.md#dhw-mode, #verified-vs-uncertain: 1-30 days until the device is known to accept more. */
export const VACATION_DAYS = { min: 1, max: 30 };
/** Reads as "days must be left out unless mode is 'vacation', got 3". */
export const DAYS_ONLY_WITH_VACATION = "left out unless mode is 'vacation' (then a whole number 1-30)";

export function planPower(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new InputError('bad-type', { field: 'power', expected: 'true or false', value: show(value) });
  guard(limits, 'power', 'power');
  if (!value && !limits.allowPowerOff) throw new InputError('power-off-disallowed');
  return {
    command: 'power',
    requested: value,
    setting: 'power',
    build: (ctx) => buildPowerCommand(ctx, value),
    confirmedValue: (status) => {
      const setting = status.dhwOperationSetting;
      if (typeof setting !== 'number' || setting === 0) return undefined;
      return (setting !== DHW_MODE_POWER_OFF) === value ? value : undefined;
    },
  };
}

export function planMode(value: unknown, days: unknown, limits: ControlLimits): PlannedControl {
  if (value === 'off') throw new InputError('bad-enum', { field: 'mode', value: 'off', allowed: `${WRITABLE_DHW_MODES.join(', ')} (use power: false to turn off)` });
  if (typeof value !== 'string' || !(WRITABLE_DHW_MODES as readonly string[]).includes(value)) {
    throw new InputError('bad-enum', { field: 'mode', value: plain(value), allowed: WRITABLE_DHW_MODES.join(', ') });
  }
  guard(limits, 'mode', 'mode');
  guard(limits, `mode '${value}'`, value);
  let vacationDays: number | undefined;
  if (value === 'vacation') {
    vacationDays = integerIn(days, 'days', VACATION_DAYS.min, VACATION_DAYS.max);
  } else if (days !== undefined) {
    throw new InputError('bad-type', { field: 'days', expected: DAYS_ONLY_WITH_VACATION, value: show(days) });
  }
  return modePlanId(DHW_MODES.idOf(value) as number, vacationDays);
}

/** A mode control from a mode id 1-5 (vacation with its days): a validated mode, or a remembered one put back. */
export function modePlanId(id: number, vacationDays?: number): PlannedControl {
  const name = DHW_MODES.nameOf(id);
  const mode = name !== null && (WRITABLE_DHW_MODES as readonly string[]).includes(name) ? name : id;
  const vacation = id === DHW_MODE_VACATION;
  const value = vacation ? { mode, days: vacationDays } : mode;
  return {
    command: 'mode',
    requested: value,
    setting: 'mode',
    build: (ctx) => buildModeCommand(ctx, id, vacation ? vacationDays : undefined),
    confirmedValue: (status) => {
      if (status.dhwOperationSetting !== id) return undefined;
      if (vacation && status.vacationDaySetting !== vacationDays) return undefined;
      return value;
    },
  };
}
