import type { NodeAPI } from 'node-red';
import { Clock, SYSTEM_CLOCK } from '../../shared/clock';
import { DEFAULT_TIMING, RunnerTiming } from '../../shared/control/device-commands';

function setting(RED: NodeAPI, name: string): unknown {
  return (RED.settings as unknown as Record<string, unknown>)[name];
}

/** The command runner's timing; tests shorten its waits through the runtime setting `navienControlTiming`. */
export function runnerTiming(RED: NodeAPI): RunnerTiming {
  const custom = setting(RED, 'navienControlTiming');
  return typeof custom === 'object' && custom !== null ? { ...DEFAULT_TIMING, ...(custom as Partial<RunnerTiming>) } : DEFAULT_TIMING;
}

function isClock(value: unknown): value is Clock {
  const c = value as Partial<Clock> | undefined;
  return !!c && typeof c.now === 'function' && typeof c.setTimeout === 'function' && typeof c.clearTimeout === 'function';
}

/**
 * When the ends of our changes fall due (the undo keepers): the system clock; tests move a fake one through the
 * runtime setting `navienClock`, or the planner's `navienPlannerClock` (its plans end on that clock).
 */
export function keeperClock(RED: NodeAPI): Clock {
  const custom = setting(RED, 'navienClock') ?? setting(RED, 'navienPlannerClock');
  return isClock(custom) ? custom : SYSTEM_CLOCK;
}
