import * as assert from 'node:assert/strict';
import {
  Schedule,
  ScheduleReadError,
  ScheduleValidationError,
  WireSchedule,
  daysToWeek,
  decodeRecircScheduleResponse,
  decodeReservationResponse,
  encodeRecircSchedule,
  encodeReservation,
  entriesCollide,
  parsePackedSchedule,
  sameRecircSchedule,
  sameSchedule,
  scheduleReadBack,
  weekToDays,
} from '../../src/shared/codec';
import { loadFixture } from './fixtures';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
const jsonResponse = loadFixture('mqtt/reservation.rsv-rd.response.composite.json').payload.response;
const hexResponse = loadFixture('mqtt/reservation.rsv-hex.response.composite.json').payload.response;
const written: WireSchedule = loadFixture('commands/reservations.write.json').payload.request;

/**
 * The program in both read-back fixtures, decoded by hand from docs/protocol.md#weekly-program, #week-bitfield (°F).
 */
const expectedF: Schedule = {
  enabled: true,
  entries: [
    { enabled: true, days: weekdays as Schedule['entries'][0]['days'], time: '06:30', mode: 'high-demand', setpoint: 140.0 },
    { enabled: true, days: ['sat', 'sun'], time: '08:00', mode: 'energy-saver', setpoint: 131.0 },
  ],
};

function throwsNaming(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ScheduleValidationError, String(err));
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" lacks "${part}"`);
    return true;
  });
}

describe('codec/schedule', () => {
  it('converts the week bitfield (Sun = 128 ... Sat = 2)', () => {
    assert.deepEqual(weekToDays(124), weekdays);
    assert.deepEqual(weekToDays(130), ['sat', 'sun']);
    assert.deepEqual(weekToDays(254), ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    assert.deepEqual(weekToDays(62), ['tue', 'wed', 'thu', 'fri', 'sat']);
    assert.equal(daysToWeek(['mon', 'wed', 'fri']), 84);
    assert.equal(daysToWeek(['sun', 'sat']), 130);
  });

  it('decodes the JSON read-back', () => {
    assert.deepEqual(decodeReservationResponse(jsonResponse, 'F'), expectedF);
    const c = decodeReservationResponse(jsonResponse, 'C');
    assert.equal(c.entries[0].setpoint, 60);
    assert.equal(c.entries[1].setpoint, 55);
  });

  it('decodes the packed hex read-back to the same program, skipping the empty slot', () => {
    assert.equal(typeof hexResponse.reservation, 'string');
    assert.deepEqual(decodeReservationResponse(hexResponse, 'F'), expectedF);
    assert.deepEqual(decodeReservationResponse(hexResponse, 'C'), decodeReservationResponse(jsonResponse, 'C'));
  });

  it('unpacks hex groups and ignores a partial trailing group or garbage', () => {
    assert.deepEqual(parsePackedSchedule('027c061e0478'), [{ enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 }]);
    assert.equal(parsePackedSchedule('027c061e04780282').length, 1);
    assert.deepEqual(parsePackedSchedule('zz7c061e0478'), []);
    assert.deepEqual(parsePackedSchedule(''), []);
  });

  it('decodes the empty disabled program', () => {
    const empty = loadFixture('mqtt/reservation.rsv-rd.empty.response.json').payload.response;
    assert.deepEqual(decodeReservationResponse(empty, 'C'), { enabled: false, entries: [] });
    assert.deepEqual(decodeReservationResponse({}, 'C'), { enabled: null, entries: [] });
    assert.deepEqual(decodeReservationResponse(null, 'C'), { enabled: null, entries: [] });
  });

  it('encodes the program of the write fixture', () => {
    const wire = encodeReservation(
      {
        enabled: true,
        entries: [
          { days: ['fri', 'thu', 'wed', 'tue', 'mon'], time: '6:30', mode: 'high-demand', setpoint: 140 },
          { enabled: true, days: ['Saturday', 'SUN'] as never, time: '08:00', mode: 'energy-saver', setpoint: 55 * 1.8 + 32 },
        ],
      },
      'F',
    );
    assert.deepEqual(wire, { reservationUse: written.reservationUse, reservation: written.reservation });
    assert.deepEqual(
      encodeReservation({ enabled: false, entries: [{ enabled: false, days: ['sun'], time: '23:59', mode: 'heat-pump', setpoint: 49 }] }, 'C'),
      { reservationUse: 1, reservation: [{ enable: 1, week: 128, hour: 23, min: 59, mode: 1, param: 98 }] },
    );
  });

  it('round-trips decode -> encode -> decode', () => {
    for (const unit of ['F', 'C'] as const) {
      const decoded = decodeReservationResponse(jsonResponse, unit);
      const wire = encodeReservation(decoded, unit);
      assert.deepEqual(wire.reservation, jsonResponse.reservation);
      assert.deepEqual(decodeReservationResponse(wire, unit), decoded);
    }
  });

  it('names the field, the value and what is allowed in validation errors', () => {
    const entry = { days: ['mon'], time: '06:00', mode: 'heat-pump', setpoint: 120 };
    const one = (e: Record<string, unknown>) => () => encodeReservation({ enabled: true, entries: [e as never] }, 'F');
    throwsNaming(one({ ...entry, days: ['funday'] }), 'entries[0].days[0]', '"funday"', 'mon, tue, wed, thu, fri, sat, sun');
    throwsNaming(one({ ...entry, days: [] }), 'entries[0].days', '[]', 'non-empty');
    throwsNaming(one({ ...entry, time: '25:00' }), 'entries[0].time', '"25:00"', 'HH:MM');
    throwsNaming(one({ ...entry, time: 630 }), 'entries[0].time', '630');
    throwsNaming(one({ ...entry, mode: 'vacation' }), 'entries[0].mode', '"vacation"', 'heat-pump, electric, energy-saver, high-demand');
    throwsNaming(one({ ...entry, setpoint: 200 }), 'entries[0].setpoint', '200', '104.9-149.9 °F');
    throwsNaming(one({ ...entry, setpoint: '120' }), 'entries[0].setpoint', '"120"');
    throwsNaming(one({ ...entry, enabled: 'yes' }), 'entries[0].enabled', '"yes"', 'true or false');
    throwsNaming(() => encodeReservation({ enabled: 'on' } as never, 'F'), 'enabled', '"on"');
    throwsNaming(() => encodeReservation({ enabled: true, entries: Array(17).fill(entry) }, 'F'), 'entries', '17 entries', 'at most 16');
    throwsNaming(() => encodeReservation(null as never, 'F'), 'schedule', 'null');
    throwsNaming(
      () => encodeReservation({ enabled: true, entries: [{ ...entry, setpoint: 30 } as never] }, 'C', { minRaw: 70, maxRaw: 120 }),
      'entries[0].setpoint', '30', '35-60 °C',
    );
  });

  it('compares programs order-insensitively across forms', () => {
    assert.ok(sameSchedule(jsonResponse, hexResponse));
    assert.ok(sameSchedule(written, { reservationUse: 2, reservation: [...written.reservation].reverse() }));
    assert.ok(sameSchedule(decodeReservationResponse(hexResponse, 'F'), written, 'F'));
    assert.ok(!sameSchedule(written, { reservationUse: 1, reservation: written.reservation }));
    assert.ok(!sameSchedule(written, { reservationUse: 2, reservation: [written.reservation[0], { ...written.reservation[1], param: 111 }] }));
    assert.ok(!sameSchedule(written, { reservationUse: 2, reservation: [written.reservation[0]] }));
  });

  it('decodes and encodes recirculation schedules', () => {
    const empty = loadFixture('mqtt/recirc-schedule.read.response.json').payload.response;
    assert.deepEqual(decodeRecircScheduleResponse(empty), { enabled: false, entries: [] });
    const recircWrite: WireSchedule = loadFixture('commands/recirc-schedule.write.json').payload.request;
    const decoded = decodeRecircScheduleResponse(recircWrite);
    assert.deepEqual(decoded, {
      enabled: true,
      entries: [
        { enabled: true, days: weekdays, time: '06:00', pump: 'on' },
        { enabled: true, days: weekdays, time: '08:30', pump: 'off' },
      ],
    });
    assert.deepEqual(encodeRecircSchedule(decoded).reservation, recircWrite.reservation);
    // Hex read-backs show the unused param as 0xFF.
    const hex = { reservationUse: 2, reservation: '027c060002ff027c081e01ff' };
    assert.deepEqual(decodeRecircScheduleResponse(hex), decoded);
    assert.ok(sameRecircSchedule(hex, recircWrite));
    assert.ok(sameRecircSchedule(decoded, hex));
    assert.ok(!sameRecircSchedule(hex, { reservationUse: 2, reservation: '027c060001ff027c081e01ff' }));
    throwsNaming(
      () => encodeRecircSchedule({ enabled: true, entries: [{ days: ['mon'], time: '06:00', pump: 'yes' as never }] }),
      'entries[0].pump', '"yes"', "'on' or 'off'",
    );
  });

  describe('read-back for a write (scheduleReadBack)', () => {
    const program = jsonResponse.reservation;

    function refuses(response: unknown, field: string, expected: string): void {
      assert.throws(() => scheduleReadBack(response), (err: unknown) => {
        assert.ok(err instanceof ScheduleReadError, String(err));
        assert.equal(err.field, field);
        assert.ok(err.expected.includes(expected), `"${err.expected}" lacks "${expected}"`);
        return true;
      });
    }

    it('reads both fixture forms to the same program, the empty slot of the hex skipped', () => {
      assert.deepEqual(scheduleReadBack(jsonResponse), { reservationUse: 2, reservation: program });
      assert.deepEqual(scheduleReadBack(hexResponse), { reservationUse: 2, reservation: program });
      const empty = loadFixture('mqtt/reservation.rsv-rd.empty.response.json').payload.response;
      assert.deepEqual(scheduleReadBack(empty), { reservationUse: 1, reservation: [] });
      assert.deepEqual(scheduleReadBack({ reservationUse: 1, reservation: '' }), { reservationUse: 1, reservation: [] });
    });

    it('uses the JSON list when the reply has one, the hex only in its absence', () => {
      assert.deepEqual(scheduleReadBack({ reservationUse: 2, reservation: [program[1]] }).reservation, [program[1]]);
      assert.deepEqual(scheduleReadBack({ reservationUse: 2, reservation: '027c061e0478' }).reservation, [program[0]]);
    });

    it('refuses a reply without a program instead of reading "no entries"', () => {
      refuses(undefined, 'response', 'an object');
      refuses([], 'response', 'an object');
      refuses({ reservationUse: 2 }, 'reservation', 'a list of entries or a packed hex string');
      refuses({ reservationUse: 2, reservation: null }, 'reservation', 'a list of entries or a packed hex string');
      refuses({ reservationUse: 2, reservation: { 0: program[0] } }, 'reservation', 'a list of entries');
    });

    it('refuses list entries that are not whole entries', () => {
      refuses({ reservationUse: 2, reservation: [program[0], 'x'] }, 'reservation[1]', 'an entry {enable, week, hour, min, mode, param}');
      refuses({ reservationUse: 2, reservation: [null] }, 'reservation[0]', 'an entry');
      refuses({ reservationUse: 2, reservation: [[2, 124, 6, 30, 4, 120]] }, 'reservation[0]', 'an entry');
      const { min: _min, ...noMinute } = program[0];
      refuses({ reservationUse: 2, reservation: [noMinute] }, 'reservation[0].min', 'an integer');
      refuses({ reservationUse: 2, reservation: [{ ...program[0], week: '124' }] }, 'reservation[0].week', 'an integer');
      refuses({ reservationUse: 2, reservation: [{ ...program[0], param: 60.5 }] }, 'reservation[0].param', 'an integer');
    });

    it('refuses hex that is not lower-case hex whole 6-byte groups', () => {
      const expected = 'lower-case hex digits, 12 (6 bytes) per entry';
      refuses({ reservationUse: 2, reservation: '027c061e04780282' }, 'reservation', expected); // truncated second entry
      refuses({ reservationUse: 2, reservation: '027c061e047' }, 'reservation', expected);
      refuses({ reservationUse: 2, reservation: '027C061E0478' }, 'reservation', expected); // the notes document lower case
      refuses({ reservationUse: 2, reservation: 'zz7c061e0478' }, 'reservation', expected);
      refuses({ reservationUse: 2, reservation: ' 027c061e0478' }, 'reservation', expected);
    });

    it('refuses an unknown reservationUse rather than taking it as on', () => {
      for (const use of [undefined, 0, 3, '2', true, null]) {
        refuses({ reservationUse: use, reservation: program }, 'reservationUse', '2 (on) or 1 (off)');
      }
    });

    it('names the field and the value in its message', () => {
      assert.throws(() => scheduleReadBack({ reservationUse: 2, reservation: '027C061E0478' }), /^ScheduleReadError: reservation: "027C061E0478" is not a usable read-back; expected lower-case hex/);
    });
  });

  it('entries collide when their days overlap and hour and minute match', () => {
    const at = (week: number, hour: number, min: number) => ({ enable: 2, week, hour, min, mode: 1, param: 110 });
    const weekdays0600 = at(124, 6, 0);
    assert.ok(entriesCollide(at(8, 6, 0), weekdays0600), 'Thursday 06:00 meets Mon-Fri 06:00');
    assert.ok(entriesCollide(weekdays0600, at(8, 6, 0)));
    assert.ok(entriesCollide(at(254, 6, 0), at(130, 6, 0)));
    assert.ok(!entriesCollide(at(130, 6, 0), weekdays0600), 'Sat+Sun and Mon-Fri share no day');
    assert.ok(!entriesCollide(at(8, 6, 1), weekdays0600));
    assert.ok(!entriesCollide(at(8, 7, 0), weekdays0600));
  });
});
