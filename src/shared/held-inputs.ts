/**
 * Inputs a node holds until its account is ready (they arrive before the first connection, e.g. just after a deploy).
 * Bounded like the offline command queue, with its code (CommandQueue): at most `maxItems` wait, and the newest is
 * refused when that many do (what was accepted stays accepted, as in the offline queue); one that waits longer than
 * `maxAgeMs` is dropped. Released in arrival order, `paceMs` apart, so a backlog does not reach the cloud as one burst.
 * Every input leaves exactly once: released, dropped (onDropped) or handed back by close().
 */
import { CommandQueue, DEFAULT_QUEUE_LIMITS, QueueLimits } from './connection/command-queue';
import { QueueError } from './errors';

export type HeldDrop = 'full' | 'expired';

export interface HeldInputsOptions<T> {
  /** Called once for each input that is dropped, and why: the node reports it (Catch-able) and finishes it. */
  onDropped(value: T, reason: HeldDrop): void;
  limits?: QueueLimits;
  /** Time between two released inputs; 0 releases them all at once (the command runner spaces controls anyway). */
  paceMs?: number;
  now?: () => number;
}

/** The offline queue's limits: a node never holds more, or longer, than its account would queue. */
export const HELD_INPUT_LIMITS: QueueLimits = DEFAULT_QUEUE_LIMITS;

/** How often waiting inputs are checked for age: often enough that a drop is reported close to its time. */
const MAX_EXPIRY_CHECK_MS = 1_000;

export class HeldInputs<T> {
  readonly limits: QueueLimits;
  private readonly queue: CommandQueue<T>;
  private readonly paceMs: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  private paceTimer: NodeJS.Timeout | undefined;
  private handle: ((value: T) => void) | undefined;

  constructor(private readonly options: HeldInputsOptions<T>) {
    this.limits = options.limits ?? HELD_INPUT_LIMITS;
    this.paceMs = options.paceMs ?? 0;
    this.queue = new CommandQueue<T>(this.limits, options.now);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Inputs wait here (held, or a paced release is under way): a new input must queue behind them to keep the order. */
  get busy(): boolean {
    return this.queue.length > 0 || this.paceTimer !== undefined;
  }

  hold(value: T): void {
    this.queue.enqueue(value).catch((err: unknown) => {
      // Only the queue's own limits drop an input; a release resolves, close() hands the rest back.
      if (err instanceof QueueError) this.options.onDropped(value, err.code === 'QUEUE_FULL' ? 'full' : 'expired');
    });
    this.watchExpiry();
  }

  /** Hands the held inputs to `handle` in arrival order, paced; inputs held meanwhile follow in turn. */
  release(handle: (value: T) => void): void {
    this.handle = handle;
    if (this.paceTimer === undefined) this.releaseNext();
  }

  /** Hands every held input to `handle` now, unpaced (the account will not connect: each gets its error at once). */
  releaseAll(handle: (value: T) => void): void {
    this.stopPacing();
    for (const value of this.take()) handle(value);
  }

  /** Stops the timers and hands back what still waits, for the caller to finish without output. */
  close(): T[] {
    this.stopPacing();
    return this.take();
  }

  private releaseNext(): void {
    this.paceTimer = undefined;
    const [first, ...rest] = this.queue.drain();
    this.queue.requeue(rest);
    if (!first) {
      this.stopExpiry();
      return;
    }
    first.resolve();
    if (this.paceMs <= 0) {
      // Unpaced: all of them, in order, now (and any a handler holds again follows in the same loop).
      this.handle?.(first.value);
      this.releaseNext();
      return;
    }
    // Armed before the handler runs: an input that arrives from inside it queues behind instead of overtaking.
    this.paceTimer = setTimeout(() => this.releaseNext(), this.paceMs);
    this.handle?.(first.value);
  }

  private take(): T[] {
    const items = this.queue.drain();
    for (const item of items) item.resolve();
    this.stopExpiry();
    return items.map((item) => item.value);
  }

  private watchExpiry(): void {
    if (this.expiryTimer) return;
    const every = Math.max(10, Math.min(MAX_EXPIRY_CHECK_MS, this.limits.maxAgeMs / 4));
    this.expiryTimer = setInterval(() => {
      this.queue.dropExpired();
      if (this.queue.length === 0) this.stopExpiry();
    }, every);
  }

  private stopPacing(): void {
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    this.handle = undefined;
  }

  private stopExpiry(): void {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }
}
