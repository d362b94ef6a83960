import assert from 'node:assert/strict';
import { isUtcName, parseTimeZone } from '../../src/shared/time-zone';

describe('the account time zone setting', () => {
  it('takes what Intl.DateTimeFormat takes, in its canonical spelling; empty is the host zone', () => {
    assert.deepEqual(parseTimeZone('America/Chicago'), { ok: true, timeZone: 'America/Chicago' });
    assert.deepEqual(parseTimeZone(' america/chicago '), { ok: true, timeZone: 'America/Chicago' });
    assert.deepEqual(parseTimeZone('Etc/GMT+5'), { ok: true, timeZone: 'Etc/GMT+5' });
    for (const empty of [undefined, null, '', '   ']) assert.deepEqual(parseTimeZone(empty), { ok: true, timeZone: undefined });
  });

  it('refuses a name that is not a zone, keeping the value for the message', () => {
    assert.deepEqual(parseTimeZone('America/Chicgo'), { ok: false, value: 'America/Chicgo' });
    assert.deepEqual(parseTimeZone('CST-6 '), { ok: false, value: 'CST-6' });
  });

  it('tells UTC itself from real zones at offset 0', () => {
    for (const utc of ['UTC', 'Etc/UTC', 'etc/utc', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Zulu']) assert.equal(isUtcName(utc), true, utc);
    for (const zone of ['Europe/London', 'Africa/Abidjan', 'Atlantic/Reykjavik', 'America/Chicago', 'Etc/GMT+5']) assert.equal(isUtcName(zone), false, zone);
  });
});
