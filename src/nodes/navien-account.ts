import type { NodeAPI, NodeDef, Node } from 'node-red';
import type { Request, Response } from 'express';
import { AccountConnection, ConnectionState } from '../shared/account-connection';
import { deriveClientId, loadInstallId } from '../shared/client-id';
import { resolveEndpoints, EndpointOverrides } from '../shared/endpoints';
import { InvalidCredentialsError, errorMessage } from '../shared/errors';
import { NavilinkRestClient } from '../shared/rest-client';
import type { AccountNode, AccountUser } from './common/account-api';
import { translator } from './common/account-lookup';

interface AccountConfig extends NodeDef {
  apiUrl?: string;
  iotEndpoint?: string;
  caFile?: string;
  readOnly?: boolean;
}

interface AccountCredentials {
  email?: string;
  password?: string;
}

/** The editor sends this instead of a saved password it never received. */
const SAVED_PASSWORD_PLACEHOLDER = '__PWRD__';
/** Close must finish well inside Node-RED's 15 s limit. */
const CLOSE_TIMEOUT_MS = 8_000;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);
  let installId: string | undefined;
  const clientIdFor = (nodeId: string) => {
    installId ??= loadInstallId((RED.settings as { userDir?: string }).userDir);
    return deriveClientId(installId, nodeId);
  };

  function NavienAccountNode(this: Node<AccountCredentials> & Record<string, unknown>, config: AccountConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Set<AccountUser>();
    const overrides: EndpointOverrides = { apiUrl: config.apiUrl, iotEndpoint: config.iotEndpoint, caFile: config.caFile };
    let connection: AccountConnection | undefined;
    let closing: Promise<void> = Promise.resolve();
    let state: ConnectionState = { phase: 'idle' };

    const relay = <K extends keyof AccountUser>(handler: K, ...args: unknown[]) => {
      for (const user of users) {
        const fn = user[handler] as ((...a: unknown[]) => void) | undefined;
        try {
          fn?.apply(user, args);
        } catch (err) {
          node.error(`${user.id}: ${errorMessage(err)}`);
        }
      }
    };

    const openConnection = () => {
      const created = new AccountConnection({
        email: node.credentials?.email ?? '',
        password: node.credentials?.password ?? '',
        clientId: clientIdFor(node.id),
        endpoints: overrides,
      });
      created.on('state', (s: ConnectionState) => {
        state = s;
        if (s.phase === 'invalid-credentials') node.error(t('navien-account.errors.invalid-credentials'));
        if (s.phase === 'sdk-unavailable') node.error(t('navien-account.errors.sdk-unavailable'));
        if (s.phase === 'config-error' && s.error) node.error(s.error);
        relay('onState', s);
      });
      created.on('ready', () => relay('onReady'));
      created.on('presence', (mac, p) => relay('onPresence', mac, p));
      created.on('drop', (d) => relay('onDrop', d));
      created.on('reconnected', (r) => relay('onReconnected', r));
      connection = created;
      // A new connection never overlaps the old one: same client id, and the broker would kick one off.
      void closing.then(() => {
        if (connection === created) created.start();
      });
    };

    const closeConnection = () => {
      const old = connection;
      connection = undefined;
      state = { phase: 'idle' };
      if (old) closing = closing.then(() => old.close()).catch((err) => node.warn(errorMessage(err)));
      return closing;
    };

    Object.defineProperties(node, {
      readOnly: { value: config.readOnly === true, enumerable: true },
      connection: { get: () => connection, enumerable: true },
      state: { get: () => state, enumerable: true },
    });

    Object.assign(node, {
      register(user: AccountUser) {
        users.add(user);
        if (!connection) openConnection();
        user.onState?.(state);
        if (state.phase === 'connected') user.onReady?.();
      },
      deregister(user: AccountUser): Promise<void> {
        users.delete(user);
        // Connect lazily, close with the last user: an unused account holds no connection.
        return users.size === 0 ? closeConnection() : Promise.resolve();
      },
    } satisfies Pick<AccountNode, 'register' | 'deregister'>);

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
      void closeConnection().finally(() => {
        clearTimeout(timer);
        done();
      });
    });
  }

  RED.nodes.registerType('navien-account', NavienAccountNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { email: { type: 'text' }, password: { type: 'password' } },
  });

  // ---- editor support: the device picker ----

  const deviceSummary = (d: { mac: string; name: string; deviceType: number; modelTypeCode?: number }, presence: string) => ({
    mac: d.mac,
    name: d.name,
    deviceType: d.deviceType,
    model: d.deviceType === 52 ? 'NWP500' : `type ${d.deviceType}`,
    online: presence === 'online',
  });

  async function listWithCredentials(email: string, password: string, overrides: EndpointOverrides) {
    const rest = new NavilinkRestClient(resolveEndpoints(overrides));
    const tokens = await rest.signIn(email, password);
    const devices = await rest.listDevices(tokens, email);
    return devices.filter((d) => d.deviceType === 52).map((d) => deviceSummary(d, d.cloudPresence));
  }

  function replyError(res: Response, err: unknown): void {
    if (err instanceof InvalidCredentialsError) {
      res.status(401).json({ error: t('navien-account.errors.invalid-credentials') });
    } else {
      res.status(502).json({ error: t('navien-account.errors.cloud-unavailable', { error: errorMessage(err) }) });
    }
  }

  RED.httpAdmin.get('/navien-account/:id/devices', RED.auth.needsPermission('navien-account.read'), async (req: Request, res: Response) => {
    const node = RED.nodes.getNode(String(req.params.id)) as unknown as (AccountNode & Node<AccountCredentials>) | null;
    if (!node) {
      res.status(404).json({ error: 'account not deployed' });
      return;
    }
    try {
      const connection = node.connection;
      if (connection && connection.devices.length > 0) {
        res.json(connection.devices.map((d) => deviceSummary(d, connection.presenceOf(d.mac))));
        return;
      }
      const creds = node.credentials ?? {};
      const config = node as unknown as AccountConfig;
      res.json(await listWithCredentials(creds.email ?? '', creds.password ?? '', {
        apiUrl: config.apiUrl, iotEndpoint: config.iotEndpoint, caFile: config.caFile,
      }));
    } catch (err) {
      replyError(res, err);
    }
  });

  RED.httpAdmin.post('/navien-account/devices', RED.auth.needsPermission('navien-account.write'), async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
    const stored = (text('id') ? RED.nodes.getCredentials(text('id')) : undefined) as AccountCredentials | undefined;
    const email = text('email') || stored?.email || '';
    const password = text('password') === SAVED_PASSWORD_PLACEHOLDER || !text('password') ? stored?.password ?? '' : text('password');
    if (!email || !password) {
      res.status(400).json({ error: t('navien-account.errors.missing-credentials') });
      return;
    }
    try {
      res.json(await listWithCredentials(email, password, { apiUrl: text('apiUrl'), iotEndpoint: text('iotEndpoint'), caFile: text('caFile') }));
    } catch (err) {
      replyError(res, err);
    }
  });
};
