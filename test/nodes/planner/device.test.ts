/**
 * navien-planner `device`: the plan written into the simulated heater's own weekly program, beside the user's entries
 * (test helper, real account node, fake clock). The heater runs its program minute by minute (the simulator's
 * runProgram), so in the scripted night it follows the plan without any live command from the node.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { LEDGER_FILE_NAME, LedgerFile } from '../../../src/shared/ledger/ledger-file';
import { PROGRAM_SECTION, type ProgramSection } from '../../../src/shared/planner-session';
import { TEST_USER_DIR } from '../../helpers/mocha-setup';
import { decodeReservationEntry } from '../../../src/shared/codec';
import type { ScheduleEntry as WireEntry } from '../../../tools/simulator/schedules';
import type { ReceivedRequest } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { MAC, helper, warningsOf } from '../flow-helper';
import { MIN, START, START_STATUS, baselineNight, local, runNight } from './night';
import { FAST_RUNNER, Msg, attachPlanner, nightPrice, nodes, plannerFlow, powerSaverPrices, quiet, usePlannerSimulator } from './planner-flow';

/** The user's own program: weekdays 12:00 Heat Pump 58 °C, weekends 08:00 Energy Saver 55 °C, one inactive entry. */
const USER_PROGRAM: WireEntry[] = [
  { enable: 2, week: 124, hour: 12, min: 0, mode: 1, param: 116 },
  { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 110 },
  { enable: 1, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
];

/** The ledger section of the planner's entries, as the nodes under test wrote it (the tests' user directory). */
async function ledgerSection(): Promise<ProgramSection | undefined> {
  return LedgerFile.open(path.join(TEST_USER_DIR, LEDGER_FILE_NAME)).read<ProgramSection>(PROGRAM_SECTION);
}

const of = (msgs: Msg[], type: string) => msgs.filter((m) => m.topic === `navien/${MAC}/planner/${type}`).map((m) => m.payload);
const readable = (entries: WireEntry[]) => entries.map((e) => decodeReservationEntry(e, 'C'));

describe('navien-planner device: the plan in the heater\'s weekly program (fake clock)', function () {
  this.timeout(240_000);
  const { sim, clock, setClock } = usePlannerSimulator();

  it('writes the plan beside the user\'s entries, the heater follows it by itself, passed entries go, and only the user\'s remain', async () => {
    const clock = setClock(START);
    const device = sim().device(MAC);
    const programs: Array<{ at: number; entries: WireEntry[] }> = [];
    let planned: Array<{ at: string; time: string | null; mode: unknown; setpoint: number | null }> = [];
    const run = await runNight(sim(), clock, {
      planner: { apply: 'device' },
      userProgram: USER_PROGRAM,
      at: {
        [START + MIN]: (r) => {
          const [write] = of(r.reports, 'program');
          assert.deepEqual([write.action, write.result, write.userEntries], ['write', 'confirmed', 3]);
          planned = write.entries;
          // The user's entries exactly as they were (first, in their order), then the planner's.
          assert.equal(device.reservations.reservationUse, 2);
          assert.deepEqual(device.reservations.reservation.slice(0, 3), USER_PROGRAM);
          const ours = device.reservations.reservation.slice(3);
          assert.deepEqual(readable(ours).map((e) => [e.days, e.time, e.mode, e.setpoint]), planned.map((e: Msg['payload']) => [e.days, e.time, e.mode, e.setpoint]));
          // A hold on Wednesday 18:02, the window on Thursday night, its end back to the hold, the user's setting at 07:00.
          const first = r.plans[0].payload;
          assert.deepEqual(planned.map((e) => [Date.parse(e.at), e.mode, e.setpoint]), [
            [START + 2 * MIN, 'heat-pump', 45.5],
            [Math.floor(Date.parse(first.windows[0].start) / MIN) * MIN, 'heat-pump', first.windows[0].setpoint],
            [Math.ceil(Date.parse(first.windows[0].end) / MIN) * MIN, 'heat-pump', 45.5],
            [local(16, 7), 'heat-pump', 60.5],
          ]);
          programs.push({ at: clock.now(), entries: ours });
        },
        [local(16, 3)]: () => {
          // The hold and the window's start have switched and are gone; the user's entries are untouched.
          assert.deepEqual(device.reservations.reservation.slice(0, 3), USER_PROGRAM);
          const left = readable(device.reservations.reservation.slice(3));
          assert.ok(left.every((e) => e.days[0] === 'thu' && String(e.time) > '03:00'), JSON.stringify(left));
          assert.equal(device.status.dhwTemperatureSetting, Number(planned[1].setpoint) * 2, 'the heater runs the window from its own program');
        },
      },
    });
    // 07:05: the plan is over, the heater is back at the user's setting, and only the user's entries are left.
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 121]);
    assert.ok(run.chargeAtTarget >= 90, `charge at 06:30: ${run.chargeAtTarget.toFixed(1)} %`);
    assert.ok(run.cost < baselineNight().cost, `planned ${run.cost.toFixed(3)}`);
    const prunes = of(run.reports, 'program').filter((p) => p.action === 'prune');
    assert.ok(prunes.length >= 3 && prunes.every((p) => p.result === 'confirmed'), JSON.stringify(prunes));
    // Nothing was set live: every mode and setpoint change came from the heater's own program.
    assert.deepEqual(sim().received.filter((r) => r.mode === 'dhw-mode' || r.mode === 'dhw-temperature'), []);
    assert.deepEqual(of(run.reports, 'target'), []);
    assert.deepEqual(run.caught, []);
  });

  /** Every program write the heater accepted, with the planner's part (after the user's three entries). */
  function recordWrites(): Array<WireEntry[]> {
    const writes: Array<WireEntry[]> = [];
    sim().device(MAC).on('request', (r: ReceivedRequest) => {
      if (r.topic.endsWith('/ctrl/rsv/rd') && r.outcome === 'answered') {
        writes.push(((r.payload as { request: { reservation: WireEntry[] } }).request.reservation).slice(USER_PROGRAM.length));
      }
    });
    return writes;
  }

  async function deviceFlow(planner: Record<string, unknown>, options: { program?: WireEntry[]; priceHours?: number } = {}) {
    const device = sim().device(MAC);
    device.setStatus(START_STATUS);
    device.reservations = { reservationUse: 2, reservation: (options.program ?? USER_PROGRAM).map((e) => ({ ...e })) };
    device.tick(1);
    const setup = plannerFlow(sim(), { planner: { apply: 'device', ...planner } });
    await helper.load(nodes, setup.flow, setup.credentials);
    const attached = await attachPlanner(setup.ids);
    attached.planner.receive({ payload: powerSaverPrices(START, options.priceHours ?? 13, nightPrice) });
    await waitFor(() => of(attached.reports, 'program').length === 1, 'the program write');
    await quiet(sim(), attached.account);
    return { ...setup, ...attached, device };
  }

  it('deleting the node removes its entries and, while its hold is on, puts the user\'s setting back', async () => {
    const clock = setClock(START);
    const { flow, ids, credentials, account, device } = await deviceFlow({});
    // 18:02: the heater's program switches to the hold.
    clock.advance(2 * MIN);
    device.runProgram(3, 18, 2);
    assert.equal(device.status.dhwTemperatureSetting, 91, 'the hold: 43 °C comfort + the 2 K Heat Pump start');
    await quiet(sim(), account);
    await helper.setFlows(flow.filter((n) => n.id !== ids.planner), 'full', credentials);
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 121]);
    assert.equal(clock.pending, 0, 'timers left on the clock after the node closed');
  });

  it('deleted at cloud latency (3 s replies): the user\'s setting comes back first, within the close', async function () {
    this.timeout(120_000);
    const clock = setClock(START);
    // Replies take as long as the real cloud's; the runner waits long enough for them.
    helper.settings({ navienPlannerClock: clock, navienControlTiming: { ...FAST_RUNNER, confirmTimeoutMs: 10_000 } });
    const { flow, ids, credentials, account, device } = await deviceFlow({});
    clock.advance(2 * MIN);
    device.runProgram(3, 18, 2);
    await quiet(sim(), account);
    device.setTiming({ replyDelayMs: 3_000 });
    try {
      await helper.setFlows(flow.filter((n) => n.id !== ids.planner), 'full', credentials);
      assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 121], 'the hold is left on the heater');
      // What the close had no time for, the keeper finishes: only the user's entries are left, and nothing in the ledger.
      await waitFor(() => device.reservations.reservation.length === USER_PROGRAM.length, 'the keeper to remove the entries', 60_000);
      assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
      await waitFor(async () => ((await ledgerSection())?.[MAC]?.[ids.planner] === undefined ? true : undefined), 'the ledger record gone');
    } finally {
      device.setTiming({ replyDelayMs: 5 });
    }
  });

  it('deleting the node leaves a setting the owner changed during the hold alone', async () => {
    const clock = setClock(START);
    const { flow, ids, credentials, account, device } = await deviceFlow({});
    clock.advance(2 * MIN);
    device.runProgram(3, 18, 2);
    await quiet(sim(), account);
    // The owner sets 55 °C at the heater itself (a push): not the planner's hold any more.
    device.setStatus({ dhwTemperatureSetting: 110 }, true);
    await quiet(sim(), account);
    await helper.setFlows(flow.filter((n) => n.id !== ids.planner), 'full', credentials);
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 110]);
  });

  it('the owner switches the heater off: the planner\'s entries go at once, so none switches it back on', async () => {
    const clock = setClock(START);
    const { account, device } = await deviceFlow({});
    assert.ok(device.reservations.reservation.length > USER_PROGRAM.length);
    // Off at the heater itself: the status push shows dhwOperationSetting 6.
    device.setStatus({ dhwOperationSetting: 6 }, true);
    await waitFor(() => device.reservations.reservation.length === USER_PROGRAM.length, 'the planner\'s entries removed');
    await quiet(sim(), account);
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    // 18:02, when the planner's hold would have switched: the heater stays off.
    clock.advance(2 * MIN);
    device.runProgram(3, 18, 2);
    assert.equal(device.status.dhwOperationSetting, 6);
  });

  it('keepEntries: the entries stay when the node closes; a node no longer in device mode removes them', async () => {
    setClock(START);
    const writes = recordWrites();
    const { flow, ids, credentials, device } = await deviceFlow({ keepEntries: true });
    assert.equal(writes.length, 1);
    // The entries are kept in the change ledger, not the context: no memory-only warning, even with the memory store.
    assert.deepEqual(warningsOf(ids.planner), []);
    const ours = writes[0];
    assert.ok(ours.length >= 3);
    // Redeployed as it is: the old instance leaves its entries, the new one writes the same plan again.
    await helper.setFlows(flow, 'full', credentials);
    const next = await attachPlanner(ids);
    await waitFor(() => writes.length === 2, 'the new instance\'s write');
    assert.deepEqual(writes[1], ours, 'no write without the planner\'s entries in between');
    await quiet(sim(), next.account);
    // Redeployed in preview: the new instance removes what the old one kept.
    await helper.setFlows(flow.map((n) => (n.id === ids.planner ? { ...n, apply: 'preview' } : n)), 'full', credentials);
    await attachPlanner(ids);
    await waitFor(() => writes.length === 3, 'the removal');
    assert.deepEqual(writes[2], []);
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
  });

  it('keepEntries across a restart with the memory context store: the new process knows its entries and writes no duplicates', async () => {
    setClock(START);
    const writes = recordWrites();
    const { flow, ids, credentials, device } = await deviceFlow({ keepEntries: true });
    const ours = writes[0];
    assert.deepEqual(device.reservations.reservation, [...USER_PROGRAM, ...ours]);
    // Node-RED stops and starts again: its context (memory) is gone, the change ledger in the user directory is not.
    await helper.unload();
    await helper.stopServer();
    await helper.startServer();
    await helper.load(nodes, flow, credentials);
    const next = await attachPlanner(ids);
    next.planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
    await waitFor(() => of(next.reports, 'program').length === 1, 'the new process\'s write');
    await quiet(sim(), next.account);
    const [write] = of(next.reports, 'program');
    assert.deepEqual([write.result, write.userEntries], ['confirmed', 3], 'the kept entries are not taken for the user\'s');
    assert.deepEqual(device.reservations.reservation, [...USER_PROGRAM, ...ours], 'the planner\'s entries once, the user\'s untouched');
  });

  it('a planner deleted while Node-RED was down: after the restart its entries are removed, the user\'s stay', async () => {
    setClock(START);
    const { flow, ids, credentials, account, device } = await deviceFlow({ keepEntries: true });
    clock().advance(2 * MIN);
    device.runProgram(3, 18, 2);
    await quiet(sim(), account);
    assert.ok(device.reservations.reservation.length > USER_PROGRAM.length);
    await helper.unload();
    await helper.stopServer();
    // Started again without the planner (its flows.json edited meanwhile): only the account is left to connect through.
    await helper.startServer();
    await helper.load(nodes, flow.filter((n) => n.id !== ids.planner), credentials);
    await waitFor(() => device.reservations.reservation.length === USER_PROGRAM.length && device.status.dhwTemperatureSetting === 121, 'the removed planner\'s entries and hold undone');
    assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    assert.deepEqual([device.status.dhwOperationSetting, device.status.dhwTemperatureSetting], [1, 121]);
    await waitFor(async () => ((await ledgerSection())?.[MAC]?.[ids.planner] === undefined ? true : undefined), 'the ledger record gone');
  });

  it('without keepEntries the closing node removes its entries (the redeployed one writes them again)', async () => {
    setClock(START);
    const writes = recordWrites();
    const { flow, ids, credentials } = await deviceFlow({});
    assert.deepEqual(warningsOf(ids.planner), [], 'entries removed on close need no persistent store');
    await helper.setFlows(flow, 'full', credentials);
    await attachPlanner(ids);
    await waitFor(() => writes.length === 3, 'removed on close, written again');
    assert.deepEqual(writes[1], []);
    assert.deepEqual(writes[2], writes[0]);
  });

  it('a read-back that is not well formed writes nothing: the owner\'s program stays and the report and status name the field', async () => {
    setClock(START);
    const device = sim().device(MAC);
    const writes = recordWrites();
    // Only the hex twin answers, one digit short: read leniently, the owner's last entry would be dropped.
    device.reservationReadFault = (form, reply) => (form === 'hex' ? { ...reply, reservation: (reply.reservation as string).slice(0, -1) } : undefined);
    try {
      const { reports, planner, account } = await deviceFlow({});
      const [report] = of(reports, 'program');
      const text = 'the weekly program read back from the water heater is not usable: reservation = "027c0c00017402820800036e017c061e047", expected '
        + 'lower-case hex digits, 12 (6 bytes) per entry; nothing was written, the program is unchanged';
      assert.deepEqual([report.action, report.result, report.userEntries, report.error], ['write', 'skipped', null, text]);
      assert.deepEqual(writes, [], 'no program write after the bad read');
      assert.deepEqual(device.reservations, { reservationUse: 2, reservation: USER_PROGRAM });
      await quiet(sim(), account);
      const status = (planner as unknown as { status: { lastCall: { args: Array<{ fill: string; text: string }> } } }).status.lastCall.args[0];
      assert.deepEqual([status.fill, status.text], ['yellow', text]);
    } finally {
      device.reservationReadFault = undefined;
    }
  });

  it('an entry on a day and minute the owner\'s Mon-Fri entry uses moves a minute on, and the heater runs both', async () => {
    setClock(START);
    // Mon-Fri 06:00 High Demand 60 °C; prices (and so the plan) end on Thursday 06:00, where the plan puts the setting back.
    const owner: WireEntry[] = [{ enable: 2, week: 124, hour: 6, min: 0, mode: 4, param: 120 }];
    const { reports, device } = await deviceFlow({ targets: [{ at: '05:30', charge: 90 }] }, { program: owner, priceHours: 12 });
    const [write] = of(reports, 'program');
    assert.equal(write.result, 'confirmed', JSON.stringify(write));
    const last = write.entries[write.entries.length - 1];
    assert.deepEqual([last.at, last.days, last.time], [new Date(local(16, 6, 1)).toISOString(), ['thu'], '06:01']);
    assert.deepEqual(device.reservations.reservation.slice(0, 1), owner);
    const ours = device.reservations.reservation.slice(1);
    assert.ok(ours.every((e) => !(e.week & 8 && e.hour === 6 && e.min === 0)), JSON.stringify(ours));
    // Thursday (weekday 4) 06:00 runs the owner's entry, 06:01 the planner's.
    assert.deepEqual(device.runProgram(4, 6, 0), owner[0]);
    assert.deepEqual(device.runProgram(4, 6, 1), { enable: 2, week: 8, hour: 6, min: 1, mode: 4, param: 120 });
  });
});
