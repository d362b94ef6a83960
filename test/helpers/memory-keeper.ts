import type { Clock } from '../../src/shared/clock';
import type { ControlOutcome } from '../../src/shared/control/device-commands';
import type { PlannedControl } from '../../src/shared/control/plan';
import { KeeperEvent, SettingsKeeper, SettingsStore } from '../../src/shared/ledger/settings-keeper';
import type { HeaterSettings, SettingsSection } from '../../src/shared/ledger/settings-record';

/** The ledger's `settings` section in memory (copies in and out, like the file). */
export function memorySettingsStore(): SettingsStore & { section(): SettingsSection | undefined } {
  let section: SettingsSection | undefined;
  return {
    read: async () => (section ? structuredClone(section) : undefined),
    update: async (change) => {
      section = change(section ? structuredClone(section) : undefined);
      section = section && Object.keys(section).length ? structuredClone(section) : undefined;
      return section;
    },
    section: () => section,
  };
}

export interface KeeperRig {
  keeper: SettingsKeeper;
  store: ReturnType<typeof memorySettingsStore>;
  events: KeeperEvent[];
  record(): HeaterSettings | undefined;
}

/** A real SettingsKeeper for `mac` over an in-memory ledger and the given (fake) device. */
export function memoryKeeper(mac: string, device: {
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  readStatus(): Promise<Record<string, unknown>>;
  watchStatus?(listener: (s: Record<string, unknown>) => void): () => void;
  clock: Clock;
  isDeployed?(owner: string): boolean;
}, store = memorySettingsStore()): KeeperRig {
  const events: KeeperEvent[] = [];
  const keeper = new SettingsKeeper({
    mac,
    store,
    submit: device.submit,
    readStatus: device.readStatus,
    watchStatus: device.watchStatus ?? (() => () => undefined),
    isDeployed: device.isDeployed ?? (() => true),
    log: () => undefined,
    clock: device.clock,
  });
  return { keeper, store, events, record: () => store.section()?.[mac] };
}
