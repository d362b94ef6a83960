/**
 * Reconnect pacing (defaults from the NWP500 community's hardened settings, docs/protocol.md#connection-management).
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** +/- share of the delay drawn at random, so many clients do not reconnect in lockstep. */
  jitter: number;
  /** After this many failed quick attempts, sign in again and start a fresh connection object. */
  deepReconnectAfter: number;
  /**
   * No wait is longer than this share of the outage so far. Pure doubling would wait up to 60 s right
   * after a one-minute outage ended; pacing by the outage's age keeps recovery quick after short outages
   * while a 5-minute outage still costs fewer than 20 attempts. Default 0.5.
   */
  outageShare?: number;
  /**
   * While the outage is younger than `shortOutageMs` (default 80 s), no wait is longer than this (default 10 s). The
   * share alone spaces attempts ~25 s apart around the one-minute mark, which made the wait after a one-minute
   * outage a lottery (simulated median 9.5 s, half of all 5-run medians over 10 s); with the cap: median ~5 s, p90
   * ~9 s, and a 5-minute outage still costs at most 19 attempts (BENCHMARKS.md, recovery).
   */
  shortOutageMaxDelayMs?: number;
  shortOutageMs?: number;
  /**
   * After a session that stayed up at least this long (default 10 s), the first retry comes within `quickRetryMs`
   * instead of after `initialDelayMs`, and the attempts after it keep the schedule from attempt 2 on: most drops of a
   * working connection are the broker closing that one connection, and after a short outage the next attempt comes
   * ~0.5 s sooner. A session that dropped sooner retries as before, so a connection that keeps being dropped at once
   * (two processes sharing a client id) is not retried any faster.
   */
  stableSessionMs?: number;
  /** The first retry after a stable session is drawn from 0 to this (default 250 ms): clients dropped together do not return together. */
  quickRetryMs?: number;
}

const DEFAULT_OUTAGE_SHARE = 0.5;
const DEFAULT_SHORT_OUTAGE_MAX_DELAY_MS = 10_000;
const DEFAULT_SHORT_OUTAGE_MS = 80_000;
const DEFAULT_STABLE_SESSION_MS = 10_000;
const DEFAULT_QUICK_RETRY_MS = 250;
/** Below this the outage-age cap does not apply: the first attempts double (0.5, 1, 2 s, then 2.5 s). */
const PACE_FLOOR_MS = 2_500;

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 60_000,
  jitter: 0.2,
  deepReconnectAfter: 5,
  outageShare: DEFAULT_OUTAGE_SHARE,
  shortOutageMaxDelayMs: DEFAULT_SHORT_OUTAGE_MAX_DELAY_MS,
  shortOutageMs: DEFAULT_SHORT_OUTAGE_MS,
  stableSessionMs: DEFAULT_STABLE_SESSION_MS,
  quickRetryMs: DEFAULT_QUICK_RETRY_MS,
};

/**
 * Delay before reconnect attempt `attempt` (1-based) of an outage that began `outageMs` ago:
 * exponential from the initial delay, capped by the outage's age share (and while the outage is short, by the
 * short-outage cap) and by the maximum, jittered.
 */
export function reconnectDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  outageMs = Number.POSITIVE_INFINITY,
): number {
  const exponential = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  let paced = Math.max(PACE_FLOOR_MS, policy.initialDelayMs, outageMs * (policy.outageShare ?? DEFAULT_OUTAGE_SHARE));
  if (outageMs < (policy.shortOutageMs ?? DEFAULT_SHORT_OUTAGE_MS)) paced = Math.min(paced, policy.shortOutageMaxDelayMs ?? DEFAULT_SHORT_OUTAGE_MAX_DELAY_MS);
  const base = Math.min(policy.maxDelayMs, exponential, paced);
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random());
  return Math.round(Math.min(policy.maxDelayMs, Math.max(0, jittered)));
}

/**
 * Delay before the first retry after a live session of `sessionMs` dropped: quick after a stable session, else the
 * schedule's first delay.
 */
export function retryAfterDropDelay(
  sessionMs: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // Never later than the usual first retry would be.
  if (sessionMs >= (policy.stableSessionMs ?? DEFAULT_STABLE_SESSION_MS)) return Math.round(random() * Math.min(policy.quickRetryMs ?? DEFAULT_QUICK_RETRY_MS, policy.initialDelayMs));
  return reconnectDelay(1, policy, random, 0);
}

/** After every `deepReconnectAfter` failed quick attempts, the next one is deep (attempts 6, 12, ... by default). */
export function isDeepAttempt(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return attempt > 0 && attempt % (policy.deepReconnectAfter + 1) === 0;
}
