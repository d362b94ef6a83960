/**
 * Timed actions that put things back: a boost (setpoint and/or mode for some minutes, or until the tank reaches a
 * charge) and a vacation. What the heater showed before, what we set and when it ends are recorded in the change
 * ledger by the heater's SettingsKeeper before anything is sent; the keeper (owned by the account connection, not by
 * the node) ends the action and puts the setting back, also after a redeploy, a restart or the node's deletion.
 */
import type { Clock } from '../clock';
import { SYSTEM_CLOCK } from '../clock';
import { DHW_MODE_POWER_OFF, DHW_MODE_VACATION, type TemperatureUnit } from '../codec';
import type { ChangeKind } from '../ledger/settings-record';
import type { SettingsKeeper } from '../ledger/settings-keeper';
import type { ControlOutcome } from './device-commands';
import { ControlInputError, PlannedControl } from './plan';
import { TimedKind, TimedRequest, startPlans } from './plans/timed';
import { onVacation, vacationDaysPlan } from './plans/vacation-days';
import type { TimedEvent } from './results';

export type { TimedKind } from './plans/timed';
export interface TimedDeps {
  mac: string;
  unit: TemperatureUnit;
  /** The node whose actions these are (the owner of its changes in the ledger). */
  owner: string;
  /** What a boost is in the ledger: navien-control's `boost`, or a live plan's window/hold (`plan`). */
  boostKind?: Extract<ChangeKind, 'boost' | 'plan'>;
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  /** A fresh status of the device (raw `response.status`). */
  readStatus(): Promise<Record<string, unknown>>;
  keeper: SettingsKeeper;
  clock?: Clock;
}

export class TimedActions {
  private readonly clock: Clock;
  private readonly boostKind: ChangeKind;

  constructor(private readonly deps: TimedDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    this.boostKind = deps.boostKind ?? 'boost';
  }

  /** Runs a boost or vacation request; resolves with the event to report for the input message. */
  async run(request: TimedRequest, topic: unknown): Promise<TimedEvent | undefined> {
    switch (request.kind) {
      case 'boost':
        return this.startBoost(request, topic);
      case 'boost-cancel':
        return this.end(this.boostKind, 'no-boost');
      case 'vacation':
        return this.startVacation(request, topic);
      case 'vacation-end':
        return this.end('vacation', 'no-vacation');
    }
  }

  /** On start-up and after each reconnect: the keeper restores what is overdue and re-arms the rest. */
  resume(): Promise<void> {
    return this.deps.keeper.reconcile();
  }

  private async end(kind: ChangeKind, missing: 'no-boost' | 'no-vacation'): Promise<TimedEvent> {
    const event = await this.deps.keeper.end(this.deps.owner, kind, 'requested');
    if (!event) throw new ControlInputError(missing, { field: missing === 'no-boost' ? 'boost' : 'vacation' });
    return event;
  }

  /** The heater must show a mode of its own (1-4) and a setpoint: that is what the end puts back. */
  private checkStatus(kind: TimedKind, status: Record<string, unknown>): void {
    const mode = status.dhwOperationSetting;
    if (mode === DHW_MODE_POWER_OFF) throw new ControlInputError('timed-off', { field: kind });
    if (mode === DHW_MODE_VACATION) throw new ControlInputError(kind === 'boost' ? 'timed-vacation' : 'vacation-unknown-before', { field: kind });
    if (typeof mode !== 'number' || mode < 1 || mode > 4 || typeof status.dhwTemperatureSetting !== 'number') {
      throw new ControlInputError('timed-unknown', { field: kind });
    }
  }

  private async startBoost(request: Extract<TimedRequest, { kind: 'boost' }>, topic: unknown): Promise<TimedEvent> {
    const started = this.clock.now();
    const status = await this.deps.readStatus();
    this.checkStatus('boost', status);
    const now = this.deps.keeper.now();
    // Recorded before anything is sent: if Node-RED stops half-way, the next start still puts things back.
    await this.deps.keeper.begin(status, {
      owner: this.deps.owner,
      kind: this.boostKind,
      ours: { mode: request.modeId, setpointRaw: request.setpointRaw },
      startedAt: now,
      until: now + request.minutes * 60_000,
      untilCharge: request.untilCharge,
      topic: typeof topic === 'string' ? topic : undefined,
      unit: this.deps.unit,
    });
    const outcomes = await this.sendThenArm(startPlans(request, this.deps.unit), this.boostKind);
    return this.event('boost', 'started', request.requested, outcomes, started, {
      setpoint: request.setpointRaw,
      mode: request.modeId,
    });
  }

  private async startVacation(request: Extract<TimedRequest, { kind: 'vacation' }>, topic: unknown): Promise<TimedEvent> {
    const started = this.clock.now();
    const status = await this.deps.readStatus();
    if (onVacation(status)) return this.changeVacationDays(request, status, started, topic);
    this.checkStatus('vacation', status);
    const now = this.deps.keeper.now();
    // A running boost of this node is folded in: the vacation's end goes to what was there before it.
    await this.deps.keeper.begin(status, {
      owner: this.deps.owner,
      kind: 'vacation',
      ours: { mode: DHW_MODE_VACATION },
      startedAt: now,
      until: request.restore ? now + request.days * 86_400_000 : undefined,
      topic: typeof topic === 'string' ? topic : undefined,
      unit: this.deps.unit,
      replaces: ['boost'],
    });
    const outcomes = await this.sendThenArm(startPlans(request, this.deps.unit), 'vacation');
    return this.event('vacation', 'started', request.requested, outcomes, started, { days: request.days });
  }

  /**
   * The heater is already on vacation: only its day count changes (`goout-day`), and a vacation this node started
   * keeps what it puts back, with its end moved to the new count. Without such a record the mode from before is not
   * known, so a restore cannot be promised.
   */
  private async changeVacationDays(request: Extract<TimedRequest, { kind: 'vacation' }>, status: Record<string, unknown>, started: number, topic: unknown): Promise<TimedEvent> {
    const existing = await this.deps.keeper.active(this.deps.owner, 'vacation');
    if (request.restore && !existing) throw new ControlInputError('vacation-unknown-before', { field: 'vacation' });
    if (existing) {
      const now = this.deps.keeper.now();
      await this.deps.keeper.begin(status, {
        ...existing,
        until: request.restore ? now + request.days * 86_400_000 : undefined,
        topic: typeof topic === 'string' ? topic : existing.topic,
      });
    }
    const outcome = await this.deps.submit(vacationDaysPlan(request.days));
    if (existing) await this.deps.keeper.armEnd(this.deps.owner, 'vacation');
    return this.event('vacation', 'changed', request.requested, [outcome], started, { days: request.days });
  }

  /** Sends the start; then (also when it failed: what it did is checked at the end) arms the end in the keeper. */
  private async sendThenArm(plans: PlannedControl[], kind: ChangeKind): Promise<ControlOutcome[]> {
    try {
      return await Promise.all(plans.map((plan) => this.deps.submit(plan)));
    } finally {
      await this.deps.keeper.armEnd(this.deps.owner, kind);
    }
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
