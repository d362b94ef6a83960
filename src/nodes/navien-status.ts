import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { ConnectionState, DevicePresence } from '../shared/connection';
import { InboundMessage, NWP500_DEVICE_TYPE } from '../shared/codec';
import { StatusSummary, summarizeStatus } from '../shared/codec/summary';
import { isTerminalPhase } from '../shared/connection/connection-phases';
import { AccountDevices, DeviceLookupError, accountDevices } from '../shared/device/device-api';
import { InstallerDiagnosticsUnavailableError, ReadNotSupportedError } from '../shared/device/service-reads';
import { errorMessage } from '../shared/errors';
import { InputError } from '../shared/input-error';
import { normalizeMac } from '../shared/mac';
import { AlertTracker } from '../shared/reading/alert-tracker';
import { chartReadAnswer, statusChartMessages } from '../shared/reading/chart-messages';
import type { AlertEvent } from '../shared/reading/alerts';
import { readRequest } from '../shared/reading/read-request';
import type { ReadRequest } from '../shared/types/device';
import { ReportByException } from '../shared/reading/report-by-exception';
import { StatusConfigFields, statusSettings } from '../shared/reading/settings';
import { eventMessages, fieldMessages, looksLikeStatus, statusLine, statusMessage } from '../shared/reading/status-messages';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { contextAlertStore } from './common/alert-context';
import { heldInputs } from './common/held-inputs';
import { connectionStatus } from './common/node-status';

/** The dialog's fields; `read` is what an input reads (and output 1 carries), `period` the energy read's. */
interface StatusConfig extends NodeDef, StatusConfigFields {
  account: string;
  device?: string;
}

interface Input {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessage) => void;
  done: (err?: Error) => void;
}

/** How often the time-based alerts (Electric about to revert) are re-checked without a new status. */
const ALERT_CHECK_MS = 60_000;
/** Reads held until the first connection go out one per second, as the command runner spaces controls. */
const HELD_READ_PACE_MS = 1_000;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienStatusNode(this: Node, config: StatusConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const deviceMac = normalizeMac(config.device);
    const { unit, interval, output, readDefaults, bands, heartbeat } = statusSettings(config);
    const rbe = new ReportByException(bands, heartbeat);
    const lastRaw = new Map<string, Record<string, unknown>>();
    /** Each device's node status line, from the summary of its last status (summarised once per status). */
    const lastLine = new Map<string, { text: string; error: boolean }>();
    /** Inputs waiting for the status they asked for, per device. */
    const waiting = new Map<string, Input[]>();
    /** Inputs that arrived before the account knew its devices (bounded); answered once it does, paced. */
    const held = heldInputs<Input & { request: ReadRequest }>(RED, node, t, 'navien-status', HELD_READ_PACE_MS);
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

    const devices = (): AccountDevices | undefined => (account.connection ? accountDevices(account.connection) : undefined);
    const targets = (): string[] => (deviceMac ? [deviceMac] : devices()?.macs ?? []);
    const isTarget = (mac: string | undefined): mac is string => !!mac && (!deviceMac || mac === deviceMac);
    /** The device list is known (it arrives with the first connection) and the configured device is not on it. */
    const unknownDevice = () => !!deviceMac && !!devices()?.device(deviceMac).missing;
    const deviceInfo = (mac: string) => devices()?.device(mac).info() ?? { mac, name: mac, deviceType: NWP500_DEVICE_TYPE, model: 'NWP500' };
    const online = (mac: string) => devices()?.device(mac).presence !== 'offline';

    const alerts = new AlertTracker(contextAlertStore(node));
    const sendEvents = (mac: string, events: AlertEvent[]) => {
      if (events.length > 0) node.send([null, eventMessages(deviceInfo(mac), events)]);
    };

    const showDeviceStatus = (mac: string) => {
      const line = lastLine.get(mac);
      if (!online(mac)) {
        node.status({ fill: 'red', shape: 'ring', text: t('navien-status.status.offline') });
      } else if (line) {
        node.status({ fill: line.error ? 'yellow' : 'green', shape: 'dot', text: line.text });
      }
    };

    const messageOf = (mac: string, raw: Record<string, unknown>, summary: StatusSummary) =>
      statusMessage(raw, { unit, online: summary.online, device: deviceInfo(mac), electricSince: alerts.electricSince(mac) }, summary);

    /**
     * Output changes/fields: what goes out for this status (nothing when nothing moved beyond its deadband). The
     * summary decides; the rest of the message is only built when something goes out.
     */
    const reportByException = (mac: string, raw: Record<string, unknown>, summary: StatusSummary, force: boolean) => {
      const report = rbe.next(mac, summary as unknown as Record<string, unknown>, force);
      if (!report) return;
      const message = messageOf(mac, raw, summary);
      if (output === 'changes') node.send({ ...message, changed: report.changed, ...(report.heartbeat ? { heartbeat: true } : {}) });
      else node.send([fieldMessages(message, report.fields)]);
    };

    /** Output chart: the status's points, several messages on output 1 (none while offline). */
    const sendChart = (send: (msg: NodeMessage) => void, message: ReturnType<typeof messageOf>) => {
      const points = statusChartMessages(message, !deviceMac);
      if (points.length > 0) send([points] as unknown as NodeMessage);
    };

    const emitStatus = (mac: string, raw: Record<string, unknown>, isOnline: boolean) => {
      const summary = summarizeStatus(raw, unit, isOnline);
      lastLine.set(mac, statusLine(summary));
      const inputs = waiting.get(mac) ?? [];
      waiting.delete(mac);
      if (inputs.length > 0) {
        // An input is answered with the whole status (with changes/fields it also counts as reported); with chart,
        // with the chart's points of it, so a chart fed by this node never gets a whole status.
        const message = messageOf(mac, raw, summary);
        const extra = output === 'changes' || output === 'fields' ? { changed: rbe.answered(mac, summary as unknown as Record<string, unknown>) } : {};
        for (const input of inputs) {
          if (output === 'chart') sendChart(input.send, message);
          else input.send(Object.assign(input.msg, message, extra));
          input.done();
        }
      } else if (readDefaults.read === 'status') {
        if (output === 'all') node.send(messageOf(mac, raw, summary) as unknown as NodeMessage);
        else if (output === 'chart') sendChart((msg) => node.send(msg), messageOf(mac, raw, summary));
        else reportByException(mac, raw, summary, false);
      }
      if (deviceMac || targets().length <= 1) showDeviceStatus(mac);
    };

    /** Never throws synchronously. */
    const requestStatus = (mac: string) => {
      const api = devices();
      return api ? api.device(mac).requestStatus() : Promise.reject(new Error(t('navien-status.errors.no-device')));
    };
    const poll = () => {
      if (!account.connection || phase !== 'connected' || unknownDevice()) return;
      for (const mac of targets()) requestStatus(mac).catch((err) => node.debug(`status poll of ${mac}: ${errorMessage(err)}`));
    };

    const readError = (err: unknown) => {
      if (err instanceof DeviceLookupError) return t(`navien-status.errors.${err.key}`);
      if (err instanceof ReadNotSupportedError) return t(`navien-status.errors.${err.key}`, { flag: err.flag });
      if (err instanceof InstallerDiagnosticsUnavailableError) return t(`navien-status.errors.${err.key}`);
      return errorMessage(err);
    };
    const copyFor = (msg: NodeMessageInFlow, index: number) => (index === 0 ? msg : RED.util.cloneMessage(msg));

    const handleInput = ({ msg, send, done }: Input, request: ReadRequest) => {
      const api = devices();
      const macs = targets();
      if (!api || macs.length === 0 || unknownDevice()) {
        node.error(t('navien-status.errors.no-device'), msg);
        done();
        return;
      }
      if (request.read !== 'status') {
        void Promise.all(macs.map(async (mac, index) => {
          const copy = copyFor(msg, index);
          try {
            const result = await api.device(mac).read(request, unit, (text) => node.debug(text));
            const answer = output === 'chart' ? chartReadAnswer(request.read, result) : result;
            if (!closed) send(Object.assign(copy, { topic: `navien/${mac}/${request.read}`, ...answer, device: deviceInfo(mac) }));
          } catch (err) {
            if (!closed) node.error(t('navien-status.errors.read-failed', { what: request.read, error: readError(err) }), copy);
          }
        })).then(() => done());
        return;
      }
      // A status is answered by the next status of the device (the reply, or a push that beats it).
      macs.forEach((mac, index) => {
        const input: Input = { msg: copyFor(msg, index), send, done: index === 0 ? done : () => undefined };
        waiting.set(mac, [...(waiting.get(mac) ?? []), input]);
        requestStatus(mac).catch((err) => {
          const entries = waiting.get(mac) ?? [];
          if (!entries.includes(input)) return; // answered by a status that arrived anyway
          entries.splice(entries.indexOf(input), 1);
          node.error(t('navien-status.errors.request-failed', { error: errorMessage(err) }), input.msg);
          input.done();
        });
      });
    };

    const onMessage = (message: InboundMessage) => {
      if (!isTarget(message.mac) || message.kind !== 'status') return;
      const raw = message.response?.status;
      if (!looksLikeStatus(raw)) {
        node.debug(`ignored a malformed status from ${message.mac}`);
        return;
      }
      lastRaw.set(message.mac, raw);
      sendEvents(message.mac, alerts.status(message.mac, raw));
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
          held.releaseAll((input) => {
            node.error(text, input.msg);
            input.done();
          });
        }
      },
      onReady() {
        if (unknownDevice()) {
          node.status({ fill: 'red', shape: 'ring', text: t('navien-status.errors.no-device') });
          node.error(t('navien-status.errors.no-device'));
        } else if (interval > 0) {
          poll(); // 0 = pushes only: no request at all, not even on connecting
        }
        held.release((input) => handleInput(input, input.request));
      },
      onPresence(mac: string, presence: DevicePresence) {
        if (!isTarget(mac)) return;
        sendEvents(mac, alerts.presence(mac, presence));
        const raw = lastRaw.get(mac);
        // Dashboards need to see "offline" even though no status arrives from a silent device.
        if (presence === 'offline' && raw) emitStatus(mac, raw, false);
        showDeviceStatus(mac);
      },
    };
    account.register(user);
    // The one inbound route: the connection (there from register() on) hands decoded messages to this subscription.
    const unwatch = devices()?.watch(onMessage, (err) => node.error(errorMessage(err))) ?? (() => undefined);
    const timer = interval > 0 ? setInterval(poll, interval * 1000) : undefined;
    // Electric mode's revert warning depends on time passing, not on a new status.
    const alertTimer = setInterval(() => {
      for (const [mac, raw] of lastRaw) if (alerts.electricSince(mac) != null) sendEvents(mac, alerts.status(mac, raw));
    }, ALERT_CHECK_MS);
    // A heartbeat goes out even when the device is silent (offline): the last snapshot, with online as known now.
    const heartbeatTimer = heartbeat > 0 && (output === 'changes' || output === 'fields') && readDefaults.read === 'status'
      ? setInterval(() => {
        for (const [mac, raw] of lastRaw) if (rbe.heartbeatDue(mac)) reportByException(mac, raw, summarizeStatus(raw, unit, online(mac)), true);
      }, Math.min(heartbeat, 60) * 1000)
      : undefined;

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      // Validate first: a bad read request sends nothing, whatever the connection is doing.
      let request: ReadRequest;
      try {
        request = readRequest(msg.payload, readDefaults);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        node.status({ fill: 'red', shape: 'ring', text: t('navien-status.status.bad-request') });
        node.error(t(`navien-status.errors.${err.key}`, err.args), msg);
        done();
        return;
      }
      if (isTerminalPhase(phase)) {
        // Wrong password, missing credentials, ...: say so, rather than "device not found".
        node.error(connectionStatus(account.state, t, 'navien-status').text, msg);
        done();
        return;
      }
      // Before the first connection the device list is unknown: answer once the account is ready. Behind held
      // inputs still being released, a new one waits its turn.
      if ((account.connection && account.connection.devices.length === 0 && phase !== 'connected') || held.busy) {
        held.hold({ msg, send, done, request });
        return;
      }
      handleInput({ msg, send, done }, request);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unwatch();
      clearInterval(timer);
      clearInterval(alertTimer);
      clearInterval(heartbeatTimer);
      // Inputs still waiting for a reply are finished (without output) so each input gets exactly one done().
      for (const input of [...held.close(), ...[...waiting.values()].flat()]) input.done();
      waiting.clear();
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-status', NavienStatusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
