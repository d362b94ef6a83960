import assert from 'node:assert/strict';
import { PlanInputError, parsePlanInput, parsePrices, parseSurplus } from '../../src/shared/planner';

const H = 3_600_000;
const T0 = Date.parse('2025-03-10T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

/** The slots every format below describes: 00:00-01:00 at 0.30, 01:00-02:00 at 0.10, 02:00-03:00 at 0.20. */
const EXPECTED = [
  { start: T0, end: T0 + H, price: 0.3 },
  { start: T0 + H, end: T0 + 2 * H, price: 0.1 },
  { start: T0 + 2 * H, end: T0 + 3 * H, price: 0.2 },
];
const VALUES = [0.3, 0.1, 0.2];

function rejects(fn: () => unknown, path: string, expected: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PlanInputError, `not a PlanInputError: ${String(err)}`);
    assert.equal(err.path, path);
    assert.match(err.expected, expected);
    assert.ok(err.message.startsWith(`${path}: expected `), err.message);
    return true;
  });
}

describe('planner: price formats', () => {
  it("detects power-saver's {priceData: [{start, value}]} and infers each end from the next start", () => {
    const parsed = parsePrices({ priceData: VALUES.map((value, i) => ({ start: iso(T0 + i * H), value })) });
    assert.equal(parsed.format, 'power-saver');
    assert.deepEqual(parsed.slots, EXPECTED);
  });

  it("detects Tibber's [{startsAt, total}] with offsets in the times", () => {
    // Tibber writes local times with an offset: 01:00+01:00 is 00:00Z.
    const list = VALUES.map((total, i) => ({ startsAt: `2025-03-10T0${i + 1}:00:00.000+01:00`, total, energy: total - 0.05, level: 'NORMAL' }));
    const parsed = parsePrices(list);
    assert.equal(parsed.format, 'tibber');
    assert.deepEqual(parsed.slots, EXPECTED);
  });

  it("detects Tibber's {today, tomorrow}, including an empty tomorrow before the day-ahead prices are out", () => {
    const today = [{ startsAt: iso(T0), total: 0.3 }, { startsAt: iso(T0 + H), total: 0.1 }];
    const both = parsePrices({ today, tomorrow: [{ startsAt: iso(T0 + 2 * H), total: 0.2 }] });
    assert.equal(both.format, 'tibber-days');
    assert.deepEqual(both.slots, EXPECTED);
    assert.deepEqual(parsePrices({ today, tomorrow: [] }).slots, EXPECTED.slice(0, 2));
    assert.deepEqual(parsePrices({ today, tomorrow: null }).slots, EXPECTED.slice(0, 2));
  });

  it('detects the Nord Pool / ENTSO-E [{start, end, value}] shape', () => {
    const parsed = parsePrices(VALUES.map((value, i) => ({ start: iso(T0 + i * H), end: iso(T0 + (i + 1) * H), value })));
    assert.equal(parsed.format, 'nordpool');
    assert.deepEqual(parsed.slots, EXPECTED);
  });

  it("detects aWATTar's {data: [...]} and converts its per-MWh market price to per kWh", () => {
    const data = VALUES.map((v, i) => ({ start_timestamp: T0 + i * H, end_timestamp: T0 + (i + 1) * H, marketprice: v * 1000, unit: 'Eur/MWh' }));
    const parsed = parsePrices({ object: 'list', data, url: '/at/v1/marketdata' });
    assert.equal(parsed.format, 'awattar');
    assert.deepEqual(parsed.slots.map((s) => ({ ...s, price: Math.round(s.price * 1e6) / 1e6 })), EXPECTED);
  });

  it("detects ComEd's [{millisUTC, price}] (strings or numbers, newest first) and converts cents per kWh to dollars", () => {
    // As ComEd's hourly pricing API sends it: newest first, both fields strings.
    const list = VALUES.map((v, i) => ({ millisUTC: String(T0 + i * H), price: (v * 100).toFixed(1) })).reverse();
    const parsed = parsePrices(list);
    assert.equal(parsed.format, 'comed');
    assert.deepEqual(parsed.slots.map((s) => ({ ...s, price: Math.round(s.price * 1e6) / 1e6 })), EXPECTED);
    // Numbers too, and five-minute prices keep their five-minute slots.
    const five = parsePrices([{ millisUTC: T0, price: 2.5 }, { millisUTC: T0 + 300_000, price: -0.4 }]);
    assert.deepEqual(five.slots, [
      { start: T0, end: T0 + 300_000, price: 0.025 },
      { start: T0 + 300_000, end: T0 + 600_000, price: -0.004 },
    ]);
  });

  it('refuses a bad ComEd list naming the field', () => {
    rejects(() => parsePrices([{ millisUTC: String(T0), price: '2.0' }, { millisUTC: 'yesterday', price: '2.1' }]), 'payload[1].millisUTC', /ISO time or epoch ms/);
    rejects(() => parsePrices([{ millisUTC: String(T0), price: 'n/a' }]), 'payload[0].price', /price/);
    rejects(() => parsePrices([{ millisUTC: T0, price: 2 }, { millisUTC: 1_700_000_000, price: 2 }]), 'payload[1].millisUTC', /epoch seconds/);
    rejects(() => parsePrices({ prices: [{ millisUTC: T0 }] }), 'payload.prices[0].price', /price/);
  });

  it('detects plain [{start, price}] with epoch-ms and Date times, in any order', () => {
    const parsed = parsePrices([
      { start: new Date(T0 + 2 * H), price: 0.2 },
      { start: T0, price: 0.3 },
      { start: T0 + H, price: '0.10' },
    ]);
    assert.equal(parsed.format, 'plain');
    assert.deepEqual(parsed.slots, EXPECTED);
  });

  it('handles 15-minute slots, a gap (left unpriced) and hourly slots mixed with quarter hours', () => {
    const Q = H / 4;
    const quarters = parsePrices([0, 1, 2, 3, 5].map((i) => ({ start: T0 + i * Q, price: i })));
    assert.deepEqual(
      quarters.slots.map((s) => [(s.start - T0) / Q, (s.end - T0) / Q]),
      [[0, 1], [1, 2], [2, 3], [3, 4], [5, 6]],
    );
    // Hourly today, quarter hours tomorrow: the last hourly slot keeps its hour.
    const mixed = parsePrices([
      { start: T0, price: 1 },
      { start: T0 + H, price: 2 },
      { start: T0 + 2 * H, price: 3 },
      { start: T0 + 2 * H + Q, price: 4 },
    ]);
    assert.deepEqual(mixed.slots.map((s) => (s.end - s.start) / 60_000), [60, 60, 15, 15]);
  });

  it('a message can carry surplus and targets beside the prices, or targets alone', () => {
    const input = parsePlanInput({
      priceData: [{ start: iso(T0), value: 0.3 }],
      surplus: [{ start: iso(T0), watts: 1200 }, { start: iso(T0 + H), watts: 300 }],
      targets: [{ at: '06:30', charge: 90 }],
    });
    assert.equal(input.prices?.format, 'power-saver');
    assert.deepEqual(input.surplus, [
      { start: T0, end: T0 + H, watts: 1200 },
      { start: T0 + H, end: T0 + 2 * H, watts: 300 },
    ]);
    assert.deepEqual(input.targets, [{ at: '06:30', charge: 90 }]);
    assert.deepEqual(parsePlanInput({ targets: [{ at: '7:05', charge: 50 }] }), { prices: null, targets: [{ at: '07:05', charge: 50 }] });
    assert.equal(parsePlanInput({ prices: [{ startsAt: iso(T0), total: 1 }] }).prices?.format, 'tibber');
  });
});

describe('planner: bad price input names the path and what was expected', () => {
  it('a bad start time', () => {
    const priceData = [{ start: iso(T0), value: 1 }, { start: iso(T0 + H), value: 1 }, { start: iso(T0 + 2 * H), value: 1 }, { start: 'soon', value: 1 }];
    rejects(() => parsePrices({ priceData }), 'payload.priceData[3].start', /^an ISO time or epoch ms$/);
  });

  it('epoch seconds instead of milliseconds', () => {
    rejects(() => parsePrices([{ start: T0 / 1000, price: 1 }]), 'payload[0].start', /epoch seconds/);
  });

  it('a missing or non-numeric price', () => {
    rejects(() => parsePrices([{ startsAt: iso(T0), total: 0.2 }, { startsAt: iso(T0 + H) }]), 'payload[1].total', /price/);
    rejects(() => parsePrices({ data: [{ start_timestamp: T0, end_timestamp: T0 + H, marketprice: 'high' }] }), 'payload.data[0].marketprice', /price/);
  });

  it('an end before the start, overlapping slots and a repeated start', () => {
    rejects(() => parsePrices([{ start: iso(T0), end: iso(T0 - H), value: 1 }]), 'payload[0].end', /after start/);
    rejects(
      () => parsePrices([{ start: iso(T0), end: iso(T0 + 2 * H), value: 1 }, { start: iso(T0 + H), end: iso(T0 + 3 * H), value: 2 }]),
      'payload[0].end',
      /ends by the next slot's start/,
    );
    rejects(() => parsePrices([{ start: T0, price: 1 }, { start: T0, price: 2 }]), 'payload[1].start', /different from payload\[0\]\.start/);
  });

  it('an unknown shape, an empty list and a wrong type in a known shape', () => {
    rejects(() => parsePrices({ foo: [] }), 'payload', /priceData/);
    rejects(() => parsePrices('cheap at night'), 'payload', /priceData/);
    rejects(() => parsePrices([]), 'payload', /at least one/);
    rejects(() => parsePrices({ priceData: 'none' }), 'payload.priceData', /a list/);
    rejects(() => parsePrices({ today: [{ startsAt: iso(T0), total: 1 }, 42] }), 'payload.today[1]', /an object/);
  });

  it('bad surplus and a message with nothing to plan', () => {
    rejects(() => parseSurplus([{ start: iso(T0), watts: -5 }]), 'payload.surplus[0].watts', />= 0/);
    rejects(() => parseSurplus({ start: iso(T0), watts: 5 }), 'payload.surplus', /a list/);
    rejects(() => parsePlanInput({ hello: 1 }), 'payload', /targets\/surplus/);
    rejects(() => parsePlanInput({ priceData: [], targets: [] }), 'payload.priceData', /at least one/);
  });
});
