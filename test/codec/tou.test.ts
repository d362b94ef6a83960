import * as assert from 'node:assert/strict';
import {
  decodeTouEcho,
  decodeTouPlan,
  encodeTouPeriods,
  monthsToSeason,
  priceToRaw,
  sameTouPeriods,
  seasonToMonths,
  touPlanPeriods,
} from '../../src/shared/codec';
import { loadFixture } from './fixtures';

const restData = loadFixture('rest/tou-info.response.json').data;
const writtenPeriods = loadFixture('commands/tou.write-schedule.json').payload.request.reservation;
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
const winter = ['jan', 'feb', 'mar', 'apr', 'may', 'oct', 'nov', 'dec'];

describe('codec/tou', () => {
  it('converts the season bitfield', () => {
    assert.deepEqual(seasonToMonths(3615), winter);
    assert.deepEqual(seasonToMonths(480), ['jun', 'jul', 'aug', 'sep']);
    // Bit (month - 1): Jun-Aug = 32 + 64 + 128 = 224. (docs/protocol.md#season-bitfield; 448 is Jul-Sep.)
    assert.deepEqual(seasonToMonths(224), ['jun', 'jul', 'aug']);
    assert.deepEqual(seasonToMonths(448), ['jul', 'aug', 'sep']);
    assert.equal(monthsToSeason(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']), 4095);
  });

  it('decodes the REST plan', () => {
    const plan = decodeTouPlan(restData);
    assert.equal(plan.name, 'E-TOU-C Residential Time of Use Baseline Region V (All Electric Service)');
    assert.equal(plan.utility, 'Pacific Gas & Electric Co');
    assert.equal(plan.zipCode, '99999');
    assert.equal(plan.controllerId, 'TEST0000SN00000001');
    assert.equal(plan.registerPath, 'bt');
    assert.equal(plan.sourceType, 'openei');
    assert.equal(plan.periods.length, 12);
    assert.deepEqual(plan.periods[0], {
      months: winter, days: weekdays, start: '00:00', end: '15:59', priceMin: 0.36261, priceMax: 0.46378, decimalPoint: 5,
    });
    assert.deepEqual(plan.periods[4], {
      months: winter, days: ['sat', 'sun'], start: '16:00', end: '20:59', priceMin: 0.39261, priceMax: 0.49378, decimalPoint: 5,
    });
    assert.deepEqual(plan.periods[7].months, ['jun', 'jul', 'aug', 'sep']);
    assert.equal(plan.periods[7].priceMin, 0.50678);
    assert.deepEqual(decodeTouPlan(restData.touInfo).periods, plan.periods);
  });

  it('flattens the plan into the periods of the MQTT write', () => {
    assert.deepEqual(touPlanPeriods(restData).slice(0, 3), writtenPeriods);
  });

  it('round-trips readable periods to the wire with half-up price rounding', () => {
    const readable = decodeTouPlan(restData).periods.slice(0, 3);
    assert.deepEqual(encodeTouPeriods(readable), writtenPeriods);
    assert.equal(priceToRaw(0.125, 2), 13);
    assert.equal(priceToRaw(1.005, 2), 101);
    assert.equal(priceToRaw(0.36261, 5), 36261);
    assert.equal(priceToRaw(0.124, 2), 12);
  });

  it('rejects bad periods naming the field', () => {
    const [period] = decodeTouPlan(restData).periods;
    assert.throws(() => encodeTouPeriods([{ ...period, start: '24:00' }]), /periods\[0\]\.start: "24:00".*HH:MM/);
    assert.throws(() => encodeTouPeriods([{ ...period, decimalPoint: 1.5 }]), /periods\[0\]\.decimalPoint: 1.5/);
    assert.throws(() => encodeTouPeriods(Array(17).fill(period)), /periods: 17/);
    assert.throws(() => encodeTouPeriods([{ ...period, months: ['january' as never] }]), /periods\[0\]\.months: \["january"\].*jan, feb/);
    assert.throws(() => encodeTouPeriods([{ ...period, days: [] }]), /periods\[0\]\.days: \[\]/);
    assert.throws(() => encodeTouPeriods([{ ...period, priceMax: Number.NaN }]), /periods\[0\]\.priceMax: null/);
  });

  it('decodes the write echo and compares it with what was written', () => {
    const echo = decodeTouEcho(loadFixture('mqtt/tou.write-echo.response.composite.json').payload.response);
    assert.equal(echo.enabled, true);
    assert.equal(echo.periods.length, 3);
    assert.equal(echo.periods[2].start, '21:00');
    assert.ok(sameTouPeriods(echo.wire, [...writtenPeriods].reverse()));
    assert.ok(!sameTouPeriods(echo.wire, writtenPeriods.slice(0, 2)));
    assert.deepEqual(decodeTouEcho(undefined), { enabled: null, periods: [], wire: [] });
  });
});
