import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { decodeFeature, fromHalfCelsius } from '../shared/codec';
import { KeeperEvent, modeName } from '../shared/ledger/settings-keeper';
import { isTerminalPhase } from '../shared/connection/connection-phases';
import { ProgramWritesPausedError } from '../shared/control/device-commands';
import { DeviceControls } from '../shared/control/device-controls';
import { Clock, SYSTEM_CLOCK } from '../shared/clock';
import { accountDevices } from '../shared/device/device-api';
import { QueueError, errorMessage } from '../shared/errors';
import { InputError } from '../shared/input-error';
import { normalizeMac } from '../shared/mac';
import { PlanInputError, TankSample, wallClock } from '../shared/planner';
import {
  PlannerConfigFields,
  PlannerReport,
  PlannerSession,
  PlannerSettings,
  SessionState,
  StoredInput,
  plannerSettings,
  programLedgerStore,
} from '../shared/planner-session';
import type { AccountUser } from './common/account-api';
import { findAccount, translator } from './common/account-lookup';
import { contextValueStore } from './common/context-store';
import { heldInputs } from './common/held-inputs';
import { ledgerFor } from './common/ledger';
import { programKeepers } from './common/program-keepers';
import { connectionStatus } from './common/node-status';
import { runnerTiming } from './common/runtime-settings';

interface PlannerConfig extends NodeDef, PlannerConfigFields {
  account: string;
  device?: string;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void;
const noop = () => undefined;

/** The system clock; tests run a simulated night on a fake one through the runtime setting `navienPlannerClock`. */
function plannerClock(RED: NodeAPI): Clock {
  const custom = (RED.settings as unknown as Record<string, unknown>).navienPlannerClock as Partial<Clock> | undefined;
  return custom && typeof custom.now === 'function' && typeof custom.setTimeout === 'function' && typeof custom.clearTimeout === 'function' ? (custom as Clock) : SYSTEM_CLOCK;
}

export = function register(RED: NodeAPI): void {
  const t = translator(RED);
  // What survives a redeploy without a persistent context store, by node id (see contextValueStore).
  const memory = {
    input: new Map<string, StoredInput>(),
    history: new Map<string, TankSample[]>(),
  };
  // Entries of planners no longer deployed (deleted while Node-RED was down, or their close ran out of time).
  const keepers = programKeepers(RED, {
    clock: plannerClock(RED),
    timing: runnerTiming(RED),
    text: (key, args) => t(`navien-planner.errors.${key}`, args),
  });

  function NavienPlannerNode(this: Node, config: PlannerConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const account = findAccount(RED, config.account);
    const mac = normalizeMac(config.device);
    const clock = plannerClock(RED);
    let settings: PlannerSettings | undefined;
    let configError: string | undefined;
    try {
      settings = plannerSettings(config);
    } catch (err) {
      configError = describe(err);
    }
    let session: PlannerSession | undefined;
    let controls: DeviceControls | undefined;
    let unsubscribe: (() => void) | undefined;
    let closing = false;

    function describe(err: unknown): string {
      if (err instanceof PlanInputError) return t('navien-planner.errors.bad-input', err.args);
      if (err instanceof InputError) return t(`navien-planner.errors.${err.key}`, err.args);
      if (err instanceof QueueError && err.code === 'QUEUE_FULL') return t('navien-planner.errors.queue-full');
      if (err instanceof ProgramWritesPausedError) return t('navien-planner.errors.program-paused', { until: new Date(err.until).toISOString() });
      return errorMessage(err);
    }

    const failText = (text: string, msg: NodeMessageInFlow, done: Done = noop) => {
      node.status({ fill: 'red', shape: 'ring', text });
      node.error(text, msg);
      done();
    };

    // A zone the account cannot use: planning on the host's clock instead would put every entry and target hours off.
    const problem = !account ? t('navien-planner.status.missing-account') : !mac ? t('navien-planner.errors.no-device') : configError ?? account.timeZoneError;
    if (problem || !account || !settings) {
      node.status({ fill: 'red', shape: 'ring', text: problem ?? '' });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => failText(problem ?? '', msg, done));
      return;
    }
    /**
     * The input that arrived before the first connection, bounded like navien-control's held inputs
     * (`navienHeldInputs`: maxAgeMs, maxItems). A plan is made from the newest input alone, so only that one waits.
     */
    const held = heldInputs<{ msg: NodeMessageInFlow; send: Send; done: Done }>(RED, node, t, 'navien-planner', 0);
    const active: PlannerSettings = settings;
    const readOnly = account.readOnly;

    /** What the session last said; shown again once the connection is back. */
    let lastState: SessionState | undefined;
    const showState = (state: SessionState) => {
      lastState = state;
      if (closing) return;
      if (state.kind === 'waiting') node.status({ fill: 'yellow', shape: 'ring', text: t('navien-planner.status.waiting-prices') });
      else if (state.kind === 'error') node.status({ fill: 'red', shape: 'ring', text: state.text });
      else if (state.kind === 'not-applied') node.status({ fill: 'yellow', shape: 'ring', text: t(`navien-planner.status.not-applied-${state.reason}`) });
      else {
        // On the heater's clock, like the targets and the program entries.
        const next = state.next === null ? null : wallClock(Math.max(clock.now(), state.next), account.timeZone);
        const time = next ? `${String(next.hour).padStart(2, '0')}:${String(next.minute).padStart(2, '0')}` : '';
        const key = state.windows === 0 ? 'planned-none' : next ? 'planned' : 'planned-done';
        node.status({ fill: 'green', shape: 'dot', text: t(`navien-planner.status.${key}`, { apply: t(`navien-planner.apply.${state.apply}`), windows: state.windows, next: time }) });
      }
    };

    const report = (r: PlannerReport) => {
      if (closing) return;
      node.send([null, { topic: `navien/${mac}/planner/${r.type}`, payload: r }]);
      // A program edit that did not happen leaves the heater without the plan: the status says why, not "planned".
      if (r.type === 'program' && r.error) {
        node.status({ fill: 'yellow', shape: 'ring', text: r.error });
        node.error(r.error);
      }
    };

    /** Controls and the session, once the account is connected (the device API needs the connection). */
    const ensureSession = (): PlannerSession | undefined => {
      const connection = account.connection;
      const keeper = account.keeper(mac);
      if (!connection || closing || !keeper) return undefined;
      if (session) return session;
      const device = accountDevices(connection).device(mac);
      unsubscribe = keeper.subscribe(node.id, onKeeperEvent);
      controls = new DeviceControls(connection, mac, { unit: active.unit, timing: runnerTiming(RED), owner: node.id, keeper, boostKind: 'plan', clock });
      session = new PlannerSession({
        mac,
        settings: active,
        readOnly,
        clock,
        timeZone: account.timeZone,
        device: {
          watchStatus: (listener) =>
            device.watch((m) => {
              if (m.kind === 'status' && m.response?.status) listener(m.response.status as Record<string, unknown>);
            }, (err) => node.error(errorMessage(err))),
          requestStatus: async () => ((await device.requestStatus()).response?.status ?? {}) as Record<string, unknown>,
          features: async () => {
            const raw = connection.featuresOf(mac) ?? (device.known && !readOnly ? await device.features().catch(() => undefined) : undefined);
            return raw ? decodeFeature(raw, 'C') : undefined;
          },
          touPlan: () => device.cachedTouPlan(),
        },
        controls,
        inputStore: contextValueStore(node, 'navienPlannerInput', memory.input),
        // In the change ledger, not the context: which entries are the planner's must survive a restart.
        programStore: programLedgerStore(ledgerFor(RED), mac, node.id, config.account),
        historyStore: contextValueStore(node, 'navienPlannerHistory', memory.history),
        configKey: JSON.stringify(active),
        plan: (payload) => {
          if (!closing) node.send([{ topic: `navien/${mac}/plan`, payload }, null]);
        },
        report,
        state: showState,
        describe,
        warn: (text) => node.warn(text),
        touModeOn: () => node.warn(t('navien-planner.warnings.tou-mode-on')),
      });
      return session;
    };

    /** What the heater's keeper did with the plan's setting when nobody asked for it just now. */
    function onKeeperEvent(event: KeeperEvent): void {
      if (closing) return;
      if (event.type === 'restored') {
        if (event.cause !== 'requested') session?.timedEvent(event.event);
      } else if (event.type === 'overridden') {
        for (const f of event.fields) {
          const shows = f.field === 'mode' ? String(modeName(f.shows)) : `${fromHalfCelsius(f.shows, event.unit)} °${event.unit}`;
          const ours = f.field === 'mode' ? String(modeName(f.ours)) : `${fromHalfCelsius(f.ours, event.unit)} °${event.unit}`;
          node.warn(t('navien-planner.warnings.not-put-back', { field: f.field === 'mode' ? 'mode' : 'setpoint', shows, ours }));
        }
      } else {
        const text = t('navien-planner.errors.restore-pending', { reason: event.reason, seconds: Math.round(event.retryInMs / 1000) });
        node.status({ fill: 'yellow', shape: 'ring', text });
        node.error(text, { topic: `navien/${mac}/planner/restore`, payload: null });
      }
    }

    const user: AccountUser = {
      id: node.id,
      onState(state) {
        if (state.phase !== 'connected' || !lastState) node.status(connectionStatus(state, t, 'navien-planner'));
        else showState(lastState);
        if (isTerminalPhase(state.phase)) {
          const text = state.phase === 'config-error' ? state.error ?? state.phase : t(`navien-planner.status.${state.phase}`);
          held.releaseAll((input) => failText(text, input.msg, input.done));
        }
      },
      onReady() {
        const existing = session;
        const started = ensureSession();
        if (!started) return;
        if (accountDevices(account.connection as NonNullable<typeof account.connection>).device(mac).missing) {
          node.status({ fill: 'red', shape: 'ring', text: t('navien-planner.errors.no-device') });
        }
        started.start().catch((err: unknown) => node.warn(`start: ${describe(err)}`));
        // Connected again: what switched meanwhile goes, and what removed planners left is undone.
        if (existing) existing.reconcile().catch((err: unknown) => node.warn(`reconcile: ${describe(err)}`));
        void keepers.sweep();
        held.release((input) => handleInput(input.msg, input.send, input.done));
      },
    };

    function handleInput(msg: NodeMessageInFlow, send: Send, done: Done): void {
      const active = ensureSession();
      if (!active) return failText(t('navien-planner.errors.no-device'), msg, done);
      active.input(msg.payload).then(
        (payload) => {
          send([Object.assign(msg, { topic: `navien/${mac}/plan`, payload }), null]);
          done();
        },
        (err: unknown) => failText(describe(err), msg, done),
      );
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (!session && account.connection?.state.phase !== 'connected' && !isTerminalPhase(account.state.phase)) {
        // A newer input replaces the one waiting: the plan would be made from it anyway.
        for (const older of held.close()) {
          node.error(t('navien-planner.errors.held-replaced'), older.msg);
          older.done();
        }
        node.status({ fill: 'yellow', shape: 'ring', text: t('navien-planner.status.waiting') });
        held.hold({ msg, send, done });
        return;
      }
      handleInput(msg, send, done);
    });

    account.register(user);
    // What a removed planner left on this heater and could not be undone yet: shown here, and to a Catch node.
    const unwatchKeeper = keepers.watch(mac, (problem) => {
      if (!problem || closing) return;
      node.status({ fill: 'yellow', shape: 'ring', text: t('navien-planner.status.keeper-pending') });
      node.error(problem.text);
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      unsubscribe?.();
      unwatchKeeper();
      for (const input of held.close()) input.done();
      // Removal / entries are cleaned up over the connection first (bounded), then the controls and the account let go.
      void (session?.close(removed) ?? Promise.resolve())
        .catch((err: unknown) => node.warn(`close: ${describe(err)}`))
        .then(() => {
          controls?.close();
          if (removed) for (const map of Object.values(memory)) map.delete(node.id);
          return account.deregister(user);
        })
        .finally(done);
    });
  }

  RED.nodes.registerType('navien-planner', NavienPlannerNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
