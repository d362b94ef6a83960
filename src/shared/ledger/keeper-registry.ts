/**
 * The undo keepers of one account connection, one per heater, each on a lease of that heater's one command runner
 * (shared with the nodes, so a restore is spaced and serialised with their controls). The
 * account side owns them (not a node): they live as long as the connection, and a restore still due keeps the
 * connection open after its node was deleted (see `busy` / `whenIdle`).
 */
import type { AccountConnection } from '../connection';
import type { Clock } from '../clock';
import type { RunnerTiming } from '../control/device-commands';
import { RunnerLease, leaseRunner } from '../control/runner-registry';
import { accountDevices } from '../device/device-api';
import type { LedgerFile } from './ledger-file';
import { SettingsKeeper, SettingsStore } from './settings-keeper';
import type { SettingsSection } from './settings-record';

/** The ledger section this module owns. */
export const SETTINGS_SECTION = 'settings';

export function settingsStore(ledger: LedgerFile): SettingsStore {
  return {
    read: () => ledger.read<SettingsSection>(SETTINGS_SECTION),
    update: (change) => ledger.update<SettingsSection>(SETTINGS_SECTION, change),
  };
}

export interface KeeperRegistryOptions {
  /** The account node's id (recorded with each heater's changes). */
  account: string;
  ledger: LedgerFile;
  timing: RunnerTiming;
  isDeployed(owner: string): boolean;
  log(text: string): void;
  /** A status listener that threw (a bug). */
  onError(err: unknown): void;
  clock?: Clock;
}

export class KeeperRegistry {
  private readonly keepers = new Map<string, { keeper: SettingsKeeper; runner: RunnerLease }>();
  private readonly store: SettingsStore;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly connection: AccountConnection, private readonly options: KeeperRegistryOptions) {
    this.store = settingsStore(options.ledger);
  }

  /** The keeper of `mac` on this connection (made on first use). */
  keeper(mac: string): SettingsKeeper {
    const existing = this.keepers.get(mac);
    if (existing) return existing.keeper;
    // The system clock like the nodes' leases: whichever lease comes first makes the runner.
    const runner = leaseRunner(this.connection, mac, { timing: this.options.timing });
    const device = accountDevices(this.connection).device(mac);
    const keeper = new SettingsKeeper({
      mac,
      account: this.options.account,
      store: this.store,
      submit: (plan) => runner.submit(plan),
      readStatus: async () => ((await device.requestStatus()).response?.status ?? {}) as Record<string, unknown>,
      watchStatus: (listener) =>
        device.watch((message) => {
          if (message.kind === 'status' && message.response?.status) listener(message.response.status as Record<string, unknown>);
        }, this.options.onError),
      isDeployed: this.options.isDeployed,
      log: this.options.log,
      clock: this.options.clock,
      onIdle: () => this.wakeIdleWaiters(),
    });
    if (this.closed) keeper.close();
    this.keepers.set(mac, { keeper, runner });
    return keeper;
  }

  /**
   * After each (re)connection: every heater of this connection with changes in the ledger is reconciled (also those
   * no deployed node asks for any more).
   */
  async reconcile(): Promise<void> {
    const section = await this.store.read().catch(() => undefined);
    const macs = new Set(this.connection.devices.map((d) => d.mac));
    const work = Object.keys(section ?? {})
      .filter((mac) => macs.has(mac) || this.keepers.has(mac))
      .map((mac) => this.keeper(mac).reconcile());
    await Promise.all(work);
  }

  /** Whether a restore is due or running on any heater. */
  get busy(): boolean {
    return [...this.keepers.values()].some(({ keeper }) => keeper.busy);
  }

  /** Resolves once no restore is due or running on any heater (at once when idle); each keeper says when it went idle. */
  whenIdle(): Promise<void> {
    if (!this.busy || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdleWaiters(): void {
    if (this.busy && !this.closed) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** The connection closes: timers and queues stop; the ledger keeps what is still due. */
  close(): void {
    this.closed = true;
    for (const { keeper, runner } of this.keepers.values()) {
      keeper.close();
      runner.release();
    }
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}
