import type { NodeAPI, NodeDef, Node } from 'node-red';
import { AccountConnection, ConnectionState } from '../shared/account-connection';
import { deriveClientId, loadInstallId } from '../shared/client-id';
import type { EndpointOverrides } from '../shared/endpoints';
import { errorMessage } from '../shared/errors';
import type { AccountNode, AccountUser } from './common/account-api';
import { translator } from './common/account-lookup';
import { DevicePickerApi, registerDevicePickerApi } from './common/device-picker-api';

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

/** Close must finish well inside Node-RED's 15 s limit. */
const CLOSE_TIMEOUT_MS = 8_000;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);
  let picker: DevicePickerApi | undefined;
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
      created.on('message', (m) => relay('onMessage', m));
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

    node.on('close', (removed: boolean, done: () => void) => {
      users.clear();
      if (removed) picker?.forget(node.id);
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

  // Editor support: the device picker's admin endpoints.
  picker = registerDevicePickerApi(RED, t);
};
