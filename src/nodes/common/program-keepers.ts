import type { NodeAPI } from 'node-red';
import type { AccountConnection } from '../../shared/connection';
import type { Clock } from '../../shared/clock';
import type { RunnerTiming } from '../../shared/control/device-commands';
import { RunnerLease, leaseRunner } from '../../shared/control/runner-registry';
import { accountDevices } from '../../shared/device/device-api';
import { errorMessage } from '../../shared/errors';
import { ProgramKeeper, programOwners } from '../../shared/planner-session';
import type { AccountNode, AccountUser } from './account-api';
import { findAccount } from './account-lookup';
import { ledgerFor } from './ledger';

/** What a deployed planner of the heater shows while entries of a removed one could not be removed yet. */
export type KeeperListener = (problem: { owner: string; text: string } | undefined) => void;

export interface ProgramKeepers {
  /** Finds planners in the ledger that are no longer deployed and has their entries removed (idempotent). */
  sweep(): Promise<void>;
  /** Problems of the keepers of heater `mac`, as they come and go; returns the unsubscribe. */
  watch(mac: string, listener: KeeperListener): () => void;
}

interface KeeperOptions {
  clock: Clock;
  timing: RunnerTiming;
  /** User-facing text (catalog) of a problem. */
  text(key: 'keeper-pending' | 'keeper-no-account', args: Record<string, string>): string;
}

/**
 * One heater on one account: an account user while it has work, with a lease of the heater's one runner (its removals
 * are serialised with the nodes' program writes) and a keeper per connection.
 */
interface KeeperSlot {
  account: AccountNode;
  mac: string;
  owners: Set<string>;
  user: AccountUser;
  connection?: AccountConnection;
  runner?: RunnerLease;
  keeper?: ProgramKeeper;
}

let installed: { events: NodeAPI['events']; stop(): void; keepers: ProgramKeepers } | undefined;

/**
 * The process's keepers (one set per Node-RED runtime; a new registration, as a test reload, replaces the old one).
 * They sweep when flows have started (a planner deleted while Node-RED was down, or one whose close ran out of time)
 * and end with the flows.
 */
export function programKeepers(RED: NodeAPI, options: KeeperOptions): ProgramKeepers {
  installed?.stop();
  const slots = new Map<string, KeeperSlot>();
  const listeners = new Map<string, Set<KeeperListener>>();
  const reported = new Map<string, string>();
  const ledger = ledgerFor(RED);

  const tell = (mac: string, owner: string, text: string | undefined) => {
    const key = `${mac}|${owner}`;
    if (reported.get(key) === text) return;
    if (text === undefined) reported.delete(key);
    else {
      reported.set(key, text);
      RED.log.warn(`navien-planner: ${text}`);
    }
    for (const listener of listeners.get(mac) ?? []) listener(text === undefined ? undefined : { owner, text });
  };

  const finish = (key: string, slot: KeeperSlot) => {
    if (slots.get(key) !== slot) return;
    slots.delete(key);
    slot.keeper?.close();
    slot.runner?.release();
    void slot.account.deregister(slot.user).catch(() => undefined);
  };

  const run = (key: string, slot: KeeperSlot) => {
    const connection = slot.account.connection;
    if (!connection) return;
    if (slot.connection !== connection) {
      slot.keeper?.close();
      slot.runner?.release();
      const device = accountDevices(connection).device(slot.mac);
      const runner = leaseRunner(connection, slot.mac, { timing: options.timing });
      slot.connection = connection;
      slot.runner = runner;
      slot.keeper = new ProgramKeeper({
        mac: slot.mac,
        unit: 'C',
        clock: options.clock,
        ledger,
        submit: (plan) => runner.submit(plan),
        requestStatus: async () => ((await device.requestStatus()).response?.status ?? {}) as Record<string, unknown>,
        describe: errorMessage,
        problem: (owner, why) => {
          tell(slot.mac, owner, why === undefined ? undefined : options.text('keeper-pending', { owner, mac: slot.mac, why }));
          if (why === undefined) slot.owners.delete(owner);
          if (slot.owners.size === 0) finish(key, slot);
        },
      });
    }
    void slot.keeper?.sweep([...slot.owners]);
  };

  const keepers: ProgramKeepers = {
    async sweep() {
      const records = await programOwners(ledger).catch(() => []);
      for (const { mac, owner, account: accountId } of records) {
        if (RED.nodes.getNode(owner)) continue; // deployed: that planner picks its entries up itself
        const account = findAccount(RED, accountId);
        if (!account || account.readOnly) {
          tell(mac, owner, options.text('keeper-no-account', { owner, mac }));
          continue;
        }
        const key = `${account.id}|${mac}`;
        const slot = slots.get(key);
        if (!slot) {
          const created: KeeperSlot = { account, mac, owners: new Set(), user: { id: `navien-program-keeper:${mac}`, onReady: () => run(key, created) } };
          slots.set(key, created);
          created.owners.add(owner);
          account.register(created.user); // connects the account if nobody else uses it; onReady runs the keeper
          continue;
        }
        slot.owners.add(owner);
        run(key, slot);
      }
    },
    watch(mac, listener) {
      let set = listeners.get(mac);
      if (!set) listeners.set(mac, (set = new Set()));
      set.add(listener);
      return () => set?.delete(listener);
    },
  };

  const onStarted = () => void keepers.sweep();
  const onStopping = () => {
    for (const [key, slot] of [...slots]) finish(key, slot);
  };
  RED.events.on('flows:started', onStarted);
  RED.events.on('flows:stopping', onStopping);
  installed = {
    events: RED.events,
    keepers,
    stop() {
      RED.events.removeListener('flows:started', onStarted);
      RED.events.removeListener('flows:stopping', onStopping);
      onStopping();
    },
  };
  return keepers;
}
