/** CTA-2045 demand-response participation (docs/protocol.md#other-controls). */
import { COMMANDS, buildDemandResponse } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { acked, guard } from './checks';

export function planDemandResponse(value: unknown, limits: ControlLimits): PlannedControl {
  if (typeof value !== 'boolean') throw new InputError('bad-type', { field: 'demandResponse', expected: 'true or false', value: show(value) });
  guard(limits, 'demandResponse', 'demandResponse');
  // No status field reports participation (docs/protocol.md#status-tou-dr): the device's ack of this very
  // command confirms it.
  const isAck = acked(value ? COMMANDS.demandResponseOn : COMMANDS.demandResponseOff);
  return {
    command: 'demandResponse',
    requested: value,
    setting: 'demandResponse',
    build: (ctx) => buildDemandResponse(ctx, value),
    confirmedValue: (status) => (isAck(status) ? value : undefined),
  };
}
