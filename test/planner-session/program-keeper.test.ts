/**
 * ProgramKeeper: what a planner no longer deployed left in a heater's weekly program, undone from the change ledger
 * (a real LedgerFile in a temp folder) through a stand-in heater that holds one program and answers the keeper's
 * read-modify-write as the device does; the cloud can fail the first attempts. The keeper's clock is a FakeClock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CommandContext, WireScheduleEntry } from '../../src/shared/codec';
import type { ControlOutcome } from '../../src/shared/control/device-commands';
import type { PlannedControl } from '../../src/shared/control/plan';
import { LedgerFile } from '../../src/shared/ledger/ledger-file';
import { PROGRAM_SECTION, ProgramKeeper, type ProgramSection, programLedgerStore } from '../../src/shared/planner-session';
import { FakeClock } from '../helpers/fake-clock';

const MAC = '0a1b2c3d4e5f';
const MIN = 60_000;
const NOW = Date.UTC(2025, 0, 15, 17, 0);
const OWNERS_ENTRY: WireScheduleEntry = { enable: 2, week: 124, hour: 12, min: 0, mode: 1, param: 116 };
/** Two entries of the removed planner: a hold that has switched (the heater shows it) and its end. */
const HOLD: WireScheduleEntry = { enable: 2, week: 32, hour: 17, min: 58, mode: 1, param: 81 };
const END: WireScheduleEntry = { enable: 2, week: 16, hour: 7, min: 0, mode: 1, param: 121 };
/** The same wire entry as the hold, but the owner's own (not in the ledger): never removed. */
const OWNERS_TWIN: WireScheduleEntry = { ...HOLD, week: 64 };
const CTX: CommandContext = { clientId: 'test', sessionId: 's', device: { mac: MAC, additionalValue: '1', deviceType: 52 } };

/** One heater: its program and status, changed only by the controls the keeper submits; `failNext` attempts fail. */
function standInHeater() {
  const heater = {
    program: { reservationUse: 2, reservation: [OWNERS_ENTRY, OWNERS_TWIN, HOLD, END] as WireScheduleEntry[] },
    status: { dhwOperationSetting: 1, dhwTemperatureSetting: 81 } as Record<string, unknown>,
    failNext: 0,
    submitted: [] as string[],
    async submit(plan: PlannedControl): Promise<ControlOutcome> {
      heater.submitted.push(plan.command);
      if (heater.failNext > 0) {
        heater.failNext--;
        throw new Error('cloud unavailable');
      }
      await plan.prepare?.({ commandContext: () => CTX, request: async () => ({ kind: 'reservation', response: structuredClone(heater.program) }) as never }, MAC);
      const request = plan.build(CTX).payload.request as Record<string, unknown>;
      if (plan.command === 'schedule') heater.program = { reservationUse: request.reservationUse as number, reservation: request.reservation as WireScheduleEntry[] };
      else if (request.mode === 'dhw-temperature') heater.status.dhwTemperatureSetting = (request.param as number[])[0];
      return { command: plan.command, requested: plan.requested, applied: null, result: 'confirmed', latencyMs: 1, status: heater.status };
    },
  };
  return heater;
}

describe('ProgramKeeper: a removed planner\'s entries undone from the ledger', () => {
  let dir = '';
  let ledger: LedgerFile;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'navien-keeper-'));
    ledger = LedgerFile.open(path.join(dir, 'navien-ledger.json'));
    await programLedgerStore(ledger, MAC, 'gone', 'acc').set({
      mac: MAC,
      entries: [
        { at: NOW - 2 * MIN, wire: HOLD },
        { at: NOW + 14 * 60 * MIN, wire: END, restores: true },
      ],
      restore: { mode: 1, setpointRaw: 121 },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes exactly its entries, puts the owner\'s setting back while the heater shows its hold, and clears the ledger', async () => {
    const clock = new FakeClock(NOW);
    const heater = standInHeater();
    const problems: Array<string | undefined> = [];
    const keeper = new ProgramKeeper({
      mac: MAC, unit: 'C', clock, ledger, submit: heater.submit, requestStatus: async () => heater.status, describe: String,
      problem: (_owner, why) => problems.push(why),
    });
    await keeper.sweep(['gone']);
    assert.deepEqual(heater.program, { reservationUse: 2, reservation: [OWNERS_ENTRY, OWNERS_TWIN] });
    assert.equal(heater.status.dhwTemperatureSetting, 121);
    assert.deepEqual(problems, [undefined]);
    assert.equal((await ledger.read<ProgramSection>(PROGRAM_SECTION)) ?? null, null);
    assert.equal(clock.pending, 0);
  });

  it('the cloud fails: reports what is left, retries with backoff on its clock, and finishes once it answers', async () => {
    const clock = new FakeClock(NOW);
    const heater = standInHeater();
    heater.status.dhwTemperatureSetting = 110; // the owner changed it meanwhile: not put back
    heater.failNext = 2;
    const problems: Array<string | undefined> = [];
    const keeper = new ProgramKeeper({
      mac: MAC, unit: 'C', clock, ledger, submit: heater.submit, requestStatus: async () => heater.status, describe: (e) => (e instanceof Error ? e.message : String(e)),
      problem: (_owner, why) => problems.push(why), retryMs: 30_000,
    });
    await keeper.sweep(['gone']);
    assert.deepEqual(problems, ['cloud unavailable']);
    assert.equal(heater.program.reservation.length, 4, 'nothing removed yet');
    assert.deepEqual(keeper.owners, ['gone']);
    // Not before the backoff: 30 s, then 60 s.
    clock.advance(29_000);
    assert.equal(heater.submitted.length, 1);
    clock.advance(1_000);
    await waitUntil(() => problems.length === 2);
    assert.equal(heater.submitted.length, 2);
    clock.advance(59_000);
    assert.equal(heater.submitted.length, 2);
    clock.advance(1_000);
    await waitUntil(() => problems.length === 3);
    assert.deepEqual(problems, ['cloud unavailable', 'cloud unavailable', undefined]);
    assert.deepEqual(heater.program, { reservationUse: 2, reservation: [OWNERS_ENTRY, OWNERS_TWIN] });
    assert.equal(heater.status.dhwTemperatureSetting, 110, 'the owner\'s change is kept');
    assert.equal((await ledger.read<ProgramSection>(PROGRAM_SECTION)) ?? null, null);
    assert.deepEqual(keeper.owners, []);
    keeper.close();
  });
});

/** The keeper's attempt runs on the fake clock's timer, then writes the ledger file (real disk time): wait for it. */
async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'the keeper did not get there');
}
