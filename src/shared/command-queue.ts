import { QueueError } from './errors';

export interface QueuedItem<T> {
  value: T;
  enqueuedAt: number;
  resolve: () => void;
  reject: (err: Error) => void;
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

  /** Resolves once the item has been sent; rejects if it overflows, expires or the queue is cleared. */
  enqueue(value: T): Promise<void> {
    this.dropExpired();
    if (this.items.length >= this.limits.maxItems) {
      return Promise.reject(new QueueError(`offline command queue is full (${this.limits.maxItems} commands waiting); command rejected`, 'QUEUE_FULL'));
    }
    return new Promise<void>((resolve, reject) => {
      this.items.push({ value, enqueuedAt: this.now(), resolve, reject });
    });
  }

  /** Removes and returns the items still young enough to send, in order; rejects the stale ones. */
  drain(): QueuedItem<T>[] {
    this.dropExpired();
    const ready = this.items;
    this.items = [];
    return ready;
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
