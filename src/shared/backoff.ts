/** Reconnect pacing (defaults from the NWP500 community's hardened settings, shared/diagnostics.md). */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** +/- share of the delay drawn at random, so many clients do not reconnect in lockstep. */
  jitter: number;
  /** After this many failed quick attempts, sign in again and start a fresh connection object. */
  deepReconnectAfter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 60_000,
  jitter: 0.5,
  deepReconnectAfter: 5,
};

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, jittered, never above the cap. */
export function reconnectDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  const base = Math.min(policy.maxDelayMs, exponential);
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random());
  return Math.round(Math.min(policy.maxDelayMs, Math.max(0, jittered)));
}

/** After every `deepReconnectAfter` failed quick attempts, the next one is deep (attempts 6, 12, ... by default). */
export function isDeepAttempt(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return attempt > 0 && attempt % (policy.deepReconnectAfter + 1) === 0;
}
