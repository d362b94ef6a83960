/**
 * One command runner per heater (per account connection and MAC), shared by every node that controls it: the spacing,
 * the refusal pause, the program-write pause and the read-modify-write of the weekly program are then per heater, not
 * per node. Each node holds a lease: its own controls, cancelled when it releases; the runner closes with the last lease.
 */
import type { Clock } from '../clock';
import { ControlOutcome, ControlOwner, ControlTransport, DEFAULT_TIMING, DeviceCommandRunner, RunnerTiming } from './device-commands';
import type { PlannedControl } from './plan';

export interface RunnerLease {
  /** Queues a control on the heater's runner (see DeviceCommandRunner.submit). */
  submit(plan: PlannedControl): Promise<ControlOutcome>;
  /** Cancels this lease's controls (never sent if still waiting); the last release closes the runner. Idempotent. */
  release(): void;
}

export interface RunnerOptions {
  /** Used by the lease that creates the runner; later leases share it as it is. */
  timing?: RunnerTiming;
  clock?: Clock;
}

interface Shared {
  runner: DeviceCommandRunner;
  leases: number;
}

/** By connection (WeakMap: a connection nobody holds takes its entry with it), then by MAC. */
const shared = new WeakMap<ControlTransport, Map<string, Shared>>();

export function leaseRunner(transport: ControlTransport, mac: string, options: RunnerOptions = {}): RunnerLease {
  let byMac = shared.get(transport);
  if (!byMac) {
    byMac = new Map();
    shared.set(transport, byMac);
  }
  const perMac = byMac;
  let entry = perMac.get(mac);
  if (!entry || entry.runner.isClosed) {
    entry = { runner: new DeviceCommandRunner(transport, mac, options.timing ?? DEFAULT_TIMING, options.clock), leases: 0 };
    perMac.set(mac, entry);
  }
  const held = entry;
  held.leases++;
  const owner = new ControlOwner();
  let released = false;
  return {
    submit: (plan) => held.runner.submit(plan, owner),
    release() {
      if (released) return;
      released = true;
      held.runner.cancel(owner);
      if (--held.leases > 0) return;
      held.runner.close();
      if (perMac.get(mac) === held) perMac.delete(mac);
      if (perMac.size === 0 && shared.get(transport) === perMac) shared.delete(transport);
    },
  };
}
