import assert from 'node:assert/strict';
import { ReportByException } from '../../src/shared/reading/report-by-exception';

describe('ReportByException: what output changes/fields sends per device', () => {
  const bands = { temperature: 0.5, power: 20 };
  const base = { online: true, temperature: 57.5, powerW: 410, tankCharge: 80 };

  it('a device\'s first status goes out whole; then only fields that moved beyond their deadband', () => {
    const rbe = new ReportByException(bands, 0);
    assert.deepEqual(rbe.next('a', base), { changed: ['online', 'temperature', 'powerW', 'tankCharge'], fields: ['online', 'temperature', 'powerW', 'tankCharge'], heartbeat: false });
    assert.equal(rbe.next('a', { ...base, powerW: 425 }), null, '15 W is inside the 20 W deadband');
    // Measured from what was last reported (410), so the drift adds up: 431 is 21 W away.
    assert.deepEqual(rbe.next('a', { ...base, powerW: 431 }), { changed: ['powerW'], fields: ['powerW'], heartbeat: false });
    assert.deepEqual(rbe.next('b', base)?.fields.length, 4, 'each device has its own state');
  });

  it('a heartbeat sends a full snapshot once due, even without a change; force sends one now', () => {
    let now = 0;
    const rbe = new ReportByException(bands, 10, () => now);
    rbe.next('a', base);
    now = 9_999;
    assert.equal(rbe.heartbeatDue('a'), false);
    assert.equal(rbe.next('a', base), null);
    now = 10_000;
    assert.equal(rbe.heartbeatDue('a'), true);
    assert.deepEqual(rbe.next('a', base), { changed: [], fields: Object.keys(base), heartbeat: true });
    assert.equal(rbe.heartbeatDue('a'), false, 'the snapshot restarts the heartbeat');
    assert.deepEqual(rbe.next('a', base, true)?.heartbeat, true);
    assert.equal(rbe.heartbeatDue('never seen'), true);
  });

  it('an input answered with the whole status counts as reported and as a full snapshot', () => {
    let now = 0;
    const rbe = new ReportByException(bands, 10, () => now);
    rbe.next('a', base);
    now = 9_000;
    assert.deepEqual(rbe.answered('a', { ...base, tankCharge: 79 }), ['tankCharge']);
    assert.equal(rbe.next('a', { ...base, tankCharge: 79 }), null, 'already reported by the answer');
    now = 18_000;
    assert.equal(rbe.heartbeatDue('a'), false, 'the answer was a full snapshot at 9 s');
  });
});
