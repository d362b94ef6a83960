// The navien-planner node tests' flow: account + planner (two outputs) + collectors + a Catch node scoped to the planner,
// against the simulator, on a fake clock the node gets through the runtime setting `navienPlannerClock`.
import accountModule = require('../../../src/nodes/navien-account');
import plannerModule = require('../../../src/nodes/navien-planner');
import { NavilinkSimulator, SimulatorOptions } from '../../../tools/simulator/simulator';
import { FakeClock } from '../../helpers/fake-clock';
import { waitFor } from '../../helpers/wait';
import { MAC, TestNode, accountConfig, credentialsFor, helper, loadCatalogs, roundTrip, uniqueId, withCatalog } from '../flow-helper';

export const nodes = [withCatalog(accountModule), withCatalog(plannerModule)];

/** Quick runner waits (the same setting navien-control reads), so a night of commands takes seconds. */
export const FAST_RUNNER = { minSpacingMs: 30, statusNudgeMs: 300, confirmTimeoutMs: 3_000, refusalPauseMs: 500 };

/**
 * The hooks of the calling describe: catalogs and a simulator with frozen physics (the test ticks it) and quick
 * replies and pushes for the suite; a fresh test-helper server for each test, with the node on `clock()`.
 */
export function usePlannerSimulator(options: SimulatorOptions = {}): { sim(): NavilinkSimulator; clock(): FakeClock; setClock(time: number): FakeClock } {
  let sim: NavilinkSimulator | undefined;
  let clock = new FakeClock(0);
  before(async () => {
    await loadCatalogs('navien-planner', 'navien-account');
    sim = await NavilinkSimulator.start({ speed: 0, replyDelayMs: 5, pushDelayMs: 20, minPushIntervalMs: 0, ...options });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ navienPlannerClock: undefined, navienControlTiming: undefined });
  });
  return {
    sim: () => {
      if (!sim) throw new Error('the simulator starts in before()');
      return sim;
    },
    clock: () => clock,
    /** A new fake clock for the next flow loaded (the node reads the setting when it is created). */
    setClock(time: number) {
      clock = new FakeClock(time);
      helper.settings({ navienPlannerClock: clock, navienControlTiming: FAST_RUNNER });
      return clock;
    },
  };
}

export interface Msg {
  topic?: string;
  payload: any; // any: plan and report payloads under test
  error?: { message: string; source?: { id: string } };
  [key: string]: unknown;
}

export interface PlannerFlowOptions {
  readOnly?: boolean;
  /** Properties of the planner node over the defaults. */
  planner?: Record<string, unknown>;
}

export function plannerFlow(sim: NavilinkSimulator, options: PlannerFlowOptions = {}) {
  const ids = { account: uniqueId('acc'), planner: uniqueId('plan'), plans: uniqueId('plans'), reports: uniqueId('reports'), catcher: uniqueId('catch'), caught: uniqueId('caught') };
  const flow = [
    { id: 'tab', type: 'tab', label: 'planner' },
    { ...accountConfig(sim, ids.account), name: 'home', readOnly: options.readOnly ?? false },
    {
      id: ids.planner, z: 'tab', type: 'navien-planner', name: 'tank', account: ids.account, device: MAC, unit: 'C', apply: 'preview',
      targets: [{ at: '06:30', charge: 90 }], maxSetpoint: 65, allowElement: false, horizon: 24, reserve: 5, keepEntries: false,
      // The simulated heater draws only what a test scripts: the planner expects no other draws unless a test says so.
      draws: 'none',
      wires: [[ids.plans], [ids.reports]], ...options.planner,
    },
    { id: ids.plans, z: 'tab', type: 'helper' },
    { id: ids.reports, z: 'tab', type: 'helper' },
    { id: ids.catcher, z: 'tab', type: 'catch', scope: [ids.planner], uncaught: false, wires: [[ids.caught]] },
    { id: ids.caught, z: 'tab', type: 'helper' },
  ];
  return { ids, flow, credentials: credentialsFor(ids.account) };
}

export type PlannerFlowIds = ReturnType<typeof plannerFlow>['ids'];

/** Collectors on the (possibly new) node instances of a loaded flow; waits until the account is connected with features. */
export async function attachPlanner(ids: PlannerFlowIds, options: { wait?: boolean; into?: { plans: Msg[]; reports: Msg[]; caught: Msg[] } } = {}) {
  const { plans, reports, caught } = options.into ?? { plans: [] as Msg[], reports: [] as Msg[], caught: [] as Msg[] };
  (helper.getNode(ids.plans) as TestNode).on('input', (msg: Msg) => plans.push(msg));
  (helper.getNode(ids.reports) as TestNode).on('input', (msg: Msg) => reports.push(msg));
  (helper.getNode(ids.caught) as TestNode).on('input', (msg: Msg) => caught.push(msg));
  const account = helper.getNode(ids.account) as TestNode;
  if (options.wait ?? true) await waitFor(() => account.connection?.state.phase === 'connected' && account.connection.featuresOf(MAC), 'account connected with features');
  return { planner: helper.getNode(ids.planner) as TestNode, account, plans, reports, caught };
}

/**
 * Waits until the node has nothing left to do: no new request reaches the simulator for `quietMs` (the node's status
 * reads, program reads and writes, controls and their confirmations), then a round trip so outputs are delivered.
 */
export async function quiet(sim: NavilinkSimulator, account: TestNode, quietMs = 120): Promise<void> {
  let seen = -1;
  let since = Date.now();
  await waitFor(() => {
    const count = sim.received.length;
    if (count !== seen) {
      seen = count;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= quietMs;
  }, 'the planner to finish its work', 30_000, 10);
  await roundTrip(account);
}

/** An hour of prices as power-saver sends them (`{priceData: [{start, end, value}]}`), local times from `start`. */
export function powerSaverPrices(start: number, hours: number, price: (hour: number) => number): { priceData: Array<{ start: string; end: string; value: number }> } {
  const H = 3_600_000;
  return {
    priceData: Array.from({ length: hours }, (_, i) => ({
      start: new Date(start + i * H).toISOString(),
      end: new Date(start + (i + 1) * H).toISOString(),
      value: price(new Date(start + i * H).getHours()),
    })),
  };
}

/** Cheapest 01:00-05:00 (0.10), evening peak 17-20 and morning peak 7-9 (0.45), shoulders 0.22, day 0.30 (as the core's scripted night). */
export function nightPrice(hour: number): number {
  if (hour >= 1 && hour < 5) return 0.1;
  if ((hour >= 7 && hour < 9) || (hour >= 17 && hour < 20)) return 0.45;
  if (hour >= 22 || hour < 1 || (hour >= 5 && hour < 7)) return 0.22;
  return 0.3;
}
