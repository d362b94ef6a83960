import type { Got, Response } from 'got' with { 'resolution-mode': 'import' };
import { ApiRequestError, CloudUnavailableError, InvalidCredentialsError, SignInRefusedError, TokenRejectedError, cloudText, errorMessage } from './errors';
import { parseCloudJson } from './codec/cloud-json';
import type { Endpoints } from './endpoints';
import { trustStoreFor } from './trust-store';

/**
 * Temporary AWS credentials from sign-in; the only way to renew them is another full sign-in
 * (docs/protocol.md#credentials).
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  aws: AwsCredentials;
  userSeq?: number;
}

export type CloudPresence = 'online' | 'offline' | 'unknown';

export interface DeviceEntry {
  mac: string;
  additionalValue: string;
  deviceType: number;
  name: string;
  homeSeq?: number;
  cloudPresence: CloudPresence;
  modelTypeCode?: number;
  /** Last fault recorded by the cloud (readable while the device is offline); null = none reported. */
  lastErrorCode: number | null;
}

interface Envelope {
  code?: unknown;
  msg?: unknown;
  data?: unknown;
}

const LIST_PAGE_SIZE = 20;
/**
 * Some clients saw implausible AWS lifetimes; fall back to 50 min outside 5 min..24 h
 * (docs/protocol.md#verified-vs-uncertain).
 */
const FALLBACK_AWS_LIFETIME_S = 50 * 60;
const NEVER_RETRY_MESSAGES = /INVALID_USER_PASSWORD|USER_NOT_FOUND|INVALID_USER|UNAUTHORIZED/i;

// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- false positive: the import type's resolution-mode attribute read as a value
let gotModule: Promise<typeof import('got', { with: { 'resolution-mode': 'import' } })> | undefined;
/** got 14 is ESM-only; a real dynamic import keeps our CommonJS output loadable by Node-RED. */
function loadGot() {
  gotModule ??= import('got');
  return gotModule;
}

export interface RestClientOptions {
  timeoutMs?: number;
  now?: () => number;
}

/** The NaviLink REST API (docs/protocol.md#rest-api): sign-in, refresh, device list and slow-changing records. */
export class NavilinkRestClient {
  private http: Got | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  /** `endpoints` may still be loading (its CA file is read asynchronously): the first request waits for it. */
  constructor(private readonly endpoints: Endpoints | Promise<Endpoints>, options: RestClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async signIn(email: string, password: string): Promise<SessionTokens> {
    const receivedAt = this.now();
    const data = await this.call('POST', 'user/sign-in', { json: { userId: email, password } }, undefined, [email, password]);
    const token = objectAt(data, 'token') ?? objectAt(data, 'tokens');
    const accessToken = stringAt(token, 'accessToken');
    // Success is decided on the token's presence, not on the HTTP status (docs/protocol.md#rest-envelope).
    if (!token || !accessToken) throw new CloudUnavailableError('sign-in reply has no access token');
    const awsLifetime = plausibleAwsLifetime(numberAt(token, 'authorizationExpiresIn'));
    const userInfo = objectAt(data, 'userInfo');
    return {
      accessToken,
      refreshToken: stringAt(token, 'refreshToken') ?? '',
      accessExpiresAt: receivedAt + (numberAt(token, 'authenticationExpiresIn') ?? 3600) * 1000,
      aws: {
        accessKeyId: requireString(token, 'accessKeyId'),
        secretAccessKey: requireString(token, 'secretKey'),
        sessionToken: requireString(token, 'sessionToken'),
        expiresAt: receivedAt + awsLifetime * 1000,
      },
      userSeq: numberAt(userInfo, 'userSeq'),
    };
  }

  /** Renews the REST tokens only; the AWS credentials are kept as they are (refresh never returns new ones). */
  async refresh(tokens: SessionTokens): Promise<SessionTokens> {
    const receivedAt = this.now();
    const data = await this.call('POST', 'auth/refresh', { json: { refreshToken: tokens.refreshToken } });
    const token = objectAt(data, 'token') ?? (data as Record<string, unknown>);
    const accessToken = stringAt(token, 'accessToken');
    if (!accessToken) throw new CloudUnavailableError('refresh reply has no access token');
    return {
      ...tokens,
      accessToken,
      refreshToken: stringAt(token, 'refreshToken') || tokens.refreshToken,
      accessExpiresAt: receivedAt + (numberAt(token, 'authenticationExpiresIn') ?? 3600) * 1000,
    };
  }

  /** Every device of the account, paging until a short page (docs/protocol.md#device-list). */
  async listDevices(tokens: SessionTokens, email: string): Promise<DeviceEntry[]> {
    const devices: DeviceEntry[] = [];
    for (let offset = 0; ; offset += LIST_PAGE_SIZE) {
      const data = await this.call('POST', 'device/list', { json: { offset, count: LIST_PAGE_SIZE, userId: email } }, tokens);
      const page = devicePage(data);
      for (const entry of page) {
        const device = toDeviceEntry(entry);
        if (device) devices.push(device);
      }
      if (page.length < LIST_PAGE_SIZE || offset > 10_000) return devices;
    }
  }

  async deviceInfo(tokens: SessionTokens, email: string, device: Pick<DeviceEntry, 'mac' | 'additionalValue'>): Promise<Record<string, unknown>> {
    const data = await this.call('POST', 'device/info', {
      json: { macAddress: device.mac, additionalValue: device.additionalValue, userId: email },
    }, tokens);
    return isObject(data) ? data : {};
  }

  /** Every firmware component's installed and downloaded version (docs/protocol.md#firmware-info); 403 on some accounts. */
  async firmwareInfo(tokens: SessionTokens, email: string, device: Pick<DeviceEntry, 'mac' | 'additionalValue'>): Promise<Record<string, unknown>> {
    const data = await this.call('POST', 'device/firmware/info', {
      json: { macAddress: device.mac, additionalValue: device.additionalValue, userId: email },
    }, tokens);
    return isObject(data) ? data : {};
  }

  /** The Time-of-Use plan, keyed by the controller serial from the feature message (docs/protocol.md#tou-plan). */
  async touInfo(tokens: SessionTokens, email: string, device: Pick<DeviceEntry, 'mac' | 'additionalValue'>, controllerSerial: string): Promise<Record<string, unknown>> {
    const data = await this.call('GET', 'device/tou', {
      searchParams: {
        additionalValue: device.additionalValue,
        controllerId: controllerSerial,
        macAddress: device.mac,
        userId: email,
        userType: 'O',
      },
    }, tokens);
    return isObject(data) ? data : {};
  }

  private async client(): Promise<Got> {
    if (!this.http) {
      const { got } = await loadGot();
      const endpoints = await this.endpoints;
      // An extra CA: the process-wide trust store and its keep-alive agent (parsed once, not per TLS connection).
      const trust = trustStoreFor(endpoints);
      this.http ??= got.extend({
        prefixUrl: endpoints.apiUrl,
        timeout: { request: this.timeoutMs },
        retry: { limit: 0 }, // retries are the connection's job: it knows which failures are worth it
        throwHttpErrors: false,
        responseType: 'text',
        ...(trust ? { agent: { https: trust.httpsAgent } } : {}),
      });
    }
    return this.http;
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { json?: Record<string, unknown>; searchParams?: Record<string, string> },
    tokens?: SessionTokens,
    /** Set on sign-in: its e-mail and password, which no text from the cloud may repeat. */
    signInSecrets?: readonly string[],
  ): Promise<unknown> {
    const isSignIn = signInSecrets !== undefined;
    const http = await this.client();
    let response: Response<string>;
    try {
      response = await http(path, {
        method,
        ...options,
        // The bare access token, no "Bearer " prefix: the cloud rejects that (docs/protocol.md#rest-envelope).
        headers: tokens ? { authorization: tokens.accessToken } : {},
      });
    } catch (err) {
      throw new CloudUnavailableError(`${path}: ${errorMessage(err)}`);
    }
    const envelope = parseEnvelope(response.body);
    const code = typeof envelope?.code === 'number' ? envelope.code : undefined;
    const msg = typeof envelope?.msg === 'string' ? cloudText(envelope.msg, signInSecrets) : '';
    const ok = response.statusCode >= 200 && response.statusCode < 300 && code === 200;
    if (ok) return envelope?.data;
    if (isSignIn && (code === 1001 || NEVER_RETRY_MESSAGES.test(msg))) throw new InvalidCredentialsError(msg || `code ${code}`);
    if (!isSignIn && (response.statusCode === 401 || code === 401)) throw new TokenRejectedError(path);
    if (response.statusCode >= 500 || response.statusCode === 429 || !envelope) {
      throw new CloudUnavailableError(`${path}: HTTP ${response.statusCode}${msg ? `, ${msg}` : ''}`, response.statusCode);
    }
    if (isSignIn) throw new SignInRefusedError(response.statusCode, code, msg);
    throw new ApiRequestError(path, response.statusCode, code, msg);
  }
}

function parseEnvelope(body: string): Envelope | undefined {
  try {
    const parsed: unknown = parseCloudJson(body);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function devicePage(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  // One legacy client saw the array wrapped in an object (docs/protocol.md#verified-vs-uncertain).
  if (isObject(data)) {
    const wrapped = data.deviceList ?? data.devices;
    if (Array.isArray(wrapped)) return wrapped;
  }
  return [];
}

function toDeviceEntry(entry: unknown): DeviceEntry | undefined {
  const info = objectAt(entry, 'deviceInfo');
  const mac = stringAt(info, 'macAddress');
  if (!info || !mac) return undefined;
  const connected = numberAt(info, 'connected');
  const errorCode = objectAt(entry, 'error')?.errorCode;
  return {
    mac,
    additionalValue: String(info.additionalValue ?? ''),
    deviceType: numberAt(info, 'deviceType') ?? 0,
    name: stringAt(info, 'deviceName') ?? mac,
    homeSeq: numberAt(info, 'homeSeq'),
    cloudPresence: connected === 2 ? 'online' : connected === 1 ? 'offline' : 'unknown',
    modelTypeCode: numberAt(info, 'modelTypeCode'),
    lastErrorCode: typeof errorCode === 'number' ? errorCode : null,
  };
}

function plausibleAwsLifetime(seconds: number | undefined): number {
  return seconds !== undefined && seconds >= 300 && seconds <= 86_400 ? seconds : FALLBACK_AWS_LIFETIME_S;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  const inner = isObject(value) ? value[key] : undefined;
  return isObject(inner) ? inner : undefined;
}
function stringAt(value: unknown, key: string): string | undefined {
  const inner = isObject(value) ? value[key] : undefined;
  return typeof inner === 'string' ? inner : undefined;
}
function numberAt(value: unknown, key: string): number | undefined {
  const inner = isObject(value) ? value[key] : undefined;
  return typeof inner === 'number' && Number.isFinite(inner) ? inner : undefined;
}
function requireString(value: Record<string, unknown>, key: string): string {
  const found = stringAt(value, key);
  if (!found) throw new CloudUnavailableError(`sign-in reply has no ${key}`);
  return found;
}
