/** A dry run of one input: the wire messages it would publish, validated and built, nothing sent. */
import { TemperatureUnit, buildStatusRequest } from '../codec';
import type { PlanIo, PlannedControl } from './plan';
import { TimedRequest, startPlans } from './plans/timed';
import { startPlansFor } from './plans/vacation-days';

export interface DryRunCommand {
  command: string;
  requested: unknown;
  topic: string;
  message: Record<string, unknown>;
}

/**
 * The commands `controls` and the starts of `timed` (boost, vacation) would publish to `mac`, in order. A
 * read-modify-write reads the device (a query, not a change) to show the exact list it would write. Throws what
 * building throws (an InputError for an edit that does not apply, a NavilinkError for a device not on the account).
 */
export async function dryRunCommands(io: PlanIo, mac: string, controls: PlannedControl[], timed: TimedRequest[], unit: TemperatureUnit): Promise<DryRunCommand[]> {
  const ctx = io.commandContext(mac);
  const entries: Array<{ command: string; requested: unknown; plan: PlannedControl }> = controls.map((plan) => ({ command: plan.command, requested: plan.requested, plan }));
  for (const request of timed) {
    if (request.kind !== 'boost' && request.kind !== 'vacation') continue; // ending one sends what it restores, not known yet
    // A vacation that already runs only gets its days changed: ask the heater (a query, not a change), as the run does.
    const plans = request.kind === 'vacation' ? startPlansFor(request, await currentStatus(io, mac), unit) : startPlans(request, unit);
    for (const plan of plans) entries.push({ command: request.kind, requested: request.requested, plan });
  }
  const commands: DryRunCommand[] = [];
  for (const { command, requested, plan } of entries) {
    if (plan.prepare) await plan.prepare(io, mac);
    const built = plan.build(ctx);
    commands.push({ command, requested, topic: built.topic, message: built.payload });
  }
  return commands;
}

async function currentStatus(io: PlanIo, mac: string): Promise<Record<string, unknown>> {
  const reply = await io.request(mac, buildStatusRequest(io.commandContext(mac)), ['status']);
  const status = reply.response?.status;
  return typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : {};
}
