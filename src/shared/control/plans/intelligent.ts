/**
 * Intelligent (adaptive) scheduling on or off (docs/protocol.md#other-controls): app-derived, never confirmed live. No
 * status field shows it (docs/protocol.md#status-tou-dr), so the device's ack confirms it.
 */
import { COMMANDS, buildIntelligent } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { acked, guard } from './checks';

export function planIntelligent(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new InputError('bad-type', { field: 'intelligent', expected: 'true or false', value: show(value) });
  guard(limits, 'intelligent', 'intelligent');
  const isAck = acked(value ? COMMANDS.intelligentOn : COMMANDS.intelligentOff);
  return {
    command: 'intelligent',
    requested: value,
    setting: 'intelligent',
    build: (ctx) => buildIntelligent(ctx, value),
    confirmedValue: (status) => (isAck(status) ? value : undefined),
  };
}
