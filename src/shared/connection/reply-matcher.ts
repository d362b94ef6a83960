/**
 * Matching inbound replies to the queries waiting for them, by device and kind (docs/protocol.md#correlation): the one
 * place that does it. Every query to a device (status, features, weekly program, energy history, the read of a
 * read-modify-write) is a PendingReply here.
 */
import { Clock, SYSTEM_CLOCK } from '../clock';
import type { InboundMessage } from '../codec';
import { RequestTimeoutError } from '../errors';

export interface ReplyWanted {
  mac: string;
  /** Inbound kinds that can answer; the first one named also names the request in errors. */
  kinds: readonly string[];
  /**
   * Only a reply this accepts counts (e.g. the energy report of the month asked for: replies to other queries share
   * the client topic). Without it any reply of `kinds` from the device does.
   */
  matches?: (message: InboundMessage) => boolean;
  timeoutMs: number;
  /** Runs when the timeout fires, just before the request rejects. */
  onTimeout?: () => void;
}

/**
 * One query waiting for its reply. It settles exactly once (a matching reply, its own timeout, a failure or a
 * cancel), then clears its timer, leaves the matcher and aborts `signal`, so anything still holding its query (the
 * offline queue) lets go of it.
 */
export class PendingReply {
  readonly promise: Promise<InboundMessage>;
  private settle!: { resolve: (message: InboundMessage) => void; reject: (err: Error) => void };
  private readonly timer: unknown;
  private readonly done = new AbortController();

  constructor(
    private readonly wanted: ReplyWanted,
    private readonly release: (pending: PendingReply) => void,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    this.promise = new Promise<InboundMessage>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Whoever stops waiting (a redeploy, a failed send) must not leave an unhandled rejection behind: it would
    // take Node-RED down. Callers that await still see the rejection.
    this.promise.catch(() => undefined);
    this.timer = clock.setTimeout(() => {
      if (this.settled) return;
      wanted.onTimeout?.();
      this.reject(new RequestTimeoutError(`${wanted.kinds[0]} request to ${wanted.mac}`, wanted.timeoutMs));
    }, wanted.timeoutMs);
  }

  get settled(): boolean {
    return this.done.signal.aborted;
  }

  /** Aborted once the request has settled, whichever way. */
  get signal(): AbortSignal {
    return this.done.signal;
  }

  accepts(message: InboundMessage): boolean {
    const { mac, kinds, matches } = this.wanted;
    if (this.settled || message.mac !== mac || !kinds.includes(message.kind)) return false;
    try {
      return matches?.(message) ?? true;
    } catch {
      return false; // a reply the predicate cannot read is not the one asked for
    }
  }

  resolve(message: InboundMessage): void {
    if (this.finish()) this.settle.resolve(message);
  }

  reject(err: Error): void {
    if (this.finish()) this.settle.reject(err);
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.clock.clearTimeout(this.timer);
    this.release(this);
    this.done.abort();
    return true;
  }
}

/** The queries of one connection waiting for replies. */
export class ReplyMatcher {
  private readonly pending = new Set<PendingReply>();

  /** `clock`: time for the requests' timeouts. */
  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  get size(): number {
    return this.pending.size;
  }

  /** Starts waiting (and the timeout) now: register before the query is sent, a reply can beat the publish ack. */
  expect(wanted: ReplyWanted): PendingReply {
    const pending = new PendingReply(wanted, (p) => this.pending.delete(p), this.clock);
    this.pending.add(pending);
    return pending;
  }

  /** Hands an inbound message to every query it answers (two nodes asking for a status share one reply). */
  deliver(message: InboundMessage): void {
    for (const pending of [...this.pending]) {
      if (pending.accepts(message)) pending.resolve(message);
    }
  }

  rejectAll(err: Error): void {
    for (const pending of [...this.pending]) pending.reject(err);
  }
}
