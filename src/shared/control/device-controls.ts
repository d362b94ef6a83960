/**
 * The controls of one node for one device: its lease on the device's shared command runner (one control at a time,
 * spaced, confirmed) and its timed actions (boost, vacation and their restore), over the account connection and the
 * device API.
 */
import type { AccountConnection } from '../account-connection';
import type { TemperatureUnit } from '../codec';
import { accountDevices } from '../device/device-api';
import type { ControlOutcome, RunnerTiming } from './device-commands';
import type { PlannedControl } from './plan';
import { RunnerLease, leaseRunner } from './runner-registry';
import type { TimedRequest } from './plans/timed';
import type { Clock } from '../clock';
import { TimedActions, TimedEvent, TimedStore } from './timed-actions';

export interface DeviceControlsOptions {
  unit: TemperatureUnit;
  timing: RunnerTiming;
  /** Where a pending restore is kept (the node's context), so a redeploy or restart resumes it. */
  store: TimedStore;
  /** A restore nobody asked for just now (timer, tank charge, start-up). */
  report(event: TimedEvent): void;
  /** A restore that failed for a reason other than a closed node. */
  warn(text: string): void;
  /** A status listener that threw (a bug): reported, the connection goes on. */
  onError(err: unknown): void;
  /** When timed actions end (default: the system clock; navien-planner's tests run a night on a fake one). */
  clock?: Clock;
}

export class DeviceControls {
  private readonly runner: RunnerLease;
  private readonly timed: TimedActions;

  constructor(connection: AccountConnection, readonly mac: string, options: DeviceControlsOptions) {
    // Shared with every other node on this device, so their controls are spaced and serialised together.
    const runner = leaseRunner(connection, mac, { timing: options.timing });
    const device = accountDevices(connection).device(mac);
    this.runner = runner;
    this.timed = new TimedActions({
      mac,
      unit: options.unit,
      submit: (plan) => runner.submit(plan),
      readStatus: async () => {
        const reply = await device.requestStatus();
        return (reply.response?.status ?? {}) as Record<string, unknown>;
      },
      watchStatus: (listener) =>
        device.watch((message) => {
          if (message.kind === 'status' && message.response?.status) listener(message.response.status as Record<string, unknown>);
        }, options.onError),
      store: options.store,
      report: options.report,
      warn: options.warn,
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

  /** Picks up a restore left pending by a redeploy or restart (at once if overdue). */
  resume(): Promise<void> {
    return this.timed.resume();
  }

  /** Cancels this node's controls (other nodes' on the device go on) and stops timers; a pending restore stays in the store. */
  close(): void {
    this.timed.close();
    this.runner.release();
  }
}
