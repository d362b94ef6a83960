import type { NodeAPI, NodeDef, Node } from 'node-red';
import { AccountConnection, ConnectionState } from '../shared/connection';
import { deriveClientId } from '../shared/connection/client-id';
import type { EndpointOverrides } from '../shared/endpoints';
import { errorMessage } from '../shared/errors';
import { hostTimeZone, isUtcName, parseTimeZone } from '../shared/time-zone';
import { REFUSALS_IN_A_ROW } from '../shared/sign-in-guard';
import { KeeperRegistry, SETTINGS_SECTION } from '../shared/ledger/keeper-registry';
import type { SettingsSection } from '../shared/ledger/settings-record';
import type { AccountNode, AccountUser } from './common/account-api';
import { translator } from './common/account-lookup';
import { DevicePickerApi, registerDevicePickerApi } from './common/device-picker-api';
import { ledgerFor } from './common/ledger';
import { keeperClock, runnerTiming } from './common/runtime-settings';

interface AccountConfig extends NodeDef {
  apiUrl?: string;
  iotEndpoint?: string;
  caFile?: string;
  readOnly?: boolean;
  /** IANA zone of the heater's clock; empty = the host's. */
  timeZone?: string;
}

interface AccountCredentials {
  email?: string;
  password?: string;
}

/** Close must finish well inside Node-RED's 15 s limit. */
const CLOSE_TIMEOUT_MS = 8_000;
/**
 * How long a closing account waits for the nodes using it to finish their own close: Node-RED closes them all at
 * once, and navien-planner puts the heater's setting back or removes its program entries over this connection.
 */
const USERS_LEAVE_MS = 5_000;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);
  let picker: DevicePickerApi | undefined;
  /**
   * Closing connections by client id, across node instances: after a redeploy the new account node uses the id of
   * the old one, whose close may outlast the close handler's time limit (e.g. during a slow sign-in). The new
   * connection starts only once every older one with its id is closed, or the broker would kick one of them off.
   */
  const closingByClientId = new Map<string, Promise<void>>();
  /** Accounts already told that the host runs in UTC (once per process, not on every redeploy). */
  const warnedHostUtc = new Set<string>();

  function NavienAccountNode(this: Node<AccountCredentials> & Record<string, unknown>, config: AccountConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Set<AccountUser>();
    /** Resolves the close's wait once the last user has deregistered. */
    let usersLeft: (() => void) | undefined;
    const overrides: EndpointOverrides = { apiUrl: config.apiUrl, iotEndpoint: config.iotEndpoint, caFile: config.caFile };
    let connection: AccountConnection | undefined;
    /** The undo keepers of the current connection (one per heater). */
    let keepers: KeeperRegistry | undefined;
    let state: ConnectionState = { phase: 'idle' };
    // The zone is checked here, not guessed later: the nodes that need it refuse to work with a wrong one.
    const zone = parseTimeZone(config.timeZone);
    const timeZoneError = zone.ok ? undefined : t('navien-account.errors.time-zone', { value: zone.value, host: hostTimeZone() });
    if (timeZoneError) node.error(timeZoneError);
    else if (zone.ok && zone.timeZone === undefined && isUtcName(hostTimeZone()) && !warnedHostUtc.has(node.id)) {
      warnedHostUtc.add(node.id);
      node.warn(t('navien-account.warnings.host-utc', { host: hostTimeZone() }));
    }
    let closing = false;

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
        clientId: deriveClientId(node.id),
        endpoints: overrides,
      });
      created.on('state', (s: ConnectionState) => {
        state = s;
        if (s.phase === 'invalid-credentials') {
          node.error(s.refusal ? t('navien-account.errors.sign-in-refused', { reason: s.refusal, times: REFUSALS_IN_A_ROW }) : t('navien-account.errors.invalid-credentials'));
        }
        if (s.phase === 'sdk-unavailable') node.error(t('navien-account.errors.sdk-unavailable'));
        if (s.phase === 'config-error' && s.error) node.error(s.error);
        relay('onState', s);
      });
      const registry = new KeeperRegistry(created, {
        account: node.id,
        ledger: ledgerFor(RED),
        timing: runnerTiming(RED),
        isDeployed: (id) => !!RED.nodes.getNode(id),
        log: (text) => node.warn(text),
        onError: (err) => node.error(errorMessage(err)),
        clock: keeperClock(RED),
      });
      keepers = registry;
      created.on('ready', () => {
        // Start and every reconnect: what is overdue, or whose node is gone, is put back now; the rest re-armed.
        registry.reconcile().catch((err: unknown) => node.warn(`restore: ${errorMessage(err)}`)).finally(releaseIfUnused);
        relay('onReady');
      });
      created.on('presence', (mac, p) => relay('onPresence', mac, p));
      created.on('drop', (d) => relay('onDrop', d));
      created.on('reconnected', (r) => relay('onReconnected', r));
      connection = created;
      void (closingByClientId.get(created.clientId) ?? Promise.resolve()).then(() => {
        if (connection === created) created.start();
      });
    };

    /** With no node using it, the connection stays only while a restore is due (a deleted node's boost). */
    const releaseIfUnused = () => {
      const registry = keepers;
      if (users.size > 0 || !registry || closing) return;
      void registry.whenIdle().then(() => {
        if (users.size === 0 && keepers === registry && !closing) void closeConnection();
      });
    };

    const closeConnection = (): Promise<void> => {
      const old = connection;
      connection = undefined;
      keepers?.close();
      keepers = undefined;
      state = { phase: 'idle' };
      if (!old) return closingByClientId.get(deriveClientId(node.id)) ?? Promise.resolve();
      const id = old.clientId;
      const closed = (closingByClientId.get(id) ?? Promise.resolve())
        .then(() => old.close())
        .catch((err) => node.warn(errorMessage(err)))
        .finally(() => {
          if (closingByClientId.get(id) === closed) closingByClientId.delete(id);
        });
      closingByClientId.set(id, closed);
      return closed;
    };

    Object.defineProperties(node, {
      readOnly: { value: config.readOnly === true, enumerable: true },
      timeZone: { value: zone.ok ? zone.timeZone : undefined, enumerable: true },
      timeZoneError: { value: timeZoneError, enumerable: true },
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
        if (users.size === 0) usersLeft?.();
        // Connect lazily, close with the last user: an unused account holds no connection (once no restore is due).
        if (users.size === 0 && !keepers?.busy) return closeConnection();
        if (users.size === 0) releaseIfUnused();
        return Promise.resolve();
      },
      keeper(mac: string) {
        return keepers?.keeper(mac);
      },
    } satisfies Pick<AccountNode, 'register' | 'deregister' | 'keeper'>);

    // Changes of ours left on a heater of this account (its nodes deleted while Node-RED was down): connect to undo them.
    ledgerFor(RED)
      .read<SettingsSection>(SETTINGS_SECTION)
      .then((section) => {
        if (closing || connection || !Object.values(section ?? {}).some((h) => h.account === node.id && h.changes.length > 0)) return;
        openConnection();
      })
      .catch((err: unknown) => node.warn(`change ledger: ${errorMessage(err)}`));

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      if (removed) picker?.forget(node.id);
      const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
      let waitTimer: NodeJS.Timeout | undefined;
      const left = users.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
        usersLeft = resolve;
        waitTimer = setTimeout(resolve, USERS_LEAVE_MS);
      });
      void left
        .then(() => {
          clearTimeout(waitTimer);
          usersLeft = undefined;
          users.clear();
          return closeConnection();
        })
        .finally(() => {
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
