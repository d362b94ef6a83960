/**
 * The recirculation schedule (docs/protocol.md#recirc-schedule, app-derived and unverified: no source had a pump):
 * replace it, add or remove one entry (read-modify-write, like the weekly program: the device holds one list and every
 * write replaces all of it), or switch it on/off. A write is confirmed from the device's echo.
 */
import {
  InboundMessage,
  MAX_RECIRC_ENTRIES,
  ScheduleReadError,
  ScheduleValidationError,
  WireSchedule,
  WireScheduleEntry,
  buildRecircScheduleRead,
  buildRecircScheduleWrite,
  decodeRecircEntry,
  decodeRecircScheduleResponse,
  encodeRecircSchedule,
  entriesCollide,
  sameRecircSchedule,
  scheduleReadBack,
} from '../../codec';
import { InputError, isPlainObject, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { guard, invalid, onlyKeys } from './checks';

const FIELD = 'recirculation.schedule';
const ENTRY_HELP = "{enabled, days: ['mon', ...], time: 'HH:MM', pump: 'on' | 'off'}";
const EDITS = ['entries', 'add', 'remove'] as const;

const own = (value: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(value, key);

/** Entries with the same days, time and pump action are the same entry (`param` carries nothing here). */
function wireKey(e: WireScheduleEntry): string {
  return [e.week, e.hour, e.min, e.mode].join(',');
}

/** An entry's days and time, as error texts name it. */
function daysAndTime(e: WireScheduleEntry): string {
  const { days, time } = decodeRecircEntry(e);
  return show({ days, time });
}

/** The schedule a read-back holds, to build a write on; one that is not well formed is an error and nothing is sent. */
function currentSchedule(response: unknown): WireSchedule {
  try {
    return scheduleReadBack(response);
  } catch (err) {
    if (err instanceof ScheduleReadError) throw new InputError('recirc-unreadable', { field: err.field, value: show(err.value), expected: err.expected });
    throw err;
  }
}

/** One entry, validated like a whole schedule; a removal may name just days and time (the pump action is optional). */
function scheduleEntry(value: unknown, field: string, partial: boolean): { wire: WireScheduleEntry; keys: string[] } {
  if (!isPlainObject(value)) throw new InputError('bad-type', { field, expected: `an entry ${ENTRY_HELP}`, value: show(value) });
  onlyKeys(value, field, ['enabled', 'days', 'time', 'pump']);
  if (partial && !(own(value, 'days') && own(value, 'time'))) {
    throw new InputError('bad-type', { field, expected: 'an entry with at least days and time', value: show(value) });
  }
  const filled = partial ? { pump: 'on', ...value } : value;
  try {
    const wire = encodeRecircSchedule({ enabled: true, entries: [filled] } as never).reservation[0];
    return { wire, keys: partial ? ['days', 'time', 'pump'].filter((k) => own(value, k)) : [] };
  } catch (err) {
    if (err instanceof ScheduleValidationError) {
      const rest = err.field.replace(/^entries\[0\]\.?/, '');
      throw new InputError('invalid', { field: rest ? `${field}.${rest}` : field, value: show(err.value), allowed: err.allowed });
    }
    throw invalid(field, err);
  }
}

export function planRecircSchedule(value: unknown, limits: ControlLimits): PlannedControl {
  const expected = '{enabled, entries: [...]}, {add: entry}, {remove: entry} or {enabled: true | false}';
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: FIELD, expected, value: show(value) });
  onlyKeys(value, FIELD, ['enabled', ...EDITS]);
  guard(limits, FIELD, 'recircSchedule');
  const edits = EDITS.filter((k) => own(value, k));
  if (edits.length > 1) throw new InputError('conflict', { field: `${FIELD}.${edits[0]}`, other: `${FIELD}.${edits[1]}` });
  const hasEnabled = own(value, 'enabled');
  if (hasEnabled && typeof value.enabled !== 'boolean') {
    throw new InputError('bad-type', { field: `${FIELD}.enabled`, expected: 'true or false', value: show(value.enabled) });
  }
  if (edits.length === 0 && !hasEnabled) throw new InputError('bad-type', { field: FIELD, expected, value: show(value) });
  if ((edits[0] === 'add' || edits[0] === 'remove') && hasEnabled) {
    throw new InputError('conflict', { field: `${FIELD}.${edits[0]}`, other: `${FIELD}.enabled` });
  }
  const confirm = (wire: () => WireSchedule | undefined) => (message: InboundMessage) => {
    const sent = wire();
    if (message.kind !== 'recirc-reservation' || !sent || !message.response) return undefined;
    return sameRecircSchedule(message.response, sent) ? decodeRecircScheduleResponse(message.response) : undefined;
  };
  const base = { command: 'recirculation' as const, requested: { schedule: value }, confirmedValue: () => undefined };

  if (edits[0] === 'entries') {
    let wire: WireSchedule;
    try {
      wire = encodeRecircSchedule({ enabled: hasEnabled ? value.enabled : true, entries: value.entries } as never);
    } catch (err) {
      throw invalid(FIELD, err);
    }
    return { ...base, setting: FIELD, build: (ctx) => buildRecircScheduleWrite(ctx, wire), confirmedByReply: confirm(() => wire) };
  }

  let change: (current: WireSchedule) => WireSchedule;
  if (edits[0] === 'add') {
    const { wire: entry } = scheduleEntry(value.add, `${FIELD}.add`, false);
    change = (current) => {
      // The same entry again replaces itself; one on a day and minute another entry uses is refused, not guessed at.
      const kept = current.reservation.filter((e) => wireKey(e) !== wireKey(entry));
      const other = kept.find((e) => entriesCollide(e, entry));
      if (other) throw new InputError('recirc-entry-collides', { field: `${FIELD}.add`, value: daysAndTime(entry), entry: daysAndTime(other) });
      if (kept.length + 1 > MAX_RECIRC_ENTRIES) {
        throw new InputError('invalid', { field: `${FIELD}.add`, value: `${kept.length + 1} entries`, allowed: `at most ${MAX_RECIRC_ENTRIES} entries` });
      }
      return { reservationUse: current.reservationUse, reservation: [...kept, entry] };
    };
  } else if (edits[0] === 'remove') {
    const { wire: pattern, keys } = scheduleEntry(value.remove, `${FIELD}.remove`, true);
    const matches = (e: WireScheduleEntry) =>
      e.week === pattern.week && e.hour === pattern.hour && e.min === pattern.min && (!keys.includes('pump') || e.mode === pattern.mode);
    change = (current) => {
      const kept = current.reservation.filter((e) => !matches(e));
      if (kept.length === current.reservation.length) throw new InputError('no-recirc-entry', { field: `${FIELD}.remove`, value: show(value.remove) });
      return { reservationUse: current.reservationUse, reservation: kept };
    };
  } else {
    const enabled = value.enabled as boolean;
    change = (current) => ({ reservationUse: enabled ? 2 : 1, reservation: current.reservation });
  }
  // Read-modify-write (docs/protocol.md#weekly-program): read right before the write, in the device's queue.
  let next: WireSchedule | undefined;
  return {
    ...base,
    // Each edit builds on the schedule as it is when it runs: never collapse two of them into one.
    setting: edits.length ? null : `${FIELD}.enabled`,
    async prepare(io, mac) {
      const reply = await io.request(mac, buildRecircScheduleRead(io.commandContext(mac)), ['recirc-reservation']);
      const { reservationUse, reservation } = currentSchedule(reply.response);
      // The hex read-back carries the recirculation param as 0xFF; the write sends -1 (docs/protocol.md#recirc-schedule).
      next = change({ reservationUse, reservation: reservation.map((e) => ({ ...e, param: -1 })) });
    },
    build: (ctx) => {
      if (!next) throw new Error(`${FIELD}: the current schedule was not read`);
      return buildRecircScheduleWrite(ctx, next);
    },
    confirmedByReply: confirm(() => next),
  };
}
