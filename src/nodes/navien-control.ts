import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { TemperatureUnit, decodeFeature, summarizeStatus } from '../shared/codec';
import { ControlCancelledError, ControlOutcome, DEFAULT_TIMING, DeviceCommandRunner, RunnerTiming } from '../shared/control/device-commands';
import { TimedActions, TimedEvent, TimedState } from '../shared/control/timed-actions';
import { ControlInputError, PlannedControl } from '../shared/control/plan';
import { modePlanId } from '../shared/control/plans/operation';
import { setpointPlanRaw } from '../shared/control/plans/setpoint';
import { TimedRequest } from '../shared/control/plans/timed';
import { planRequest } from '../shared/control/request/parse';
import { isTerminalPhase } from '../shared/connection-phases';
import { accountDevices } from '../shared/device/device-api';
import { QueueError, errorMessage } from '../shared/errors';
import { normalizeMac } from '../shared/mac';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { connectionStatus } from './common/node-status';

interface ControlConfig extends NodeDef {
  account: string;
  device?: string;
  unit?: string;
  allowPowerOff?: boolean;
  /** Boost length in minutes when a boost names neither minutes nor untilCharge. */
  boostMinutes?: number | string;
}

/** Where the pending boost/vacation restore is kept in the node's context (persistent with a file-backed store). */
const RESTORE_CONTEXT_KEY = 'navienRestore';
/** How long an input waits for the device's feature record before it is refused. */
const FEATURE_TIMEOUT_MS = 15_000;

/** Tests shorten the runner's waits through the runtime settings (`navienControlTiming`). */
function runnerTiming(RED: NodeAPI): RunnerTiming {
  const custom = (RED.settings as unknown as Record<string, unknown>).navienControlTiming;
  return typeof custom === 'object' && custom !== null ? { ...DEFAULT_TIMING, ...(custom as Partial<RunnerTiming>) } : DEFAULT_TIMING;
}

type Done = (err?: Error) => void;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);
  /**
   * Pending restores by node id, for this process. Node-RED deletes a node's context when the node closes unless a
   * context store is configured, so without this a plain redeploy would forget a running boost.
   */
  const pendingRestores = new Map<string, TimedState>();

  function NavienControlNode(this: Node, config: ControlConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const mac = normalizeMac(config.device);
    const boostMinutes = Number(config.boostMinutes);
    let runner: DeviceCommandRunner | undefined;
    let timed: TimedActions | undefined;
    let closing = false;

    const failText = (text: string, msg: NodeMessageInFlow, done: Done) => {
      node.status({ fill: 'red', shape: 'ring', text });
      node.error(text, msg);
      done();
    };
    const fail = (key: string, args: Record<string, string | number>, msg: NodeMessageInFlow, done: Done) =>
      failText(t(`navien-control.errors.${key}`, args), msg, done);

    if (!account) {
      node.status({ fill: 'red', shape: 'ring', text: t('navien-control.status.missing-account') });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => failText(t('navien-control.status.missing-account'), msg, done));
      return;
    }
    if (!mac) node.status({ fill: 'red', shape: 'ring', text: t('navien-control.errors.no-device') });

    type Input = { msg: NodeMessageInFlow & { unit?: unknown; dryRun?: unknown }; send: (m: NodeMessage) => void; done: Done };
    // Inputs that arrive before the account has listed its devices (just after a deploy) wait for it.
    const deferred: Input[] = [];

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        if (mac) node.status(account.readOnly && state.phase === 'connected'
          ? { fill: 'grey', shape: 'dot', text: t('navien-control.status.read-only') }
          : connectionStatus(state, t, 'navien-control'));
        if (isTerminalPhase(state.phase)) {
          // The account will not connect by itself: say so instead of holding the commands forever.
          const text = state.phase === 'config-error' ? state.error ?? state.phase : t(`navien-control.status.${state.phase}`);
          for (const input of deferred.splice(0)) failText(text, input.msg, input.done);
        }
      },
      onReady() {
        // A boost or vacation restore left pending by a redeploy or restart resumes (or runs now, if overdue).
        const actions = ensureTimed();
        actions?.resume().catch((err: unknown) => node.warn(`boost/vacation restore: ${errorMessage(err)}`));
        for (const input of deferred.splice(0)) handleInput(input.msg, input.send, input.done);
      },
    };

    const context = node.context();
    const store = {
      get: () =>
        new Promise<TimedState | undefined>((resolve, reject) =>
          context.get(RESTORE_CONTEXT_KEY, (err: Error | undefined, value: unknown) =>
            err ? reject(err) : resolve((value as TimedState | undefined) ?? structuredClone(pendingRestores.get(node.id))),
          ),
        ),
      set: (state: TimedState) => {
        const value = Object.keys(state).length ? state : undefined;
        if (value) pendingRestores.set(node.id, structuredClone(value));
        else pendingRestores.delete(node.id);
        return new Promise<void>((resolve, reject) => context.set(RESTORE_CONTEXT_KEY, value, (err?: Error) => (err ? reject(err) : resolve())));
      },
    };

    function ensureRunner(): DeviceCommandRunner | undefined {
      const connection = account?.connection;
      if (!connection || !mac || closing) return undefined;
      runner ??= new DeviceCommandRunner(connection, mac, runnerTiming(RED));
      return runner;
    }

    function ensureTimed(): TimedActions | undefined {
      const connection = account?.connection;
      const active = ensureRunner();
      if (!connection || !active) return undefined;
      const device = accountDevices(connection).device(mac);
      timed ??= new TimedActions({
        mac,
        unit,
        submit: (plan) => active.submit(plan),
        readStatus: async () => {
          const reply = await device.requestStatus();
          return (reply.response?.status ?? {}) as Record<string, unknown>;
        },
        watchStatus: (listener) =>
          device.watch((message) => {
            if (message.kind === 'status' && message.response?.status) listener(message.response.status as Record<string, unknown>);
          }, (err) => node.error(errorMessage(err))),
        store,
        report: (event) => reportTimed(event, { topic: event.topic ?? `navien/${mac}/${event.command}` } as NodeMessageInFlow, (m) => node.send(m)),
        warn: (text) => node.warn(text),
      });
      return timed;
    }

    const report = (outcome: ControlOutcome, msg: NodeMessageInFlow, send: (m: NodeMessage) => void) => {
      const out = Object.assign(msg, {
        payload: {
          command: outcome.command,
          requested: outcome.requested,
          applied: outcome.applied,
          result: outcome.result,
          latencyMs: outcome.latencyMs,
          status: outcome.status ? summarizeStatus(outcome.status, unit, account.connection?.presenceOf(mac) !== 'offline') : null,
        },
      });
      send(out);
      const colour = outcome.result === 'confirmed' ? 'green' : outcome.result === 'superseded' ? 'grey' : 'yellow';
      node.status({ fill: colour, shape: 'dot', text: `${outcome.command}: ${outcome.result}` });
      if (outcome.result === 'expired') node.error(t('navien-control.errors.expired'), msg);
    };

    const reportTimed = (event: TimedEvent, msg: NodeMessageInFlow, send: (m: NodeMessage) => void) => {
      const online = account.connection?.presenceOf(mac) !== 'offline';
      send(
        Object.assign(msg, {
          payload: {
            command: event.command,
            phase: event.phase,
            requested: event.requested,
            applied: event.applied,
            result: event.result,
            latencyMs: event.latencyMs,
            status: event.status ? summarizeStatus(event.status, unit, online) : null,
          },
        }),
      );
      node.status({ fill: event.result === 'confirmed' ? 'green' : 'yellow', shape: 'dot', text: `${event.command} ${event.phase}: ${event.result}` });
    };

    /** The error text of a control that failed after it was accepted (in the catalog's words where we have them). */
    const failureText = (err: unknown): string => {
      if (err instanceof ControlInputError) return t(`navien-control.errors.${err.key}`, err.args);
      if (err instanceof QueueError && err.code === 'QUEUE_FULL') return t('navien-control.errors.queue-full');
      return errorMessage(err);
    };

    node.on('input', (msg: Input['msg'], send: Input['send'], done: Done) => {
      const connection = account.connection;
      if (mac && connection && connection.devices.length === 0 && connection.state.phase !== 'connected' && !isTerminalPhase(connection.state.phase)) {
        node.status({ fill: 'yellow', shape: 'ring', text: t('navien-control.status.waiting') });
        deferred.push({ msg, send, done });
        return;
      }
      handleInput(msg, send, done);
    });

    function handleInput(msg: Input['msg'], send: Input['send'], done: Done): void {
      void handleInputAsync(msg, send).then(
        () => done(),
        (err: unknown) => done(err instanceof Error ? err : new Error(errorMessage(err))),
      );
    }

    async function handleInputAsync(msg: Input['msg'], send: Input['send']): Promise<void> {
      const connection = account?.connection;
      const noop = () => undefined;
      if (!account || !mac || !connection) {
        fail('no-device', {}, msg, noop);
        return;
      }
      // Gating needs the device's feature record: ask for it rather than guess (NAVILINK.md 5.2, 9).
      let rawFeatures = connection.featuresOf(mac);
      if (!rawFeatures && !account.readOnly && connection.device(mac)) {
        try {
          rawFeatures = await accountDevices(connection).device(mac).features(FEATURE_TIMEOUT_MS);
        } catch (err) {
          fail('features-unknown', { reason: errorMessage(err) }, msg, noop);
          return;
        }
      }
      let plans: PlannedControl[];
      let timedRequests: TimedRequest[];
      try {
        ({ controls: plans, timed: timedRequests } = planRequest(msg.topic, msg.payload, msg.unit, {
          unit,
          allowPowerOff: config.allowPowerOff !== false,
          readOnly: account.readOnly,
          features: rawFeatures ? decodeFeature(rawFeatures, unit) : undefined,
          boostMinutes: Number.isFinite(boostMinutes) && boostMinutes > 0 ? boostMinutes : undefined,
        }));
      } catch (err) {
        if (err instanceof ControlInputError) fail(err.key, err.args, msg, noop);
        else fail('bad-type', { field: 'msg.payload', expected: 'a valid command', value: errorMessage(err) }, msg, noop);
        return;
      }
      if (msg.dryRun === true) {
        await dryRun(msg, send, plans, timedRequests);
        return;
      }
      if (!connection.device(mac) && connection.devices.length > 0) {
        fail('no-device', {}, msg, noop);
        return;
      }
      const active = ensureRunner();
      const actions = ensureTimed();
      if (!active || !actions) return;
      node.status({ fill: 'blue', shape: 'dot', text: t('navien-control.status.sending') });
      // Clone before anything is reported: the first result reuses (and rewrites) the input msg.
      const count = plans.length + timedRequests.length;
      const targets = Array.from({ length: count }, (_v, index) => (index === 0 ? msg : (RED.util.cloneMessage(msg) as typeof msg)));
      const failed = (command: string, target: NodeMessageInFlow) => (err: unknown) => {
        // Closed under us (redeploy): the work is cancelled on purpose, there is no result to report.
        if (err instanceof ControlCancelledError || closing) return;
        const text = failureText(err);
        node.status({ fill: 'red', shape: 'ring', text: `${command}: ${text}` });
        node.error(text, target);
      };
      const jobs = plans.map((plan: PlannedControl, index: number) =>
        active.submit(plan).then((outcome) => report(outcome, targets[index], send), failed(plan.command, targets[index])),
      );
      timedRequests.forEach((request, i) => {
        const target = targets[plans.length + i];
        const command = request.kind.startsWith('boost') ? 'boost' : 'vacation';
        jobs.push(
          actions.run(request, msg.topic).then((event) => {
            if (event) reportTimed(event, target, send);
          }, failed(command, target)),
        );
      });
      await Promise.all(jobs);
    }

    async function dryRun(msg: Input['msg'], send: Input['send'], plans: PlannedControl[], timedRequests: TimedRequest[]): Promise<void> {
      const connection = account?.connection;
      const noop = () => undefined;
      let ctx;
      try {
        ctx = connection?.commandContext(mac);
      } catch {
        ctx = undefined;
      }
      if (!connection || !ctx) {
        fail('no-device', {}, msg, noop);
        return;
      }
      const entries: Array<{ command: string; plan: PlannedControl }> = plans.map((plan) => ({ command: plan.command, plan }));
      for (const request of timedRequests) {
        if (request.kind === 'boost') {
          if (request.setpointRaw !== undefined) entries.push({ command: 'boost', plan: { ...setpointPlanRaw(request.setpointRaw, unit), requested: request.requested } });
          if (request.modeId !== undefined) entries.push({ command: 'boost', plan: { ...modePlanId(request.modeId), requested: request.requested } });
        } else if (request.kind === 'vacation') {
          entries.push({ command: 'vacation', plan: { ...modePlanId(5, request.days), requested: request.requested } });
        }
      }
      const commands = [];
      for (const { command, plan } of entries) {
        try {
          // A read-modify-write reads the device (a query, not a change) to show the exact list it would write.
          if (plan.prepare) await plan.prepare(connection, mac);
          const built = plan.build(ctx);
          commands.push({ command, requested: plan.requested, topic: built.topic, message: built.payload });
        } catch (err) {
          failText(failureText(err), msg, noop);
          return;
        }
      }
      send(Object.assign(msg, { payload: { dryRun: true, commands } }));
    }

    account.register(user);

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      // A deleted node restores nothing any more; a redeployed or restarted one picks its restore up again.
      if (removed) pendingRestores.delete(node.id);
      for (const input of deferred.splice(0)) input.done();
      // Timers stop; a pending restore stays in the context store and resumes on the next start.
      timed?.close();
      timed = undefined;
      runner?.close();
      runner = undefined;
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-control', NavienControlNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
