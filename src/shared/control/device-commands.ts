import { Clock, SYSTEM_CLOCK } from '../clock';
import type { CommandContext, InboundMessage, OutboundMessage } from '../codec';
import { QueueError, errorMessage } from '../errors';
import type { PlannedControl } from './plan';

/** The runner, or the node that submitted the control, was closed (redeployed or stopped) before it had an outcome. */
export class ControlCancelledError extends Error {
  constructor() {
    super('control cancelled: the node was closed');
    this.name = 'ControlCancelledError';
  }
}

/** A weekly-program write refused at once: an earlier one to this heater stayed unconfirmed even after its retry. */
export class ProgramWritesPausedError extends Error {
  constructor(readonly until: number) {
    super(`weekly-program writes to this water heater are paused until ${new Date(until).toISOString()}: an earlier program write was not confirmed, even after a retry; nothing was sent`);
    this.name = 'ProgramWritesPausedError';
  }
}

/** `not-applied`: a weekly-program write unconfirmed twice (first try and the retry a minute later). */
export type ControlResult = 'confirmed' | 'refused' | 'timeout' | 'superseded' | 'expired' | 'not-applied';

export interface ControlOutcome {
  command: PlannedControl['command'];
  requested: unknown;
  applied: unknown;
  result: ControlResult;
  latencyMs: number;
  /** The status that confirmed it (or the last one seen), raw as the device sent it. */
  status: Record<string, unknown> | undefined;
  /** The wire message that was (or would have been) published. */
  wire?: OutboundMessage;
  /** `not-applied` only: program writes to the heater are refused until then. */
  programPausedUntil?: number;
}

/** What the runner needs from the account connection; an interface so it stays testable and small. */
export interface ControlTransport {
  commandContext(mac: string): CommandContext;
  /** Aborting `signal` takes a control still waiting in the offline queue out of it. */
  send(message: OutboundMessage, signal?: AbortSignal): Promise<void>;
  requestStatus(mac: string): Promise<unknown>;
  /** A query answered by one of `kinds` (the read of a read-modify-write). */
  request(mac: string, message: OutboundMessage, kinds: string[], timeoutMs?: number): Promise<InboundMessage>;
  on(event: 'message', listener: (message: InboundMessage) => void): unknown;
  off(event: 'message', listener: (message: InboundMessage) => void): unknown;
}

export interface RunnerTiming {
  /** At least this long between two controls to one device: bursts trigger ctrl-fail throttling. */
  minSpacingMs: number;
  confirmTimeoutMs: number;
  /** Ask for a status if no confirming one arrived by then (an ack can carry the old state). */
  statusNudgeMs: number;
  refusalPauseMs: number;
  /** A weekly-program write left unconfirmed is tried once more this much later (a real heater lost 1 echo in 8). */
  programRetryMs: number;
  /** Unconfirmed after its retry too: further program writes to the heater are refused this long. */
  programPauseMs: number;
}

export const DEFAULT_TIMING: RunnerTiming = {
  minSpacingMs: 1_000,
  confirmTimeoutMs: 20_000,
  statusNudgeMs: 3_000,
  refusalPauseMs: 30_000,
  programRetryMs: 60_000,
  programPauseMs: 15 * 60_000,
};

/**
 * Who submitted a control (one node): its controls are cancelled together, and superseding stays among them. Its
 * signal withdraws its control from the offline queue, so a control cancelled by its node's close is never sent.
 */
export class ControlOwner {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  cancel(reason: Error): void {
    this.controller.abort(reason);
  }
}

interface Job {
  plan: PlannedControl;
  owner: ControlOwner;
  queuedAt: number;
  /** A program write waiting for its retry: not before then. */
  notBefore: number;
  retried: boolean;
  resolve(outcome: ControlOutcome): void;
  reject(err: Error): void;
}

/** Writes the whole weekly program (every edit is one): these are retried once and paused when unconfirmed. */
function writesProgram(plan: PlannedControl): boolean {
  return plan.command === 'schedule';
}

/**
 * Serialises controls for one device: one at a time, spaced, collapsing rapid changes of one setting
 * to the last value, confirming each from the device's status, and pausing after a ctrl-fail refusal.
 * One runner serves every node on the device (see runner-registry.ts); each node is a ControlOwner.
 */
export class DeviceCommandRunner {
  private readonly waiting: Job[] = [];
  private running = false;
  private lastSentAt = 0;
  private pausedUntil = 0;
  /** Program writes are refused until then (an earlier one stayed unconfirmed after its retry). */
  private programPausedUntil = 0;
  private closed = false;
  private readonly timers = new Set<unknown>();
  private lastStatus: Record<string, unknown> | undefined;
  private readonly listener = (message: InboundMessage) => this.observe(message);
  private inFlight:
    | { onStatus(status: Record<string, unknown>): void; onReply(message: InboundMessage): void; onRefused(): void; onCancelled(): void }
    | undefined;
  private current: Job | undefined;
  /** Ends the pause of the refusal lockout early (close only). */
  private wakeSleeper: (() => void) | undefined;
  /** Ends the queue's wait early: a control submitted meanwhile may be due sooner (close and submit). */
  private wakeIdle: (() => void) | undefined;
  /** The owner of controls submitted without one (a runner used on its own). */
  private readonly defaultOwner = new ControlOwner();

  constructor(
    private readonly transport: ControlTransport,
    private readonly mac: string,
    private readonly timing: RunnerTiming = DEFAULT_TIMING,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    transport.on('message', this.listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a control; resolves with its outcome (never rejects for a device-side result). */
  submit(plan: PlannedControl, owner: ControlOwner = this.defaultOwner): Promise<ControlOutcome> {
    return new Promise<ControlOutcome>((resolve, reject) => {
      if (this.closed || owner.cancelled) {
        reject(new ControlCancelledError());
        return;
      }
      if (writesProgram(plan) && this.programPausedUntil > this.clock.now()) {
        reject(new ProgramWritesPausedError(this.programPausedUntil));
        return;
      }
      // A newer value of the same setting from the same node replaces one still waiting (a slider drag sends one command).
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        const older = this.waiting[i];
        if (plan.setting !== null && older.plan.setting === plan.setting && older.owner === owner) {
          this.waiting.splice(i, 1);
          older.resolve(this.outcome(older, 'superseded', undefined));
        }
      }
      const now = this.clock.now();
      this.waiting.push({ plan, owner, queuedAt: now, notBefore: now, retried: false, resolve, reject });
      this.wakeIdle?.();
      void this.pump();
    });
  }

  /**
   * Cancels one owner's controls (its node closed): waiting ones reject with ControlCancelledError, one in the offline
   * queue is withdrawn, one in flight is given up; other owners' controls go on.
   */
  cancel(owner: ControlOwner): void {
    if (owner.cancelled) return;
    const cancelled = new ControlCancelledError();
    owner.cancel(cancelled);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const job = this.waiting[i];
      if (job.owner !== owner) continue;
      this.waiting.splice(i, 1);
      job.reject(cancelled);
    }
    if (this.current?.owner === owner) {
      this.current.reject(cancelled);
      this.inFlight?.onCancelled();
    }
  }

  /**
   * Stops the runner: waiting and in-flight controls are dropped (their promises reject with
   * ControlCancelledError, so no result is reported for them) and every timer is cleared.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.off('message', this.listener);
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
    const cancelled = new ControlCancelledError();
    this.defaultOwner.cancel(cancelled);
    for (const job of this.waiting) job.owner.cancel(cancelled);
    if (this.current) this.current.owner.cancel(cancelled);
    for (const job of this.waiting.splice(0)) job.reject(cancelled);
    this.current?.reject(cancelled);
    this.current = undefined;
    this.inFlight?.onCancelled();
    this.wakeSleeper?.();
    this.wakeIdle?.();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.waiting.length > 0) {
        const now = this.clock.now();
        const { job, dueAt } = this.nextJob(now);
        if (!job && dueAt === Infinity) break;
        const wait = Math.max(this.lastSentAt + this.timing.minSpacingMs, this.pausedUntil, job ? now : dueAt) - now;
        if (wait > 0) {
          // Look again afterwards: a control submitted or cancelled meanwhile may change what goes next.
          await this.sleep(wait, 'idle');
          continue;
        }
        if (!job) break;
        this.waiting.splice(this.waiting.indexOf(job), 1);
        if (writesProgram(job.plan) && this.programPausedUntil > now) {
          job.reject(new ProgramWritesPausedError(this.programPausedUntil));
          continue;
        }
        this.current = job;
        try {
          const outcome = await this.execute(job);
          if (!this.retryLater(job, outcome)) job.resolve(outcome);
        } catch (err) {
          // A failure of this control (queue full, connection closed, device gone) must not stall the others.
          job.reject(err instanceof Error ? err : new Error(errorMessage(err)));
        } finally {
          if (this.current === job) this.current = undefined;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The first waiting control that may go now, or when the next one is due. A program write waiting for its retry
   * holds back the program writes behind it (each builds on the one before), not the other controls.
   */
  private nextJob(now: number): { job: Job | undefined; dueAt: number } {
    let dueAt = Infinity;
    let programHeld = false;
    for (const job of this.waiting) {
      const program = writesProgram(job.plan);
      if (program && programHeld) continue;
      if (job.notBefore > now) {
        dueAt = Math.min(dueAt, job.notBefore);
        if (program) programHeld = true;
        continue;
      }
      return { job, dueAt: now };
    }
    return { job: undefined, dueAt };
  }

  /**
   * An unconfirmed program write goes back to the head of the queue for one retry (its prepare reads the program
   * again). Unconfirmed after that too, it is `not-applied` and program writes pause; returns whether it was requeued.
   */
  private retryLater(job: Job, outcome: ControlOutcome): boolean {
    if (!writesProgram(job.plan) || outcome.result !== 'timeout' || this.closed || job.owner.cancelled) return false;
    const now = this.clock.now();
    if (!job.retried) {
      job.retried = true;
      job.notBefore = now + this.timing.programRetryMs;
      this.waiting.unshift(job);
      return true;
    }
    this.programPausedUntil = now + this.timing.programPauseMs;
    job.resolve({ ...outcome, result: 'not-applied', programPausedUntil: this.programPausedUntil });
    // Program writes still waiting are refused now, not when they come up.
    const paused = new ProgramWritesPausedError(this.programPausedUntil);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const waiting = this.waiting[i];
      if (!writesProgram(waiting.plan)) continue;
      this.waiting.splice(i, 1);
      waiting.reject(paused);
    }
    return true;
  }

  private async execute(job: Job): Promise<ControlOutcome> {
    let outcome = await this.attempt(job);
    if (outcome.result === 'refused' && !this.closed) {
      // Throttled by the device: wait out the lockout, then try once more (docs/protocol.md#throttling).
      this.pausedUntil = this.clock.now() + this.timing.refusalPauseMs;
      await this.sleep(this.timing.refusalPauseMs, 'lockout');
      if (this.closed || job.owner.cancelled) return outcome;
      outcome = await this.attempt(job);
      // Refused again: the lockout is still on, so keep the next control back as long again.
      if (outcome.result === 'refused') this.pausedUntil = this.clock.now() + this.timing.refusalPauseMs;
    }
    return outcome;
  }

  private async attempt(job: Job): Promise<ControlOutcome> {
    // A read-modify-write reads right before it writes, in this device's queue, so nothing interleaves.
    if (job.plan.prepare) await job.plan.prepare(this.transport, this.mac);
    if (this.closed || job.owner.cancelled) throw new ControlCancelledError();
    const message = job.plan.build(this.transport.commandContext(this.mac));
    let finish: (result: ControlResult | 'cancelled', applied: unknown) => void = () => undefined;
    const pending: unknown[] = [];
    const done = new Promise<{ result: ControlResult | 'cancelled'; applied: unknown }>((resolve) => {
      finish = (result, applied) => {
        this.inFlight = undefined;
        for (const t of pending) {
          this.clock.clearTimeout(t);
          this.timers.delete(t);
        }
        resolve({ result, applied });
      };
    });
    // Listen from before the publish: the ack can arrive before the publish call returns.
    this.inFlight = {
      onStatus: (status) => {
        const applied = job.plan.confirmedValue(status);
        if (applied !== undefined) finish('confirmed', applied);
      },
      onReply: (reply) => {
        const applied = job.plan.confirmedByReply?.(reply);
        if (applied !== undefined) finish('confirmed', applied);
      },
      onRefused: () => finish('refused', undefined),
      onCancelled: () => finish('cancelled', undefined),
    };
    this.lastSentAt = this.clock.now();
    try {
      await this.transport.send(message, job.owner.signal);
    } catch (err) {
      finish('cancelled', undefined);
      if (err instanceof QueueError && err.code === 'EXPIRED') return { ...this.outcome(job, 'expired', undefined), wire: message };
      throw err;
    }
    // Spacing and the confirmation timeout count from when it really left (it may have waited in the offline queue).
    this.lastSentAt = this.clock.now();
    if (this.inFlight && !this.closed && !job.owner.cancelled) {
      pending.push(
        this.timer(() => finish('timeout', undefined), this.timing.confirmTimeoutMs),
        this.timer(() => void this.transport.requestStatus(this.mac).catch(() => undefined), this.timing.statusNudgeMs),
      );
    }
    const { result, applied } = await done;
    if (result === 'cancelled') throw new ControlCancelledError();
    return { ...this.outcome(job, result, applied), wire: message };
  }

  private observe(message: InboundMessage): void {
    if (message.mac !== this.mac) return;
    if (message.kind === 'status') {
      const status = message.response?.status;
      if (status && typeof status === 'object') {
        this.lastStatus = status as Record<string, unknown>;
        this.inFlight?.onStatus(this.lastStatus);
      }
    } else if (message.kind === 'ctrl-fail') {
      this.inFlight?.onRefused();
    } else if (message.kind === 'reservation' || message.kind === 'tou-echo' || message.kind === 'recirc-reservation') {
      this.inFlight?.onReply(message);
    }
  }

  private outcome(job: Job, result: ControlResult, applied: unknown): ControlOutcome {
    return {
      command: job.plan.command,
      requested: job.plan.requested,
      applied: applied ?? null,
      result,
      latencyMs: this.clock.now() - job.queuedAt,
      status: this.lastStatus,
    };
  }

  private timer(fn: () => void, ms: number): unknown {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /**
   * A pause that close() ends at once (its timer is cleared), so nothing waits on a dead runner. The queue's idle
   * wait also ends when a control is submitted; the refusal lockout does not.
   */
  private sleep(ms: number, kind: 'idle' | 'lockout'): Promise<void> {
    return new Promise((resolve) => {
      let handle: unknown;
      const wake = () => {
        if (kind === 'idle' && this.wakeIdle === wake) this.wakeIdle = undefined;
        if (kind === 'lockout' && this.wakeSleeper === wake) this.wakeSleeper = undefined;
        this.clock.clearTimeout(handle);
        this.timers.delete(handle);
        resolve();
      };
      if (kind === 'idle') this.wakeIdle = wake;
      else this.wakeSleeper = wake;
      handle = this.timer(wake, ms);
    });
  }
}
