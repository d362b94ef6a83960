/**
 * The recirculation pump, on devices that have one (docs/protocol.md#other-controls): its mode, or the hot button; and
 * its schedule (./recirc-schedule).
 */
import { COMMANDS, RECIRC_MODES, buildRecircHotButton, buildRecircMode } from '../../codec';
import { InputError, isPlainObject, plain, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { acked, guard, onlyKeys } from './checks';
import { planRecircSchedule } from './recirc-schedule';

/** The writable modes, in id order ('unknown' is status-only). */
const RECIRC_MODE_NAMES: readonly string[] = Object.values(RECIRC_MODES.names).filter((name) => name !== 'unknown');

export function planRecirculation(value: unknown, limits: ControlLimits): PlannedControl {
  const expected = `{"mode": ${RECIRC_MODE_NAMES.map((m) => `'${m}'`).join(' | ')}}, {"hotButton": true} or {"schedule": {...}}`;
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: 'recirculation', expected, value: show(value) });
  onlyKeys(value, 'recirculation', ['mode', 'hotButton', 'schedule']);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new InputError('bad-type', { field: 'recirculation', expected, value: show(value) });
  // The schedule has its own capability flag (recircReservationUse) and module.
  if (keys[0] === 'schedule') return planRecircSchedule(value.schedule, limits);
  guard(limits, 'recirculation', 'recirculation');
  if ('hotButton' in value) {
    if (value.hotButton !== true) throw new InputError('bad-type', { field: 'recirculation.hotButton', expected: 'true', value: show(value.hotButton) });
    const isAck = acked(COMMANDS.recircHotButton);
    return {
      command: 'recirculation',
      requested: { hotButton: true },
      setting: 'recirculation.hotButton',
      build: (ctx) => buildRecircHotButton(ctx),
      confirmedValue: (status) => (isAck(status) || status.recircOperationBusy === 2 ? { hotButton: true } : undefined),
    };
  }
  const mode = value.mode;
  if (typeof mode !== 'string' || !RECIRC_MODE_NAMES.includes(mode)) {
    throw new InputError('bad-enum', { field: 'recirculation.mode', value: plain(mode), allowed: RECIRC_MODE_NAMES.join(', ') });
  }
  const id = RECIRC_MODES.idOf(mode) as number;
  return {
    command: 'recirculation',
    requested: { mode },
    setting: 'recirculation.mode',
    build: (ctx) => buildRecircMode(ctx, id),
    confirmedValue: (status) => (status.recircOperationMode === id ? { mode } : undefined),
  };
}
