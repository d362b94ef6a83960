/**
 * One navien-planner node's work for one water heater, without Node-RED: takes prices (and surplus, targets) from
 * messages, keeps the heater's status history, plans with the planner core (src/shared/planner), carries the plan
 * out (`live`: LivePlanFollower, `device`: ProgramWriter) and plans again when the tank leaves the forecast. The node
 * gives it the device, the controls, the stores and the clock, and turns what it reports into messages and a status.
 */
import { DHW_MODE_POWER_OFF, DHW_MODE_VACATION, DecodedFeature, TouPlan, isControlSupported, roundTo } from '../codec';
import type { ControlOutcome } from '../control/device-commands';
import type { PlannedControl } from '../control/plan';
import type { Clock } from '../clock';
import type { TimedEvent } from '../control/results';
import { InputError } from '../input-error';
import {
  MODE_IDS,
  PRICE_SHAPES,
  Plan,
  PlanInputError,
  PlanPayload,
  PriceSlot,
  SurplusSlot,
  TankModel,
  TankSample,
  TargetSpec,
  chargeOf,
  HEATER_TOU,
  forecastChargeAt,
  hasDrifted,
  hotLitres,
  parsePlanInput,
  sampleFromStatus,
  tankFromStatus,
  touPriceSlots,
  zoneStateOf,
} from '../planner';
import { StatusHistory, ValueStore } from './history';
import { PlannerPayload, makePlan } from './plan-request';
import { LiveControls, LivePlanFollower } from './live';
import { ProgramState, ProgramWriter } from './program';
import type { PlannerReport } from './reports';
import type { PlannerSettings } from './settings';

export interface SessionDevice {
  /** Every status of the heater (raw `response.status`) until the returned function is called. */
  watchStatus(listener: (raw: Record<string, unknown>) => void): () => void;
  /** A fresh status (raw); rejects when the heater does not answer. */
  requestStatus(): Promise<Record<string, unknown>>;
  /** The feature record decoded in °C (read now if the account has not yet), or undefined when it cannot be read. */
  features(): Promise<DecodedFeature | undefined>;
  /** The heater's TOU plan (the REST read, through the account's cache); rejects when it cannot be read. */
  touPlan(): Promise<TouPlan>;
}

export interface SessionControls extends LiveControls {
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  /** Picks up a restore left pending by a redeploy or restart (see DeviceControls.resume). */
  resume(): Promise<void>;
  /** The user's own setting while a change of ours is on the heater (the ledger's baseline for it). */
  baseline(): Promise<{ mode: number; setpointRaw: number } | undefined>;
}

/** The last prices, surplus and message targets, kept so a redeploy plans on without waiting for new prices. */
export interface StoredInput {
  /** Empty when the prices come from the heater's TOU plan (expanded anew for every plan). */
  prices: PriceSlot[];
  /** The heater's own TOU plan is the price source. */
  source?: typeof HEATER_TOU;
  surplus?: SurplusSlot[];
  targets?: TargetSpec[];
  /** The dialog's settings they were given under: message targets do not outlive a change of the dialog's. */
  configKey: string;
}

/** What the node's status shows. */
export type SessionState =
  | { kind: 'waiting' }
  | { kind: 'planned'; windows: number; next: number | null; apply: PlanPayload['apply'] }
  | { kind: 'not-applied'; reason: string }
  | { kind: 'error'; text: string };

export interface SessionDeps {
  mac: string;
  settings: PlannerSettings;
  readOnly: boolean;
  clock: Clock;
  /** IANA zone of the targets and of the heater's program; undefined = the host's. */
  timeZone?: string;
  device: SessionDevice;
  controls: SessionControls;
  inputStore: ValueStore<StoredInput>;
  programStore: ValueStore<ProgramState>;
  historyStore: ValueStore<TankSample[]>;
  configKey: string;
  /** A plan nobody asked for just now (a re-plan): output 1. */
  plan(payload: PlannerPayload): void;
  /** Output 2. */
  report(report: PlannerReport): void;
  state(state: SessionState): void;
  /** An error as the user reads it (catalog texts for the input errors). */
  describe(err: unknown): string;
  warn(text: string): void;
  /** The heater's own TOU mode is on while the plan is carried out (once per session). */
  touModeOn?(): void;
}

const MINUTE_MS = 60_000;
/** Prices from the heater's TOU plan are expanded over the horizon from now: planned again every hour, so they never run out. */
const TOU_REPLAN_MS = 60 * MINUTE_MS;
/** A status poll for the history and the drift check. */
const POLL_MS = 5 * MINUTE_MS;
/** The drift check (docs/planner-model.md: re-plan beyond DRIFT_TOLERANCE). */
const CHECK_MS = 15 * MINUTE_MS;
/** A status older than this is asked for again before planning. */
const FRESH_MS = 2 * MINUTE_MS;
/** Close must end well inside Node-RED's 15 s (and before the account stops waiting for its users). */
const CLOSE_BUDGET_MS = 4_000;
/**
 * Device mode's close: putting the setting back and removing the entries is four round trips of 2-4 s each at cloud
 * latency; still inside Node-RED's 15 s with room for the account to let go. What is left over, the keeper finishes.
 */
const PROGRAM_CLOSE_BUDGET_MS = 10_000;

const iso = (t: number) => new Date(t).toISOString();

export class PlannerSession {
  private readonly history: StatusHistory;
  private readonly live: LivePlanFollower;
  private readonly program: ProgramWriter;
  private lastInput: StoredInput | undefined;
  private current: { plan: Plan; model: TankModel } | undefined;
  private latest: { raw: Record<string, unknown>; at: number } | undefined;
  private planning: Promise<unknown> = Promise.resolve();
  private readonly timers = new Set<unknown>();
  private targetTimers: unknown[] = [];
  private unwatch: (() => void) | undefined;
  private waitingForStatus = false;
  private refusalShown: string | undefined;
  /** Why the last re-plan failed (reported once per reason). */
  private failure: string | undefined;
  private featureRecord: DecodedFeature | undefined;
  private starting: Promise<void> | undefined;
  private poweredOffRemoval: Promise<void> | undefined;
  private closed = false;
  private touWarned = false;

  constructor(private readonly deps: SessionDeps) {
    this.history = new StatusHistory(deps.historyStore, deps.warn);
    const common = { clock: deps.clock, unit: deps.settings.unit, report: deps.report, describe: deps.describe };
    this.live = new LivePlanFollower({ ...common, controls: deps.controls, topic: `navien/${deps.mac}/planner/restore`, status: () => this.latest?.raw });
    this.program = new ProgramWriter({ ...common, mac: deps.mac, timeZone: deps.timeZone, submit: (p) => deps.controls.submit(p), store: deps.programStore, requestStatus: () => deps.device.requestStatus() });
  }

  /**
   * Once the account is connected (and before the first input is planned): picks up what an earlier instance left
   * (restore, program entries, prices, history) and plans. Runs once; later calls wait for it.
   */
  start(): Promise<void> {
    this.starting ??= this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    if (this.closed) return;
    await Promise.all([this.history.load(), this.program.load()]);
    const stored = await this.deps.inputStore.get().catch(() => undefined);
    if (stored && Array.isArray(stored.prices)) {
      // Under changed dialog settings the prices stay, the message targets go and the dialog's price source applies.
      const source: Pick<StoredInput, 'source'> = this.deps.settings.prices === HEATER_TOU ? { source: HEATER_TOU } : {};
      this.lastInput = stored.configKey === this.deps.configKey ? stored : { prices: stored.prices, surplus: stored.surplus, ...source, configKey: this.deps.configKey };
    }
    // The dialog's source: a TOU customer's planner plans from the start, without a message.
    if (!this.lastInput && this.deps.settings.prices === HEATER_TOU) this.lastInput = { prices: [], source: HEATER_TOU, configKey: this.deps.configKey };
    this.unwatch = this.deps.device.watchStatus((raw) => this.onStatus(raw));
    this.every(POLL_MS, () => this.poll());
    this.every(CHECK_MS, () => this.check());
    this.every(TOU_REPLAN_MS, () => {
      if (this.lastInput?.source === HEATER_TOU) void this.replan('hourly');
    });
    this.poll();
    const refusal = await this.refusal();
    const mode = refusal ? 'preview' : this.deps.settings.apply;
    // What an earlier instance left behind that this one no longer does: put back / removed now.
    if (mode === 'live') await this.deps.controls.resume().catch((err: unknown) => this.deps.warn(`restore: ${this.deps.describe(err)}`));
    else if (!this.deps.readOnly) await this.live.restore().catch((err: unknown) => this.deps.warn(`restore: ${this.deps.describe(err)}`));
    if (mode !== 'device' && this.program.pending > 0 && !this.deps.readOnly) await this.program.removeAll(true);
    else await this.reconcile();
    if (this.lastInput && (this.lastInput.source === HEATER_TOU || this.lastInput.prices.some((s) => s.end > this.deps.clock.now()))) await this.replan('start');
    else this.deps.state({ kind: 'waiting' });
  }

  /**
   * A message: prices (and/or surplus, targets) in any supported shape. Throws PlanInputError for bad input and
   * changes nothing then. Resolves with the plan (output 1).
   */
  async input(payload: unknown): Promise<PlannerPayload> {
    const parsed = parsePlanInput(payload);
    const now = this.deps.clock.now();
    // A price list replaces the TOU plan as the source; targets or surplus alone keep the source there was.
    const fromTou = parsed.heaterTou === true || (!parsed.prices && this.lastInput?.source === HEATER_TOU);
    const prices = fromTou ? [] : parsed.prices?.slots ?? this.lastInput?.prices;
    if (!prices) throw new PlanInputError('payload', `prices as ${PRICE_SHAPES}, or "${HEATER_TOU}" (targets and surplus alone need earlier prices)`, payload);
    if (!fromTou && !prices.some((s) => s.end > now)) {
      throw new PlanInputError(parsed.prices ? 'payload' : 'payload (the last prices)', 'prices that reach past now', `the last slot ends ${iso(Math.max(...prices.map((s) => s.end)))}`);
    }
    const next: StoredInput = {
      ...(fromTou ? { source: HEATER_TOU } : {}),
      prices: prices.filter((s) => s.end > now),
      surplus: (parsed.surplus ?? this.lastInput?.surplus)?.filter((s) => s.end > now),
      targets: parsed.targets ?? this.lastInput?.targets,
      configKey: this.deps.configKey,
    };
    await this.start();
    return this.serialised(async () => {
      const made = await this.make(next).catch((err: unknown) => {
        // Bad input changes nothing; a heater that cannot be asked keeps the input for when it answers.
        if (!(err instanceof PlanInputError)) this.keep(next, true);
        throw err;
      });
      this.keep(next, false);
      await this.carryOut(made.plan);
      return made.payload;
    });
  }

  /**
   * After a start or a reconnection: the entries this planner knows from the ledger that have switched meanwhile are
   * removed (by exact match; the rest stay until the next plan replaces them, never taken for the owner's).
   */
  async reconcile(): Promise<void> {
    if (this.closed || this.deps.readOnly || this.program.pending === 0 || this.deps.settings.apply !== 'device') return;
    await this.program.prune();
  }

  /** A TimedActions restore nobody asked for just now (the plan's end): output 2. */
  timedEvent(event: TimedEvent): void {
    if (event.phase === 'restored') this.deps.report(this.live.restoreReport(event, 'plan-end'));
  }

  /**
   * Stops timers and listeners. A deleted node puts the user's setting back (`live`) and removes its program
   * entries (`device`, also on any close unless `keepEntries`); a redeployed or restarted `live` node resumes.
   */
  async close(removed: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.timers, ...this.targetTimers]) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    this.unwatch?.();
    const { apply, keepEntries } = this.deps.settings;
    const work: Array<Promise<void>> = [];
    // The setting first: it goes through the heater's keeper, alongside the program entries' removal.
    if (!this.deps.readOnly && removed && apply === 'live') work.push(this.live.restore());
    // Also when its entries have switched and are gone but their hold is still on.
    const removing = !this.deps.readOnly && (this.program.pending > 0 || this.program.userSetting(this.deps.clock.now()) !== undefined) && (removed || !keepEntries);
    if (removing) work.push(this.program.removeAll(true, this.latest?.raw));
    this.live.close();
    this.program.close();
    let timer: unknown;
    const budget = removing ? PROGRAM_CLOSE_BUDGET_MS : CLOSE_BUDGET_MS;
    await Promise.race([Promise.all(work).catch(() => undefined), new Promise<void>((resolve) => (timer = this.deps.clock.setTimeout(resolve, budget)))]);
    this.deps.clock.clearTimeout(timer);
  }

  // ---- planning ----

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.planning.catch(() => undefined).then(work);
    this.planning = run;
    return run;
  }

  private keep(input: StoredInput, waitForStatus: boolean): void {
    this.lastInput = input;
    this.waitingForStatus = waitForStatus;
    this.deps.inputStore.set(input).catch((err: unknown) => this.deps.warn(`prices not stored: ${this.deps.describe(err)}`));
  }

  /** Plans again with the last input (re-plans report on output 2 and send the plan on output 1). */
  private replan(reason: 'drift' | 'status' | 'start' | 'hourly', extra: { charge?: number; expectedCharge?: number } = {}): Promise<void> {
    return this.serialised(async () => {
      const input = this.lastInput;
      if (!input || this.closed) return;
      try {
        const made = await this.make(input);
        this.waitingForStatus = false;
        this.failure = undefined;
        this.deps.report({ type: 'replan', at: iso(this.deps.clock.now()), reason, ...extra });
        this.deps.plan(made.payload);
        await this.carryOut(made.plan);
      } catch (err) {
        if (!(err instanceof PlanInputError)) this.waitingForStatus = true;
        const why = err instanceof InputError || err instanceof PlanInputError ? err.key : 'error';
        // Once per reason: a heater left off is checked again on every status.
        if (this.failure !== why) this.deps.report({ type: 'not-applied', at: iso(this.deps.clock.now()), reason: why, error: this.deps.describe(err) });
        this.failure = why;
        this.deps.state({ kind: 'error', text: this.deps.describe(err) });
      }
    });
  }

  private async freshStatus(): Promise<Record<string, unknown>> {
    const latest = this.latest;
    if (latest && this.deps.clock.now() - latest.at < FRESH_MS) return latest.raw;
    const raw = await this.deps.device.requestStatus();
    this.onStatus(raw);
    return raw;
  }

  /** The user's own mode and setpoint: the one the planner put aside (live or device), else what the heater shows. */
  private async userSetting(raw: Record<string, unknown>): Promise<{ mode: number; setpointRaw: number }> {
    const mode = raw.dhwOperationSetting;
    if (mode === DHW_MODE_POWER_OFF || mode === DHW_MODE_VACATION) {
      // The user switched the heater off or on vacation: the planner lets go of it.
      if (this.deps.settings.apply === 'live' && !this.deps.readOnly) await this.live.abandon();
      if (this.program.pending > 0 && !this.deps.readOnly) await this.program.removeAll(false);
      throw new InputError(mode === DHW_MODE_VACATION ? 'heater-vacation' : 'heater-off');
    }
    // One baseline per heater: the user's own setting from before our first change (a boost's or this plan's).
    const kept = await this.deps.controls.baseline();
    if (kept) return kept;
    const fromProgram = this.program.userSetting(this.deps.clock.now());
    if (fromProgram) return fromProgram;
    const setpointRaw = raw.dhwTemperatureSetting;
    // Modes 1-4 (docs/protocol.md#dhw-mode); 5 and 6 are handled above.
    if (typeof mode !== 'number' || mode < 1 || mode > 4 || typeof setpointRaw !== 'number') throw new InputError('status-unknown');
    return { mode, setpointRaw };
  }

  private async make(input: StoredInput): Promise<{ plan: Plan; payload: PlannerPayload }> {
    const raw = await this.freshStatus();
    const user = await this.userSetting(raw);
    const features = await this.features();
    const refused = (await this.refusal()) !== undefined;
    const now = this.deps.clock.now();
    const prices = input.source === HEATER_TOU ? touPriceSlots(await this.deps.device.touPlan(), now, now + this.deps.settings.horizonHours * 60 * MINUTE_MS, this.deps.timeZone) : input.prices;
    this.warnTouMode(raw);
    const made = makePlan({
      now: this.deps.clock.now(),
      status: raw,
      user,
      features,
      settings: this.deps.settings,
      apply: refused ? 'preview' : this.deps.settings.apply,
      history: this.history.samples(),
      lastCapacity: this.history.lastCapacity(),
      input: { ...input, prices },
      timeZone: this.deps.timeZone,
    });
    this.current = { plan: made.plan, model: made.model };
    this.armTargets(made.plan);
    return made;
  }

  /**
   * The heater's own TOU mode is on while the planner sets its mode and setpoint: the heater may then hold a peak
   * against the plan (a mode write can wait until TOU is off, a recovery can stop near 90 %, docs/protocol.md#pitfalls).
   * Said once per session; the owner decides whether to switch TOU off (docs/planner-model.md, "The heater's TOU mode").
   */
  private warnTouMode(raw: Record<string, unknown>): void {
    if (this.touWarned || this.deps.settings.apply === 'preview' || typeof raw.touStatus !== 'number' || raw.touStatus === 0) return;
    this.touWarned = true;
    this.deps.touModeOn?.();
  }

  /** The feature record, read once (until it could be read, every plan asks again). */
  private async features(): Promise<DecodedFeature | undefined> {
    this.featureRecord ??= await this.deps.device.features();
    return this.featureRecord;
  }

  /** Why `live` / `device` cannot be carried out here, or undefined. */
  private async refusal(): Promise<InputError | undefined> {
    const { apply } = this.deps.settings;
    if (apply === 'preview') return undefined;
    if (this.deps.readOnly) return new InputError('read-only', { field: `apply '${apply}'` });
    const features = await this.features();
    const needs = apply === 'device' ? ['schedule'] : ['setpoint', 'mode', 'heat-pump'];
    const missing = needs.find((c) => !isControlSupported(features, c));
    return missing ? new InputError('unsupported', { field: `apply '${apply}' (${missing})` }) : undefined;
  }

  private async carryOut(plan: Plan): Promise<void> {
    const refusal = await this.refusal();
    const next = plan.windows.find((w) => w.end > this.deps.clock.now())?.start ?? null;
    if (refusal) {
      if (this.refusalShown !== refusal.key) {
        this.refusalShown = refusal.key;
        this.deps.report({ type: 'not-applied', at: iso(this.deps.clock.now()), reason: refusal.key, error: this.deps.describe(refusal) });
      }
      this.deps.state({ kind: 'not-applied', reason: refusal.key });
      return;
    }
    this.deps.state({ kind: 'planned', windows: plan.windows.length, next, apply: this.deps.settings.apply });
    if (this.deps.settings.apply === 'live') await this.live.follow(plan);
    if (this.deps.settings.apply === 'device') {
      await this.program.write(plan, { mode: MODE_IDS[plan.restore.mode], setpointRaw: Math.round(plan.restore.setpointC * 2) });
    }
  }

  // ---- status, drift, targets ----

  /**
   * The owner switched the heater off: a due program entry would switch it back on (a real NWP500 does), so the
   * planner's entries go at once, without putting any setting back. Once per power-off.
   */
  private letGoOfProgram(): void {
    if (this.deps.readOnly || this.program.pending === 0 || this.poweredOffRemoval) return;
    this.poweredOffRemoval = this.program.removeAll(false).finally(() => (this.poweredOffRemoval = undefined));
  }

  private onStatus(raw: Record<string, unknown>): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    this.latest = { raw, at: now };
    if (raw.dhwOperationSetting === DHW_MODE_POWER_OFF) this.letGoOfProgram();
    const sample = sampleFromStatus(raw, now, this.current?.model.capacityWhPerK ?? this.history.lastCapacity() ?? undefined);
    if (sample) this.history.add(sample);
    if (this.waitingForStatus && this.lastInput) {
      this.waitingForStatus = false;
      void this.replan('status');
    }
  }

  private poll(): void {
    // The heater pushes its status when something a user would notice changes: ask only when it has been quiet.
    if (this.latest && this.deps.clock.now() - this.latest.at < POLL_MS) return;
    this.deps.device.requestStatus().then(
      (raw) => this.onStatus(raw),
      () => undefined, // the heater did not answer: the next poll asks again, the drift check waits for a status
    );
  }

  /** The tank's charge now, in the plan's terms (percent of a full tank at the user's setpoint). */
  private chargeNow(): number | undefined {
    const current = this.current;
    const raw = this.latest?.raw;
    if (!current || !raw) return undefined;
    const tank = tankFromStatus(raw, current.model.capacityWhPerK);
    return tank ? chargeOf(tank.energyKWh, current.plan.restore.setpointC, current.model) : undefined;
  }

  /** Hot water above the plan's comfort temperature now, litres, from the heater's probes. */
  private litresNow(): number | undefined {
    const current = this.current;
    const raw = this.latest?.raw;
    if (!current || !raw) return undefined;
    const tank = tankFromStatus(raw, current.model.capacityWhPerK);
    if (!tank || tank.upperC === null || tank.lowerC === null) return undefined;
    return hotLitres(zoneStateOf(tank.upperC, tank.lowerC, 0), current.plan.comfort.comfortC, current.model);
  }

  private check(): void {
    const plan = this.current?.plan;
    const now = this.deps.clock.now();
    if (!plan || now >= plan.end || !this.latest || now - this.latest.at > CHECK_MS) return;
    const charge = this.chargeNow();
    if (charge !== undefined && hasDrifted(plan, now, charge)) {
      void this.replan('drift', { charge: roundTo(charge, 1), expectedCharge: roundTo(forecastChargeAt(plan, now), 1) });
    } else if (this.deps.settings.apply === 'live') {
      this.live.retryIfFailed();
    }
  }

  private armTargets(plan: Plan): void {
    for (const t of this.targetTimers) this.deps.clock.clearTimeout(t);
    const now = this.deps.clock.now();
    this.targetTimers = plan.targets.filter((t) => t.at > now).map((target) =>
      this.deps.clock.setTimeout(() => {
        this.freshStatus().then(() => {
          if (this.closed) return;
          if (target.kind !== 'charge') {
            // Litres and showers: the hot water above comfort the heater's probes show now.
            const litres = this.litresNow();
            const wanted = target.litres ?? 0;
            if (litres !== undefined && litres < wanted - 0.5) {
              this.deps.report({ type: 'target', at: iso(target.at), target: target.time, litres: wanted, actualLitres: Math.round(litres), met: false });
            }
            return;
          }
          const charge = this.chargeNow();
          if (charge !== undefined && charge < target.charge) {
            this.deps.report({ type: 'target', at: iso(target.at), target: target.time, charge: target.charge, actualCharge: roundTo(charge, 1), met: false });
          }
        }, () => undefined);
      }, target.at - now),
    );
  }

  /** A repeating timer on the session's clock. */
  private every(ms: number, fn: () => void): void {
    const arm = () => {
      const handle = this.deps.clock.setTimeout(() => {
        this.timers.delete(handle);
        if (this.closed) return;
        arm();
        fn();
      }, ms);
      this.timers.add(handle);
    };
    arm();
  }
}
