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
   * (median ~9 s after a minute, ~1 s after 5 s) while a 5-minute outage still costs fewer than 20 attempts.
   * Default 0.4.
   */
  outageShare?: number;
}

const DEFAULT_OUTAGE_SHARE = 0.4;
/** Below this the outage-age cap does not apply: the first attempts double (0.5, 1, 2 s, then 2.5 s). */
const PACE_FLOOR_MS = 2_500;

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 60_000,
  jitter: 0.2,
  deepReconnectAfter: 5,
  outageShare: DEFAULT_OUTAGE_SHARE,
};

/**
 * Delay before reconnect attempt `attempt` (1-based) of an outage that began `outageMs` ago:
 * exponential from the initial delay, capped by the outage's age share and by the maximum, jittered.
 */
export function reconnectDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  outageMs = Number.POSITIVE_INFINITY,
): number {
  const exponential = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  const paced = Math.max(PACE_FLOOR_MS, policy.initialDelayMs, outageMs * (policy.outageShare ?? DEFAULT_OUTAGE_SHARE));
  const base = Math.min(policy.maxDelayMs, exponential, paced);
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random());
  return Math.round(Math.min(policy.maxDelayMs, Math.max(0, jittered)));
}

/** After every `deepReconnectAfter` failed quick attempts, the next one is deep (attempts 6, 12, ... by default). */
export function isDeepAttempt(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return attempt > 0 && attempt % (policy.deepReconnectAfter + 1) === 0;
}
