/**
 * The undo keeper of one water heater on one account connection: it holds the heater's `settings` record in the
 * change ledger, arms the end of every change of ours (timer, tank charge), and puts the heater back when one is due.
 * It belongs to the connection, not to a node: a boost outlives the deletion of the node that started it, and a
 * restore that could not finish is tried again (with backoff) until the heater shows it.
 *
 * A restore is done when the heater confirms it. It writes a field only while the heater still shows our value: a
 * setting the owner changed meanwhile (in the app, on the panel) is theirs, and the keeper says what it did not put
 * back and why.
 */
import { Clock, SYSTEM_CLOCK } from '../clock';
import { DHW_MODES, fromHalfCelsius } from '../codec';
import type { ControlOutcome } from '../control/device-commands';
import type { PlannedControl } from '../control/plan';
import { modePlanId } from '../control/plans/operation';
import { setpointPlanRaw } from '../control/plans/setpoint';
import type { TimedEvent } from '../control/results';
import { errorMessage } from '../errors';
import {
  Baseline,
  ChangeKind,
  HeaterSettings,
  NewChange,
  OverriddenField,
  SettingChange,
  SettingsSection,
  restoreStep,
  sameChange,
  withChange,
} from './settings-record';

/** The ledger's `settings` section (LedgerFile.read / update bound to it). */
export interface SettingsStore {
  read(): Promise<SettingsSection | undefined>;
  update(change: (current: SettingsSection | undefined) => SettingsSection | undefined): Promise<unknown>;
}

/** Why a change ends. */
export type EndCause = 'requested' | 'due' | 'removed' | 'charge';

export type KeeperEvent =
  /** Put back and confirmed (or nothing to write: the heater already shows what it should). */
  | { type: 'restored'; owner: string; kind: ChangeKind; cause: EndCause; event: TimedEvent }
  /** The owner changed a field of ours meanwhile: it stays theirs. */
  | { type: 'overridden'; owner: string; kind: ChangeKind; unit: SettingChange['unit']; fields: OverriddenField[] }
  /** Not confirmed yet (`reason`: the result or the error): kept in the ledger, tried again in `retryInMs`. */
  | { type: 'retrying'; owner: string; kind: ChangeKind; reason: string; retryInMs: number; event?: TimedEvent };

export interface KeeperDeps {
  mac: string;
  /** The account node whose connection this is (recorded, so it reconciles the heater after a restart). */
  account?: string;
  store: SettingsStore;
  /** The controls of this keeper (its own queue at the device). */
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  /** A fresh status of the heater (raw); rejects when it does not answer. */
  readStatus(): Promise<Record<string, unknown>>;
  /** Every status of the heater until the returned function is called. */
  watchStatus(listener: (status: Record<string, unknown>) => void): () => void;
  /** Whether the node with this id is deployed (a change whose owner is gone is undone). */
  isDeployed(owner: string): boolean;
  /** Said when no node of the owner listens (it was deleted): the runtime's log. */
  log(text: string): void;
  clock?: Clock;
  /** Called when the keeper stops being busy (its last due or running restore settled). */
  onIdle?: () => void;
}

/**
 * A status the heater pushed this recently is what it shows now (it pushes on every change a user makes): a restore
 * goes out without a status round trip first, which at cloud latency would eat the close's budget.
 */
const FRESH_STATUS_MS = 60_000;
/** setTimeout overflows above 2^31-1 ms; long waits re-arm in steps of a day. */
const MAX_TIMER_MS = 86_400_000;
/** Retries of a restore that was not confirmed: 30 s, doubling, at most 15 min apart. */
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 15 * 60_000;

const key = (c: Pick<SettingChange, 'owner' | 'kind'>) => `${c.owner}\u0000${c.kind}`;

export class SettingsKeeper {
  private readonly clock: Clock;
  private readonly timers = new Map<string, unknown>();
  private readonly watchers = new Map<string, () => void>();
  private readonly retries = new Map<string, number>();
  private readonly listeners = new Map<string, Set<(event: KeeperEvent) => void>>();
  /** Ends waiting for their turn or running: a second end of the same change joins the first. */
  private readonly ending = new Map<string, Promise<TimedEvent | undefined>>();
  /** Every ledger read-modify-write and restore of this heater, one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The newest status the heater sent (real time: the connection's, not the test clock's). */
  private latest: { status: Record<string, unknown>; at: number } | undefined;
  private readonly unwatch: () => void;

  constructor(private readonly deps: KeeperDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    this.unwatch = deps.watchStatus((status) => {
      this.latest = { status: { ...this.latest?.status, ...status }, at: Date.now() };
    });
  }

  get mac(): string {
    return this.deps.mac;
  }

  now(): number {
    return this.clock.now();
  }

  /** Whether a restore is due or running (the connection stays open for it). */
  get busy(): boolean {
    return this.ending.size > 0 || this.retries.size > 0;
  }

  /** Events for changes of `owner` (its node's messages, warnings and status) until the returned function is called. */
  subscribe(owner: string, listener: (event: KeeperEvent) => void): () => void {
    let set = this.listeners.get(owner);
    if (!set) this.listeners.set(owner, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(owner) === set) this.listeners.delete(owner);
    };
  }

  /** The heater's record as in the ledger (undefined when nothing of ours is on it). */
  async record(): Promise<HeaterSettings | undefined> {
    const section = await this.deps.store.read();
    return section?.[this.deps.mac];
  }

  /** The owner's own setting (the baseline) while a change of ours is on the heater. */
  async baseline(): Promise<Baseline | undefined> {
    return (await this.record())?.baseline;
  }

  /** The active change of this owner and kind. */
  async active(owner: string, kind: ChangeKind): Promise<SettingChange | undefined> {
    return (await this.record())?.changes.find((c) => c.owner === owner && c.kind === kind);
  }

  /**
   * Records a change in the ledger, durably, before its commands go out. `status` is the heater's status just read
   * (the baseline for a first change; what the owner set meanwhile otherwise). Its end is armed by `armEnd` once the
   * commands went out (a charge watched before them would see the tank charged to the old setpoint).
   */
  begin(status: Record<string, unknown>, change: NewChange): Promise<SettingChange> {
    return this.serial(async () => {
      let stored: SettingChange | undefined;
      let result: ReturnType<typeof withChange> | undefined;
      await this.deps.store.update((section) => {
        const next = { ...(section ?? {}) };
        result = withChange(next[this.deps.mac], this.deps.mac, status, change, this.deps.account);
        next[this.deps.mac] = result.record;
        stored = result.record.changes.at(-1);
        return next;
      });
      if (!stored || !result) throw new Error('change not recorded');
      for (const kind of change.replaces ?? []) this.disarm({ owner: change.owner, kind });
      for (const gone of result.dropped) this.disarm(gone);
      if (result.overridden.length) this.emit({ type: 'overridden', owner: change.owner, kind: change.kind, unit: change.unit, fields: result.overridden });
      this.disarm(stored);
      return stored;
    });
  }

  /** Arms the end (timer, charge watcher) of the change of `owner` and `kind` as the ledger has it now. */
  armEnd(owner: string, kind: ChangeKind): Promise<void> {
    return this.serial(async () => {
      const change = (await this.record())?.changes.find((c) => c.owner === owner && c.kind === kind);
      if (change && !change.ending) this.arm(change);
    });
  }

  /**
   * Ends the change of `owner` and `kind`: marks it due in the ledger and puts the heater back. Resolves with this
   * attempt's result (undefined when there was no such change); a result other than confirmed keeps the change and
   * retries with backoff.
   */
  end(owner: string, kind: ChangeKind, cause: EndCause): Promise<TimedEvent | undefined> {
    const k = key({ owner, kind });
    const running = this.ending.get(k);
    if (running) return running;
    const work = this.serial(() => this.restore(owner, kind, cause));
    this.ending.set(k, work);
    const clear = () => {
      if (this.ending.get(k) === work) this.ending.delete(k);
      this.noteIdle();
    };
    work.then(clear, clear);
    return work;
  }

  /** Lets go of a change without putting anything back (the owner switched the heater off or on vacation). */
  drop(owner: string, kind: ChangeKind): Promise<void> {
    return this.serial(async () => {
      this.disarm({ owner, kind });
      this.retries.delete(key({ owner, kind }));
      this.noteIdle();
      await this.write((record) => {
        const changes = record.changes.filter((c) => !(c.owner === owner && c.kind === kind));
        return changes.length ? { ...record, changes } : undefined;
      });
    });
  }

  /**
   * On start and after every reconnect: each change of this heater that is overdue, due, or whose owner node is no
   * longer deployed is put back now; every other one has its end armed again. Idempotent.
   */
  async reconcile(): Promise<void> {
    if (this.closed) return;
    const record = await this.record();
    for (const change of record?.changes ?? []) {
      const overdue = change.until !== undefined && change.until <= this.clock.now();
      if (change.ending || overdue || !this.deps.isDeployed(change.owner)) {
        this.disarm(change);
        const cause: EndCause = !this.deps.isDeployed(change.owner) ? 'removed' : change.ending ? 'requested' : 'due';
        this.endLater(change, cause);
      } else {
        this.arm(change);
      }
    }
  }

  /** Stops timers and watchers (the connection closes); the ledger keeps every record for the next start. */
  close(): void {
    this.closed = true;
    this.unwatch();
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
    for (const stop of this.watchers.values()) stop();
    this.watchers.clear();
    this.retries.clear();
  }

  // ---- internals ----

  private noteIdle(): void {
    if (!this.busy) this.deps.onIdle?.();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(work);
    this.queue = run;
    return run;
  }

  private async write(change: (record: HeaterSettings) => HeaterSettings | undefined): Promise<void> {
    await this.deps.store.update((section) => {
      const record = section?.[this.deps.mac];
      if (!section || !record) return section;
      const next = { ...section };
      const changed = change(record);
      if (changed) next[this.deps.mac] = changed;
      else delete next[this.deps.mac];
      return Object.keys(next).length ? next : undefined;
    });
  }

  private async restore(owner: string, kind: ChangeKind, cause: EndCause): Promise<TimedEvent | undefined> {
    const started = this.clock.now();
    const record = await this.record();
    const change = record?.changes.find((c) => c.owner === owner && c.kind === kind);
    if (!record || !change) return undefined;
    this.disarm(change);
    // Asked for: due from now on, also across a restart, until the heater shows it (an overdue change or one whose
    // node is gone is due after a restart anyway, so those go out without waiting for the disk).
    if (!change.ending && (cause === 'requested' || cause === 'charge')) {
      await this.write((r) => ({ ...r, changes: r.changes.map((c) => (sameChange(c, change) ? { ...c, ending: true } : c)) }));
    }
    const outcomes: ControlOutcome[] = [];
    let status: Record<string, unknown> | undefined;
    let step: ReturnType<typeof restoreStep> | undefined;
    try {
      const latest = this.latest;
      status = latest && Date.now() - latest.at < FRESH_STATUS_MS ? latest.status : await this.deps.readStatus();
      step = restoreStep(record, change, status);
      for (const w of step.writes) {
        const plan = w.field === 'mode' ? modePlanId(w.value) : setpointPlanRaw(w.value, change.unit);
        outcomes.push(await this.deps.submit(plan));
      }
    } catch (err) {
      if (this.closed) throw err;
      const event = step ? this.event(change, step.target, outcomes, started, status) : undefined;
      this.retry(change, errorMessage(err), event);
      if (event) return event;
      throw err;
    }
    const event = this.event(change, step.target, outcomes, started, status);
    if (event.result !== 'confirmed') {
      this.retry(change, event.result, event);
      return event;
    }
    this.retries.delete(key(change));
    // Every change of this heater goes through this queue: the record is as read above, plus what the step adopted.
    const after = step.after;
    await this.write(() => after);
    if (step.overridden.length) {
      this.emit({ type: 'overridden', owner, kind, unit: change.unit, fields: step.overridden });
    }
    this.emit({ type: 'restored', owner, kind, cause, event });
    return event;
  }

  /** An end nobody waits for: a failure has been reported (a retry is armed) or the keeper was closed. */
  private endLater(change: Pick<SettingChange, 'owner' | 'kind'>, cause: EndCause): void {
    this.end(change.owner, change.kind, cause).catch(() => undefined);
  }

  private retry(change: SettingChange, why: string, event: TimedEvent | undefined): void {
    if (this.closed) return;
    const k = key(change);
    const wait = Math.min(RETRY_MAX_MS, this.retries.get(k) ?? RETRY_FIRST_MS);
    this.retries.set(k, Math.min(RETRY_MAX_MS, wait * 2));
    this.disarm(change);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(k);
      this.endLater(change, 'due');
    }, wait);
    this.timers.set(k, handle);
    this.emit({ type: 'retrying', owner: change.owner, kind: change.kind, reason: why, retryInMs: wait, event });
  }

  private arm(change: SettingChange): void {
    this.disarm(change);
    if (this.closed) return;
    const k = key(change);
    if (change.until !== undefined) {
      const until = change.until;
      const wait = until - this.clock.now();
      if (wait <= 0) {
        this.endLater(change, 'due');
        return;
      }
      const handle = this.clock.setTimeout(() => {
        this.timers.delete(k);
        if (until - this.clock.now() > 0) this.arm(change);
        else this.endLater(change, 'due');
      }, Math.min(wait, MAX_TIMER_MS));
      this.timers.set(k, handle);
    }
    if (change.untilCharge !== undefined) {
      const target = change.untilCharge;
      const stop = this.deps.watchStatus((status) => {
        if (typeof status.dhwChargePer === 'number' && status.dhwChargePer >= target) {
          this.disarm(change);
          this.endLater(change, 'charge');
        }
      });
      this.watchers.set(k, stop);
    }
  }

  private disarm(change: Pick<SettingChange, 'owner' | 'kind'>): void {
    const k = key(change);
    const handle = this.timers.get(k);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.timers.delete(k);
    this.watchers.get(k)?.();
    this.watchers.delete(k);
  }

  private emit(event: KeeperEvent): void {
    const listeners = this.listeners.get(event.owner);
    if (listeners?.size) {
      for (const listener of [...listeners]) listener(event);
      return;
    }
    // Its node is gone: the log is where the owner finds what happened.
    const what = `${this.deps.mac}: the ${event.kind} of node ${event.owner}`;
    if (event.type === 'restored') this.deps.log(`${what} was put back (${event.event.result})`);
    else if (event.type === 'overridden') this.deps.log(`${what}: ${overriddenText(event.fields, event.unit)}`);
    else this.deps.log(`${what} could not be put back yet (${event.reason}); tried again in ${Math.round(event.retryInMs / 1000)} s`);
  }

  private event(change: SettingChange, target: Baseline, outcomes: ControlOutcome[], started: number, status: Record<string, unknown> | undefined): TimedEvent {
    const failed = outcomes.find((o) => o.result !== 'confirmed');
    let applied: unknown = null;
    if (!failed) {
      const values: Record<string, unknown> = {};
      for (const o of outcomes) {
        if (o.command === 'setpoint') values.setpoint = o.applied;
        if (o.command === 'mode') values.mode = typeof o.applied === 'object' && o.applied !== null ? (o.applied as { mode: unknown }).mode : o.applied;
      }
      applied = values;
    }
    return {
      command: change.kind === 'vacation' ? 'vacation' : 'boost',
      phase: 'restored',
      requested: { mode: modeName(target.mode), setpoint: fromHalfCelsius(target.setpointRaw, change.unit) },
      applied,
      result: failed ? failed.result : 'confirmed',
      latencyMs: this.clock.now() - started,
      status: outcomes.map((o) => o.status).filter(Boolean).at(-1) ?? status,
      topic: change.topic,
      at: this.clock.now(),
    };
  }
}

/** The runtime log's words for fields the owner changed meanwhile (a node uses its message catalog instead). */
export function overriddenText(fields: OverriddenField[], unit: SettingChange['unit']): string {
  return fields
    .map((f) =>
      f.field === 'mode'
        ? `mode not put back: the heater shows ${modeName(f.shows)}, not our ${modeName(f.ours)} (changed by someone else since)`
        : `setpoint not put back: the heater shows ${fromHalfCelsius(f.shows, unit)} °${unit}, not our ${fromHalfCelsius(f.ours, unit)} °${unit} (changed by someone else since)`,
    )
    .join('; ');
}

export function modeName(id: number): string | number {
  return DHW_MODES.nameOf(id) ?? id;
}
