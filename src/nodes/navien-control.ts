import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { TemperatureUnit, decodeFeature, fromHalfCelsius } from '../shared/codec';
import { isTerminalPhase } from '../shared/connection/connection-phases';
import { ControlCancelledError, ControlOutcome, ProgramWritesPausedError } from '../shared/control/device-commands';
import { DeviceControls } from '../shared/control/device-controls';
import { dryRunCommands } from '../shared/control/dry-run';
import { ControlInputError, ControlLimits, PlannedControl } from '../shared/control/plan';
import type { TimedRequest } from '../shared/control/plans/timed';
import { PlannedRequest, planRequest, precheckRequest } from '../shared/control/request/parse';
import { outcomePayload, timedPayload } from '../shared/control/results';
import type { TimedEvent } from '../shared/control/results';
import { KeeperEvent, modeName } from '../shared/ledger/settings-keeper';
import { accountDevices } from '../shared/device/device-api';
import { QueueError, errorMessage } from '../shared/errors';
import { normalizeMac } from '../shared/mac';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { heldInputs } from './common/held-inputs';
import { connectionStatus } from './common/node-status';
import { runnerTiming } from './common/runtime-settings';

interface ControlConfig extends NodeDef {
  account: string;
  device?: string;
  unit?: string;
  allowPowerOff?: boolean;
  /** Boost length in minutes when a boost names neither minutes nor untilCharge. */
  boostMinutes?: number | string;
  /** Allows installer actions (condenser fault reset); off when missing. */
  installerActions?: boolean;
}

/** How long an input waits for the device's feature record before it is refused. */
const FEATURE_TIMEOUT_MS = 15_000;

/**
 * How long a deleted or disabled node's close waits for its boost or vacation to be put back: well inside Node-RED's
 * 15 s, and before the account stops waiting for its users (5 s). The keeper finishes what the close could not.
 */
const REMOVE_RESTORE_BUDGET_MS = 4_000;

type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & { unit?: unknown; dryRun?: unknown };
type Send = (m: NodeMessage) => void;
const noop = () => undefined;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienControlNode(this: Node, config: ControlConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const mac = normalizeMac(config.device);
    const boostMinutes = Number(config.boostMinutes);
    let controls: DeviceControls | undefined;
    let closing = false;
    /** Ends the subscription to the heater's keeper (its restores and what it could not put back). */
    let unsubscribe: (() => void) | undefined;

    const failText = (text: string, msg: NodeMessageInFlow, done: Done = noop) => {
      node.status({ fill: 'red', shape: 'ring', text });
      node.error(text, msg);
      done();
    };
    const fail = (key: string, args: Record<string, string | number>, msg: NodeMessageInFlow) => failText(t(`navien-control.errors.${key}`, args), msg);
    /** Reports an input that failed validation: in the catalog's words, naming the field. */
    const refuse = (err: unknown, msg: NodeMessageInFlow) => {
      if (err instanceof ControlInputError) return fail(err.key, err.args, msg);
      return fail('bad-type', { field: 'msg.payload', expected: 'a valid command', value: errorMessage(err) }, msg);
    };

    if (!account) {
      node.status({ fill: 'red', shape: 'ring', text: t('navien-control.status.missing-account') });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => failText(t('navien-control.status.missing-account'), msg, done));
      return;
    }
    if (!mac) node.status({ fill: 'red', shape: 'ring', text: t('navien-control.errors.no-device') });

    // Inputs that arrive before the account has listed its devices (just after a deploy) wait for it, bounded; released
    // all at once, in order: the command runner spaces the controls at the device.
    const held = heldInputs<{ msg: Msg; send: Send; done: Done }>(RED, node, t, 'navien-control', 0);
    /** What this node allows, for validation; the device's feature record completes it when known. */
    const nodeLimits: Omit<ControlLimits, 'features'> = {
      unit,
      allowPowerOff: config.allowPowerOff !== false,
      readOnly: account.readOnly,
      boostMinutes: Number.isFinite(boostMinutes) && boostMinutes > 0 ? boostMinutes : undefined,
      installerActions: config.installerActions === true,
    };
    /** One feature read at a time for all of this node's inputs (a released backlog asks once, not once per input). */
    let featureRead: Promise<Record<string, unknown>> | undefined;
    const online = () => account.connection?.presenceOf(mac) !== 'offline';

    const ensureControls = (): DeviceControls | undefined => {
      const connection = account.connection;
      const keeper = mac ? account.keeper(mac) : undefined;
      if (!connection || !mac || closing || !keeper) return undefined;
      if (!controls) {
        unsubscribe?.();
        unsubscribe = keeper.subscribe(node.id, onKeeperEvent);
        controls = new DeviceControls(connection, mac, { unit, timing: runnerTiming(RED), owner: node.id, keeper });
      }
      return controls;
    };

    /** What the keeper did with this node's boost or vacation when no input message asked for it just now. */
    const onKeeperEvent = (event: KeeperEvent) => {
      if (closing) return;
      const command = event.kind === 'vacation' ? 'vacation' : 'boost';
      if (event.type === 'restored') {
        if (event.cause === 'requested') return; // reported for the message that asked for it
        const topic = event.event.topic ?? `navien/${mac}/${event.event.command}`;
        reportTimed(event.event, { topic } as NodeMessageInFlow, (m) => node.send(m));
      } else if (event.type === 'overridden') {
        for (const f of event.fields) {
          const shows = f.field === 'mode' ? String(modeName(f.shows)) : `${fromHalfCelsius(f.shows, event.unit)} °${event.unit}`;
          const ours = f.field === 'mode' ? String(modeName(f.ours)) : `${fromHalfCelsius(f.ours, event.unit)} °${event.unit}`;
          node.warn(t('navien-control.warnings.not-put-back', { command, field: f.field === 'mode' ? 'mode' : 'setpoint', shows, ours }));
        }
      } else {
        const text = t('navien-control.errors.restore-pending', { command, reason: event.reason, seconds: Math.round(event.retryInMs / 1000) });
        node.status({ fill: 'yellow', shape: 'ring', text: t('navien-control.status.restore-pending', { command }) });
        node.error(text, { topic: `navien/${mac}/${command}`, payload: event.event ? timedPayload(event.event, unit, online()) : null });
      }
    };

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        if (mac) node.status(account.readOnly && state.phase === 'connected'
          ? { fill: 'grey', shape: 'dot', text: t('navien-control.status.read-only') }
          : connectionStatus(state, t, 'navien-control'));
        if (isTerminalPhase(state.phase)) {
          // The account will not connect by itself: say so instead of holding the commands forever.
          const text = state.phase === 'config-error' ? state.error ?? state.phase : t(`navien-control.status.${state.phase}`);
          held.releaseAll((input) => failText(text, input.msg, input.done));
        }
      },
      onReady() {
        // The account's keeper reconciles the ledger on every connection (overdue: now; the rest re-armed).
        ensureControls();
        held.release((input) => handleInput(input.msg, input.send, input.done));
      },
    };

    const report = (outcome: ControlOutcome, msg: NodeMessageInFlow, send: Send) => {
      send(Object.assign(msg, { payload: outcomePayload(outcome, unit, online()) }));
      // not-applied: a program write lost even after its retry, and program writes now paused: red, like an error.
      const colour = outcome.result === 'confirmed' ? 'green' : outcome.result === 'superseded' ? 'grey' : outcome.result === 'not-applied' ? 'red' : 'yellow';
      node.status({ fill: colour, shape: 'dot', text: `${outcome.command}: ${outcome.result}` });
      if (outcome.result === 'expired') node.error(t('navien-control.errors.expired'), msg);
      if (outcome.result === 'not-applied' && outcome.programPausedUntil !== undefined) {
        node.error(t('navien-control.errors.not-applied', { until: new Date(outcome.programPausedUntil).toISOString() }), msg);
      }
    };

    const reportTimed = (event: TimedEvent, msg: NodeMessageInFlow, send: Send) => {
      send(Object.assign(msg, { payload: timedPayload(event, unit, online()) }));
      node.status({ fill: event.result === 'confirmed' ? 'green' : 'yellow', shape: 'dot', text: `${event.command} ${event.phase}: ${event.result}` });
    };

    /** The error text of a control that failed after it was accepted (in the catalog's words where we have them). */
    const failureText = (err: unknown): string => {
      if (err instanceof ControlInputError) return t(`navien-control.errors.${err.key}`, err.args);
      if (err instanceof QueueError && err.code === 'QUEUE_FULL') return t('navien-control.errors.queue-full');
      if (err instanceof ProgramWritesPausedError) return t('navien-control.errors.program-paused', { until: new Date(err.until).toISOString() });
      return errorMessage(err);
    };

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      // Validate first: a bad field is named at once, whatever the connection or the device is doing.
      try {
        precheckRequest(msg.topic, msg.payload, msg.unit, nodeLimits);
      } catch (err) {
        refuse(err, msg);
        done();
        return;
      }
      const connection = account.connection;
      const beforeFirstConnection = !!mac && !!connection && connection.devices.length === 0 && connection.state.phase !== 'connected' && !isTerminalPhase(connection.state.phase);
      // Behind held inputs still being released, a new one waits its turn (the order of controls matters).
      if (beforeFirstConnection || held.busy) {
        node.status({ fill: 'yellow', shape: 'ring', text: t('navien-control.status.waiting') });
        held.hold({ msg, send, done });
        return;
      }
      handleInput(msg, send, done);
    });

    function handleInput(msg: Msg, send: Send, done: Done): void {
      void handleInputAsync(msg, send).then(() => done(), (err: unknown) => done(err instanceof Error ? err : new Error(errorMessage(err))));
    }

    /** The input as validated controls and timed actions, or undefined once its error has been reported. */
    async function plan(msg: Msg): Promise<PlannedRequest | undefined> {
      const connection = account?.connection;
      if (!account || !mac || !connection) return void fail('no-device', {}, msg);
      const device = accountDevices(connection).device(mac);
      // Gating needs the device's feature record: ask for it rather than guess
      // (docs/protocol.md#capability-gating, #features).
      let rawFeatures = connection.featuresOf(mac);
      if (!rawFeatures && !account.readOnly && device.known) {
        try {
          rawFeatures = await (featureRead ??= device.features(FEATURE_TIMEOUT_MS).finally(() => {
            featureRead = undefined;
          }));
        } catch (err) {
          return void fail('features-unknown', { reason: errorMessage(err) }, msg);
        }
      }
      try {
        return planRequest(msg.topic, msg.payload, msg.unit, { ...nodeLimits, features: rawFeatures ? decodeFeature(rawFeatures, unit) : undefined });
      } catch (err) {
        return void refuse(err, msg);
      }
    }

    async function handleInputAsync(msg: Msg, send: Send): Promise<void> {
      const planned = await plan(msg);
      const connection = account?.connection;
      if (!planned || !connection) return;
      if (msg.dryRun === true) return dryRun(msg, send, planned);
      if (accountDevices(connection).device(mac).missing) return void fail('no-device', {}, msg);
      const active = ensureControls();
      if (!active) return;
      node.status({ fill: 'blue', shape: 'dot', text: t('navien-control.status.sending') });
      const { controls: plans, timed } = planned;
      // Clone before anything is reported: the first result reuses (and rewrites) the input msg.
      const targets = Array.from({ length: plans.length + timed.length }, (_v, i) => (i === 0 ? msg : RED.util.cloneMessage(msg)));
      const failed = (command: string, target: NodeMessageInFlow) => (err: unknown) => {
        // Closed under us (redeploy): the work is cancelled on purpose, there is no result to report.
        if (err instanceof ControlCancelledError || closing) return;
        const text = failureText(err);
        node.status({ fill: 'red', shape: 'ring', text: `${command}: ${text}` });
        node.error(text, target);
      };
      const jobs = plans.map((control: PlannedControl, i: number) =>
        active.submit(control).then((outcome) => report(outcome, targets[i], send), failed(control.command, targets[i])),
      );
      timed.forEach((request: TimedRequest, i: number) => {
        const target = targets[plans.length + i];
        const command = request.kind.startsWith('boost') ? 'boost' : 'vacation';
        const reported = (event: TimedEvent | undefined) => {
          if (event) reportTimed(event, target, send);
        };
        jobs.push(active.run(request, msg.topic).then(reported, failed(command, target)));
      });
      await Promise.all(jobs);
    }

    async function dryRun(msg: Msg, send: Send, { controls: plans, timed }: PlannedRequest): Promise<void> {
      const connection = account?.connection;
      if (!connection?.device(mac)) return void fail('no-device', {}, msg);
      try {
        const commands = await dryRunCommands(connection, mac, plans, timed, unit);
        send(Object.assign(msg, { payload: { dryRun: true, commands } }));
      } catch (err) {
        failText(failureText(err), msg);
      }
    }

    account.register(user);

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      unsubscribe?.();
      for (const input of held.close()) input.done();
      // Waiting controls are cancelled; a redeployed or restarted node's boost goes on in the keeper.
      controls?.close();
      controls = undefined;
      // Deleted or disabled: its boost and vacation end now. The close waits for that within a budget; the keeper
      // (the account's) finishes what it could not, and keeps the connection open for it.
      const keeper = removed && mac ? account.keeper(mac) : undefined;
      const restoring = keeper
        ? Promise.all((['boost', 'vacation'] as const).map((kind) => keeper.end(node.id, kind, 'removed').catch(() => undefined)))
        : Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, REMOVE_RESTORE_BUDGET_MS)));
      void Promise.race([restoring, budget])
        .then(() => {
          clearTimeout(timer);
          return account.deregister(user);
        })
        .finally(done);
    });
  }

  RED.nodes.registerType('navien-control', NavienControlNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
