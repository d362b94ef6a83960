/**
 * Undoes what planners that are no longer deployed left in one heater's weekly program: a planner deleted while
 * Node-RED was down, or one whose close ran out of time (its removal outlasted the close budget at cloud latency).
 * Their entries are in the change ledger (program-ledger.ts) under their owner id; the keeper removes exactly those
 * (a ProgramWriter per owner, so the same read-modify-write that never touches anyone else's entries), puts the
 * owner's setting back while the heater still shows the planner's hold, and keeps trying with backoff until the
 * ledger holds nothing of that owner. One keeper per connection and heater.
 */
import type { TemperatureUnit } from '../codec';
import type { Clock } from '../clock';
import type { ControlOutcome } from '../control/device-commands';
import type { PlannedControl } from '../control/plan';
import type { ProgramLedger } from './program-ledger';
import { programLedgerStore } from './program-ledger';
import { ProgramWriter } from './program';
import type { PlannerReport } from './reports';

export interface ProgramKeeperDeps {
  mac: string;
  unit: TemperatureUnit;
  clock: Clock;
  timeZone?: string;
  ledger: ProgramLedger;
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  requestStatus(): Promise<Record<string, unknown>>;
  describe(err: unknown): string;
  /** What could not be undone yet for `owner` (why), or undefined once that owner's entries are gone. */
  problem(owner: string, why: string | undefined): void;
  /** First retry after this long, doubling up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

const DEFAULT_RETRY_MS = 30_000;
const DEFAULT_MAX_RETRY_MS = 15 * 60_000;

export class ProgramKeeper {
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly deps: ProgramKeeperDeps) {}

  /** Owners being undone or waiting for a retry. */
  get owners(): string[] {
    return [...new Set([...this.running.keys(), ...this.timers.keys()])];
  }

  /** Removes what each of `owners` left (an owner already being undone is not started twice). */
  sweep(owners: readonly string[]): Promise<void> {
    return Promise.all(owners.map((owner) => this.undo(owner))).then(() => undefined);
  }

  /** Stops retrying; what is left stays in the ledger for the next keeper. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) this.deps.clock.clearTimeout(timer);
    this.timers.clear();
  }

  private undo(owner: string): Promise<void> {
    const busy = this.running.get(owner);
    if (busy || this.closed) return busy ?? Promise.resolve();
    const pending = this.timers.get(owner);
    if (pending !== undefined) this.deps.clock.clearTimeout(pending);
    this.timers.delete(owner);
    const run = this.attempt(owner).finally(() => this.running.delete(owner));
    this.running.set(owner, run);
    return run;
  }

  private async attempt(owner: string): Promise<void> {
    const store = programLedgerStore(this.deps.ledger, this.deps.mac, owner);
    let failure: string | undefined;
    const writer = new ProgramWriter({
      mac: this.deps.mac,
      unit: this.deps.unit,
      clock: this.deps.clock,
      timeZone: this.deps.timeZone,
      submit: (plan) => this.deps.submit(plan),
      store,
      requestStatus: () => this.deps.requestStatus(),
      describe: (err) => this.deps.describe(err),
      report: (report: PlannerReport) => {
        if ((report.type === 'program' || report.type === 'restore') && report.result !== 'confirmed') failure = report.error ?? report.result;
        if (report.type === 'not-applied') failure = report.error ?? report.reason;
      },
    });
    try {
      await writer.load();
      await writer.removeAll(true);
    } catch (err) {
      failure = this.deps.describe(err);
    } finally {
      writer.close();
    }
    // Done only when the ledger holds nothing of this owner any more (entries removed, setting back or let go).
    const left = await store.get().catch(() => ({ entries: [] }));
    if (left === undefined) {
      this.attempts.delete(owner);
      this.deps.problem(owner, undefined);
      return;
    }
    if (this.closed) return;
    const attempt = (this.attempts.get(owner) ?? 0) + 1;
    this.attempts.set(owner, attempt);
    this.deps.problem(owner, failure ?? 'not confirmed');
    const delay = Math.min(this.deps.maxRetryMs ?? DEFAULT_MAX_RETRY_MS, (this.deps.retryMs ?? DEFAULT_RETRY_MS) * 2 ** (attempt - 1));
    this.timers.set(
      owner,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(owner);
        void this.undo(owner);
      }, delay),
    );
  }
}
