/** The anti-legionella cycle (docs/protocol.md#anti-legionella): off, or on every 1-30 days. */
import { buildAntiLegionella } from '../../codec';
import { InputError, isPlainObject, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard, integerIn, onlyKeys } from './checks';

const PERIOD_DAYS = { min: 1, max: 30 };

export function planAntiLegionella(value: unknown, limits: ControlLimits): PlannedControl {
  guard(limits, 'antiLegionella', 'antiLegionella');
  if (value === false) {
    return {
      command: 'antiLegionella',
      requested: false,
      setting: 'antiLegionella',
      build: (ctx) => buildAntiLegionella(ctx, false),
      confirmedValue: (status) => (status.antiLegionellaUse === 1 ? false : undefined),
    };
  }
  if (!isPlainObject(value)) {
    throw new InputError('bad-type', { field: 'antiLegionella', expected: 'false or {"periodDays": 1-30}', value: show(value) });
  }
  onlyKeys(value, 'antiLegionella', ['periodDays']);
  const days = integerIn(value.periodDays, 'antiLegionella.periodDays', PERIOD_DAYS.min, PERIOD_DAYS.max);
  return {
    command: 'antiLegionella',
    requested: { periodDays: days },
    setting: 'antiLegionella',
    build: (ctx) => buildAntiLegionella(ctx, days),
    confirmedValue: (status) => (status.antiLegionellaUse === 2 && status.antiLegionellaPeriod === days ? { periodDays: days } : undefined),
  };
}
