import assert from 'node:assert/strict';
import { DecodedTouPeriod, TouPlan, decodeTouPlan } from '../../src/shared/codec';
import { PlanInputError, parsePlanInput, touPriceSlots } from '../../src/shared/planner';
import { DEFAULT_TOU_PLAN } from '../../tools/simulator/defaults';

const H = 3_600_000;
const CHICAGO = 'America/Chicago';
const iso = (t: number) => new Date(t).toISOString();

function plan(periods: DecodedTouPeriod[]): TouPlan {
  return { name: 'test plan', utility: null, zipCode: null, controllerId: null, registerPath: null, sourceType: null, periods };
}
const ALL_MONTHS: DecodedTouPeriod['months'] = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEK: DecodedTouPeriod['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const period = (start: string, end: string, price: number, extra: Partial<DecodedTouPeriod> = {}): DecodedTouPeriod => ({
  months: ALL_MONTHS,
  days: WEEK,
  start,
  end,
  priceMin: price,
  priceMax: price,
  decimalPoint: 2,
  ...extra,
});

/** The slots as local "HH:MM-HH:MM price" strings in Chicago, for readable comparisons. */
function local(slots: Array<{ start: number; end: number; price: number }>): string[] {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: CHICAGO, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
  return slots.map((s) => `${f.format(s.start)}-${f.format(s.end)} ${s.price}`);
}

describe('planner: prices from the heater\'s TOU plan', () => {
  it('expands the captured plan (weekdays and weekends, midpoint prices) into hourly slots on the heater\'s clock', () => {
    const decoded = decodeTouPlan(DEFAULT_TOU_PLAN);
    // Monday 2025-01-06 00:00 in Los Angeles (PG&E's zone): the winter season, a weekday.
    const from = Date.parse('2025-01-06T08:00:00Z');
    const slots = touPriceSlots(decoded, from, from + 24 * H, 'America/Los_Angeles');
    assert.equal(slots.length, 24);
    for (let i = 0; i < 24; i++) assert.deepEqual([slots[i].start, slots[i].end], [from + i * H, from + (i + 1) * H]);
    // 16:00-20:59 is the peak: (0.39261 + 0.49378) / 2; the rest (0.36261 + 0.46378) / 2.
    const peak = (0.39261 + 0.49378) / 2;
    const off = (0.36261 + 0.46378) / 2;
    slots.forEach((s, hour) => assert.ok(Math.abs(s.price - (hour >= 16 && hour <= 20 ? peak : off)) < 1e-9, `hour ${hour}: ${s.price}`));
  });

  it('follows the weekday, the season and minutes that are not on the hour', () => {
    const p = plan([
      period('00:00', '23:59', 0.1, { days: ['sat', 'sun'] }),
      period('00:00', '14:29', 0.1, { days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
      period('14:30', '18:59', 0.3, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], months: ['jun', 'jul', 'aug', 'sep'] }),
      period('14:30', '18:59', 0.2, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], months: ['jan', 'feb', 'mar', 'apr', 'may', 'oct', 'nov', 'dec'] }),
      period('19:00', '23:59', 0.1, { days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    ]);
    // Friday 2025-07-11 12:00 to Saturday 12:00, Chicago (CDT, UTC-5).
    const from = Date.parse('2025-07-11T17:00:00Z');
    const slots = touPriceSlots(p, from, from + 24 * H, CHICAGO);
    assert.deepEqual(local(slots).slice(0, 8), ['12:00-13:00 0.1', '13:00-14:00 0.1', '14:00-14:30 0.1', '14:30-15:00 0.3', '15:00-16:00 0.3', '16:00-17:00 0.3', '17:00-18:00 0.3', '18:00-19:00 0.3']);
    assert.equal(slots.at(-1)?.end, from + 24 * H);
    // The Saturday is all 0.1.
    assert.ok(slots.filter((s) => s.start >= Date.parse('2025-07-12T05:00:00Z')).every((s) => s.price === 0.1));
    // January: the winter peak price.
    const winter = Date.parse('2025-01-10T18:00:00Z');
    assert.equal(touPriceSlots(p, winter, winter + 4 * H, CHICAGO).find((s) => s.start === Date.parse('2025-01-10T21:00:00Z'))?.price, 0.2);
  });

  it('runs a period that ends before it starts past midnight (the day it starts on decides), the higher price where periods overlap', () => {
    const p = plan([
      period('00:00', '23:59', 0.2),
      // Super off-peak overnight, weeknights only: Friday 23:00 to Saturday 05:59.
      period('23:00', '05:59', 0.05, { days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    ]);
    // Overlap: the all-day 0.20 is higher than the overnight 0.05, so nothing gets cheaper.
    const from = Date.parse('2025-07-11T20:00:00Z'); // Friday 15:00 CDT
    assert.ok(touPriceSlots(p, from, from + 20 * H, CHICAGO).every((s) => s.price === 0.2));

    const night = plan([
      period('06:00', '22:59', 0.2),
      period('23:00', '05:59', 0.05, { days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    ]);
    const slots = touPriceSlots(night, from, from + 20 * H, CHICAGO);
    const text = local(slots);
    // Friday night's period runs on into Saturday morning; Saturday night (not in its days) has no price.
    assert.deepEqual(text.slice(7, 16), ['22:00-23:00 0.2', '23:00-00:00 0.05', '00:00-01:00 0.05', '01:00-02:00 0.05', '02:00-03:00 0.05', '03:00-04:00 0.05', '04:00-05:00 0.05', '05:00-06:00 0.05', '06:00-07:00 0.2']);
    // Thursday's night reaches into Friday morning: a plan starting Friday 03:00 begins cheap.
    const early = Date.parse('2025-07-11T08:00:00Z');
    assert.deepEqual(local(touPriceSlots(night, early, early + 4 * H, CHICAGO)), ['03:00-04:00 0.05', '04:00-05:00 0.05', '05:00-06:00 0.05', '06:00-07:00 0.2']);
  });

  it('has 23 hourly slots on the day the clocks go forward and 25 on the day they go back', () => {
    const p = plan([period('00:00', '16:59', 0.1), period('17:00', '20:59', 0.4), period('21:00', '23:59', 0.1)]);
    const spring = Date.parse('2025-03-09T06:00:00Z'); // Sunday 00:00 CST; the clocks skip 02:00-03:00
    const springSlots = touPriceSlots(p, spring, Date.parse('2025-03-10T05:00:00Z'), CHICAGO);
    assert.equal(springSlots.length, 23);
    assert.ok(springSlots.every((s) => s.end - s.start === H));
    // The peak is 17:00-21:00 on the wall clock: 22:00-02:00 UTC in CDT.
    assert.deepEqual(springSlots.filter((s) => s.price === 0.4).map((s) => iso(s.start)), ['2025-03-09T22:00:00.000Z', '2025-03-09T23:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-10T01:00:00.000Z']);

    const fall = Date.parse('2025-11-02T05:00:00Z'); // Sunday 00:00 CDT; 01:00-02:00 happens twice
    const fallSlots = touPriceSlots(p, fall, Date.parse('2025-11-03T06:00:00Z'), CHICAGO);
    assert.equal(fallSlots.length, 25);
    assert.ok(fallSlots.every((s) => s.end - s.start === H));
    assert.deepEqual(fallSlots.filter((s) => s.price === 0.4).map((s) => iso(s.start)), ['2025-11-02T23:00:00.000Z', '2025-11-03T00:00:00.000Z', '2025-11-03T01:00:00.000Z', '2025-11-03T02:00:00.000Z']);
  });

  it('leaves periods with impossible values and uncovered minutes unpriced, and refuses a plan that prices none of the horizon', () => {
    const p = plan([period('00:00', '11:59', 0.1), { ...period('12:00', '23:59', 0.3), priceMax: null }]);
    const from = Date.parse('2025-07-11T05:00:00Z');
    const slots = touPriceSlots(p, from, from + 24 * H, CHICAGO);
    assert.equal(slots.length, 12);
    assert.equal(slots.at(-1)?.end, from + 12 * H);
    assert.throws(
      () => touPriceSlots(plan([period('00:00', '23:59', 0.1, { months: ['jan'] })]), from, from + 24 * H, CHICAGO),
      (err: unknown) => err instanceof PlanInputError && /TOU plan \(test plan\)/.test(err.path) && /periods that cover/.test(err.expected),
    );
  });

  it('reads "heater-tou" from a message as the payload or its prices, with targets beside it', () => {
    assert.deepEqual(parsePlanInput('heater-tou'), { prices: null, heaterTou: true });
    const parsed = parsePlanInput({ prices: 'heater-tou', targets: [{ at: '07:00', charge: 80 }] });
    assert.equal(parsed.heaterTou, true);
    assert.equal(parsed.prices, null);
    assert.equal(parsed.targets?.length, 1);
    assert.throws(() => parsePlanInput({ prices: 'heater-TOU' }), PlanInputError);
  });
});
