import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { ConnectionState, DevicePresence } from '../shared/account-connection';
import { InboundMessage, TemperatureUnit, decodeStatus, summarizeStatus } from '../shared/codec';
import { errorMessage } from '../shared/errors';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { connectionStatus } from './common/node-status';

interface StatusConfig extends NodeDef {
  account: string;
  device?: string;
  unit?: string;
  interval?: string | number;
  output?: string;
}

interface WaitingInput {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessage) => void;
  done: (err?: Error) => void;
}

const DEFAULT_INTERVAL_S = 30;
/** The cloud is not to be polled faster (the HA integration enforces the same floor). */
const MIN_INTERVAL_S = 10;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienStatusNode(this: Node, config: StatusConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const deviceMac = normalizeMac(config.device);
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const onlyChanges = config.output === 'changes';
    const interval = pollInterval(config.interval);
    const lastSent = new Map<string, string>();
    const lastRaw = new Map<string, Record<string, unknown>>();
    const waiting = new Map<string, WaitingInput[]>();
    /** Inputs that arrived before the account knew its devices; answered once it does. */
    const deferred: WaitingInput[] = [];
    let phase: ConnectionState['phase'] = 'idle';

    if (!account) {
      node.status({ fill: 'red', shape: 'ring', text: t('navien-status.status.missing-account') });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        node.error(t('navien-status.status.missing-account'), msg);
        done();
      });
      return;
    }

    const targets = (): string[] => {
      if (deviceMac) return [deviceMac];
      return account.connection?.devices.map((d) => d.mac) ?? [];
    };
    const isTarget = (mac: string | undefined): mac is string => !!mac && (deviceMac ? mac === deviceMac : true);
    /** The device list is known (it arrives with the first connection) and the configured device is not on it. */
    const unknownDevice = () => {
      const connection = account.connection;
      return !!deviceMac && !!connection && connection.devices.length > 0 && !connection.device(deviceMac);
    };

    const showDeviceStatus = (mac: string) => {
      const raw = lastRaw.get(mac);
      const presence = account.connection?.presenceOf(mac) ?? 'unknown';
      if (presence === 'offline') {
        node.status({ fill: 'red', shape: 'ring', text: t('navien-status.status.offline') });
      } else if (raw) {
        const s = summarizeStatus(raw, unit, true);
        const text = `${s.temperature ?? '?'}°${unit} · ${s.tankCharge ?? '?'}% · ${s.mode}`;
        node.status({ fill: s.error ? 'yellow' : 'green', shape: 'dot', text });
      }
    };

    const emitStatus = (mac: string, raw: Record<string, unknown>, online: boolean) => {
      const device = account.connection?.device(mac);
      const fields = {
        topic: `navien/${mac}/status`,
        payload: summarizeStatus(raw, unit, online),
        status: decodeStatus(raw, unit),
        raw,
        device: { mac, name: device?.name ?? mac, deviceType: device?.deviceType ?? 52, model: 'NWP500' },
      };
      const inputs = waiting.get(mac) ?? [];
      waiting.delete(mac);
      // The device stamps each status with what caused it; that alone is not a change.
      const { command: _cause, ...comparable } = raw;
      const key = `${online}|${JSON.stringify(comparable)}`;
      const changed = lastSent.get(mac) !== key;
      lastSent.set(mac, key);
      for (const input of inputs) {
        input.send(Object.assign(input.msg, fields));
        input.done();
      }
      if (inputs.length === 0 && (changed || !onlyChanges)) node.send(fields as NodeMessage);
      if (deviceMac || targets().length <= 1) showDeviceStatus(mac);
    };

    const poll = () => {
      const connection = account.connection;
      if (!connection || phase !== 'connected' || unknownDevice()) return;
      for (const mac of targets()) {
        requestStatus(mac).catch((err) => node.debug(`status poll of ${mac}: ${errorMessage(err)}`));
      }
    };

    /** Never throws synchronously (the connection's command context does for a MAC it does not know). */
    const requestStatus = (mac: string) => {
      const connection = account.connection;
      if (!connection) return Promise.reject(new Error(t('navien-status.errors.no-device')));
      return Promise.resolve().then(() => connection.requestStatus(mac));
    };

    const handleInput = (input: WaitingInput) => {
      const { msg, send, done } = input;
      const connection = account.connection;
      const macs = targets();
      if (!connection || macs.length === 0 || unknownDevice()) {
        node.error(t('navien-status.errors.no-device'), msg);
        done();
        return;
      }
      macs.forEach((mac, index) => {
        const copy = index === 0 ? msg : (RED.util.cloneMessage(msg) as NodeMessageInFlow);
        const list = waiting.get(mac) ?? [];
        list.push({ msg: copy, send, done: index === 0 ? done : () => undefined });
        waiting.set(mac, list);
        requestStatus(mac).catch((err) => {
          const entries = waiting.get(mac) ?? [];
          const mine = entries.findIndex((w) => w.msg === copy);
          if (mine < 0) return; // answered by a status that arrived anyway
          entries.splice(mine, 1);
          node.error(t('navien-status.errors.request-failed', { error: errorMessage(err) }), copy);
          if (index === 0) done();
        });
      });
    };

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        phase = state.phase;
        if (state.phase === 'connected' && deviceMac && lastRaw.has(deviceMac)) showDeviceStatus(deviceMac);
        else node.status(connectionStatus(state, t, 'navien-status'));
        if (STUCK_PHASES.has(state.phase)) {
          // The connection will not come up by itself: inputs waiting for it fail now, not never.
          const text = connectionStatus(state, t, 'navien-status').text as string;
          for (const input of deferred.splice(0)) {
            node.error(text, input.msg);
            input.done();
          }
        }
      },
      onReady() {
        if (unknownDevice()) {
          node.status({ fill: 'red', shape: 'ring', text: t('navien-status.errors.no-device') });
          node.error(t('navien-status.errors.no-device'));
        } else if (interval > 0) {
          // 0 = pushes only: no request at all, not even on connecting.
          poll();
        }
        for (const input of deferred.splice(0)) handleInput(input);
      },
      onMessage(message: InboundMessage) {
        if (message.kind !== 'status' || !isTarget(message.mac)) return;
        const raw = message.response?.status as Record<string, unknown> | undefined;
        if (!looksLikeStatus(raw)) {
          node.debug(`ignored a malformed status from ${message.mac}`);
          return;
        }
        lastRaw.set(message.mac, raw);
        emitStatus(message.mac, raw, true);
      },
      onPresence(mac: string, presence: DevicePresence) {
        if (!isTarget(mac)) return;
        const raw = lastRaw.get(mac);
        // Dashboards need to see "offline" even though no status arrives from a silent device.
        if (presence === 'offline' && raw) emitStatus(mac, raw, false);
        showDeviceStatus(mac);
      },
    };
    account.register(user);
    const timer = interval > 0 ? setInterval(poll, interval * 1000) : undefined;

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      const connection = account.connection;
      if (STUCK_PHASES.has(phase)) {
        // Wrong password, missing credentials, ...: say so, rather than "device not found".
        node.error(connectionStatus(account.state, t, 'navien-status').text as string, msg);
        done();
        return;
      }
      // Before the first connection the device list is unknown: answer once the account is ready.
      if (connection && connection.devices.length === 0 && phase !== 'connected') {
        deferred.push({ msg, send, done });
        return;
      }
      handleInput({ msg, send, done });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      // Inputs still waiting for a reply are finished (without output) so each input gets exactly one done().
      for (const input of [...deferred.splice(0), ...[...waiting.values()].flat()]) input.done();
      waiting.clear();
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-status', NavienStatusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};

/** Connection phases that only a redeploy (new credentials, new settings) gets out of. */
const STUCK_PHASES: ReadonlySet<ConnectionState['phase']> = new Set(['invalid-credentials', 'missing-credentials', 'sdk-unavailable', 'config-error', 'closed']);

/** The MAC as the cloud writes it (12 lower-case hex digits), whether typed with capitals, colons or dashes. */
function normalizeMac(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase().replace(/[:\-\s]/g, '') : '';
}

/** A device status carries at least its mode and its water temperature as numbers; anything else is garbage. */
function looksLikeStatus(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const status = raw as Record<string, unknown>;
  return typeof status.dhwOperationSetting === 'number' && typeof status.dhwTemperature === 'number';
}

function pollInterval(value: unknown): number {
  // An empty field (an edited flow, a hand-written one) means the default, not 0 = pushes only.
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return DEFAULT_INTERVAL_S;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) return DEFAULT_INTERVAL_S;
  if (seconds === 0) return 0;
  return Math.max(MIN_INTERVAL_S, Math.round(seconds));
}
