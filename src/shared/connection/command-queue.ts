import { QueueError } from '../errors';

export interface QueuedItem<T> {
  value: T;
  enqueuedAt: number;
  resolve: () => void;
  reject: (err: Error) => void;
  /** The reason, once its sender has withdrawn it (aborted its signal); checked again right before each send. */
  withdrawn: () => Error | undefined;
}

export interface QueueLimits {
  maxItems: number;
  maxAgeMs: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxItems: 200, maxAgeMs: 5 * 60_000 };

/**
 * Commands issued while the connection is down, kept in order until it is back.
 * Nothing leaves silently: an item is either sent, or rejected with a reason (full, expired, closed).
 */
export class CommandQueue<T> {
  private items: QueuedItem<T>[] = [];

  constructor(private readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS, private readonly now: () => number = Date.now) {}

  get length(): number {
    return this.items.length;
  }

  /**
   * Resolves once the item has been sent; rejects if it overflows, expires or the queue is cleared. Aborting `signal`
   * takes the item out while it still waits (its sender gave up on it) and rejects it with the abort reason.
   */
  enqueue(value: T, signal?: AbortSignal): Promise<void> {
    this.dropExpired();
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.items.length >= this.limits.maxItems) {
      return Promise.reject(new QueueError(`offline command queue is full (${this.limits.maxItems} commands waiting); command rejected`, 'QUEUE_FULL'));
    }
    return new Promise<void>((resolve, reject) => {
      const withdraw = () => {
        const index = this.items.indexOf(item);
        // Taken out for sending: the sender checks withdrawn() right before it publishes, and settles it.
        if (index < 0) return;
        this.items.splice(index, 1);
        item.reject(abortReason(signal as AbortSignal));
      };
      const item: QueuedItem<T> = {
        value,
        enqueuedAt: this.now(),
        resolve: () => {
          signal?.removeEventListener('abort', withdraw);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', withdraw);
          reject(err);
        },
        withdrawn: () => (signal?.aborted ? abortReason(signal) : undefined),
      };
      this.items.push(item);
      signal?.addEventListener('abort', withdraw, { once: true });
    });
  }

  /** Removes and returns the items still young enough to send, in order; rejects the stale ones. */
  drain(): QueuedItem<T>[] {
    this.dropExpired();
    const ready = this.items;
    this.items = [];
    return ready;
  }

  /**
   * Takes the first item still young enough out for sending, at the moment it is sent: until then its sender can
   * withdraw it (a drained batch could not be withdrawn any more while the items before it went out).
   */
  next(): QueuedItem<T> | undefined {
    this.dropExpired();
    return this.items.shift();
  }

  /** Puts items back at the front (a flush that failed halfway), keeping their original order and age. */
  requeue(items: QueuedItem<T>[]): void {
    this.items = [...items, ...this.items];
  }

  dropExpired(): void {
    const cutoff = this.now() - this.limits.maxAgeMs;
    const stale = this.items.filter((item) => item.enqueuedAt < cutoff);
    if (stale.length === 0) return;
    this.items = this.items.filter((item) => item.enqueuedAt >= cutoff);
    const minutes = Math.round(this.limits.maxAgeMs / 60_000);
    for (const item of stale) {
      item.reject(new QueueError(`command expired: waited more than ${minutes} min for the connection to come back`, 'EXPIRED'));
    }
  }

  rejectAll(err: Error): void {
    const items = this.items;
    this.items = [];
    for (const item of items) item.reject(err);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('command withdrawn before it was sent');
}
