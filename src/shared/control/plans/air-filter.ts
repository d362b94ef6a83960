/** The air filter alarm (docs/protocol.md#other-controls): reset the elapsed hours, or set the filter life (0 = alarm off). */
import { AIR_FILTER_HOURS_RANGE, AIR_FILTER_HOURS_STEP, buildAirFilterLife, buildAirFilterReset } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard } from './checks';

export function planAirFilter(value: unknown, limits: ControlLimits): PlannedControl {
  guard(limits, 'airFilter', 'airFilter');
  if (value === 'reset') {
    return {
      command: 'airFilter',
      requested: 'reset',
      setting: 'airFilter.reset',
      build: (ctx) => buildAirFilterReset(ctx),
      confirmedValue: (status) => (status.airFilterAlarmElapsed === 0 ? 'reset' : undefined),
    };
  }
  const { min, max } = AIR_FILTER_HOURS_RANGE;
  const allowed = `'reset', 0 (alarm off) or hours ${min}-${max} in steps of ${AIR_FILTER_HOURS_STEP}`;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InputError('bad-type', { field: 'airFilter', expected: allowed, value: show(value) });
  if (value !== 0 && (value < min || value > max || value % AIR_FILTER_HOURS_STEP !== 0)) {
    throw new InputError('invalid', { field: 'airFilter', value: String(value), allowed });
  }
  return {
    command: 'airFilter',
    requested: value,
    setting: 'airFilter.hours',
    build: (ctx) => buildAirFilterLife(ctx, value),
    confirmedValue: (status) => {
      if (value === 0) return status.airFilterAlarmUse === 1 || status.airFilterAlarmPeriod === 0 ? 0 : undefined;
      return status.airFilterAlarmPeriod === value ? value : undefined;
    },
  };
}
