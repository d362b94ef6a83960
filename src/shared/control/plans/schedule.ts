/**
 * The weekly program (reservations, docs/protocol.md#weekly-program): replace it, add or remove one entry (read-modify-write: the
 * device holds one list and every write replaces all of it), switch it on/off; and the water-program command.
 */
import {
  COMMANDS,
  InboundMessage,
  MAX_RESERVATION_ENTRIES,
  ScheduleReadError,
  ScheduleValidationError,
  TemperatureUnit,
  WireSchedule,
  WireScheduleEntry,
  buildReservationMode,
  buildReservationRead,
  buildReservationWrite,
  decodeReservationEntry,
  decodeReservationResponse,
  encodeReservation,
  entriesCollide,
  fromHalfCelsius,
  sameSchedule,
  scheduleReadBack,
} from '../../codec';
import { InputError, isPlainObject, show } from '../../input-error';
import type { ControlLimits, PlannedControl } from '../plan';
import { acked, guard, invalid, onlyKeys } from './checks';
import { setpointLimits } from './setpoint';

const SCHEDULE_ENTRY_HELP = "{enabled, days: ['mon', ...], time: 'HH:MM', mode, setpoint}";
const SCHEDULE_ENTRY_KEYS = ['enabled', 'days', 'time', 'mode', 'setpoint'];

function wireKey(e: WireScheduleEntry): string {
  return [e.week, e.hour, e.min, e.mode, e.param].join(',');
}

/** An entry's days and time, as error texts name it. */
function daysAndTime(e: WireScheduleEntry): string {
  const { days, time } = decodeReservationEntry(e, 'C');
  return show({ days, time });
}

/**
 * The weekly program as a reservation read-back holds it, to build a write on; a reply that is not well formed is an
 * error naming its field (a write built on it would erase the owner's entries), so nothing is sent.
 */
export function currentProgram(response: unknown): WireSchedule {
  try {
    return scheduleReadBack(response);
  } catch (err) {
    if (err instanceof ScheduleReadError) throw new InputError('program-unreadable', { field: err.field, value: show(err.value), expected: err.expected });
    throw err;
  }
}

/** One entry, validated like a whole program (days, time, mode 1-4, setpoint within the device's limits). */
function scheduleEntry(value: unknown, field: string, unit: TemperatureUnit, limits: ControlLimits, partial: boolean): { wire: WireScheduleEntry; keys: string[] } {
  if (!isPlainObject(value)) throw new InputError('bad-type', { field, expected: `an entry ${SCHEDULE_ENTRY_HELP}`, value: show(value) });
  onlyKeys(value, field, SCHEDULE_ENTRY_KEYS);
  if (partial && !('days' in value && 'time' in value)) {
    throw new InputError('bad-type', { field, expected: 'an entry with at least days and time', value: show(value) });
  }
  // A removal may name just days and time; fill the rest with valid placeholders and compare only what was given.
  const filled = partial ? { mode: 'heat-pump', setpoint: fromHalfCelsius(setpointLimits(limits).minRaw, unit), ...value } : value;
  try {
    const wire = encodeReservation({ enabled: true, entries: [filled] } as never, unit, setpointLimits(limits)).reservation[0];
    const keys = partial ? ['days', 'time', 'mode', 'setpoint'].filter((k) => k in value) : [];
    return { wire, keys };
  } catch (err) {
    if (err instanceof ScheduleValidationError) {
      const rest = err.field.replace(/^entries\[0\]\.?/, '');
      throw new InputError('invalid', { field: rest ? `${field}.${rest}` : field, value: show(err.value), allowed: err.allowed });
    }
    throw invalid(field, err);
  }
}

export function planSchedule(value: unknown, unit: TemperatureUnit, limits: ControlLimits): PlannedControl {
  const expected = "{enabled, entries: [...]}, {add: entry}, {remove: entry} or {enabled: false}";
  if (!isPlainObject(value)) throw new InputError('bad-type', { field: 'schedule', expected, value: show(value) });
  onlyKeys(value, 'schedule', ['enabled', 'entries', 'add', 'remove']);
  guard(limits, 'schedule', 'schedule');
  const edits = ['entries', 'add', 'remove'].filter((k) => k in value);
  if (edits.length > 1) throw new InputError('conflict', { field: `schedule.${edits[0]}`, other: `schedule.${edits[1]}` });
  if ('enabled' in value && typeof value.enabled !== 'boolean') {
    throw new InputError('bad-type', { field: 'schedule.enabled', expected: 'true or false', value: show(value.enabled) });
  }
  if (edits.length === 0 && !('enabled' in value)) throw new InputError('bad-type', { field: 'schedule', expected, value: show(value) });
  if ((edits[0] === 'add' || edits[0] === 'remove') && 'enabled' in value) {
    throw new InputError('conflict', { field: `schedule.${edits[0]}`, other: 'schedule.enabled' });
  }
  const confirm = (wire: () => WireSchedule | undefined) => (message: InboundMessage) => {
    const sent = wire();
    if (message.kind !== 'reservation' || !sent || !message.response) return undefined;
    return sameSchedule(message.response, sent) ? decodeReservationResponse(message.response, unit) : undefined;
  };
  const base = { command: 'schedule' as const, confirmedValue: () => undefined };

  if (edits[0] === 'entries') {
    // The codec reads the keys it knows; a typo (`enable` for `enabled`) would silently write the default.
    if (Array.isArray(value.entries)) {
      value.entries.forEach((entry, i) => {
        if (isPlainObject(entry)) onlyKeys(entry, `schedule.entries[${i}]`, SCHEDULE_ENTRY_KEYS);
      });
    }
    let wire: WireSchedule;
    try {
      wire = encodeReservation({ enabled: value.enabled ?? true, entries: value.entries } as never, unit, setpointLimits(limits));
    } catch (err) {
      throw invalid('schedule', err);
    }
    return {
      ...base,
      requested: value,
      setting: 'schedule',
      build: (ctx) => buildReservationWrite(ctx, wire),
      confirmedByReply: confirm(() => wire),
    };
  }

  // Read-modify-write: the device holds one list and every write replaces all of it (docs/protocol.md#weekly-program).
  let next: WireSchedule | undefined;
  let change: (current: WireSchedule) => WireSchedule;
  if (edits[0] === 'add') {
    const { wire: entry } = scheduleEntry(value.add, 'schedule.add', unit, limits, false);
    change = (current) => {
      // The same entry again replaces itself; one on a day and minute another entry uses is refused, not guessed at.
      const kept = current.reservation.filter((e) => wireKey(e) !== wireKey(entry));
      const other = kept.find((e) => entriesCollide(e, entry));
      if (other) throw new InputError('entry-collides', { field: 'schedule.add', value: daysAndTime(entry), entry: daysAndTime(other) });
      if (kept.length + 1 > MAX_RESERVATION_ENTRIES) {
        throw new InputError('invalid', { field: 'schedule.add', value: `${kept.length + 1} entries`, allowed: `at most ${MAX_RESERVATION_ENTRIES} entries` });
      }
      return { reservationUse: current.reservationUse, reservation: [...kept, entry] };
    };
  } else if (edits[0] === 'remove') {
    const { wire: pattern, keys } = scheduleEntry(value.remove, 'schedule.remove', unit, limits, true);
    const matches = (e: WireScheduleEntry) =>
      e.week === pattern.week &&
      e.hour === pattern.hour &&
      e.min === pattern.min &&
      (!keys.includes('mode') || e.mode === pattern.mode) &&
      (!keys.includes('setpoint') || e.param === pattern.param);
    change = (current) => {
      const kept = current.reservation.filter((e) => !matches(e));
      if (kept.length === current.reservation.length) throw new InputError('no-entry', { field: 'schedule.remove', value: show(value.remove) });
      return { reservationUse: current.reservationUse, reservation: kept };
    };
  } else {
    const enabled = value.enabled as boolean;
    change = (current) => ({ reservationUse: enabled ? 2 : 1, reservation: current.reservation });
  }
  return {
    ...base,
    requested: value,
    // Each edit builds on the program as it is when it runs: never collapse two of them into one.
    setting: edits.length ? null : 'schedule.enabled',
    async prepare(io, mac) {
      const reply = await io.request(mac, buildReservationRead(io.commandContext(mac)), ['reservation']);
      next = change(currentProgram(reply.response));
    },
    build: (ctx) => {
      if (!next) throw new Error('schedule: the current program was not read');
      return buildReservationWrite(ctx, next);
    },
    confirmedByReply: confirm(() => next),
  };
}

export function planReservationMode(value: unknown, limits: ControlLimits): PlannedControl {
  if (value !== true) throw new InputError('bad-type', { field: 'reservationMode', expected: 'true (sends the water-program command)', value: show(value) });
  guard(limits, 'reservationMode', 'reservationMode');
  const isAck = acked(COMMANDS.reservationMode);
  return {
    command: 'reservationMode',
    requested: true,
    setting: 'reservationMode',
    build: (ctx) => buildReservationMode(ctx),
    confirmedValue: (status) => (isAck(status) ? true : undefined),
  };
}
