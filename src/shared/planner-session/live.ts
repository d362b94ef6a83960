/**
 * `live`: the heater follows the plan because the node tells it, at each window boundary, through navien-control's
 * own machinery. A window (and the hold between windows) is a boost as navien-control runs it, recorded in the change
 * ledger as the plan's change (kind `plan`) before it is sent: the heater's baseline (the user's own setting) stays,
 * what we set is updated with each write, each runs until the plan's end, and at the end the heater's keeper puts the
 * user's setting back by itself, also after a redeploy, a restart or the node's deletion (overdue: at once). Controls go through the command runner: one at a time,
 * spaced, confirmed from the heater's status.
 */
import { DHW_MODES, DHW_MODE_POWER_OFF, DHW_MODE_VACATION, TemperatureUnit, fromHalfCelsius, toHalfCelsius } from '../codec';
import { ControlCancelledError } from '../control/device-commands';
import type { TimedRequest } from '../control/plans/timed';
import type { Clock } from '../clock';
import type { TimedEvent } from '../control/results';
import { InputError } from '../input-error';
import { Plan, settingAt } from '../planner';
import type { PlannerReport } from './reports';

export interface LiveControls {
  run(request: TimedRequest, topic: unknown): Promise<TimedEvent | undefined>;
  /** Forgets the plan's change in the ledger without putting anything back. */
  letGo(): Promise<void>;
}

export interface LiveDeps {
  controls: LiveControls;
  clock: Clock;
  unit: TemperatureUnit;
  /** Topic TimedActions gives its own restore message. */
  topic: string;
  /** The heater's newest status (raw), to leave a heater alone that was switched off or put on vacation. */
  status(): Record<string, unknown> | undefined;
  report(report: PlannerReport): void;
  describe(err: unknown): string;
}

interface Applied {
  modeId: number;
  setpointRaw: number;
  until: number;
}

const iso = (t: number) => new Date(t).toISOString();

export class LivePlanFollower {
  private plan: Plan | undefined;
  private timer: unknown;
  private queue: Promise<void> = Promise.resolve();
  private applied: Applied | undefined;
  private failed = false;
  private closed = false;

  constructor(private readonly deps: LiveDeps) {}

  /** Follows `plan` from now on: its setting at once (unless the heater has it already), then at each boundary. */
  follow(plan: Plan): Promise<void> {
    this.plan = plan;
    return this.enqueue();
  }

  /** A boundary whose controls failed (connection down, no confirmation) is tried again. */
  retryIfFailed(): void {
    if (this.failed) void this.enqueue();
  }

  /** The user's own setting back now; no report when nothing was pending. */
  async restore(): Promise<void> {
    this.stop();
    const event = await this.deps.controls.run({ kind: 'boost-cancel', requested: false }, this.deps.topic).catch((err: unknown) => {
      if (err instanceof InputError && err.key === 'no-boost') return undefined;
      throw err;
    });
    if (event) this.deps.report(this.restoreReport(event, 'stopped'));
  }

  /**
   * The heater was switched off or put on vacation: the planner lets go. Its change is dropped from the ledger so
   * nothing switches the heater back at the plan's end.
   */
  async abandon(): Promise<void> {
    this.stop();
    this.applied = undefined;
    await this.deps.controls.letGo();
  }

  /** Stops following (timers); the restore stays pending in the store, as after a redeploy. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  /** A TimedActions restore event (the plan's end, reported by DeviceControls) as this node's report. */
  restoreReport(event: TimedEvent, cause: 'plan-end' | 'stopped'): PlannerReport {
    const applied = event.applied as { mode?: unknown; setpoint?: unknown } | null;
    const requested = event.requested as { mode?: unknown; setpoint?: unknown } | null;
    const setting = requested && typeof requested.setpoint === 'number' ? { mode: String(requested.mode), setpoint: requested.setpoint } : null;
    this.applied = undefined;
    return { type: 'restore', at: iso(event.at ?? this.deps.clock.now()), cause, setting, result: event.result, applied: applied ?? null };
  }

  private stop(): void {
    this.plan = undefined;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(): Promise<void> {
    this.queue = this.queue.then(() => this.step()).catch((err: unknown) => this.deps.report(this.notApplied('error', err)));
    return this.queue;
  }

  private notApplied(reason: string, err: unknown): PlannerReport {
    return { type: 'not-applied', at: iso(this.deps.clock.now()), reason, error: this.deps.describe(err) };
  }

  private async step(): Promise<void> {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const plan = this.plan;
    if (!plan || this.closed) return;
    const now = this.deps.clock.now();
    // At the plan's end TimedActions restores by itself (its record runs until then).
    if (now >= plan.end) return;
    const mode = this.deps.status()?.dhwOperationSetting;
    if (mode === DHW_MODE_POWER_OFF || mode === DHW_MODE_VACATION) {
      await this.abandon();
      const why = new InputError(mode === DHW_MODE_VACATION ? 'heater-vacation' : 'heater-off');
      this.deps.report(this.notApplied(why.key, why));
      return;
    }
    const want = settingAt(plan, now);
    const wanted: Applied = { modeId: DHW_MODES.idOf(want.mode) as number, setpointRaw: toHalfCelsius(want.setpointC, 'C'), until: plan.end };
    const last = this.applied;
    if (!last || last.modeId !== wanted.modeId || last.setpointRaw !== wanted.setpointRaw || last.until !== wanted.until) await this.apply(wanted, want.window, now);
    this.arm(plan, now);
  }

  private async apply(wanted: Applied, window: number, now: number): Promise<void> {
    const last = this.applied;
    const setting = { mode: DHW_MODES.nameOf(wanted.modeId) as string, setpoint: fromHalfCelsius(wanted.setpointRaw, this.deps.unit) };
    // Only what changes is sent: a write the heater already shows can start a recovery on a real NWP500.
    const request: TimedRequest = {
      kind: 'boost',
      requested: { ...setting, until: iso(wanted.until) },
      setpointRaw: !last || last.setpointRaw !== wanted.setpointRaw ? wanted.setpointRaw : undefined,
      modeId: !last || last.modeId !== wanted.modeId ? wanted.modeId : undefined,
      minutes: (wanted.until - now) / 60_000,
    };
    const base = { type: 'apply' as const, at: iso(now), window: window >= 0 ? window : null, setting, until: iso(wanted.until) };
    try {
      const event = await this.deps.controls.run(request, this.deps.topic);
      const result = event?.result ?? 'confirmed';
      this.failed = result !== 'confirmed';
      this.applied = this.failed ? undefined : wanted;
      this.deps.report({ ...base, result, applied: event?.applied ?? null, latencyMs: event?.latencyMs });
    } catch (err) {
      if (err instanceof ControlCancelledError || this.closed) return;
      this.failed = true;
      this.applied = undefined;
      const skipped = err instanceof InputError;
      this.deps.report({ ...base, result: skipped ? 'skipped' : 'failed', applied: null, error: this.deps.describe(err) });
    }
  }

  /** The next window boundary before the plan's end. */
  private arm(plan: Plan, now: number): void {
    const next = plan.windows.flatMap((w) => [w.start, w.end]).filter((t) => t > now && t < plan.end).sort((a, b) => a - b)[0];
    if (next === undefined || this.closed) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.enqueue();
    }, next - now);
  }
}
