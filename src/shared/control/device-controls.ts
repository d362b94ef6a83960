/**
 * The controls of one node for one device: its lease on the device's shared command runner (one control at a time,
 * spaced, confirmed) and its timed actions (boost, vacation), whose ends the heater's SettingsKeeper (the account
 * connection's) carries out.
 */
import type { AccountConnection } from '../connection';
import type { TemperatureUnit } from '../codec';
import { accountDevices } from '../device/device-api';
import type { SettingsKeeper } from '../ledger/settings-keeper';
import type { ControlOutcome, RunnerTiming } from './device-commands';
import type { PlannedControl } from './plan';
import { RunnerLease, leaseRunner } from './runner-registry';
import type { TimedRequest } from './plans/timed';
import type { Clock } from '../clock';
import type { TimedEvent } from './results';
import { TimedActions, TimedDeps } from './timed-actions';

export interface DeviceControlsOptions {
  unit: TemperatureUnit;
  timing: RunnerTiming;
  /** The node these controls belong to (the owner of its changes in the ledger). */
  owner: string;
  /** The heater's undo keeper (see KeeperRegistry). */
  keeper: SettingsKeeper;
  /** What a boost is in the ledger (navien-planner's live plan: `plan`). */
  boostKind?: TimedDeps['boostKind'];
  /** Latency of timed events (default: the system clock). */
  clock?: Clock;
}

export class DeviceControls {
  private readonly runner: RunnerLease;
  private readonly timed: TimedActions;
  private readonly keeper: SettingsKeeper;
  private readonly owner: string;
  private readonly boostKind: NonNullable<TimedDeps['boostKind']>;

  constructor(connection: AccountConnection, readonly mac: string, options: DeviceControlsOptions) {
    // Shared with every other node on this device, so their controls are spaced and serialised together.
    const runner = leaseRunner(connection, mac, { timing: options.timing });
    const device = accountDevices(connection).device(mac);
    this.runner = runner;
    this.keeper = options.keeper;
    this.owner = options.owner;
    this.boostKind = options.boostKind ?? 'boost';
    this.timed = new TimedActions({
      mac,
      unit: options.unit,
      owner: options.owner,
      boostKind: options.boostKind,
      submit: (plan) => runner.submit(plan),
      readStatus: async () => {
        const reply = await device.requestStatus();
        return (reply.response?.status ?? {}) as Record<string, unknown>;
      },
      keeper: options.keeper,
      clock: options.clock,
    });
  }

  /** Queues a control; resolves with its outcome (see DeviceCommandRunner.submit). */
  submit(plan: PlannedControl): Promise<ControlOutcome> {
    return this.runner.submit(plan);
  }

  /** Starts or ends a boost or vacation; resolves with the event to report for the input message. */
  run(request: TimedRequest, topic: unknown): Promise<TimedEvent | undefined> {
    return this.timed.run(request, topic);
  }

  /** Restores what is overdue and re-arms the rest (the keeper's reconcile). */
  resume(): Promise<void> {
    return this.timed.resume();
  }

  /** The user's own setting (the heater's baseline) while a change of ours is on it. */
  async baseline(): Promise<{ mode: number; setpointRaw: number } | undefined> {
    return this.keeper.baseline();
  }

  /** Forgets this node's boost (or plan) without putting anything back: the user took the heater over. */
  letGo(): Promise<void> {
    return this.keeper.drop(this.owner, this.boostKind);
  }

  /** Cancels this node's waiting controls (other nodes' on the device go on); the keeper goes on with every change still active. */
  close(): void {
    this.runner.release();
  }
}
