import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { TemperatureUnit, decodeFeature, summarizeStatus } from '../shared/codec';
import { ControlCancelledError, ControlOutcome, DeviceCommandRunner } from '../shared/control/device-commands';
import { ControlInputError, PlannedControl, planControls } from '../shared/control/validation';
import { QueueError, errorMessage } from '../shared/errors';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { connectionStatus } from './common/node-status';

interface ControlConfig extends NodeDef {
  account: string;
  device?: string;
  unit?: string;
  allowPowerOff?: boolean;
}

type Done = (err?: Error) => void;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function NavienControlNode(this: Node, config: ControlConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const unit: TemperatureUnit = config.unit === 'C' ? 'C' : 'F';
    const mac = config.device ?? '';
    let runner: DeviceCommandRunner | undefined;

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
    const FATAL_PHASES = ['invalid-credentials', 'missing-credentials', 'sdk-unavailable', 'config-error'];

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        if (mac) node.status(account.readOnly && state.phase === 'connected'
          ? { fill: 'grey', shape: 'dot', text: t('navien-control.status.read-only') }
          : connectionStatus(state, t, 'navien-control'));
        if (FATAL_PHASES.includes(state.phase)) {
          // The account will not connect by itself: say so instead of holding the commands forever.
          const text = state.phase === 'config-error' ? state.error ?? state.phase : t(`navien-control.status.${state.phase}`);
          for (const input of deferred.splice(0)) failText(text, input.msg, input.done);
        }
      },
      onReady() {
        for (const input of deferred.splice(0)) handleInput(input.msg, input.send, input.done);
      },
    };

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

    node.on('input', (msg: Input['msg'], send: Input['send'], done: Done) => {
      const connection = account.connection;
      if (mac && connection && connection.devices.length === 0 && connection.state.phase !== 'connected' && !FATAL_PHASES.includes(connection.state.phase)) {
        node.status({ fill: 'yellow', shape: 'ring', text: t('navien-control.status.waiting') });
        deferred.push({ msg, send, done });
        return;
      }
      handleInput(msg, send, done);
    });

    function handleInput(msg: Input['msg'], send: Input['send'], done: Done): void {
      const connection = account?.connection;
      if (!account || !mac || !connection) {
        fail('no-device', {}, msg, done);
        return;
      }
      const rawFeatures = connection.featuresOf(mac);
      let plans;
      try {
        plans = planControls(msg.topic, msg.payload, msg.unit, {
          unit,
          allowPowerOff: config.allowPowerOff !== false,
          readOnly: account.readOnly,
          features: rawFeatures ? decodeFeature(rawFeatures, unit) : undefined,
        });
      } catch (err) {
        if (err instanceof ControlInputError) fail(err.key, err.args, msg, done);
        else fail('bad-type', { field: 'msg.payload', expected: 'a valid command', value: errorMessage(err) }, msg, done);
        return;
      }
      if (msg.dryRun === true) {
        let ctx;
        try {
          ctx = connection.commandContext(mac);
        } catch {
          fail('no-device', {}, msg, done);
          return;
        }
        const wire = plans.map((plan) => {
          const built = plan.build(ctx);
          return { command: plan.command, requested: plan.requested, topic: built.topic, message: built.payload };
        });
        send(Object.assign(msg, { payload: { dryRun: true, commands: wire } }));
        done();
        return;
      }
      if (!connection.device(mac) && connection.devices.length > 0) {
        fail('no-device', {}, msg, done);
        return;
      }
      runner ??= new DeviceCommandRunner(connection, mac);
      const active = runner;
      node.status({ fill: 'blue', shape: 'dot', text: t('navien-control.status.sending') });
      // Clone before anything is reported: the first result reuses (and rewrites) the input msg.
      const targets = plans.map((_plan: PlannedControl, index: number) => (index === 0 ? msg : (RED.util.cloneMessage(msg) as typeof msg)));
      const jobs = plans.map((plan: PlannedControl, index: number) =>
        active.submit(plan).then(
          (outcome) => report(outcome, targets[index], send),
          (err: unknown) => {
            // Closed under us (redeploy): the work is cancelled on purpose, there is no result to report.
            if (err instanceof ControlCancelledError) return;
            const text = err instanceof QueueError && err.code === 'QUEUE_FULL' ? t('navien-control.errors.queue-full') : errorMessage(err);
            node.status({ fill: 'red', shape: 'ring', text: `${plan.command}: ${text}` });
            node.error(text, targets[index]);
          },
        ),
      );
      void Promise.all(jobs).then(() => done());
    }

    account.register(user);

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const input of deferred.splice(0)) input.done();
      runner?.close();
      runner = undefined;
      void account.deregister(user).finally(done);
    });
  }

  RED.nodes.registerType('navien-control', NavienControlNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
