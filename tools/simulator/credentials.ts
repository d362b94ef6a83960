// Issued REST tokens and AWS temporary credentials, shared by the REST side (issues) and the broker (verifies).
import { randomBytes } from 'node:crypto';

export interface Lifetimes {
  /** Seconds the access/id tokens live (`authenticationExpiresIn`). */
  authenticationExpiresIn: number;
  /** Seconds the AWS credentials live (`authorizationExpiresIn`). */
  authorizationExpiresIn: number;
  /** Seconds the refresh token lives (not reported by the cloud; > 10 h observed). */
  refreshTokenExpiresIn: number;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
  email: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  email: string;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshToken {
  token: string;
  email: string;
  expiresAt: number;
  revoked: boolean;
}

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Looks like a Cognito JWT (header.payload.signature); the signature is random, nobody verifies it. */
function fakeJwt(email: string, use: 'id' | 'access', expiresAt: number): string {
  const header = base64url(JSON.stringify({ kid: 'navien-simulator', alg: 'RS256' }));
  const payload = base64url(
    JSON.stringify({
      sub: email,
      token_use: use,
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SIMULATOR',
      exp: Math.floor(expiresAt / 1000),
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(8).toString('hex'),
    }),
  );
  return `${header}.${payload}.${base64url(randomBytes(64))}`;
}

export class CredentialStore {
  private readonly aws = new Map<string, AwsCredentials>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();

  constructor(public lifetimes: Lifetimes) {}

  /** Everything a sign-in returns under `data.token`. */
  signIn(email: string): Record<string, string | number> {
    const now = Date.now();
    const l = this.lifetimes;
    const accessExpires = now + l.authenticationExpiresIn * 1000;
    const accessToken = fakeJwt(email, 'access', accessExpires);
    this.access.set(accessToken, { token: accessToken, email, expiresAt: accessExpires, revoked: false });
    // Real refresh tokens are ~1.8 kB JWEs.
    const refreshToken = `${base64url(JSON.stringify({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' }))}.${base64url(randomBytes(1300))}`;
    this.refresh.set(refreshToken, { token: refreshToken, email, expiresAt: now + l.refreshTokenExpiresIn * 1000, revoked: false });
    const creds: AwsCredentials = {
      accessKeyId: 'ASIA' + randomFrom(ALNUM_UPPER, 16),
      secretKey: randomBytes(30).toString('base64'),
      // Standard base64 on purpose: real session tokens contain + / = and clients must encode them
      // (docs/protocol.md#presigned-url).
      sessionToken: 'IQoJb3JpZ2luX2Vj' + randomBytes(600).toString('base64') + '+/=',
      email,
      issuedAt: now,
      expiresAt: now + l.authorizationExpiresIn * 1000,
      revoked: false,
    };
    this.aws.set(creds.accessKeyId, creds);
    return {
      idToken: fakeJwt(email, 'id', accessExpires),
      accessToken,
      refreshToken,
      authenticationExpiresIn: l.authenticationExpiresIn,
      accessKeyId: creds.accessKeyId,
      secretKey: creds.secretKey,
      sessionToken: creds.sessionToken,
      authorizationExpiresIn: l.authorizationExpiresIn,
    };
  }

  /** New JWTs for a valid refresh token (no AWS credentials, like the cloud), or undefined. */
  refreshTokens(refreshToken: string): Record<string, string | number> | undefined {
    const entry = this.refresh.get(refreshToken);
    if (!entry || entry.revoked || entry.expiresAt <= Date.now()) return undefined;
    const accessExpires = Date.now() + this.lifetimes.authenticationExpiresIn * 1000;
    const accessToken = fakeJwt(entry.email, 'access', accessExpires);
    this.access.set(accessToken, { token: accessToken, email: entry.email, expiresAt: accessExpires, revoked: false });
    return {
      idToken: fakeJwt(entry.email, 'id', accessExpires),
      accessToken,
      refreshToken, // Cognito does not rotate it
      authenticationExpiresIn: this.lifetimes.authenticationExpiresIn,
    };
  }

  /** The account e-mail of a currently valid access token. */
  accountForAccessToken(token: string): string | undefined {
    const entry = this.access.get(token);
    if (!entry || entry.revoked || entry.expiresAt <= Date.now()) return undefined;
    return entry.email;
  }

  awsCredentials(accessKeyId: string): AwsCredentials | undefined {
    return this.aws.get(accessKeyId);
  }

  isAwsValid(creds: AwsCredentials): boolean {
    return !creds.revoked && creds.expiresAt > Date.now();
  }

  allAwsCredentials(): AwsCredentials[] {
    return [...this.aws.values()];
  }

  /** Marks AWS credentials expired; all when no key is given. Returns the affected keys. */
  expireAws(accessKeyId?: string): string[] {
    return this.mark(accessKeyId, (c) => (c.expiresAt = Math.min(c.expiresAt, Date.now() - 1)));
  }

  revokeAws(accessKeyId?: string): string[] {
    return this.mark(accessKeyId, (c) => (c.revoked = true));
  }

  /** Expires REST access tokens (optionally of one account) so the next call gets 401 and must refresh. */
  expireAccessTokens(email?: string): void {
    for (const t of this.access.values()) if (!email || t.email === email) t.expiresAt = Math.min(t.expiresAt, Date.now() - 1);
  }

  /** Invalidates refresh tokens (optionally of one account) so only a full sign-in helps. */
  revokeRefreshTokens(email?: string): void {
    for (const t of this.refresh.values()) if (!email || t.email === email) t.revoked = true;
  }

  private mark(accessKeyId: string | undefined, fn: (c: AwsCredentials) => void): string[] {
    const affected: string[] = [];
    for (const c of this.aws.values()) {
      if (accessKeyId === undefined || c.accessKeyId === accessKeyId) {
        fn(c);
        affected.push(c.accessKeyId);
      }
    }
    return affected;
  }
}
