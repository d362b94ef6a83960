/**
 * navien-planner `device` across a crash, in a real Node-RED process (the checkout's build linked into the user
 * directory, as test/browser does; the local runtime) against the simulator: a plan written into the heater's weekly
 * program beside the owner's entries, the process killed with SIGKILL (no close runs), and started again with the
 * SAME user directory and Node-RED's default memory context store. Which entries are the planner's is known only
 * from the change ledger in the user directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRedProcess, cleanEnv, localRuntime, prepareUserDir, repoRoot, waitFor } from '../../tools/node-red-launcher';
import type { ScheduleEntry } from '../../tools/simulator/schedules';
import { NavilinkSimulator } from '../../tools/simulator/simulator';

const EMAIL = 'user@example.com';
const PASSWORD = 'example-password';
const MAC = '0a1b2c3d4e5f';
/** The owner's own program: weekdays 12:00 Heat Pump 58 °C, weekends 08:00 Energy Saver 55 °C, one inactive entry. */
const USER_PROGRAM: ScheduleEntry[] = [
  { enable: 2, week: 124, hour: 12, min: 0, mode: 1, param: 116 },
  { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 110 },
  { enable: 1, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
];
const ids = { tab: 'restart-tab', account: 'restart-account', planner: 'restart-planner', prices: 'restart-prices', make: 'restart-make' };

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** account, a device-mode planner, and an inject -> function that sends 13 hours of prices from now (core nodes). */
function plannerFlow(sim: NavilinkSimulator): FlowNode[] {
  return [
    { id: ids.tab, type: 'tab', label: 'restart' },
    { id: ids.account, type: 'navien-account', name: 'home', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile, readOnly: false, credentials: { email: EMAIL, password: PASSWORD } },
    {
      id: ids.planner, z: ids.tab, type: 'navien-planner', name: 'tank', account: ids.account, device: MAC, unit: 'C', apply: 'device',
      targets: [{ at: '06:30', charge: 90 }], maxSetpoint: 65, allowElement: false, horizon: 24, reserve: 5, keepEntries: false, wires: [[], []],
    },
    { id: ids.prices, z: ids.tab, type: 'inject', name: 'prices', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [[ids.make]] },
    {
      id: ids.make, z: ids.tab, type: 'function', name: 'prices from now', outputs: 1,
      func: 'const H = 3600000; const start = Math.floor(Date.now() / H) * H;\n' +
        'msg.payload = { priceData: Array.from({ length: 13 }, (_, i) => ({ start: new Date(start + i * H).toISOString(), end: new Date(start + (i + 1) * H).toISOString(), value: i >= 4 && i < 7 ? 0.1 : 0.3 })) };\n' +
        'return msg;',
      wires: [[ids.planner]],
    },
  ];
}

describe('navien-planner device across SIGKILL in a real Node-RED (memory context store, same user directory)', function () {
  this.timeout(4 * 60_000);
  let sim: NavilinkSimulator;
  let work = '';
  let red: NodeRedProcess | undefined;

  before(async () => {
    assert.ok(existsSync(join(repoRoot(), 'dist', 'nodes', 'navien-planner.js')), 'dist/ is not built: run npm run build first');
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await red?.stop();
    await sim?.stop();
  });
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'navien-planner-restart-'));
    sim.device(MAC).reservations = { reservationUse: 2, reservation: USER_PROGRAM.map((e) => ({ ...e })) };
  });
  afterEach(async () => {
    await red?.stop();
    red = undefined;
    rmSync(work, { recursive: true, force: true });
  });

  /** A Node-RED on `userDir` (its settings.js, and so its credential secret, kept from the first start). */
  function start(userDir: string): Promise<NodeRedProcess> {
    prepareUserDir(userDir, { linkPackage: repoRoot(), keepSettings: true });
    return NodeRedProcess.start({ runtime: localRuntime(), userDir, env: cleanEnv() });
  }

  const planned = () => sim.device(MAC).reservations.reservation.slice(USER_PROGRAM.length);

  /** Deploys the flow, sends prices, waits for the planner's entries on the heater; kills the process with SIGKILL. */
  async function writeThenKill(userDir: string): Promise<ScheduleEntry[]> {
    red = await start(userDir);
    await red.deploy(plannerFlow(sim));
    await red.inject(ids.prices);
    await waitFor(() => (planned().length > 0 ? true : undefined), 'the planner\'s entries on the heater', 60_000);
    const ours = planned();
    assert.ok(existsSync(join(userDir, 'navien-ledger.json')), 'the change ledger was written');
    const killed = await red.stop({ signal: 'SIGKILL' });
    assert.equal(killed.signal, 'SIGKILL');
    red = undefined;
    // No close ran: the entries are still on the heater, the owner's first and untouched.
    assert.deepEqual(sim.device(MAC).reservations.reservation, [...USER_PROGRAM, ...ours]);
    return ours;
  }

  it('the planner still deployed picks its entries up again: on the heater once, the owner\'s untouched, also after new prices', async () => {
    const userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repoRoot() });
    const ours = await writeThenKill(userDir);
    red = await start(userDir);
    const writes: ScheduleEntry[][] = [];
    sim.device(MAC).on('request', (r: { topic: string; outcome: string; payload: unknown }) => {
      if (r.topic.endsWith('/ctrl/rsv/rd') && r.outcome === 'answered') writes.push((r.payload as { request: { reservation: ScheduleEntry[] } }).request.reservation);
    });
    // The same prices again: the planner replaces its own entries instead of adding a second set.
    await red.inject(ids.prices);
    await waitFor(() => (writes.length > 0 ? true : undefined), 'the restarted planner\'s write', 60_000);
    const program = sim.device(MAC).reservations.reservation;
    assert.deepEqual(program.slice(0, USER_PROGRAM.length), USER_PROGRAM, 'the owner\'s entries untouched');
    assert.equal(program.length, USER_PROGRAM.length + ours.length, `the planner's entries once: ${JSON.stringify(program)}`);
    assert.deepEqual(red.navienErrors(), []);
  });

  it('the planner removed from the flow before the restart: its entries are removed, the owner\'s stay', async () => {
    const userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repoRoot() });
    await writeThenKill(userDir);
    // Removed while Node-RED was down (flows.json edited), the account kept.
    const flowFile = join(userDir, 'flows.json');
    const flows = (JSON.parse(readFileSync(flowFile, 'utf8')) as FlowNode[]).filter((n) => n.id !== ids.planner);
    writeFileSync(flowFile, JSON.stringify(flows));
    red = await start(userDir);
    await waitFor(() => (planned().length === 0 ? true : undefined), 'the removed planner\'s entries gone', 60_000);
    assert.deepEqual(sim.device(MAC).reservations, { reservationUse: 2, reservation: USER_PROGRAM });
    await waitFor(() => (!/"program"/.test(readFileSync(join(userDir, 'navien-ledger.json'), 'utf8')) ? true : undefined), 'the ledger section emptied', 30_000);
    assert.deepEqual(red.navienErrors(), []);
  });
});
