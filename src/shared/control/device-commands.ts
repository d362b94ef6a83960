import type { CommandContext, InboundMessage, OutboundMessage } from '../codec';
import { QueueError, errorMessage } from '../errors';
import type { PlannedControl } from './plan';

/** The runner was closed (node redeployed or stopped) before the control had an outcome. */
export class ControlCancelledError extends Error {
  constructor() {
    super('control cancelled: the node was closed');
    this.name = 'ControlCancelledError';
  }
}

export type ControlResult = 'confirmed' | 'refused' | 'timeout' | 'superseded' | 'expired';

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
}

export const DEFAULT_TIMING: RunnerTiming = { minSpacingMs: 1_000, confirmTimeoutMs: 20_000, statusNudgeMs: 3_000, refusalPauseMs: 30_000 };

interface Job {
  plan: PlannedControl;
  queuedAt: number;
  resolve(outcome: ControlOutcome): void;
  reject(err: Error): void;
}

/**
 * Serialises controls for one device: one at a time, spaced, collapsing rapid changes of one setting
 * to the last value, confirming each from the device's status, and pausing after a ctrl-fail refusal.
 */
export class DeviceCommandRunner {
  private readonly waiting: Job[] = [];
  private running = false;
  private lastSentAt = 0;
  private pausedUntil = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastStatus: Record<string, unknown> | undefined;
  private readonly listener = (message: InboundMessage) => this.observe(message);
  private inFlight:
    | { onStatus(status: Record<string, unknown>): void; onReply(message: InboundMessage): void; onRefused(): void; onCancelled(): void }
    | undefined;
  private current: Job | undefined;
  private wakeSleeper: (() => void) | undefined;
  /** Aborted on close: a control waiting in the offline queue is withdrawn, so it is not sent after all. */
  private readonly cancelled = new AbortController();

  constructor(private readonly transport: ControlTransport, private readonly mac: string, private readonly timing: RunnerTiming = DEFAULT_TIMING) {
    transport.on('message', this.listener);
  }

  /** Queues a control; resolves with its outcome (never rejects for a device-side result). */
  submit(plan: PlannedControl): Promise<ControlOutcome> {
    return new Promise<ControlOutcome>((resolve, reject) => {
      if (this.closed) {
        reject(new ControlCancelledError());
        return;
      }
      // A newer value of the same setting replaces one still waiting (a slider drag sends one command).
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        const older = this.waiting[i];
        if (plan.setting !== null && older.plan.setting === plan.setting) {
          this.waiting.splice(i, 1);
          older.resolve(this.outcome(older, 'superseded', undefined));
        }
      }
      this.waiting.push({ plan, queuedAt: Date.now(), resolve, reject });
      void this.pump();
    });
  }

  /**
   * Stops the runner: waiting and in-flight controls are dropped (their promises reject with
   * ControlCancelledError, so no result is reported for them) and every timer is cleared.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.off('message', this.listener);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const cancelled = new ControlCancelledError();
    this.cancelled.abort(cancelled);
    for (const job of this.waiting.splice(0)) job.reject(cancelled);
    this.current?.reject(cancelled);
    this.current = undefined;
    this.inFlight?.onCancelled();
    this.wakeSleeper?.();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.waiting.length > 0) {
        const wait = Math.max(this.lastSentAt + this.timing.minSpacingMs, this.pausedUntil) - Date.now();
        if (wait > 0) await this.sleep(wait);
        if (this.closed) break;
        const job = this.waiting.shift();
        if (!job) break;
        this.current = job;
        try {
          job.resolve(await this.execute(job));
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

  private async execute(job: Job): Promise<ControlOutcome> {
    let outcome = await this.attempt(job);
    if (outcome.result === 'refused' && !this.closed) {
      // Throttled by the device: wait out the lockout, then try once more (docs/protocol.md#throttling).
      this.pausedUntil = Date.now() + this.timing.refusalPauseMs;
      await this.sleep(this.timing.refusalPauseMs);
      if (this.closed) return outcome;
      outcome = await this.attempt(job);
      // Refused again: the lockout is still on, so keep the next control back as long again.
      if (outcome.result === 'refused') this.pausedUntil = Date.now() + this.timing.refusalPauseMs;
    }
    return outcome;
  }

  private async attempt(job: Job): Promise<ControlOutcome> {
    // A read-modify-write reads right before it writes, in this device's queue, so nothing interleaves.
    if (job.plan.prepare) await job.plan.prepare(this.transport, this.mac);
    if (this.closed) throw new ControlCancelledError();
    const message = job.plan.build(this.transport.commandContext(this.mac));
    let finish: (result: ControlResult | 'cancelled', applied: unknown) => void = () => undefined;
    const pending: NodeJS.Timeout[] = [];
    const done = new Promise<{ result: ControlResult | 'cancelled'; applied: unknown }>((resolve) => {
      finish = (result, applied) => {
        this.inFlight = undefined;
        for (const t of pending) {
          clearTimeout(t);
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
    this.lastSentAt = Date.now();
    try {
      await this.transport.send(message, this.cancelled.signal);
    } catch (err) {
      finish('cancelled', undefined);
      if (err instanceof QueueError && err.code === 'EXPIRED') return { ...this.outcome(job, 'expired', undefined), wire: message };
      throw err;
    }
    // Spacing and the confirmation timeout count from when it really left (it may have waited in the offline queue).
    this.lastSentAt = Date.now();
    if (this.inFlight && !this.closed) {
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
      latencyMs: Date.now() - job.queuedAt,
      status: this.lastStatus,
    };
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** A pause that close() ends at once (its timer is cleared), so nothing waits on a dead runner. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        if (this.wakeSleeper === wake) this.wakeSleeper = undefined;
        resolve();
      };
      this.wakeSleeper = wake;
      this.timer(wake, ms);
    });
  }
}
