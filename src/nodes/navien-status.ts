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
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const onlyChanges = config.output === 'changes';
    const interval = pollInterval(config.interval);
    const lastSent = new Map<string, string>();
    const lastRaw = new Map<string, Record<string, unknown>>();
    const waiting = new Map<string, WaitingInput[]>();
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
      if (config.device) return [config.device];
      return account.connection?.devices.map((d) => d.mac) ?? [];
    };
    const isTarget = (mac: string | undefined): mac is string => !!mac && (config.device ? mac === config.device : true);

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
      if (config.device || targets().length <= 1) showDeviceStatus(mac);
    };

    const poll = () => {
      const connection = account.connection;
      if (!connection || phase !== 'connected') return;
      for (const mac of targets()) {
        connection.requestStatus(mac).catch((err) => node.debug(`status poll of ${mac}: ${errorMessage(err)}`));
      }
    };

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        phase = state.phase;
        if (state.phase === 'connected' && config.device && lastRaw.has(config.device)) showDeviceStatus(config.device);
        else node.status(connectionStatus(state, t, 'navien-status'));
      },
      onReady() {
        if (config.device && !account.connection?.device(config.device)) {
          node.status({ fill: 'red', shape: 'ring', text: t('navien-status.errors.no-device') });
          node.error(t('navien-status.errors.no-device'));
          return;
        }
        poll();
      },
      onMessage(message: InboundMessage) {
        if (message.kind !== 'status' || !isTarget(message.mac)) return;
        const raw = message.response?.status as Record<string, unknown> | undefined;
        if (!raw || typeof raw !== 'object') return;
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
      const macs = targets();
      if (!connection || macs.length === 0) {
        node.error(t('navien-status.errors.no-device'), msg);
        done();
        return;
      }
      macs.forEach((mac, index) => {
        const copy = index === 0 ? msg : (RED.util.cloneMessage(msg) as NodeMessageInFlow);
        const list = waiting.get(mac) ?? [];
        list.push({ msg: copy, send, done: index === 0 ? done : () => undefined });
        waiting.set(mac, list);
        connection.requestStatus(mac).catch((err) => {
          const entries = waiting.get(mac) ?? [];
          const mine = entries.findIndex((w) => w.msg === copy);
          if (mine < 0) return; // answered by a status that arrived anyway
          entries.splice(mine, 1);
          node.error(t('navien-status.errors.request-failed', { error: errorMessage(err) }), copy);
          if (index === 0) done();
        });
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      waiting.clear();
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-status', NavienStatusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};

function pollInterval(value: unknown): number {
  const seconds = Number(value ?? DEFAULT_INTERVAL_S);
  if (!Number.isFinite(seconds) || seconds < 0) return DEFAULT_INTERVAL_S;
  if (seconds === 0) return 0;
  return Math.max(MIN_INTERVAL_S, Math.round(seconds));
}
