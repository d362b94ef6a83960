/**
 * The admin endpoints behind the editor's device picker (navien-account.html):
 *   GET  navien-account/<id>/devices  the devices of a deployed account
 *   POST navien-account/devices       {id, email, password, apiUrl, iotEndpoint, caFile} from an edit dialog
 *
 * Anyone with editor access can call them, so they guard the stored password: it is used only for ids of
 * navien-account nodes, only with that account's stored e-mail and endpoints (endpoints from the request only go with
 * a password typed into the request), never again after the cloud refused it (repeated refusals lock accounts), and
 * by at most one sign-in per account at a time, within the process-wide sign-in limits (src/shared/sign-in-guard.ts).
 * A deployed account in use answers from its live connection; otherwise a device list is kept for a few minutes, by
 * credentials and endpoints, so an editor that asks again (or a script that asks often) does not sign in each time.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { AccountConnection } from '../../shared/connection';
import { NWP500_DEVICE_TYPE } from '../../shared/codec';
import { EndpointOverrides, loadEndpoints } from '../../shared/endpoints';
import { EndpointConfigError, InvalidCredentialsError, errorMessage } from '../../shared/errors';
import { DeviceEntry, NavilinkRestClient } from '../../shared/rest-client';
import { guardedSignIn } from '../../shared/sign-in-guard';
import type { AccountNode } from './account-api';
import type { Translate } from './node-status';

/** The editor sends this instead of a saved password it never received. */
export const SAVED_PASSWORD_PLACEHOLDER = '__PWRD__';
/** How long a request waits for a connection that is still signing in before answering 503. */
const CONNECTING_WAIT_MS = 15_000;
const ENDPOINT_FIELDS = ['apiUrl', 'iotEndpoint', 'caFile'] as const;
/** How long a device list read by the picker's own sign-in is answered again without signing in. */
export const DEVICE_LIST_CACHE_MS = 3 * 60_000;
/** Device lists kept at most (one per set of credentials); the oldest goes first. */
const MAX_CACHED_LISTS = 20;
/** Fingerprints are keyed per process: what stays in memory cannot be checked against guessed passwords elsewhere. */
const FINGERPRINT_KEY = randomBytes(32);

export interface DeviceSummary {
  mac: string;
  name: string;
  deviceType: number;
  model: string;
  online: boolean;
}

/** A deployed navien-account node's stored settings (from the deployed flow, so also on a disabled flow). */
interface StoredAccount {
  id: string;
  email: string;
  password: string;
  endpoints: EndpointOverrides;
}

/** A refusal answered as is: status and an already translated text. */
class PickerError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface DevicePickerApi {
  /** Forgets what is remembered about an account (its refusal), e.g. when the account node is deleted. */
  forget(accountId: string): void;
}

export function registerDevicePickerApi(RED: NodeAPI, t: Translate): DevicePickerApi {
  /** Sign-ins in flight, by credentials and endpoints: concurrent requests share one. */
  const inFlight = new Map<string, Promise<DeviceSummary[]>>();
  /** Device lists read lately, by credentials and endpoints: a changed password or endpoint is a different key. */
  const cache = new Map<string, { devices: DeviceSummary[]; until: number }>();
  /** Stored credentials the cloud refused, by account id: not tried again until they change. */
  const refusals = new Map<string, { fingerprint: string; reason: string }>();

  const refused = (reason: string) => new PickerError(401, t('navien-account.errors.refused', { reason }));

  function storedAccount(id: string): StoredAccount | undefined {
    if (!id) return undefined;
    let config: Record<string, unknown> | undefined;
    RED.nodes.eachNode((n) => {
      if (n.id === id && n.type === 'navien-account') config = n as unknown as Record<string, unknown>;
    });
    if (!config) return undefined;
    const credentials = (RED.nodes.getCredentials(id) ?? {}) as { email?: unknown; password?: unknown };
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      id,
      email: text(credentials.email),
      password: text(credentials.password),
      endpoints: { apiUrl: text(config.apiUrl), iotEndpoint: text(config.iotEndpoint), caFile: text(config.caFile) },
    };
  }

  /** Identifies a set of credentials and endpoints without keeping the password twice. */
  function fingerprint(account: Omit<StoredAccount, 'id'>): string {
    const { apiUrl, iotEndpoint, caFile } = account.endpoints;
    return createHmac('sha256', FINGERPRINT_KEY).update(JSON.stringify([account.email, account.password, apiUrl, iotEndpoint, caFile])).digest('hex');
  }

  /** The account's devices from a recent read, else from one sign-in shared by every request that asks meanwhile. */
  function listCached(account: Omit<StoredAccount, 'id'>, print = fingerprint(account)): Promise<DeviceSummary[]> {
    const cached = cache.get(print);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.devices);
    cache.delete(print);
    let pending = inFlight.get(print);
    if (!pending) {
      pending = listWithCredentials(account.email, account.password, account.endpoints)
        .then((devices) => {
          cache.set(print, { devices, until: Date.now() + DEVICE_LIST_CACHE_MS });
          if (cache.size > MAX_CACHED_LISTS) cache.delete(cache.keys().next().value as string);
          return devices;
        })
        .finally(() => inFlight.delete(print));
      inFlight.set(print, pending);
    }
    return pending;
  }

  async function listStoredAccount(account: StoredAccount): Promise<DeviceSummary[]> {
    const live = RED.nodes.getNode(account.id) as Partial<AccountNode> | null;
    const connection = live?.connection;
    if (connection) {
      const devices = await fromConnection(connection);
      if (connection.state.phase === 'invalid-credentials') {
        refusals.set(account.id, { fingerprint: fingerprint(account), reason: connection.state.error ?? '' });
      }
      return devices;
    }
    if (!account.email || !account.password) throw new PickerError(400, t('navien-account.errors.missing-credentials'));
    const print = fingerprint(account);
    const known = refusals.get(account.id);
    if (known?.fingerprint === print) throw refused(known.reason);
    return listCached(account, print).catch((err: unknown) => {
      if (!(err instanceof InvalidCredentialsError)) throw err;
      const reason = errorMessage(err);
      refusals.set(account.id, { fingerprint: print, reason });
      throw refused(reason);
    });
  }

  /** The live connection's device list; waits (bounded) while it is still signing in instead of signing in beside it. */
  async function fromConnection(connection: AccountConnection): Promise<DeviceSummary[]> {
    await untilSettled(connection, CONNECTING_WAIT_MS);
    const state = connection.state;
    if (state.phase === 'invalid-credentials') throw refused(state.error ?? '');
    if (connection.devices.length > 0) return connection.devices.map((d) => summary(d, connection.presenceOf(d.mac)));
    switch (state.phase) {
      case 'connected':
        return [];
      case 'missing-credentials':
        throw new PickerError(400, t('navien-account.errors.missing-credentials'));
      case 'config-error':
        throw new PickerError(400, t('navien-account.errors.endpoint-config', { error: state.error ?? '' }));
      default:
        throw new PickerError(503, t('navien-account.errors.still-connecting', { error: state.error ?? state.phase }));
    }
  }

  function replyError(res: Response, err: unknown): void {
    if (err instanceof PickerError) {
      res.status(err.status).json({ error: err.message });
    } else if (err instanceof InvalidCredentialsError) {
      res.status(401).json({ error: t('navien-account.errors.invalid-credentials') });
    } else if (err instanceof EndpointConfigError) {
      // The same answer for a missing, unreadable or non-PEM file: the endpoint must not reveal which paths exist.
      const error = err.field === 'caFile' ? t('navien-account.errors.ca-file') : t('navien-account.errors.endpoint-config', { error: err.message });
      res.status(400).json({ error });
    } else {
      res.status(502).json({ error: t('navien-account.errors.cloud-unavailable', { error: errorMessage(err) }) });
    }
  }

  RED.httpAdmin.get('/navien-account/:id/devices', RED.auth.needsPermission('navien-account.read'), async (req: Request, res: Response) => {
    const account = storedAccount(String(req.params.id));
    if (!account) {
      res.status(404).json({ error: t('navien-account.errors.not-deployed') });
      return;
    }
    try {
      res.json(await listStoredAccount(account));
    } catch (err) {
      replyError(res, err);
    }
  });

  RED.httpAdmin.post('/navien-account/devices', RED.auth.needsPermission('navien-account.write'), async (req: Request, res: Response) => {
    // A form post (or text/plain) needs no CORS preflight, so any web page could send one to an editor without login.
    if (!req.is('application/json')) {
      res.status(415).json({ error: t('navien-account.errors.json-only') });
      return;
    }
    const body = (req.body !== null && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? body[key].trim() : '');
    const password = typeof body.password === 'string' ? body.password : '';
    try {
      if (password !== '' && password !== SAVED_PASSWORD_PLACEHOLDER) {
        // Typed in the dialog: the caller's own password may go wherever the caller points it.
        if (!text('email')) throw new PickerError(400, t('navien-account.errors.missing-credentials'));
        res.json(await listCached({ email: text('email'), password, endpoints: { apiUrl: text('apiUrl'), iotEndpoint: text('iotEndpoint'), caFile: text('caFile') } }));
        return;
      }
      const account = storedAccount(text('id'));
      if (!account?.password) throw new PickerError(400, t('navien-account.errors.missing-credentials'));
      const otherEmail = text('email') !== '' && text('email').toLowerCase() !== account.email.trim().toLowerCase();
      const otherEndpoints = ENDPOINT_FIELDS.some((f) => typeof body[f] === 'string' && text(f) !== (account.endpoints[f] ?? '').trim());
      if (otherEmail || otherEndpoints) throw new PickerError(400, t('navien-account.errors.retype-password'));
      res.json(await listStoredAccount(account));
    } catch (err) {
      replyError(res, err);
    }
  });

  return {
    forget(accountId: string) {
      refusals.delete(accountId);
    },
  };
}

async function listWithCredentials(email: string, password: string, overrides: EndpointOverrides): Promise<DeviceSummary[]> {
  const endpoints = await loadEndpoints(overrides);
  const rest = new NavilinkRestClient(endpoints);
  const tokens = await guardedSignIn(rest, endpoints.apiUrl, email, password);
  const devices = await rest.listDevices(tokens, email);
  return devices.filter((d) => d.deviceType === NWP500_DEVICE_TYPE).map((d) => summary(d, d.cloudPresence));
}

function summary(d: Pick<DeviceEntry, 'mac' | 'name' | 'deviceType'>, presence: string): DeviceSummary {
  return {
    mac: d.mac,
    name: d.name,
    deviceType: d.deviceType,
    model: d.deviceType === NWP500_DEVICE_TYPE ? 'NWP500' : `type ${d.deviceType}`,
    online: presence === 'online',
  };
}

/** Resolves once the connection has a device list or has settled in a phase that will not bring one, or on timeout. */
function untilSettled(connection: AccountConnection, timeoutMs: number): Promise<void> {
  const settled = () => connection.devices.length > 0 || !['idle', 'connecting', 'reconnecting'].includes(connection.state.phase);
  if (settled()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (settled()) finish();
    };
    const finish = () => {
      clearTimeout(timer);
      connection.off('devices', check);
      connection.off('state', check);
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    connection.on('devices', check);
    connection.on('state', check);
  });
}
