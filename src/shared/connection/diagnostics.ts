/**
 * Connection health, modelled on the NWP500 community's drop-diagnostics guide
 * (docs/protocol.md#connection-management): every drop and every (re)connection in bounded history, aggregates, and the
 * drop pattern with advice. Holds no credential, token, URL or e-mail address, so the export is safe to share.
 */

import { redactSecrets } from '../errors';
import type { IntervalRule } from '../seconds';

/**
 * navien-diagnostics' seconds between reports: 0 = events only; reports more often than 10 s tell nothing new (the
 * help and the editor say the same).
 */
export const REPORT_INTERVAL: IntervalRule = { fallback: 300, min: 10 };

export type ConnectionKind = 'connected' | 'resumed' | 'deep-reconnected';

export interface DropRecord {
  time: string;
  errorName: string;
  errorCode?: number;
  errorMessage: string;
  attempt: number;
  sessionDurationMs: number;
  activeSubscriptions: number;
  queuedCommands: number;
}

export interface ConnectionRecord {
  time: string;
  kind: ConnectionKind;
  sessionPresent: boolean;
  attempt: number;
  /** From the drop to being back; null for the first connection. */
  recoveryMs: number | null;
}

export type DropPattern = 'none' | 'too-few' | 'regular' | 'irregular' | 'after-many-messages';

export interface PatternAdvice {
  pattern: DropPattern;
  likelyCause: string;
  advice: string;
}

export interface DiagnosticsMetrics {
  since: string;
  connected: boolean;
  connections: number;
  drops: number;
  recoveries: number;
  deepReconnects: number;
  sessionDurationMs: { min: number | null; avg: number | null; max: number | null };
  currentUptimeMs: number;
  dropsByError: Record<string, number>;
  attemptsToRecover: Record<string, number>;
  published: number;
  queued: number;
  messagesReceived: number;
  lastDrop: DropRecord | null;
  pattern: PatternAdvice;
  /**
   * Values from the cloud the unit cannot have reported (outside its physical range, or not a finite number;
   * codec/plausible.ts), counted per `<record>.<field>`, e.g. `{"status.dhwChargePer": 2}`. The nodes output them
   * as null.
   */
  implausibleValues: Record<string, number>;
}

export interface DiagnosticsExport {
  exportedAt: string;
  metrics: DiagnosticsMetrics;
  drops: DropRecord[];
  connections: ConnectionRecord[];
}

const HISTORY_LIMIT = 1000;
/** Drops this close to a multiple of the median interval count as "regular". */
const REGULARITY_TOLERANCE = 0.2;

export class DiagnosticsCollector {
  private drops: DropRecord[] = [];
  private connections: ConnectionRecord[] = [];
  private sessionDurations: number[] = [];
  private dropsByError: Record<string, number> = {};
  private attemptsToRecover: Record<string, number> = {};
  private connectedAt: number | null = null;
  private droppedAt: number | null = null;
  private messagesAtLastConnect = 0;
  private messagesBeforeDrops: number[] = [];
  private since: number;
  private totals = { connections: 0, drops: 0, recoveries: 0 };
  /** Null prototype: a field name can never meet an Object.prototype member. */
  private implausible: Record<string, number> = Object.create(null) as Record<string, number>;
  published = 0;
  queued = 0;
  messagesReceived = 0;
  deepReconnects = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  recordConnected(kind: ConnectionKind, attempt: number, sessionPresent: boolean): ConnectionRecord {
    const at = this.now();
    const record: ConnectionRecord = {
      time: new Date(at).toISOString(),
      kind,
      sessionPresent,
      attempt,
      recoveryMs: this.droppedAt === null ? null : at - this.droppedAt,
    };
    if (kind === 'deep-reconnected') this.deepReconnects++;
    this.totals.connections++;
    if (this.droppedAt !== null) {
      this.totals.recoveries++;
      const key = String(attempt);
      this.attemptsToRecover[key] = (this.attemptsToRecover[key] ?? 0) + 1;
    }
    this.connectedAt = at;
    this.droppedAt = null;
    this.messagesAtLastConnect = this.messagesReceived;
    push(this.connections, record);
    return record;
  }

  /** Records the end of a live session; only the first failure after a session counts as a drop. */
  recordDrop(error: { name: string; code?: number; message: string }, attempt: number, activeSubscriptions: number, queuedCommands: number): DropRecord | undefined {
    if (this.connectedAt === null) return undefined;
    const at = this.now();
    const sessionDurationMs = at - this.connectedAt;
    const record: DropRecord = {
      time: new Date(at).toISOString(),
      errorName: error.name,
      errorCode: error.code,
      // The last gate before export: a transport may quote a presigned URL in its error text.
      errorMessage: redactSecrets(error.message),
      attempt,
      sessionDurationMs,
      activeSubscriptions,
      queuedCommands,
    };
    this.sessionDurations.push(sessionDurationMs);
    if (this.sessionDurations.length > HISTORY_LIMIT) this.sessionDurations.shift();
    this.messagesBeforeDrops.push(this.messagesReceived - this.messagesAtLastConnect);
    if (this.messagesBeforeDrops.length > HISTORY_LIMIT) this.messagesBeforeDrops.shift();
    this.dropsByError[error.name] = (this.dropsByError[error.name] ?? 0) + 1;
    this.totals.drops++;
    this.connectedAt = null;
    this.droppedAt = at;
    push(this.drops, record);
    return record;
  }

  /** Counts one implausible value of `field` (`<record>.<wire field>`). */
  recordImplausible(field: string): void {
    this.implausible[field] = (this.implausible[field] ?? 0) + 1;
  }

  /** A clean close (redeploy) ends the session without counting as a drop. */
  recordClosed(): void {
    this.connectedAt = null;
  }

  metrics(): DiagnosticsMetrics {
    const durations = this.sessionDurations;
    const sum = durations.reduce((a, b) => a + b, 0);
    return {
      since: new Date(this.since).toISOString(),
      connected: this.connectedAt !== null,
      connections: this.totals.connections,
      drops: this.totals.drops,
      recoveries: this.totals.recoveries,
      deepReconnects: this.deepReconnects,
      sessionDurationMs: {
        min: durations.length ? Math.min(...durations) : null,
        avg: durations.length ? Math.round(sum / durations.length) : null,
        max: durations.length ? Math.max(...durations) : null,
      },
      currentUptimeMs: this.connectedAt === null ? 0 : this.now() - this.connectedAt,
      dropsByError: { ...this.dropsByError },
      attemptsToRecover: { ...this.attemptsToRecover },
      published: this.published,
      queued: this.queued,
      messagesReceived: this.messagesReceived,
      lastDrop: this.drops.at(-1) ?? null,
      pattern: classifyDrops(this.drops.map((d) => Date.parse(d.time)), this.messagesBeforeDrops),
      implausibleValues: { ...this.implausible },
    };
  }

  export(): DiagnosticsExport {
    return {
      exportedAt: new Date(this.now()).toISOString(),
      metrics: this.metrics(),
      drops: [...this.drops],
      connections: [...this.connections],
    };
  }

  reset(): void {
    const connected = this.connectedAt !== null;
    this.drops = [];
    this.connections = [];
    this.sessionDurations = [];
    this.dropsByError = {};
    this.attemptsToRecover = {};
    this.messagesBeforeDrops = [];
    this.implausible = Object.create(null) as Record<string, number>;
    this.totals = { connections: 0, drops: 0, recoveries: 0 };
    this.published = 0;
    this.queued = 0;
    this.messagesReceived = 0;
    this.deepReconnects = 0;
    this.since = this.now();
    this.connectedAt = connected ? this.now() : null;
    this.messagesAtLastConnect = 0;
  }
}

/** Reads the rhythm of the drops: it tells a server-side limit from a flaky network or a rate limit. */
export function classifyDrops(dropTimes: number[], messagesBeforeDrops: number[] = []): PatternAdvice {
  if (dropTimes.length === 0) {
    return { pattern: 'none', likelyCause: 'no drops recorded', advice: 'Nothing to do.' };
  }
  if (dropTimes.length < 3) {
    return {
      pattern: 'too-few',
      likelyCause: 'not enough drops to see a pattern',
      advice: 'Keep collecting; about 24 hours of diagnostics shows the pattern. Check that each drop recovered on its own.',
    };
  }
  const recent = messagesBeforeDrops.slice(-dropTimes.length);
  const busyDrops = recent.filter((n) => n >= 500).length;
  if (recent.length > 0 && busyDrops / recent.length >= 0.6) {
    return {
      pattern: 'after-many-messages',
      likelyCause: 'rate limiting or a message quota on the cloud side',
      advice: 'Poll less often (raise the status interval), and avoid bursts of controls from several flows or apps at once.',
    };
  }
  const intervals = dropTimes.slice(1).map((t, i) => t - dropTimes[i]).filter((d) => d > 0);
  const sorted = [...intervals].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const regular = median > 0 && intervals.every((d) => Math.abs(d - median) <= median * REGULARITY_TOLERANCE);
  if (regular) {
    const hours = median / 3_600_000;
    const dayCap = hours > 22 && hours < 26;
    return {
      pattern: 'regular',
      likelyCause: dayCap
        ? 'the cloud closes every connection after 24 hours'
        : `a server-side limit or a scheduled job (drops about every ${formatDuration(median)})`,
      advice: dayCap
        ? 'Nothing to fix: the 24-hour cap is routine and the node reconnects on its own.'
        : 'Check whether the drop times line up with the clock or with a job on your network; a keep-alive change will not alter a server-side rhythm.',
    };
  }
  return {
    pattern: 'irregular',
    likelyCause: 'the network: router NAT idle timeout, Wi-Fi, or the internet provider',
    advice: "Keep-alive is 60 s; compare the session durations with your router's NAT timeout, check Wi-Fi signal and router logs around the drop times, and disable power saving on the host's network interface.",
  };
}

function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

function push<T>(ring: T[], item: T): void {
  ring.push(item);
  if (ring.length > HISTORY_LIMIT) ring.shift();
}
