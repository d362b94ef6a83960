/**
 * The one flush that publishes queued commands, in order, while a session is live: a publish that fails on a session
 * that still looks live is tried again there a few times; after that the session counts as broken.
 */
import type { Clock } from '../clock';
import type { OutboundMessage } from '../codec/commands';
import { ConnectionClosedError } from '../errors';
import { describeFailure } from '../mqtt-transport';
import type { MqttTransportSession, TransportFailure } from '../mqtt-transport';
import type { CommandQueue, QueuedItem } from './command-queue';
import type { DiagnosticsCollector } from './diagnostics';

/**
 * A publish that fails on a session that still looks live (no PUBACK in time) is tried this often in all; after that
 * the session counts as broken and is replaced at once, instead of the command waiting for the keep-alive to notice.
 */
export const PUBLISH_ATTEMPTS = 3;
/** The short waits before the second and third attempt. */
const PUBLISH_RETRY_DELAYS_MS = [250, 1_000];

type PublishOutcome = 'settled' | 'session-gone' | { broken: TransportFailure };

export interface PublisherDeps {
  queue: CommandQueue<OutboundMessage>;
  diagnostics: DiagnosticsCollector;
  clock: Clock;
  isClosed(): boolean;
  /** The live session commands can go out on now, if any. */
  sendableSession(): MqttTransportSession | undefined;
  isLive(session: MqttTransportSession): boolean;
  /** Every attempt failed on a session that looks live: it is broken. */
  onBroken(session: MqttTransportSession, failure: TransportFailure): void;
}

export class Publisher {
  private flushing: Promise<void> | undefined;
  private retryPause: { handle: unknown; resume: () => void } | undefined;

  constructor(private readonly deps: PublisherDeps) {}

  /** The flush under way, if any (a new session waits for the old one's to wind down). */
  get current(): Promise<void> | undefined {
    return this.flushing;
  }

  /** Publishes what waits, one command at a time and in order, while a session is live; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.publishQueued().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** The connection closes: a wait between attempts ends now. */
  cancelRetryPause(): void {
    const pause = this.retryPause;
    if (!pause) return;
    this.deps.clock.clearTimeout(pause.handle);
    pause.resume();
  }

  private async publishQueued(): Promise<void> {
    const { queue } = this.deps;
    for (;;) {
      const session = this.deps.sendableSession();
      if (!session) return;
      // Taken out only now: a command withdrawn while the ones before it went out is never sent.
      const item = queue.next();
      if (!item) return;
      const outcome = await this.publishItem(session, item);
      if (outcome === 'settled') continue;
      if (this.deps.isClosed()) {
        item.reject(new ConnectionClosedError());
        return;
      }
      // Back in front, so the next session sends it first and the commands behind it keep their order.
      queue.requeue([item]);
      if (outcome !== 'session-gone') this.deps.onBroken(session, outcome.broken);
      return;
    }
  }

  /** Sends one command, trying again on the same session while it still looks live; settles it unless the session went. */
  private async publishItem(session: MqttTransportSession, item: QueuedItem<OutboundMessage>): Promise<PublishOutcome> {
    for (let attempt = 1; ; attempt++) {
      const withdrawn = item.withdrawn();
      if (withdrawn) {
        item.reject(withdrawn);
        return 'settled';
      }
      if (!this.deps.isLive(session)) return 'session-gone';
      try {
        await session.publish(item.value.topic, item.value.payload);
        this.deps.diagnostics.published++;
        item.resolve();
        return 'settled';
      } catch (err) {
        if (!this.deps.isLive(session)) return 'session-gone';
        if (attempt >= PUBLISH_ATTEMPTS) return { broken: describeFailure(err) };
        await this.pauseBeforeRetry(PUBLISH_RETRY_DELAYS_MS[attempt - 1]);
      }
    }
  }

  private pauseBeforeRetry(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const resume = () => {
        this.retryPause = undefined;
        resolve();
      };
      this.retryPause = { handle: this.deps.clock.setTimeout(resume, ms), resume };
    });
  }
}
