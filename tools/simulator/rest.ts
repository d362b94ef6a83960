// The NaviLink REST API under /api/v2.1 (docs/protocol.md#rest-api), served over HTTPS with the test certificate.
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CredentialStore } from './credentials';
import { DEFAULT_TOU_PLAN } from './defaults';
import type { SimulatedDevice } from './device';

export const API_PREFIX = '/api/v2.1';

export interface AccountRecord {
  email: string;
  password: string;
  userSeq: number;
  firstName: string;
  lastName: string;
  userType: 'O' | 'I';
  devices: SimulatedDevice[];
  /** TOU plan per device MAC, as GET /device/tou returns it. */
  touPlans: Map<string, Record<string, unknown>>;
  /** Paths this account is refused with HTTP 403 (`/device/info`, `/device/firmware/info` on some accounts). */
  forbidden: Set<string>;
}

export interface RestFault {
  path: string; // '/user/sign-in' or '*'
  status: number;
  remaining: number;
  /** The body's `code` and `msg` (default: the HTTP status, and INTERNAL_SERVER_ERROR or FAULT_INJECTED). */
  code?: number;
  msg?: string;
}

export interface RestState {
  accounts: Map<string, AccountRecord>;
  credentials: CredentialStore;
  faults: RestFault[];
  delayMs: number;
  signInCount: number;
  refreshCount: number;
  location: { state: string; city: string; address: string; latitude: number; longitude: number };
}

type Json = Record<string, unknown> | unknown[] | null;

interface Reply {
  status: number;
  body: { code: number; msg: string; data?: Json };
}

const ok = (data?: Json): Reply => ({ status: 200, body: data === undefined ? { code: 200, msg: 'SUCCESS' } : { code: 200, msg: 'SUCCESS', data } });
const fail = (status: number, code: number, msg: string): Reply => ({ status, body: { code, msg, data: null } });
const UNAUTHORIZED = fail(401, 401, 'UNAUTHORIZED');
const NOT_FOUND = fail(404, 404, 'NOT_FOUND');
const BAD_REQUEST = fail(200, 400, 'COMMON_BAD_REQUEST');
/** The body of the real 403 is not documented (docs/protocol.md#rest-envelope); this one follows the envelope. */
const FORBIDDEN = fail(403, 403, 'FORBIDDEN');

export class RestServer {
  readonly server: https.Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    tls: { cert: string; key: string },
    private readonly state: RestState,
    private readonly onCall?: (method: string, path: string, status: number) => void,
  ) {
    this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const method = req.method ?? 'GET';
    let reply: Reply;
    let body: Record<string, unknown> | undefined;
    try {
      body = await readJson(req);
    } catch {
      body = undefined;
    }
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : undefined;
    const fault = path === undefined ? undefined : this.takeFault(path);
    if (this.state.delayMs > 0) await new Promise((r) => setTimeout(r, this.state.delayMs));
    if (fault) reply = fail(fault.status, fault.code ?? fault.status, fault.msg ?? (fault.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'FAULT_INJECTED'));
    else if (path === undefined) reply = NOT_FOUND;
    else reply = this.route(method, path, url.searchParams, req.headers.authorization, body);
    this.onCall?.(method, url.pathname, reply.status);
    if (res.destroyed) return;
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private takeFault(path: string): RestFault | undefined {
    const fault = this.state.faults.find((f) => f.remaining > 0 && (f.path === '*' || f.path === path));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.state.faults.splice(this.state.faults.indexOf(fault), 1);
    return fault;
  }

  private route(method: string, path: string, query: URLSearchParams, authorization: string | undefined, body: Record<string, unknown> | undefined): Reply {
    if (method === 'POST' && path === '/user/sign-in') return this.signIn(body);
    if (method === 'POST' && path === '/auth/refresh') return this.refresh(body);
    const known = ['/device/list', '/device/info', '/device/firmware/info', '/device/tou', '/app/update-push-token'];
    if (!known.includes(path)) return NOT_FOUND;
    // Bare access token; a `Bearer ` prefix is rejected like the real cloud does.
    const email = authorization ? this.state.credentials.accountForAccessToken(authorization) : undefined;
    if (!email) return UNAUTHORIZED;
    const account = this.state.accounts.get(email);
    if (!account) return UNAUTHORIZED;
    if (account.forbidden.has(path)) return FORBIDDEN;
    switch (`${method} ${path}`) {
      case 'POST /device/list':
        return this.deviceList(account, body);
      case 'POST /device/info':
        return this.withDevice(account, body, (d) => this.deviceInfo(d));
      case 'POST /device/firmware/info':
        return this.withDevice(account, body, (d) => ok({ firmwares: d.firmwares.map((f) => ({ macAddress: d.macAddress, additionalValue: d.additionalValue, deviceType: d.deviceType, ...f })) }));
      case 'GET /device/tou':
        return this.getTou(account, query);
      case 'PUT /device/tou':
        return this.putTou(account, body);
      case 'POST /app/update-push-token':
        return ok();
      default:
        return fail(405, 405, 'METHOD_NOT_ALLOWED');
    }
  }

  private signIn(body: Record<string, unknown> | undefined): Reply {
    this.state.signInCount++;
    if (!body || typeof body.userId !== 'string' || typeof body.password !== 'string') return BAD_REQUEST;
    const account = this.state.accounts.get(body.userId.toLowerCase());
    // Numeric code of USER_NOT_FOUND is not documented; clients must match on msg.
    if (!account) return { status: 200, body: { code: 1002, msg: 'USER_NOT_FOUND' } };
    if (account.password !== body.password) return { status: 200, body: { code: 1001, msg: 'INVALID_USER_PASSWORD' } };
    return ok({
      userInfo: { userType: account.userType, userFirstName: account.firstName, userLastName: account.lastName, userStatus: 'NORMAL', userSeq: account.userSeq },
      legal: [],
      token: this.state.credentials.signIn(account.email),
    });
  }

  private refresh(body: Record<string, unknown> | undefined): Reply {
    this.state.refreshCount++;
    if (!body || typeof body.refreshToken !== 'string' || !body.refreshToken) return BAD_REQUEST;
    const tokens = this.state.credentials.refreshTokens(body.refreshToken);
    return tokens ? ok(tokens) : UNAUTHORIZED;
  }

  private deviceList(account: AccountRecord, body: Record<string, unknown> | undefined): Reply {
    const offset = Number.isInteger(body?.offset) ? (body?.offset as number) : 0;
    const count = Number.isInteger(body?.count) ? (body?.count as number) : 20;
    if (offset < 0 || count <= 0 || (typeof body?.userId === 'string' && body.userId.toLowerCase() !== account.email.toLowerCase())) return BAD_REQUEST;
    const loc = this.state.location;
    const page = account.devices.slice(offset, offset + count).map((d) => ({
      deviceInfo: {
        homeSeq: d.homeSeq,
        macAddress: d.macAddress,
        additionalValue: d.additionalValue,
        deviceType: d.deviceType,
        deviceName: d.deviceName,
        connected: d.offline ? 1 : 2,
        modelTypeCode: 513,
        installerId: null,
      },
      location: { state: loc.state, city: loc.city, address: loc.address },
      error: { errorCode: d.status.errorCode ? d.status.errorCode : null, errorOccuredTime: null },
      descaling: { descalingStartTime: null, descalingEndTime: null },
    }));
    return ok(page);
  }

  private withDevice(account: AccountRecord, body: Record<string, unknown> | undefined, fn: (d: SimulatedDevice) => Reply): Reply {
    if (!body || typeof body.macAddress !== 'string') return BAD_REQUEST;
    const device = account.devices.find((d) => d.macAddress === body.macAddress);
    if (!device || body.additionalValue !== device.additionalValue) return NOT_FOUND;
    return fn(device);
  }

  private deviceInfo(d: SimulatedDevice): Reply {
    // The captured reply omits macAddress and additionalValue from deviceInfo.
    return ok({
      deviceInfo: { homeSeq: d.homeSeq, deviceName: d.deviceName, deviceType: d.deviceType, installType: 'R', connected: d.offline ? 1 : 2 },
      location: { ...this.state.location, altitude: null },
      installer: { ...d.installer },
      alarmInfo: { isEtcAlarm: 1, isErrorAlarm: 1 },
      descaling: { descalingStartTime: null, descalingEndTime: null },
    });
  }

  private getTou(account: AccountRecord, q: URLSearchParams): Reply {
    const device = account.devices.find((d) => d.macAddress === q.get('macAddress'));
    if (!device || q.get('additionalValue') !== device.additionalValue || q.get('controllerId') !== device.serialNumber) return NOT_FOUND;
    if ((q.get('userId') ?? account.email).toLowerCase() !== account.email.toLowerCase()) return BAD_REQUEST;
    return ok(structuredClone(this.touPlan(account, device)));
  }

  private putTou(account: AccountRecord, body: Record<string, unknown> | undefined): Reply {
    if (!body || typeof body.macAddress !== 'string') return BAD_REQUEST;
    const device = account.devices.find((d) => d.macAddress === body.macAddress);
    if (!device || body.additionalValue !== device.additionalValue) return NOT_FOUND;
    const info = body.touInfo as Record<string, unknown> | undefined;
    if (!info || typeof info !== 'object' || !Array.isArray(info.schedule)) return BAD_REQUEST;
    const current = this.touPlan(account, device);
    const plan = {
      registerPath: typeof body.registerPath === 'string' ? body.registerPath : 'wifi',
      sourceType: typeof body.sourceType === 'string' ? body.sourceType : 'openei',
      touInfo: {
        controllerId: device.serialNumber,
        manufactureId: (current.touInfo as Record<string, unknown>).manufactureId,
        name: typeof info.name === 'string' ? info.name : '',
        schedule: structuredClone(info.schedule),
        utility: typeof info.utility === 'string' ? info.utility : '',
        // A string on PUT, an integer in the reply.
        zipCode: Number(info.zipCode ?? body.zipCode ?? 0),
      },
    };
    account.touPlans.set(device.macAddress, plan);
    return ok(structuredClone(plan));
  }

  private touPlan(account: AccountRecord, device: SimulatedDevice): Record<string, unknown> {
    let plan = account.touPlans.get(device.macAddress);
    if (!plan) {
      plan = structuredClone(DEFAULT_TOU_PLAN);
      (plan.touInfo as Record<string, unknown>).controllerId = device.serialNumber;
      account.touPlans.set(device.macAddress, plan);
    }
    return plan;
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy();
      else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
      } catch (err) {
        reject(err);
      }
    });
  });
}
