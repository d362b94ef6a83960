/**
 * The advanced example flows (06 weekly program, 07 energy report to CSV, 08 vacation from a calendar event,
 * 09 anti-legionella check, 10 installer check-up) and the built-in-boost version of 04, proven in a real Node-RED that loads the packed and
 * installed package, against the simulator, on every runtime of the harness (Node-RED 4 / Node 20, Node-RED 5 / Node 22).
 *
 * As in examples.test.ts (shared: example-suite.ts): each example is fetched through the editor's examples API,
 * deployed unchanged through the admin API with the account's e-mail and password in the deploy body, and what its
 * debug nodes would show is collected by test-only core nodes (a change node serialising the message, a file node
 * appending it to a JSON-lines file). Inject buttons are clicked through `POST /inject/<id>`. Test-only additions
 * (extra inject nodes standing in for a calendar node, a shorter boost) are said where used.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dayUsage, daysInMonth, monthUsage } from '../../tools/simulator/energy';
import { Captured, OUR_TYPES, assertImportable, exampleSuite } from './example-suite';
import { DASHBOARD_PACKAGE, FlowNode, MAC, PACKAGE, RUNTIMES, dashboardPackageDir, delay } from './harness';

interface TimedResult {
  command: string;
  phase?: string;
  requested: unknown;
  applied: unknown;
  result: string;
  status: Record<string, unknown> | null;
}

interface NodeSetInfo {
  module: string;
  types: string[];
}

const NEW_EXAMPLES = ['04 Boost before the evening peak', '06 Weekly program editor', '07 Monthly energy report to CSV', '08 Vacation from a calendar event', '09 Anti-legionella check', '11 Installer check-up'];

/** A test-only inject node (a stand-in for a calendar node or another source) wired to `target`. */
function testInject(id: string, target: string, payload: unknown): FlowNode {
  return {
    id,
    type: 'inject',
    name: `e2e ${id}`,
    props: [{ p: 'payload' }],
    repeat: '',
    crontab: '',
    once: false,
    onceDelay: 0.1,
    topic: '',
    payload: JSON.stringify(payload),
    payloadType: 'json',
    x: 100,
    y: 800,
    wires: [[target]],
  };
}

// On every runtime of the harness, like the other example suites.
for (const runtimeUnderTest of RUNTIMES) describe(`advanced example flows in a real Node-RED against the simulator (e2e): ${runtimeUnderTest.name}`, function () {
  this.timeout(240_000);

  const { userDir, sim, red, repoExample, fetchExample, captures, waitForCapture, deployExample, click, controls } = exampleSuite(runtimeUnderTest.key, 'examples-advanced');

  it('ships 04 and 06-10 importable as they are: one tab, a comment, one empty account, core nodes only, served by the examples API', async function () {
    const sets = await red().getJson<NodeSetInfo[]>('/nodes');
    const coreTypes = new Set(sets.filter((s) => s.module === 'node-red').flatMap((s) => s.types));
    const served = (await red().getJson<Array<{ fn?: string } | string>>(`/library/examples/flows/${PACKAGE}`)).map((e) => (typeof e === 'string' ? e : e.fn));
    for (const name of NEW_EXAMPLES) {
      assert.ok(served.includes(name), `${name} is not in the editor's examples list: ${JSON.stringify(served)}`);
      const flow = repoExample(name);
      assert.deepEqual(await fetchExample(name), flow, `${name} as served differs from the file`);
      const { explanation, nodes } = assertImportable(name, flow, coreTypes);
      assert.match(explanation, new RegExp(`${MAC}[\\s\\S]*your own`), `${name}: the comment does not say to pick your own device`);
      for (const node of nodes) if (OUR_TYPES.includes(node.type)) assert.equal(node.device, MAC, `${name}: ${node.id} device`);
    }
  });

  it('10 Water heater dashboard imported where Dashboard 2.0 is not installed: the nodes it lacks are Dashboard 2.0\'s, and its first comment says what to install', async function () {
    const sets = await red().getJson<NodeSetInfo[]>('/nodes');
    assert.ok(!sets.some((s) => s.module === DASHBOARD_PACKAGE), 'this suite\'s Node-RED has Dashboard 2.0');
    const known = new Set(sets.flatMap((s) => s.types));
    const manifest = JSON.parse(readFileSync(join(dashboardPackageDir(), 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    const dashboardTypes = new Set(Object.keys(manifest['node-red'].nodes));
    const flow = await fetchExample('10 Water heater dashboard');
    const missing = [...new Set(flow.filter((n) => n.type !== 'tab' && !known.has(n.type)).map((n) => n.type))];
    assert.ok(missing.includes('ui-base') && missing.includes('ui-gauge'), `missing types: ${missing.join(', ')}`);
    assert.deepEqual(missing.filter((t) => !dashboardTypes.has(t)), [], 'types that are neither Node-RED\'s, ours nor Dashboard 2.0\'s');
    // The comment the user sees first (top of the tab) names the package and the way to install it.
    const first = flow.filter((n) => n.type === 'comment').sort((a, b) => Number(a.y) - Number(b.y))[0];
    assert.ok(String(first.name).includes(DASHBOARD_PACKAGE), `first comment: ${String(first.name)}`);
    assert.match(String(first.info), new RegExp(`Install \`${DASHBOARD_PACKAGE}\` first \\(menu → \\*\\*Manage palette\\*\\*`));
  });

  it('04 Boost (built-in boost): high demand at 140 °F on the inject, the previous mode and setpoint back on "end now" and when the time is up; an off heater is not boosted', async function () {
    const device = sim().device(MAC);
    // The user's everyday settings: energy saver at 120.2 °F (49.0 °C).
    device.setStatus({ dhwOperationSetting: 3, dhwTemperatureSetting: 98 }, true);
    const BOOST = 'c4a0000000000004';
    const END = 'c4a0000000000010';
    const RESULT = 'c4a0000000000014';
    const SKIPPED = 'c4a0000000000009';
    const example = await deployExample('04 Boost before the evening peak', {
      // Test-only: a 0.15-minute (9 s) boost in place of 120 minutes, to see the timed restore happen; "end now" is
      // proven with the example's own payload below, before the timer runs out.
      overrides: { [BOOST]: { payload: '{"boost":{"mode":"high-demand","setpoint":140,"minutes":0.15}}' } },
    });
    const boostInject = example.find((n) => n.id === BOOST);
    assert.equal(boostInject?.payload, '{"boost":{"mode":"high-demand","setpoint":140,"minutes":120}}');
    assert.equal(boostInject?.crontab, '00 14 * * 1,2,3,4,5');
    const result = (c: Captured) => c.payload as TimedResult;

    const started = await click(BOOST, RESULT, (c) => result(c).phase === 'started', 'the boost to start');
    assert.equal(result(started).command, 'boost');
    assert.equal(result(started).result, 'confirmed', JSON.stringify(started.payload));
    assert.equal(device.status.dhwOperationSetting, 4, 'the device is not in high demand');
    assert.equal(device.status.dhwTemperatureSetting, 120, 'the device setpoint is not 60 °C (140 °F)');

    const ended = await click(END, RESULT, (c) => result(c).phase === 'restored', 'the boost to end on "end the boost now"');
    assert.equal(result(ended).result, 'confirmed', JSON.stringify(ended.payload));
    assert.equal(device.status.dhwOperationSetting, 3, 'the mode was not restored');
    assert.equal(device.status.dhwTemperatureSetting, 98, 'the setpoint was not restored');

    // Again, and this time the boost ends by itself.
    await click(BOOST, RESULT, (c) => result(c).phase === 'started', 'the second boost to start');
    assert.equal(device.status.dhwOperationSetting, 4);
    const before = captures(RESULT).length;
    const timed = await waitForCapture(RESULT, (c) => result(c).phase === 'restored', 'the boost to end by itself', before, 40_000);
    assert.equal(result(timed).result, 'confirmed');
    assert.equal(timed.topic, 'boost', 'the timed restore does not carry the topic of the boost inject');
    assert.equal(device.status.dhwOperationSetting, 3, 'the mode was not restored after the boost time');
    assert.equal(device.status.dhwTemperatureSetting, 98, 'the setpoint was not restored after the boost time');
    assert.deepEqual(captures(SKIPPED), []);

    // A heater that is off is not boosted: an error for the catch node, nothing sent.
    device.setStatus({ dhwOperationSetting: 6 }, true);
    await delay(1_500);
    const sent = controls().length;
    const skipped = await click(BOOST, SKIPPED, () => true, 'the boost-skipped error');
    assert.match(String(skipped.error?.message), /switched on/);
    await delay(2_000);
    assert.equal(controls().length, sent, 'a heater that is off was boosted');
    assert.equal(device.status.dhwOperationSetting, 6);
    assert.deepEqual(red().navienErrors().filter((l) => !/needs the water heater switched on/.test(l)), []);
    device.setStatus({ dhwOperationSetting: 1 }, true);
  });

  it('06 Weekly program editor: replace, add, remove, off and on leave the expected program on the device, and each read shows it', async function () {
    const device = sim().device(MAC);
    device.reservations = { reservationUse: 1, reservation: [] };
    await deployExample('06 Weekly program editor');
    const PROGRAM = 'c6a0000000000022';
    const RESULT = 'c6a0000000000023';
    const ERRORS = 'c6a0000000000026';
    const WORKDAYS = 64 + 32 + 16 + 8 + 4; // mon..fri (sun = 128, mon = 64, ..., sat = 2)
    const WEEKEND = 128 + 2;
    const wire = () => ({
      use: device.reservations.reservationUse,
      entries: device.reservations.reservation.map((e) => [e.enable, e.week, e.hour, e.min, e.mode, e.param].join(',')).sort(),
    });
    const readable = (c: Captured) => c.payload as { enabled: boolean; entries: Array<{ enabled: boolean; days: string[]; time: string; mode: string; setpoint: number }> };
    const change = async (inject: string, what: string) => {
      const programsBefore = captures(PROGRAM).length;
      const res = await click(inject, RESULT, (c) => (c.payload as TimedResult).command === 'schedule', `the schedule result of ${what}`);
      assert.equal((res.payload as TimedResult).result, 'confirmed', `${what}: ${JSON.stringify(res.payload)}`);
      // "read it again" follows every result.
      return waitForCapture(PROGRAM, () => true, `the program read after ${what}`, programsBefore);
    };

    const empty = await click('c6a0000000000004', PROGRAM, () => true, 'the program on "read the program"');
    assert.equal(empty.topic, `navien/${MAC}/schedule`);
    assert.deepEqual(readable(empty), { enabled: false, entries: [] });

    const replaced = await change('c6a0000000000005', 'replace');
    const three = [`2,${WORKDAYS},6,0,4,120`, `2,${WORKDAYS},8,30,3,100`, `2,${WEEKEND},7,30,1,110`].sort();
    assert.deepEqual(wire(), { use: 2, entries: three });
    assert.equal(readable(replaced).enabled, true);
    assert.deepEqual(
      readable(replaced).entries.map((e) => `${e.days.join('+')} ${e.time} ${e.mode} ${e.setpoint}`).sort(),
      ['mon+tue+wed+thu+fri 06:00 high-demand 140', 'mon+tue+wed+thu+fri 08:30 energy-saver 122', 'sat+sun 07:30 heat-pump 131'],
    );

    await change('c6a0000000000006', 'add');
    assert.deepEqual(wire(), { use: 2, entries: [...three, `2,${WORKDAYS},17,0,4,120`].sort() });

    const removed = await change('c6a0000000000007', 'remove');
    const afterRemove = [`2,${WORKDAYS},6,0,4,120`, `2,${WEEKEND},7,30,1,110`, `2,${WORKDAYS},17,0,4,120`].sort();
    assert.deepEqual(wire(), { use: 2, entries: afterRemove });
    assert.equal(readable(removed).entries.length, 3);

    const off = await change('c6a0000000000008', 'program off');
    assert.deepEqual(wire(), { use: 1, entries: afterRemove }, 'switching the program off lost entries');
    assert.equal(readable(off).enabled, false);

    const on = await change('c6a0000000000009', 'program on');
    assert.deepEqual(wire(), { use: 2, entries: afterRemove });
    assert.equal(readable(on).enabled, true);
    assert.deepEqual(captures(ERRORS), []);
    assert.deepEqual(red().navienErrors(), []);
  });

  it('07 Energy report: 12 monthly CSV rows and one row per day of this month, with the simulator\'s figures', async function () {
    await deployExample('07 Monthly energy report to CSV');
    const WRITTEN = 'c7a0000000000028';
    const ERRORS = 'c7a0000000000030';
    const now = new Date();
    const year = now.getFullYear();
    const month = now.getMonth() + 1;
    const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} != ${b}`);
    const share = (hp: number, he: number) => (hp + he > 0 ? Math.round((hp / (hp + he)) * 1000) / 10 : undefined);
    const parse = (text: string) => {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const header = lines[0].split(',');
      return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v]))) };
    };

    const monthly = await click('c7a0000000000004', WRITTEN, () => true, 'the monthly report written');
    assert.equal(monthly.filename, `navien-energy-${year}.csv`);
    const m = parse(readFileSync(join(userDir(), String(monthly.filename)), 'utf8'));
    assert.deepEqual(m.header, ['year', 'month', 'heatPumpKWh', 'elementKWh', 'totalKWh', 'heatPumpHours', 'elementHours', 'heatPumpShare']);
    assert.equal(m.rows.length, 12, 'not one row per month');
    m.rows.forEach((row, i) => {
      const u = monthUsage(MAC, year, i + 1);
      assert.equal(Number(row.year), year);
      assert.equal(Number(row.month), i + 1);
      near(Number(row.heatPumpKWh), u.hpUsage / 1000, `month ${i + 1} heatPumpKWh`);
      near(Number(row.elementKWh), u.heUsage / 1000, `month ${i + 1} elementKWh`);
      near(Number(row.totalKWh), (u.hpUsage + u.heUsage) / 1000, `month ${i + 1} totalKWh`);
      assert.equal(Number(row.heatPumpHours), u.hpTime, `month ${i + 1} heatPumpHours`);
      assert.equal(Number(row.elementHours), u.heTime, `month ${i + 1} elementHours`);
      const s = share(u.hpUsage, u.heUsage);
      if (s === undefined) assert.equal(row.heatPumpShare, '', `month ${i + 1} heatPumpShare of a month without use`);
      else near(Number(row.heatPumpShare), s, `month ${i + 1} heatPumpShare`);
    });
    assert.ok(m.rows.some((r) => Number(r.heatPumpKWh) > 0), 'every month is empty');

    const daily = await click('c7a0000000000005', WRITTEN, () => true, 'the daily report written');
    assert.equal(daily.filename, `navien-energy-${year}-${String(month).padStart(2, '0')}-daily.csv`);
    const d = parse(readFileSync(join(userDir(), String(daily.filename)), 'utf8'));
    assert.deepEqual(d.header, ['date', 'heatPumpKWh', 'elementKWh', 'totalKWh', 'heatPumpHours', 'elementHours', 'heatPumpShare']);
    assert.equal(d.rows.length, daysInMonth(year, month));
    d.rows.forEach((row, i) => {
      const u = dayUsage(MAC, year, month, i + 1);
      assert.equal(row.date, `${year}-${String(month).padStart(2, '0')}-${String(i + 1).padStart(2, '0')}`);
      near(Number(row.heatPumpKWh), u.hpUsage / 1000, `day ${i + 1} heatPumpKWh`);
      near(Number(row.elementKWh), u.heUsage / 1000, `day ${i + 1} elementKWh`);
      assert.equal(Number(row.heatPumpHours), u.hpTime, `day ${i + 1} heatPumpHours`);
      const s = share(u.hpUsage, u.heUsage);
      if (s === undefined) assert.equal(row.heatPumpShare, '', `day ${i + 1} heatPumpShare of a day without use`);
      else near(Number(row.heatPumpShare), s, `day ${i + 1} heatPumpShare`);
    });

    // A second run rewrites the file: still one header and 12 rows.
    await click('c7a0000000000004', WRITTEN, () => true, 'the monthly report written again');
    assert.equal(parse(readFileSync(join(userDir(), `navien-energy-${year}.csv`), 'utf8')).rows.length, 12, 'the second run appended');
    assert.deepEqual(captures(ERRORS), []);
    assert.deepEqual(red().navienErrors(), []);
  });

  it('08 Vacation from a calendar event: the event\'s whole days of vacation, back home restores mode and setpoint, other events send nothing', async function () {
    const device = sim().device(MAC);
    device.setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, vacationDaySetting: 0 }, true);
    const SWITCH = 'c8a0000000000010';
    const RESULT = 'c8a0000000000021';
    const ERRORS = 'c8a0000000000023';
    // Test-only stand-ins for a calendar node, sending the documented message shape into the example's "a trip?".
    await deployExample('08 Vacation from a calendar event', {
      extra: [
        testInject('e2e-allday-trip', SWITCH, { summary: 'Trip to Rome', start: '2025-09-01', end: '2025-09-04' }),
        testInject('e2e-dentist', SWITCH, { summary: 'Dentist', start: '2025-09-01T09:00:00Z', end: '2025-09-01T10:00:00Z' }),
      ],
    });
    const result = (c: Captured) => c.payload as TimedResult;

    // The example's own event: 2025-07-05 08:00 to 2025-07-12 18:00, 7 whole days.
    const started = await click('c8a0000000000004', RESULT, (c) => result(c).phase === 'started', 'vacation to start from the example event');
    assert.equal(result(started).command, 'vacation');
    assert.equal(result(started).result, 'confirmed', JSON.stringify(started.payload));
    assert.deepEqual(result(started).requested, { days: 7, restore: true });
    assert.equal(device.status.dhwOperationSetting, 5, 'the device is not in vacation');
    assert.equal(device.status.vacationDaySetting, 7);

    const back = await click('c8a0000000000005', RESULT, (c) => result(c).phase === 'restored', 'vacation to end on "back home early"');
    assert.equal(result(back).result, 'confirmed', JSON.stringify(back.payload));
    assert.equal(device.status.dhwOperationSetting, 1, 'the mode was not restored');
    assert.equal(device.status.dhwTemperatureSetting, 121, 'the setpoint was not restored');

    // An all-day event of three days (the end date is exclusive).
    const allDay = await click('e2e-allday-trip', RESULT, (c) => result(c).phase === 'started', 'vacation from an all-day event');
    assert.deepEqual(result(allDay).requested, { days: 3, restore: true });
    assert.equal(device.status.dhwOperationSetting, 5);
    assert.equal(device.status.vacationDaySetting, 3);
    await click('c8a0000000000005', RESULT, (c) => result(c).phase === 'restored', 'back home after the all-day trip');
    assert.equal(device.status.dhwOperationSetting, 1);
    assert.equal(device.status.dhwTemperatureSetting, 121);

    // Not a trip: nothing is sent.
    const sent = controls().length;
    const results = captures(RESULT).length;
    await red().inject('e2e-dentist');
    await delay(2_500);
    assert.equal(controls().length, sent, 'a dentist appointment sent a control');
    assert.equal(captures(RESULT).length, results);
    assert.deepEqual(captures(ERRORS), []);
    assert.deepEqual(red().navienErrors(), []);
  });

  it('09 Anti-legionella check: one alert when it is switched off, one when its period is too long, the weekly check always reports, the button enables it, cycles are reported', async function () {
    const device = sim().device(MAC);
    device.setStatus({ antiLegionellaUse: 2, antiLegionellaPeriod: 7, antiLegionellaOperationBusy: 1 }, true);
    const WEEKLY = 'c9a0000000000004';
    const ENABLE = 'c9a0000000000005';
    const ALERT = 'c9a0000000000018';
    const OK = 'c9a0000000000019';
    const CYCLE = 'c9a0000000000021';
    const RESULT = 'c9a0000000000031';
    const ERRORS = 'c9a0000000000033';
    await deployExample('09 Anti-legionella check', { taps: { c9a0000000000010: 'checked' } });
    const alerts = () => captures(ALERT);
    const push = async (fields: Parameters<typeof device.setStatus>[0], problem: string) => {
      const before = captures('checked').length;
      device.setStatus(fields, true);
      await waitForCapture('checked', (c) => c.antiLegionella?.problem === problem, `a checked status with problem ${problem}`, before);
      await delay(1_500);
    };

    const ok = await click(WEEKLY, OK, () => true, 'the weekly check to report OK');
    assert.equal(ok.payload, 'Anti-legionella OK: every 7 days');
    await delay(1_500);
    assert.deepEqual(alerts(), [], 'a healthy heater raised an alert');

    await push({ antiLegionellaUse: 1 }, 'disabled');
    assert.equal(alerts().length, 1, 'switching anti-legionella off did not raise exactly one alert');
    assert.equal(alerts()[0].topic, `Water heater ${device.deviceName}: anti-legionella is off`);
    assert.match(String(alerts()[0].payload), /switched off/);
    await push({ antiLegionellaUse: 1 }, 'disabled');
    await push({ antiLegionellaUse: 1 }, 'disabled');
    assert.equal(alerts().length, 1, 'a repeated status raised another alert');

    const enabled = await click(ENABLE, RESULT, (c) => (c.payload as TimedResult).command === 'antiLegionella', 'the enable result');
    assert.equal((enabled.payload as TimedResult).result, 'confirmed', JSON.stringify(enabled.payload));
    assert.equal(device.status.antiLegionellaUse, 2, 'the button did not switch anti-legionella on');
    assert.equal(device.status.antiLegionellaPeriod, 7);
    await delay(2_000);
    assert.equal(alerts().length, 1, 'enabling raised an alert');

    await push({ antiLegionellaPeriod: 21 }, 'period-too-long');
    assert.equal(alerts().length, 2, 'a 21-day period did not raise exactly one alert');
    assert.equal(alerts()[1].topic, `Water heater ${device.deviceName}: anti-legionella too rare`);
    assert.match(String(alerts()[1].payload), /every 21 days/);

    // The weekly check reports a problem every time, not only on change.
    await click(WEEKLY, ALERT, () => true, 'the weekly check to alert');
    assert.equal(alerts().length, 3);
    assert.equal(captures(OK).length, 1);

    // The disinfection cycle, from the events output.
    const startedCycle = await (async () => {
      const before = captures(CYCLE).length;
      device.setStatus({ antiLegionellaOperationBusy: 2 }, true);
      return waitForCapture(CYCLE, () => true, 'anti-legionella-started', before);
    })();
    assert.equal(startedCycle.topic, `navien/${MAC}/event/anti-legionella-started`);
    const before = captures(CYCLE).length;
    device.setStatus({ antiLegionellaOperationBusy: 1 }, true);
    const finished = await waitForCapture(CYCLE, () => true, 'anti-legionella-finished', before);
    assert.equal(finished.topic, `navien/${MAC}/event/anti-legionella-finished`);
    await delay(1_500);
    assert.equal(captures(CYCLE).length, 2, 'more than one event per transition');
    assert.deepEqual(captures(ERRORS), []);
    assert.deepEqual(red().navienErrors(), []);
    device.setStatus({ antiLegionellaPeriod: 7 }, true);
  });

  it('11 Installer check-up: the counters and the firmware in one report with notes; a downloaded update is noted; nothing is sent to the heater', async function () {
    const CHECKUP = 'caa0000000000004';
    const REPORT = 'caa0000000000014';
    const ERRORS = 'caa0000000000021';
    const simulator = sim();
    // Frozen physics: the counters in the report and the simulator's stay the same while they are compared.
    simulator.setTiming({ speed: 0 });
    try {
      await deployExample('11 Installer check-up');
      const first = await click(CHECKUP, REPORT, () => true, 'the check-up report');
      const report = first.payload as Record<string, any>;
      const totals = simulator.device(MAC).energyTotals();
      assert.equal(first.topic, `Installer check-up: ${simulator.device(MAC).deviceName}`);
      assert.equal(report.heater, simulator.device(MAC).deviceName);
      assert.equal(report.daysSinceInstallation, 359);
      assert.match(String(report.installedOn), /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(report.heatPumpKWh, Math.round(totals.hpUsage / 10) / 100);
      assert.equal(report.elementKWh, Math.round(totals.heUsage / 10) / 100);
      assert.equal(report.compressorHours, totals.hpTime);
      assert.equal(report.compressorStarts, 757);
      assert.equal(report.elementHours, totals.heTime);
      assert.equal(report.faultCounts.condensateOverflow, 3);
      assert.deepEqual(report.firmware, { controller: 184614912, panel: 0, wifi: 34013184, recirc: 0 });
      assert.deepEqual(report.firmwareComponents.map((c: { version: number }) => c.version), [167837696, 34013184, 60454, 60454]);
      assert.equal(report.updatePending, false);
      assert.deepEqual(report.notes, ['3 condensate overflow(s) recorded: check that the condensate drain is clear.']);

      simulator.setFirmwareUpdate(MAC, { swCode: 1, swVersion: 184615000 });
      const second = await click(CHECKUP, REPORT, () => true, 'the second check-up report');
      const pending = second.payload as Record<string, any>;
      assert.equal(pending.updatePending, true);
      assert.equal(pending.notes.at(-1), 'A firmware update has been downloaded and waits to be installed: install it in the NaviLink app.');
      assert.deepEqual(controls(), [], 'the check-up changed something on the heater');
      assert.deepEqual(captures(ERRORS), []);
      assert.deepEqual(red().navienErrors(), []);
    } finally {
      simulator.setFirmwareUpdate(MAC, undefined);
      simulator.setTiming({ speed: 1 });
    }
  });
});
