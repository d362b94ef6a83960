/**
 * The condenser fault reset (`cond-fault-reset`, docs/protocol.md#other-controls): an action of the app's installer
 * screen (the ack is verified). Sent only when the node allows installer actions and the heater reports the fault.
 */
import { COMMANDS, buildCondenserFaultReset, buildStatusRequest } from '../../codec';
import { InputError, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { acked, guard } from './checks';

/**
 * Which faults the reset clears is not documented anywhere (docs/protocol.md names the command only). Our reading: the
 * condensate side of the heat pump, i.e. error E990 (condensate overflow) or the tripped condensate sensor
 * (`conOvrSensorUse` 2, docs/protocol.md#status-programs). Unverified: when a source names other codes, extend this
 * list (and the README's table, which marks the control app-derived).
 */
export const CONDENSER_FAULT_CODES: readonly number[] = [990];
const CONDENSATE_SENSOR_TRIPPED = 2;

/** Whether a raw status shows a fault the reset is for. */
export function hasCondenserFault(status: Record<string, unknown>): boolean {
  return (typeof status.errorCode === 'number' && CONDENSER_FAULT_CODES.includes(status.errorCode)) || status.conOvrSensorUse === CONDENSATE_SENSOR_TRIPPED;
}

function errorName(status: Record<string, unknown>): string {
  const code = status.errorCode;
  return typeof code === 'number' && code !== 0 ? `E${String(code).padStart(3, '0')}` : 'none';
}

export function planCondenserFaultReset(value: unknown, limits: ControlLimits): PlannedControl {
  const field = 'condenserFaultReset';
  if (value !== true) throw new InputError('bad-type', { field, expected: 'true (resets a condenser fault)', value: show(value) });
  if (limits.installerActions !== true) throw new InputError('installer-actions-off', { field });
  guard(limits, field, field);
  const isAck = acked(COMMANDS.condenserFaultReset);
  return {
    command: 'condenserFaultReset',
    requested: true,
    setting: field,
    // The fault is read just before sending, in the device's queue: a reset only goes out while the fault is there.
    async prepare(io, mac) {
      const reply = await io.request(mac, buildStatusRequest(io.commandContext(mac)), ['status']);
      const status = (reply.response?.status ?? {}) as Record<string, unknown>;
      if (!hasCondenserFault(status)) throw new InputError('no-condenser-fault', { field, error: errorName(status) });
    },
    build: (ctx) => buildCondenserFaultReset(ctx),
    confirmedValue: (status) => (isAck(status) ? true : undefined),
  };
}
