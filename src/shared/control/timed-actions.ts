/**
 * Timed actions that put things back: a boost (setpoint and/or mode for some minutes, or until the tank
 * reaches a charge) and a vacation that remembers the mode and setpoint from before. The pending restore
 * lives in a store the caller provides (the node's context), so a redeploy or restart resumes it.
 */
import { Clock, SYSTEM_CLOCK } from '../clock';
import { DHW_MODES, DHW_MODE_POWER_OFF, DHW_MODE_VACATION, fromHalfCelsius, type TemperatureUnit } from '../codec';
import type { ControlOutcome, ControlResult } from './device-commands';
import { ControlInputError, PlannedControl } from './plan';
import { TimedKind, TimedPrevious, TimedRequest, restorePlans, startPlans } from './plans/timed';
import { onVacation, vacationDaysPlan } from './plans/vacation-days';

export type { TimedKind } from './plans/timed';

/** What is persisted per pending action; plain JSON so any context store can hold it. */
export interface TimedRecord {
  kind: TimedKind;
  mac: string;
  /** The device's mode id (1-4) and setpoint (half-°C) before the action. */
  previous: TimedPrevious;
  startedAt: number;
  /** Epoch ms when it restores by itself; absent = only on request (vacation without restore). */
  until?: number;
  /** Boost only: restore once `dhwChargePer` reaches this. */
  untilCharge?: number;
  requested: unknown;
  /** The msg.topic of the message that started it, reused for the restore message. */
  topic?: unknown;
}

export type TimedState = Partial<Record<TimedKind, TimedRecord>>;

export interface TimedStore {
  get(): Promise<TimedState | undefined>;
  set(state: TimedState): Promise<void>;
}

export interface TimedEvent {
  command: TimedKind;
  /** `changed`: the days of a running vacation were changed. */
  phase: 'started' | 'restored' | 'changed';
  requested: unknown;
  applied: unknown;
  result: ControlResult;
  latencyMs: number;
  status: Record<string, unknown> | undefined;
  /** For restores that no input message asked for: the topic of the message that started the action. */
  topic?: unknown;
}


export interface TimedDeps {
  mac: string;
  unit: TemperatureUnit;
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  /** A fresh status of the device (raw `response.status`). */
  readStatus(): Promise<Record<string, unknown>>;
  /** Calls `listener` with every status of the device until the returned function is called. */
  watchStatus(listener: (status: Record<string, unknown>) => void): () => void;
  store: TimedStore;
  /** A restore nobody asked for just now (timer, tank charge, start-up): the node sends it as a new message. */
  report(event: TimedEvent): void;
  /** Restores that failed for a reason other than a closed node (logged by the node). */
  warn(text: string): void;
  clock?: Clock;
}

/** setTimeout overflows above 2^31-1 ms (24.8 days); long waits re-arm in steps of a day. */
const MAX_TIMER_MS = 86_400_000;
/** After a restore failed to send (connection down), try again this much later. */
const RETRY_MS = 60_000;

export class TimedActions {
  private readonly clock: Clock;
  private readonly timers = new Map<TimedKind, unknown>();
  private readonly watchers = new Map<TimedKind, () => void>();
  private readonly restoring = new Map<TimedKind, Promise<TimedEvent | undefined>>();
  private closed = false;
  private resumed = false;

  constructor(private readonly deps: TimedDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
  }

  /** Runs a boost or vacation request; resolves with the event to report for the input message. */
  async run(request: TimedRequest, topic: unknown): Promise<TimedEvent | undefined> {
    switch (request.kind) {
      case 'boost':
        return this.startBoost(request, topic);
      case 'boost-cancel':
        return this.restoreNow('boost', true);
      case 'vacation':
        return this.startVacation(request, topic);
      case 'vacation-end':
        return this.restoreNow('vacation', true);
    }
  }

  /** On start-up (and after each reconnect; idempotent): pick up a stored action, restoring at once if overdue. */
  async resume(): Promise<void> {
    if (this.resumed || this.closed) return;
    this.resumed = true;
    const state = (await this.deps.store.get()) ?? {};
    for (const kind of ['boost', 'vacation'] as const) {
      const record = state[kind];
      if (!record) continue;
      if (record.mac !== this.deps.mac) {
        // The node now controls another device: that restore no longer applies here.
        delete state[kind];
        await this.deps.store.set(state);
        continue;
      }
      this.arm(record);
    }
  }

  /** Stops timers and watchers; the stored record stays so the next start resumes it. */
  close(): void {
    this.closed = true;
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
    for (const stop of this.watchers.values()) stop();
    this.watchers.clear();
  }

  private async previousState(kind: TimedKind, state: TimedState, current?: Record<string, unknown>): Promise<{ previous: TimedPrevious; status: Record<string, unknown> }> {
    const status = current ?? (await this.deps.readStatus());
    const existing = state[kind];
    // A second boost (or a longer vacation) keeps what was there before the first one.
    if (existing) return { previous: existing.previous, status };
    const mode = status.dhwOperationSetting;
    const setpointRaw = status.dhwTemperatureSetting;
    if (mode === DHW_MODE_POWER_OFF) throw new ControlInputError('timed-off', { field: kind });
    if (mode === DHW_MODE_VACATION) throw new ControlInputError(kind === 'boost' ? 'timed-vacation' : 'vacation-unknown-before', { field: kind });
    if (typeof mode !== 'number' || mode < 1 || mode > 4 || typeof setpointRaw !== 'number') {
      throw new ControlInputError('timed-unknown', { field: kind });
    }
    return { previous: { mode, setpointRaw }, status };
  }

  private async startBoost(request: Extract<TimedRequest, { kind: 'boost' }>, topic: unknown): Promise<TimedEvent> {
    const started = this.clock.now();
    const state = (await this.deps.store.get()) ?? {};
    if (state.vacation) throw new ControlInputError('timed-vacation', { field: 'boost' });
    const { previous } = await this.previousState('boost', state);
    this.disarm('boost');
    const record: TimedRecord = {
      kind: 'boost',
      mac: this.deps.mac,
      previous,
      startedAt: started,
      until: started + request.minutes * 60_000,
      untilCharge: request.untilCharge,
      requested: request.requested,
      topic: typeof topic === 'string' ? topic : undefined,
    };
    // Stored before anything is sent: if Node-RED stops half-way, the next start still puts things back.
    state.boost = record;
    await this.deps.store.set(state);
    const outcomes = await Promise.all(startPlans(request, this.deps.unit).map((plan) => this.deps.submit(plan)));
    if (!this.closed) this.arm(record);
    return this.event('boost', 'started', request.requested, outcomes, started, {
      setpoint: request.setpointRaw,
      mode: request.modeId,
    });
  }

  private async startVacation(request: Extract<TimedRequest, { kind: 'vacation' }>, topic: unknown): Promise<TimedEvent> {
    const started = this.clock.now();
    const state = (await this.deps.store.get()) ?? {};
    const status = await this.deps.readStatus();
    if (onVacation(status)) return this.changeVacationDays(request, state, started, topic);
    // A running boost is folded in: its "before" is what the vacation puts back.
    const before = state.boost ?? state.vacation;
    const { previous } = before ? { previous: before.previous } : await this.previousState('vacation', state, status);
    if (state.boost) {
      this.disarm('boost');
      delete state.boost;
    }
    this.disarm('vacation');
    const record: TimedRecord = {
      kind: 'vacation',
      mac: this.deps.mac,
      previous,
      startedAt: started,
      until: request.restore ? started + request.days * 86_400_000 : undefined,
      requested: request.requested,
      topic: typeof topic === 'string' ? topic : undefined,
    };
    state.vacation = record;
    await this.deps.store.set(state);
    const outcomes = await Promise.all(startPlans(request, this.deps.unit).map((plan) => this.deps.submit(plan)));
    if (!this.closed) this.arm(record);
    return this.event('vacation', 'started', request.requested, outcomes, started, { days: request.days });
  }

  /**
   * The heater is already on vacation: only its day count changes (`goout-day`), and a vacation this node started
   * keeps what it puts back, with its end moved to the new count. Without such a record the mode from before is not
   * known, so a restore cannot be promised.
   */
  private async changeVacationDays(request: Extract<TimedRequest, { kind: 'vacation' }>, state: TimedState, started: number, topic: unknown): Promise<TimedEvent> {
    const existing = state.vacation?.mac === this.deps.mac ? state.vacation : undefined;
    if (request.restore && !existing) throw new ControlInputError('vacation-unknown-before', { field: 'vacation' });
    let record: TimedRecord | undefined;
    if (existing) {
      this.disarm('vacation');
      record = {
        ...existing,
        until: request.restore ? started + request.days * 86_400_000 : undefined,
        requested: request.requested,
        topic: typeof topic === 'string' ? topic : existing.topic,
      };
      state.vacation = record;
      await this.deps.store.set(state);
    }
    const outcome = await this.deps.submit(vacationDaysPlan(request.days));
    if (record && !this.closed) this.arm(record);
    return this.event('vacation', 'changed', request.requested, [outcome], started, { days: request.days });
  }

  /** Timer, charge watcher or overdue record: restore and report as a new message. */
  private arm(record: TimedRecord): void {
    this.disarm(record.kind);
    if (this.closed) return;
    if (record.until !== undefined) {
      const wait = record.until - this.clock.now();
      if (wait <= 0) {
        this.restoreLater(record.kind);
        return;
      }
      const handle = this.clock.setTimeout(() => {
        this.timers.delete(record.kind);
        if (record.until !== undefined && record.until - this.clock.now() > 0) this.arm(record);
        else this.restoreLater(record.kind);
      }, Math.min(wait, MAX_TIMER_MS));
      this.timers.set(record.kind, handle);
    }
    if (record.kind === 'boost' && record.untilCharge !== undefined) {
      const target = record.untilCharge;
      const stop = this.deps.watchStatus((status) => {
        if (typeof status.dhwChargePer === 'number' && status.dhwChargePer >= target) this.restoreLater('boost');
      });
      this.watchers.set('boost', stop);
    }
  }

  private disarm(kind: TimedKind): void {
    const handle = this.timers.get(kind);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.timers.delete(kind);
    this.watchers.get(kind)?.();
    this.watchers.delete(kind);
  }

  private restoreLater(kind: TimedKind): void {
    this.disarm(kind);
    this.restoreNow(kind, false).then(
      (event) => {
        if (event) this.deps.report(event);
      },
      (err: unknown) => {
        if (this.closed) return; // cancelled by a redeploy: the record stays and the next start resumes it
        this.deps.warn(`${kind} restore failed: ${err instanceof Error ? err.message : String(err)}; retrying in 60 s`);
        const handle = this.clock.setTimeout(() => {
          this.timers.delete(kind);
          this.restoreLater(kind);
        }, RETRY_MS);
        this.timers.set(kind, handle);
      },
    );
  }

  /** Puts the remembered mode and setpoint back; resolves undefined when nothing was pending (or for `requested`, throws). */
  private restoreNow(kind: TimedKind, requested: boolean): Promise<TimedEvent | undefined> {
    const running = this.restoring.get(kind);
    if (running) return running;
    const work = (async () => {
      const started = this.clock.now();
      const state = (await this.deps.store.get()) ?? {};
      const record = state[kind];
      if (!record) {
        if (requested) throw new ControlInputError(kind === 'boost' ? 'no-boost' : 'no-vacation', { field: kind });
        return undefined;
      }
      this.disarm(kind);
      const { mode, setpointRaw } = record.previous;
      const outcomes = await Promise.all(restorePlans(kind, record.previous, this.deps.unit).map((plan) => this.deps.submit(plan)));
      const latest = (await this.deps.store.get()) ?? {};
      // Only forget it if nothing replaced it meanwhile.
      if (latest[kind]?.startedAt === record.startedAt) {
        delete latest[kind];
        await this.deps.store.set(latest);
      }
      const event = this.event(kind, 'restored', { mode: modeName(mode), setpoint: fromHalfCelsius(setpointRaw, this.deps.unit) }, outcomes, started, {
        mode,
        setpoint: setpointRaw,
      });
      event.topic = record.topic;
      return event;
    })();
    this.restoring.set(kind, work);
    const clear = () => {
      if (this.restoring.get(kind) === work) this.restoring.delete(kind);
    };
    work.then(clear, clear);
    return work;
  }

  private event(
    command: TimedKind,
    phase: TimedEvent['phase'],
    requested: unknown,
    outcomes: ControlOutcome[],
    started: number,
    wanted: { setpoint?: number; mode?: number; days?: number },
  ): TimedEvent {
    const failed = outcomes.find((o) => o.result !== 'confirmed');
    const status = outcomes.map((o) => o.status).filter(Boolean).at(-1);
    let applied: unknown = null;
    if (!failed) {
      const values: Record<string, unknown> = {};
      for (const o of outcomes) {
        if (o.command === 'setpoint') values.setpoint = o.applied;
        if (o.command === 'mode') values.mode = typeof o.applied === 'object' && o.applied !== null ? (o.applied as { mode: unknown }).mode : o.applied;
      }
      if (wanted.days !== undefined) values.days = wanted.days;
      applied = values;
    }
    return { command, phase, requested, applied, result: failed ? failed.result : 'confirmed', latencyMs: this.clock.now() - started, status };
  }
}

function modeName(id: number): string | number {
  return DHW_MODES.nameOf(id) ?? id;
}
