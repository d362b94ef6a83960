/**
 * The account's tokens: sign-in (through the hourly sign-in guard), access-token refresh, and whether the AWS
 * credentials need renewing by a fresh sign-in.
 */
import type { Clock } from '../clock';
import { InvalidCredentialsError, NavilinkError, TokenRejectedError } from '../errors';
import type { NavilinkRestClient, SessionTokens } from '../rest-client';
import { guardedSignIn } from '../sign-in-guard';

/** The access token is refreshed once it has less than this left. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;

export class TokenKeeper {
  private rest: NavilinkRestClient | undefined;
  /** The sign-in guard's key, with the e-mail (known before the CA file is read). */
  private apiUrl = '';
  private tokensValue: SessionTokens | undefined;
  private refreshing: Promise<SessionTokens> | undefined;
  signInCount = 0;
  /** Sign-ins the cloud accepted (a deep attempt whose sign-in failed stays deep). */
  successfulSignIns = 0;

  constructor(private readonly email: string, private readonly password: string, private readonly clock: Clock) {}

  /** The REST client of the started connection. */
  attach(rest: NavilinkRestClient, apiUrl: string): void {
    this.rest = rest;
    this.apiUrl = apiUrl;
  }

  get tokens(): SessionTokens | undefined {
    return this.tokensValue;
  }

  async signIn(): Promise<void> {
    const rest = this.rest as NavilinkRestClient;
    this.signInCount++;
    this.tokensValue = await guardedSignIn(rest, this.apiUrl, this.email, this.password, () => this.clock.now());
    this.successfulSignIns++;
  }

  /** Runs a REST call with a valid access token: refresh when close to expiry, and once more on a 401. */
  async withAccessToken<T>(call: (rest: NavilinkRestClient, tokens: SessionTokens, email: string) => Promise<T>): Promise<T> {
    if (!this.rest) throw new NavilinkError('connection not started', 'NOT_STARTED');
    let tokens = await this.validTokens();
    try {
      return await call(this.rest, tokens, this.email);
    } catch (err) {
      if (!(err instanceof TokenRejectedError)) throw err;
      tokens = await this.renewAccessToken(true);
      return call(this.rest, tokens, this.email);
    }
  }

  /** Whether the AWS credentials lapse within `marginMs` (or there are none): the next connect signs in first. */
  awsCredentialsExpiring(marginMs: number): boolean {
    return !this.tokensValue || this.tokensValue.aws.expiresAt - this.clock.now() < marginMs;
  }

  private async validTokens(): Promise<SessionTokens> {
    if (!this.tokensValue) {
      await this.signIn();
      return this.tokensValue as unknown as SessionTokens;
    }
    if (this.tokensValue.accessExpiresAt - this.clock.now() < EXPIRY_MARGIN_MS) return this.renewAccessToken(false);
    return this.tokensValue;
  }

  /** One refresh in flight at a time; falls back to a full sign-in when the refresh token is refused. */
  private renewAccessToken(force: boolean): Promise<SessionTokens> {
    this.refreshing ??= (async () => {
      const rest = this.rest as NavilinkRestClient;
      try {
        if (!this.tokensValue) throw new TokenRejectedError('auth/refresh');
        if (!force && this.tokensValue.accessExpiresAt - this.clock.now() >= EXPIRY_MARGIN_MS) return this.tokensValue;
        this.tokensValue = await rest.refresh(this.tokensValue);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw err;
        await this.signIn();
      }
      return this.tokensValue as SessionTokens;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}
