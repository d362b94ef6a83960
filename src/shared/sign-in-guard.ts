import { InvalidCredentialsError, SignInLimitedError, SignInRefusedError } from './errors';
import type { NavilinkRestClient, SessionTokens } from './rest-client';

/**
 * Every sign-in of this process goes through here, whoever asks (an account's connection, the editor's device
 * picker): repeated sign-ins are how cloud accounts get locked, and the cloud's lock-out rules are not published
 * (docs/protocol.md#sign-in-limits). Per account (API URL + e-mail):
 * - the same refusal `REFUSALS_IN_A_ROW` times in a row (same HTTP status and body code, e.g. 423 or a code this
 *   package does not know) counts as a final refusal, like a wrong password;
 * - at most `FAILED_SIGN_INS_PER_HOUR` failed sign-ins in any hour; beyond that no request is sent until the oldest
 *   one is an hour old. Successful sign-ins are not counted: every full deploy signs in once, and a user editing
 *   flows deploys often.
 */
export const REFUSALS_IN_A_ROW = 3;
export const FAILED_SIGN_INS_PER_HOUR = 10;
const HOUR_MS = 60 * 60_000;
/** Accounts remembered at most; the least recently used is forgotten beyond that. */
const MAX_ACCOUNTS = 100;

interface AccountRecord {
  /** When each failed sign-in of the last hour was sent, oldest first. */
  failures: number[];
  /** The last refusal's status and code, and how many times in a row it came. */
  refusal?: { signature: string; count: number };
}

const accounts = new Map<string, AccountRecord>();

function keyOf(apiUrl: string, email: string): string {
  return JSON.stringify([apiUrl.trim().replace(/\/+$/, '').toLowerCase(), email.trim().toLowerCase()]);
}

function recordOf(key: string): AccountRecord {
  let record = accounts.get(key);
  if (record) {
    accounts.delete(key); // re-inserted below: most recently used last
  } else {
    record = { failures: [] };
  }
  accounts.set(key, record);
  if (accounts.size > MAX_ACCOUNTS) accounts.delete(accounts.keys().next().value as string);
  return record;
}

/**
 * Signs in through the guard: refused before any request while the account is over its hourly limit
 * (`SignInLimitedError`, retryable later), and a repeated identical refusal comes back as `InvalidCredentialsError`
 * (final, never retried). `now` is the caller's clock.
 */
export async function guardedSignIn(
  rest: NavilinkRestClient,
  apiUrl: string,
  email: string,
  password: string,
  now: () => number = Date.now,
): Promise<SessionTokens> {
  const record = recordOf(keyOf(apiUrl, email));
  const sentAt = now();
  while (record.failures.length > 0 && record.failures[0] <= sentAt - HOUR_MS) record.failures.shift();
  if (record.failures.length >= FAILED_SIGN_INS_PER_HOUR) {
    throw new SignInLimitedError(FAILED_SIGN_INS_PER_HOUR, record.failures[0] + HOUR_MS - sentAt);
  }
  try {
    const tokens = await rest.signIn(email, password);
    record.refusal = undefined;
    return tokens;
  } catch (err) {
    record.failures.push(sentAt);
    if (err instanceof SignInRefusedError) {
      const signature = `${err.httpStatus}|${err.apiCode ?? ''}`;
      const count = record.refusal?.signature === signature ? record.refusal.count + 1 : 1;
      record.refusal = { signature, count };
      if (count >= REFUSALS_IN_A_ROW) throw new InvalidCredentialsError(err.apiMessage, { reason: err.reason, times: count });
    }
    // A network failure or 5xx neither counts as a refusal nor ends a streak of them.
    throw err;
  }
}

/** Forgets every account's history: for tests, which sign in to one simulator account many times per process. */
export function resetSignInGuard(): void {
  accounts.clear();
}
