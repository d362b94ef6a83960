import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AccountConnection, ConnectionState, DevicePresence } from '../shared/account-connection';
import { InboundMessage, NWP500_DEVICE_TYPE, TemperatureUnit, decodeStatus, summarizeStatus } from '../shared/codec';
import { isTerminalPhase } from '../shared/connection-phases';
import { DeviceLookupError, accountDevices } from '../shared/device/device-api';
import { errorMessage } from '../shared/errors';
import { normalizeMac } from '../shared/mac';
import { AlertEvent, AlertState, presenceAlerts, statusAlerts } from '../shared/reading/alerts';
import { deriveStatus } from '../shared/reading/derived';
import { ReadRequest, configuredPeriod, configuredRead, parseReadRequest } from '../shared/reading/read-request';
import { DEFAULT_DEADBANDS, Deadbands, changedFields, heartbeatDue, mergeReported, nonNegative } from '../shared/reading/report-by-exception';
import { intervalSeconds } from '../shared/seconds';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { connectionStatus } from './common/node-status';

interface StatusConfig extends NodeDef {
  account: string;
  device?: string;
  unit?: string;
  interval?: string | number;
  output?: string;
  /** What an input reads (and what output 1 carries): status (default), features, schedule, energy, tou. */
  read?: string;
  /** Energy reads: daily (this month) or monthly (this year). */
  period?: string;
  deadbandTemp?: string | number;
  deadbandPower?: string | number;
  /** Seconds; a full snapshot at least this often with output changes/fields; 0 = never. */
  heartbeat?: string | number;
}

type OutputMode = 'all' | 'changes' | 'fields';

interface WaitingInput {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessage) => void;
  done: (err?: Error) => void;
}

/** Seconds between polls; the cloud is not to be polled faster than every 10 s (the HA integration enforces the same floor). */
const POLL_INTERVAL = { fallback: 30, min: 10 };
/** How often the time-based alerts (Electric about to revert) are re-checked without a new status. */
const ALERT_CHECK_MS = 60_000;
const ALERTS_CONTEXT_KEY = 'alerts';

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienStatusNode(this: Node, config: StatusConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const deviceMac = normalizeMac(config.device);
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const output: OutputMode = config.output === 'changes' || config.output === 'fields' ? config.output : 'all';
    const readDefaults = { read: configuredRead(config.read), period: configuredPeriod(config.period) };
    const bands: Deadbands = {
      temperature: nonNegative(config.deadbandTemp, DEFAULT_DEADBANDS.temperature),
      power: nonNegative(config.deadbandPower, DEFAULT_DEADBANDS.power),
    };
    const heartbeat = nonNegative(config.heartbeat, 0);
    const interval = intervalSeconds(config.interval, POLL_INTERVAL);
    const lastRaw = new Map<string, Record<string, unknown>>();
    /** Summary values last reported per device (output changes/fields), and when the last full snapshot went out. */
    const reported = new Map<string, Record<string, unknown>>();
    const lastFullAt = new Map<string, number>();
    const waiting = new Map<string, WaitingInput[]>();
    /** Inputs that arrived before the account knew its devices; answered once it does. */
    const deferred: WaitingInput[] = [];
    let phase: ConnectionState['phase'] = 'idle';
    let closed = false;

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
    const deviceInfo = (mac: string) => {
      const device = account.connection?.device(mac);
      return { mac, name: device?.name ?? mac, deviceType: device?.deviceType ?? NWP500_DEVICE_TYPE, model: 'NWP500' };
    };

    // ---- alert state, kept in the node's context so a restart neither repeats nor forgets alerts ----
    // Read from the context every time (not cached): what a restart or another writer left there is what counts.
    const alertState = (mac: string): AlertState | undefined => {
      try {
        const stored = node.context().get(ALERTS_CONTEXT_KEY) as Record<string, AlertState> | undefined;
        return stored && typeof stored === 'object' ? stored[mac] : undefined;
      } catch {
        return undefined;
      }
    };
    const storeAlertState = (mac: string, state: AlertState) => {
      try {
        const stored = (node.context().get(ALERTS_CONTEXT_KEY) as Record<string, AlertState> | undefined) ?? {};
        node.context().set(ALERTS_CONTEXT_KEY, { ...stored, [mac]: state });
      } catch (err) {
        node.debug(`could not store the alert state: ${errorMessage(err)}`);
      }
    };
    const sendEvents = (mac: string, events: AlertEvent[]) => {
      if (events.length === 0) return;
      const at = new Date().toISOString();
      const messages = events.map((e) => ({
        topic: `navien/${mac}/event/${e.name}`,
        payload: { event: e.name, mac, at, ...e.details },
        device: deviceInfo(mac),
      }));
      node.send([null, messages] as unknown as NodeMessage[]);
    };
    const checkStatusAlerts = (mac: string, raw: Record<string, unknown>) => {
      const previous = alertState(mac);
      const { events, state } = statusAlerts(previous, raw, Date.now());
      if (JSON.stringify(state) !== JSON.stringify(previous ?? null)) storeAlertState(mac, state);
      sendEvents(mac, events);
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

    const statusFields = (mac: string, raw: Record<string, unknown>, online: boolean) => ({
      topic: `navien/${mac}/status`,
      payload: summarizeStatus(raw, unit, online),
      status: decodeStatus(raw, unit),
      raw,
      device: deviceInfo(mac),
      derived: deriveStatus(raw, alertState(mac)?.electricSince),
    });

    /** Output changes/fields: what goes out for this status (nothing when nothing moved beyond its deadband). */
    const reportByException = (mac: string, fields: ReturnType<typeof statusFields>, force: boolean) => {
      const summary = fields.payload as unknown as Record<string, unknown>;
      const now = Date.now();
      const first = !reported.has(mac);
      const due = force || (!first && heartbeatDue(heartbeat, lastFullAt.get(mac), now));
      const changed = changedFields(reported.get(mac), summary, bands);
      if (changed.length === 0 && !due) return;
      reported.set(mac, mergeReported(reported.get(mac), summary, changed));
      if (first || due) lastFullAt.set(mac, now);
      if (output === 'changes') {
        node.send({ ...fields, changed, ...(due ? { heartbeat: true } : {}) } as NodeMessage);
        return;
      }
      const names = first || due ? Object.keys(summary) : changed;
      const messages = names.map((field) => ({ topic: `navien/${mac}/${field}`, payload: summary[field], device: fields.device }));
      node.send([messages] as unknown as NodeMessage[]);
    };

    const emitStatus = (mac: string, raw: Record<string, unknown>, online: boolean) => {
      const fields = statusFields(mac, raw, online);
      const inputs = waiting.get(mac) ?? [];
      waiting.delete(mac);
      if (inputs.length > 0) {
        // An input is always answered with the whole status; with changes/fields it also counts as reported.
        let extra: Record<string, unknown> = {};
        if (output !== 'all') {
          const summary = fields.payload as unknown as Record<string, unknown>;
          const list = changedFields(reported.get(mac), summary, bands);
          reported.set(mac, mergeReported(reported.get(mac), summary, list));
          lastFullAt.set(mac, Date.now());
          extra = { changed: list };
        }
        for (const input of inputs) {
          input.send(Object.assign(input.msg, fields, extra));
          input.done();
        }
      } else if (readDefaults.read === 'status') {
        if (output === 'all') node.send(fields as NodeMessage);
        else reportByException(mac, fields, false);
      }
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

    /** The account's device API (the connection exists from register() on). */
    const devices = () => accountDevices(account.connection as AccountConnection);
    const readError = (err: unknown) => (err instanceof DeviceLookupError ? t(`navien-status.errors.${err.key}`) : errorMessage(err));

    const handleInput = (input: WaitingInput, request: ReadRequest) => {
      const { msg, send, done } = input;
      const connection = account.connection;
      const macs = targets();
      if (!connection || macs.length === 0 || unknownDevice()) {
        node.error(t('navien-status.errors.no-device'), msg);
        done();
        return;
      }
      if (request.read !== 'status') {
        const what = request.read;
        void Promise.all(macs.map(async (mac, index) => {
          const copy = index === 0 ? msg : (RED.util.cloneMessage(msg) as NodeMessageInFlow);
          try {
            const { payload, raw } = await devices().device(mac).read(request, unit, (text) => node.debug(text));
            if (!closed) send(Object.assign(copy, { topic: `navien/${mac}/${request.read}`, payload, raw, device: deviceInfo(mac) }));
          } catch (err) {
            if (!closed) node.error(t('navien-status.errors.read-failed', { what, error: readError(err) }), copy);
          }
        })).then(() => done());
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

    const onMessage = (message: InboundMessage) => {
      if (!isTarget(message.mac) || message.kind !== 'status') return;
      const raw = message.response?.status as Record<string, unknown> | undefined;
      if (!looksLikeStatus(raw)) {
        node.debug(`ignored a malformed status from ${message.mac}`);
        return;
      }
      lastRaw.set(message.mac, raw);
      checkStatusAlerts(message.mac, raw);
      emitStatus(message.mac, raw, true);
    };

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        phase = state.phase;
        if (state.phase === 'connected' && deviceMac && lastRaw.has(deviceMac)) showDeviceStatus(deviceMac);
        else node.status(connectionStatus(state, t, 'navien-status'));
        if (isTerminalPhase(state.phase)) {
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
        for (const input of deferred.splice(0)) {
          const parsed = parseReadRequest(input.msg.payload, readDefaults);
          if (parsed.ok) handleInput(input, parsed.request);
          else input.done();
        }
      },
      onPresence(mac: string, presence: DevicePresence) {
        if (!isTarget(mac)) return;
        const previous = alertState(mac);
        const { events, state } = presenceAlerts(previous, presence);
        if (state !== previous) storeAlertState(mac, state);
        sendEvents(mac, events);
        const raw = lastRaw.get(mac);
        // Dashboards need to see "offline" even though no status arrives from a silent device.
        if (presence === 'offline' && raw) emitStatus(mac, raw, false);
        showDeviceStatus(mac);
      },
    };
    account.register(user);
    // The one inbound route: the connection (there from register() on) hands decoded messages to this subscription.
    const unwatch = account.connection ? devices().watch(onMessage, (err) => node.error(errorMessage(err))) : () => undefined;
    const timer = interval > 0 ? setInterval(poll, interval * 1000) : undefined;
    // Electric mode's revert warning depends on time passing, not on a new status.
    const alertTimer = setInterval(() => {
      for (const [mac, raw] of lastRaw) if (alertState(mac)?.electricSince != null) checkStatusAlerts(mac, raw);
    }, ALERT_CHECK_MS);
    // A heartbeat goes out even when the device is silent (offline): the last snapshot, with online as known now.
    const heartbeatTimer = heartbeat > 0 && output !== 'all' && readDefaults.read === 'status'
      ? setInterval(() => {
        const now = Date.now();
        for (const [mac, raw] of lastRaw) {
          if (!heartbeatDue(heartbeat, lastFullAt.get(mac), now)) continue;
          const online = account.connection?.presenceOf(mac) !== 'offline';
          reportByException(mac, statusFields(mac, raw, online), true);
        }
      }, Math.min(heartbeat, 60) * 1000)
      : undefined;

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      // Validate first: a bad read request sends nothing, whatever the connection is doing.
      const parsed = parseReadRequest(msg.payload, readDefaults);
      if (!parsed.ok) {
        const { key, ...args } = parsed.error;
        node.status({ fill: 'red', shape: 'ring', text: t('navien-status.status.bad-request') });
        node.error(t(`navien-status.errors.${key}`, args), msg);
        done();
        return;
      }
      const connection = account.connection;
      if (isTerminalPhase(phase)) {
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
      handleInput({ msg, send, done }, parsed.request);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unwatch();
      clearInterval(timer);
      clearInterval(alertTimer);
      clearInterval(heartbeatTimer);
      // Inputs still waiting for a reply are finished (without output) so each input gets exactly one done().
      for (const input of [...deferred.splice(0), ...[...waiting.values()].flat()]) input.done();
      waiting.clear();
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-status', NavienStatusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};

/** A device status carries at least its mode and its water temperature as numbers; anything else is garbage. */
function looksLikeStatus(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const status = raw as Record<string, unknown>;
  return typeof status.dhwOperationSetting === 'number' && typeof status.dhwTemperature === 'number';
}
