/**
 * The change ledger in a real Node-RED process: a boost, and a live plan's hold, survive `kill -9`. Node-RED runs with
 * the default memory context store (nothing of Node-RED's survives the kill); started again on the SAME user
 * directory, the owner's setting is put back on the simulated heater from navien-ledger.json alone. Real time: the
 * boost's end falls while Node-RED is down. (tools/node-red-launcher, this checkout's build linked into the user
 * directory; one runtime: the ledger does not depend on it.)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowNode, NodeRedProcess, prepareUserDir, repoRoot, waitFor } from '../../tools/node-red-launcher';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { EMAIL, MAC, PASSWORD } from './harness';

const LEDGER = 'navien-ledger.json';

function ledgerOf(userDir: string): { sections: Record<string, any> } | undefined {
  const file = join(userDir, LEDGER);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

function account(sim: NavilinkSimulator): FlowNode {
  return {
    id: 'e2e-kill-account',
    type: 'navien-account',
    name: 'home',
    apiUrl: sim.apiUrl,
    iotEndpoint: sim.iotEndpoint,
    caFile: sim.caFile,
    readOnly: false,
    credentials: { email: EMAIL, password: PASSWORD },
  };
}

const TAB: FlowNode = { id: 'e2e-kill-tab', type: 'tab', label: 'kill -9', disabled: false, info: '' };

describe('the change ledger survives kill -9 of a real Node-RED (memory context store, same user directory, simulator)', function () {
  this.timeout(180_000);
  let sim: NavilinkSimulator;
  let work: string;
  let red: NodeRedProcess | undefined;

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'navien-kill-'));
  });
  afterEach(async () => {
    await red?.stop();
    red = undefined;
    rmSync(work, { recursive: true, force: true });
  });

  const shows = () => {
    const s = sim.device(MAC).snapshot();
    return [s.dhwOperationSetting, s.dhwTemperatureSetting];
  };
  const start = (userDir: string) => NodeRedProcess.start({ userDir });

  it('a boost whose end falls while Node-RED is down is put back when it starts again', async () => {
    sim.device(MAC).setStatus({ dhwOperationSetting: 3, dhwTemperatureSetting: 100 });
    const userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repoRoot() });
    red = await start(userDir);
    await red.deploy([
      TAB,
      account(sim),
      { id: 'e2e-kill-control', type: 'navien-control', z: TAB.id, name: '', account: 'e2e-kill-account', device: MAC, unit: 'F', allowPowerOff: true, boostMinutes: 60, wires: [[]] },
      {
        id: 'e2e-kill-boost', type: 'inject', z: TAB.id, name: 'boost', props: [{ p: 'payload' }], repeat: '', once: false, topic: 'evening',
        payload: JSON.stringify({ boost: { setpoint: 140, mode: 'high-demand', minutes: 0.2 } }), payloadType: 'json', wires: [['e2e-kill-control']],
      },
    ]);
    // Pressed at once: navien-control holds an input until the account has connected.
    await red.inject('e2e-kill-boost');
    await waitFor(() => (shows()[0] === 4 ? shows() : undefined), 'the boost on the heater', 60_000);
    const record = ledgerOf(userDir)?.sections.settings?.[MAC];
    assert.deepEqual(record?.baseline, { mode: 3, setpointRaw: 100 }, JSON.stringify(ledgerOf(userDir)));
    const until = record.changes[0].until as number;

    await red.stop({ signal: 'SIGKILL' });
    red = undefined;
    // Down past the boost's end: nothing can put it back meanwhile.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 1_000));
    assert.deepEqual(shows(), [4, 120], 'still boosted while Node-RED is down');

    red = await start(userDir);
    await waitFor(() => (shows()[0] === 3 && shows()[1] === 100 ? shows() : undefined), 'the owner\'s setting back after the restart', 60_000);
    await waitFor(() => (ledgerOf(userDir)?.sections.settings === undefined ? true : undefined), 'the ledger emptied', 10_000);
  });

  it('a live plan\'s hold: the planner deleted from the flows while Node-RED was down, the owner\'s setting comes back on start', async () => {
    sim.device(MAC).setStatus({ dhwOperationSetting: 1, dhwTemperatureSetting: 121, tankUpperTemperature: 500, tankLowerTemperature: 470 });
    const userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repoRoot() });
    const H = 3_600_000;
    const from = Math.floor(Date.now() / H) * H;
    const prices = {
      priceData: Array.from({ length: 13 }, (_, i) => ({
        start: new Date(from + i * H).toISOString(),
        end: new Date(from + (i + 1) * H).toISOString(),
        value: i >= 4 && i < 8 ? 0.1 : 0.45,
      })),
    };
    const flow: FlowNode[] = [
      TAB,
      account(sim),
      {
        id: 'e2e-kill-planner', type: 'navien-planner', z: TAB.id, name: 'tank', account: 'e2e-kill-account', device: MAC, unit: 'C', apply: 'live',
        targets: [{ at: new Date(from + 10 * H).toTimeString().slice(0, 5), charge: 90 }], maxSetpoint: 65, allowElement: false, horizon: 24, reserve: 5, keepEntries: false,
        wires: [[], []],
      },
      {
        id: 'e2e-kill-prices', type: 'inject', z: TAB.id, name: 'prices', props: [{ p: 'payload' }], repeat: '', once: false, topic: '',
        payload: JSON.stringify(prices), payloadType: 'json', wires: [['e2e-kill-planner']],
      },
    ];
    red = await start(userDir);
    await red.deploy(flow);
    // Sent at once: navien-planner defers an input until the account has connected.
    await red.inject('e2e-kill-prices');
    await waitFor(() => (ledgerOf(userDir)?.sections.settings?.[MAC]?.changes?.[0]?.kind === 'plan' && shows()[1] !== 121 ? shows() : undefined), 'the plan\'s hold on the heater', 90_000);
    assert.deepEqual(ledgerOf(userDir)?.sections.settings[MAC].baseline, { mode: 1, setpointRaw: 121 });
    const held = shows();

    await red.stop({ signal: 'SIGKILL' });
    red = undefined;
    // Edited while down: the planner is gone from the flows (its account stays).
    const flowsFile = join(userDir, 'flows.json');
    const saved = JSON.parse(readFileSync(flowsFile, 'utf8')) as FlowNode[];
    writeFileSync(flowsFile, JSON.stringify(saved.filter((n) => n.id !== 'e2e-kill-planner' && n.id !== 'e2e-kill-prices')));
    assert.deepEqual(shows(), held, 'still held while Node-RED is down');

    red = await start(userDir);
    await waitFor(() => (shows()[0] === 1 && shows()[1] === 121 ? shows() : undefined), 'the owner\'s setting back after the restart', 60_000);
    await waitFor(() => (ledgerOf(userDir)?.sections.settings === undefined ? true : undefined), 'the ledger emptied', 10_000);
  });
});
