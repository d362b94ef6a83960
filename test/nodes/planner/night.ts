// A scripted night for the navien-planner node tests: the real node (test helper, real account node) against the
// simulator, on a fake clock the test moves on minute by minute while it ticks the simulated tank by the same minute.
// The heater does what the node's commands (live) or its own weekly program (device) tell it; the test only counts
// the electricity it used at each minute's price.
import { SimulatedDevice } from '../../../tools/simulator/device';
import type { ScheduleEntry as WireEntry } from '../../../tools/simulator/schedules';
import type { NavilinkSimulator } from '../../../tools/simulator/simulator';
import type { FakeClock } from '../../helpers/fake-clock';
import { waitFor } from '../../helpers/wait';
import { MAC, TestNode, helper, roundTrip } from '../flow-helper';
import { Msg, PlannerFlowOptions, attachPlanner, nightPrice, nodes, plannerFlow, powerSaverPrices, quiet } from './planner-flow';

export const MIN = 60_000;
export const H = 60 * MIN;
/** Host-local time on 15/16 January 2025 (a Wednesday night). */
export const local = (day: number, hour: number, minute = 0) => new Date(2025, 0, day, hour, minute).getTime();
export const START = local(15, 18);
export const TARGET = local(16, 6, 30);
/** The prices end here, and so does the plan: the user's own setting comes back. */
export const PRICES_END = local(16, 7);
export const USER_SETPOINT_C = 60.5;
/** The device minimum the charge is counted from (docs/protocol.md#energy-counters). */
const MIN_SETPOINT_C = 40.5;

/**
 * Heat Pump mode at 60.5 °C, the tank at 40 % (mean 48.5 °C), the room at 26 °C, the heater's own TOU mode off (the
 * simulator's captured status has it on, and the planner warns about that in live and device mode).
 */
export const START_STATUS = { dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 500, tankLowerTemperature: 470, ambientTemperature: 260, touStatus: 0 };

export const priceAt = (t: number) => nightPrice(new Date(t).getHours());

/**
 * Charge in % of a full tank at the user's setpoint, from the simulated tank's own zone temperatures (its two zones
 * hold equal water), not from a status decoded back by the planner's formulas.
 */
export function chargeOfDevice(device: SimulatedDevice): number {
  const { upperC, lowerC } = device.tankTemperatures();
  return (100 * ((upperC + lowerC) / 2 - MIN_SETPOINT_C)) / (USER_SETPOINT_C - MIN_SETPOINT_C);
}

/** The water leaving the top of the simulated tank while it draws: the coldest so far, °C (Infinity without a draw). */
function deliveredNow(device: SimulatedDevice, coldest: number): number {
  return device.status.dhwUse === 2 ? Math.min(coldest, device.tankTemperatures().upperC) : coldest;
}

/** The electricity the device used during one tick, kWh. */
function tickKWh(device: SimulatedDevice, ms: number): number {
  const before = device.energyTotals();
  device.tick(ms);
  const after = device.energyTotals();
  return (after.hpUsage - before.hpUsage + after.heUsage - before.heUsage) / 1000;
}

/** The same night without any planning: the heater left in Heat Pump mode at 60.5 °C. */
export function baselineNight(
  drawLitres = 0,
  until = PRICES_END,
  draws?: Array<{ atMs: number; litres: number; lpm: number }>,
): { cost: number; kWh: number; chargeAtTarget: number; coldestDrawC: number } {
  const device = new SimulatedDevice({}, () => undefined, { tickMs: 0, speed: 0, replyDelayMs: 0, pushDelayMs: 0, minPushIntervalMs: 0 });
  device.setStatus(START_STATUS);
  device.scheduledDraws = draws ? draws.map((d) => ({ ...d })) : drawLitres > 0 ? [{ atMs: 3 * H, litres: drawLitres, lpm: 8 }] : [];
  device.tick(1);
  let cost = 0;
  let kWh = 0;
  let chargeAtTarget = NaN;
  let coldestDrawC = Infinity;
  for (let t = START; t < until; t += MIN) {
    const used = tickKWh(device, MIN);
    coldestDrawC = deliveredNow(device, coldestDrawC);
    kWh += used;
    cost += used * priceAt(t);
    if (t + MIN === TARGET) chargeAtTarget = chargeOfDevice(device);
  }
  return { cost, kWh, chargeAtTarget, coldestDrawC };
}

export interface NightOptions extends PlannerFlowOptions {
  /** Litres drawn at 21:00 that nobody announced. */
  drawLitres?: number;
  /** Draws the simulated heater makes, ms after the night starts (instead of `drawLitres`). */
  draws?: Array<{ atMs: number; litres: number; lpm: number }>;
  /** The user's own weekly program on the heater before the night. */
  userProgram?: WireEntry[];
  /** Runs on the clock's minute after the node has settled (e.g. a redeploy, an assertion on the program). */
  at?: Record<number, (run: NightRun) => Promise<void> | void>;
  /** Where the night ends (default: five minutes after the prices end). */
  until?: number;
}

export interface NightRun {
  planner: TestNode;
  account: TestNode;
  plans: Msg[];
  reports: Msg[];
  caught: Msg[];
  cost: number;
  kWh: number;
  chargeAtTarget: number;
  /** Coldest water the simulated tank delivered during a draw, °C (Infinity without draws). */
  coldestDrawC: number;
  /** Redeploys the flow unchanged (every node stops and starts again) and follows the new instances. */
  redeploy(): Promise<void>;
}

/**
 * Runs the night: the node plans at 18:00 from a tank at 40 % with prices until 07:00, then minute by minute the
 * heater runs its program (device mode), the tank is ticked a minute, the node hears the status, and the clock moves
 * on (the node's boundary, poll, drift and target timers run); whenever a timer ran, the test waits until the node's
 * commands are done before the next minute.
 */
export async function runNight(sim: NavilinkSimulator, clock: FakeClock, options: NightOptions = {}): Promise<NightRun> {
  const device = sim.device(MAC);
  device.setStatus(START_STATUS);
  device.reservations = { reservationUse: 2, reservation: (options.userProgram ?? []).map((e) => ({ ...e })) };
  device.scheduledDraws = options.draws
    ? options.draws.map((d) => ({ ...d, atMs: device.simElapsedMs + d.atMs }))
    : options.drawLitres ? [{ atMs: device.simElapsedMs + 3 * H, litres: options.drawLitres, lpm: 8 }] : [];
  device.tick(1);
  const { ids, flow, credentials } = plannerFlow(sim, options);
  await helper.load(nodes, flow, credentials);
  const first = await attachPlanner(ids);
  const run: NightRun = {
    ...first,
    cost: 0,
    kWh: 0,
    chargeAtTarget: NaN,
    coldestDrawC: Infinity,
    async redeploy() {
      await helper.setFlows(flow, 'full', credentials);
      // The new instances report into the same lists.
      const next = await attachPlanner(ids, { into: run });
      run.planner = next.planner;
      run.account = next.account;
    },
  };
  run.planner.receive({ payload: powerSaverPrices(START, 13, nightPrice) });
  await waitFor(() => run.plans.length >= 1, 'the first plan');
  await quiet(sim, run.account);
  const until = options.until ?? PRICES_END + 5 * MIN;
  for (let t = START; t < until; t += MIN) {
    const wall = new Date(t);
    if (options.planner?.apply === 'device') device.runProgram(wall.getDay(), wall.getHours(), wall.getMinutes());
    const used = tickKWh(device, MIN);
    run.coldestDrawC = deliveredNow(device, run.coldestDrawC);
    run.kWh += used;
    run.cost += used * priceAt(t);
    if (clock.dueWithin(MIN)) {
      // A timer of the node runs in this minute: it sees every status of the tank so far, and the test waits until
      // its work (commands, program writes, a new plan) is done before the tank moves on.
      await roundTrip(run.account);
      clock.advance(MIN);
      await quiet(sim, run.account, 60);
    } else {
      clock.advance(MIN);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (clock.now() === TARGET) run.chargeAtTarget = chargeOfDevice(device);
    await options.at?.[clock.now()]?.(run);
  }
  return run;
}
