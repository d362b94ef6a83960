/**
 * The example "10 Water heater dashboard" as its user sees it: a real Node-RED with this package and FlowFuse
 * Dashboard 2.0 linked into its user directory (as `npm start` does), the example fetched through the editor's
 * examples API and deployed with the simulator's account, the NaviLink simulator as the cloud (physics frozen, so the
 * heater changes only when the test or a command changes it), and Debian's chromium driven headless through
 * playwright-core on `/dashboard`. Each step saves a screenshot under test-artefacts/dashboard/<runtime>/; the one of
 * the whole page with the plan drawn (NN-dashboard.png) is the README's picture (docs/images/dashboard.png is a copy).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { NavilinkSimulator, type SimulatedDevice } from '../../tools/simulator/simulator';
import {
  DASHBOARD_PATH,
  FlowNode,
  NodeRedProcess,
  PACKAGE,
  RUNTIME_SETUP_TIMEOUT_MS,
  Runtime,
  cleanEnv,
  runtime as loadRuntime,
  prepareUserDir,
  repoRoot,
  runtimesUnderTest,
  waitFor,
} from '../../tools/node-red-launcher';

/** navien-account's advice when the host runs in UTC and the account names no time zone. */
const HOST_UTC_WARNING = /The Node-RED host runs in UTC/;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXAMPLE = '10 Water heater dashboard';
const EMAIL = 'user@example.com';
const PASSWORD = 'example-password';
const MAC = '0a1b2c3d4e5f';
/** The simulated heater's own setpoint limits, narrower than the NWP500's 40.5-65.5 °C: 45 °C and 60 °C. */
const LIMIT_MIN_HALF_C = 90;
const LIMIT_MAX_HALF_C = 120;
const UI_TIMEOUT_MS = 30_000;
/** A refused command: the node waits 30 s after the first refusal and retries once. */
const REFUSED_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The device's half-degree Celsius value in °F with one decimal, as the status summary shows it (unit F). */
function halfCToF(half: number): number {
  return Math.round(((half / 2) * 1.8 + 32) * 10) / 10;
}

const MODE_NAMES: Record<number, string> = { 1: 'heat-pump', 2: 'electric', 3: 'energy-saver', 4: 'high-demand', 5: 'vacation', 6: 'off' };

for (const spec of runtimesUnderTest()) {
describe(`water heater dashboard (example ${EXAMPLE}) in a real browser on ${spec.name}`, function () {
  this.timeout(180_000);

  const repo = repoRoot();
  const artefacts = join(repo, 'test-artefacts', 'dashboard', spec.key);
  let rt: Runtime | undefined;
  let work = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let example: FlowNode[] = [];
  let deployMark = 0;
  let shot = 0;

  const ui = (): Page => {
    assert.ok(page, 'no dashboard page (an earlier step failed)');
    return page;
  };
  const red = (): NodeRedProcess => {
    assert.ok(nodeRed?.running, 'Node-RED is not running (an earlier step failed)');
    return nodeRed;
  };
  const heater = (): SimulatedDevice => {
    assert.ok(simulator, 'no simulator');
    return simulator.device(MAC);
  };
  /** The example's node of this type and name (the test follows the example, not fixed ids). */
  const node = (type: string, name: string): FlowNode => {
    const found = example.find((n) => n.type === type && n.name === name);
    assert.ok(found, `the example has no ${type} named "${name}"`);
    return found;
  };
  /** A dashboard widget's element, by the example's node. */
  const widget = (type: string, name: string): Locator => ui().locator(`#nrdb-ui-widget-${node(type, name).id}`);
  /** The value a ui-text widget shows. */
  const textOf = async (name: string): Promise<string> => (await widget('ui-text', name).locator('.nrdb-ui-text-value').innerText()).trim();
  const waitForText = async (name: string, expected: string, what: string, timeoutMs = UI_TIMEOUT_MS): Promise<void> => {
    await waitFor(async () => ((await textOf(name)) === expected ? true : undefined), `${what} (the "${name}" text to show "${expected}", it shows "${await textOf(name).catch(() => '?')}")`, timeoutMs, 200);
  };

  /**
   * How many pixels of a chart's canvas have each of these colours (echarts draws on a canvas). A line across the
   * chart has well over a thousand; a legend mark a few dozen.
   */
  const pixelsPerColour = async (p: Page, chartName: string, colours: readonly string[]): Promise<number[]> => {
    const canvas = `#nrdb-ui-widget-${node('ui-chart', chartName).id} canvas`;
    return await p.evaluate<number[]>(`(() => {
      const c = document.querySelector(${JSON.stringify(canvas)});
      if (!c) return ${JSON.stringify(colours.map(() => 0))};
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return ${JSON.stringify(colours)}.map((hex) => {
        const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 60) n++;
        return n;
      });
    })()`);
  };
  /** The colours a chart of the example draws its first series in. */
  const coloursOf = (chartName: string, count: number): string[] => (node('ui-chart', chartName).colors as string[]).slice(0, count);

  async function screenshot(name: string, fullPage = false): Promise<string> {
    shot += 1;
    const path = join(artefacts, `${String(shot).padStart(2, '0')}-${name}.png`);
    await ui().screenshot({ path, fullPage });
    return path;
  }

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs Debian's chromium (apt-get install chromium)`);
      process.stdout.write(`      (skipped: ${CHROMIUM} is not installed; apt-get install chromium to run the dashboard tests)\n`);
      this.skip();
    }
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    rt = await loadRuntime(spec.key);
    rmSync(artefacts, { recursive: true, force: true });
    mkdirSync(artefacts, { recursive: true });
    assert.ok(existsSync(join(repo, 'dist', 'nodes', 'navien-status.html')), 'dist/ is not built: run npm run build first');

    work = mkdtempSync(join(tmpdir(), 'navien-dashboard-'));
    // This package and Dashboard 2.0 (the checkout's dev dependency) linked as `npm install <folder>` links them.
    const userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repo, dashboard: true });
    simulator = await NavilinkSimulator.start({
      speed: 0,
      accounts: [
        {
          email: EMAIL,
          password: PASSWORD,
          devices: [
            {
              macAddress: MAC,
              deviceName: 'Garage NWP500',
              // Heat pump at 54.5 °C (130.1 °F), no error, and the heater's own setpoint limits of 45-60 °C. The tank at
              // 48 °C above and 44 °C below, so the planner has heating to plan before its targets.
              status: { dhwOperationSetting: 1, dhwTemperatureSetting: 109, errorCode: 0, subErrorCode: 0, dhwTemperature: 96, tankUpperTemperature: 480, tankLowerTemperature: 440 },
              feature: { dhwTemperatureMin: LIMIT_MIN_HALF_C, dhwTemperatureMax: LIMIT_MAX_HALF_C },
            },
          ],
        },
      ],
    });
    nodeRed = await NodeRedProcess.start({
      runtime: rt,
      userDir,
      env: cleanEnv({ NAVIEN_API_URL: simulator.apiUrl, NAVIEN_IOT_ENDPOINT: simulator.iotEndpoint, NAVIEN_CA_FILE: simulator.caFile }),
      logFile: join(artefacts, 'node-red.log'),
    });

    // The example as the editor's Import > Examples dialog gets it, deployed with the account's credentials.
    example = await nodeRed.getJson<FlowNode[]>(`/library/examples/flows/${PACKAGE}/${encodeURIComponent(EXAMPLE)}`);
    deployMark = nodeRed.logMark();
    await nodeRed.deploy(example.map((n) => (n.type === 'navien-account' ? { ...n, credentials: { email: EMAIL, password: PASSWORD } } : n)));

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: join(artefacts, `failed-${String(this.currentTest.title).replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`), fullPage: true }).catch(() => undefined);
    }
  });

  after(async function () {
    this.timeout(60_000);
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await nodeRed?.stop();
    await simulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('deploys the example: Dashboard 2.0 starts at /dashboard and the editor finds every node of it valid', async function () {
    // Loaded once the deploy started the flows: Dashboard 2.0 at /dashboard.
    await red().waitForLog(/Dashboard 2\.0 .* started at \/dashboard/, 'Dashboard 2.0 to start', { since: deployMark, timeoutMs: UI_TIMEOUT_MS });
    const p = ui();
    await p.goto(red().url('/'), { waitUntil: 'domcontentloaded' });
    await p.waitForFunction('typeof RED !== "undefined" && RED.nodes && RED.workspaces.active() && RED.nodes.getType("ui-gauge") && RED.nodes.getType("navien-status")', undefined, { timeout: UI_TIMEOUT_MS });
    await p.locator('#red-ui-loading-progress').waitFor({ state: 'hidden' });
    const invalid = await p.evaluate(
      '(() => { const bad = []; const check = (n) => { if (n.valid === false) bad.push(n.type + " " + (n.name || n.id) + ": " + JSON.stringify(n.validationErrors || [])); }; RED.nodes.eachNode(check); RED.nodes.eachConfig(check); return bad; })()',
    );
    assert.deepEqual(invalid, [], 'nodes the editor marks invalid');
    const types = await p.evaluate<string[]>('(() => { const t = new Set(); RED.nodes.eachNode((n) => t.add(n.type)); return [...t]; })()');
    assert.ok(types.includes('ui-gauge') && types.includes('navien-control'), `the deployed flow is not the example: ${types.join(', ')}`);
    await screenshot('editor-flow');
  });

  it('opens /dashboard: the gauge shows the simulated tank charge and follows it; nothing was logged as a warning', async function () {
    const p = ui();
    await p.goto(red().url(DASHBOARD_PATH), { waitUntil: 'domcontentloaded' });
    const gauge = widget('ui-gauge', 'tank charge');
    await gauge.waitFor({ state: 'visible' });
    const charge = heater().status.dhwChargePer;
    await gauge.locator('.nrdb-ui-gauge-tank--fglabel').filter({ hasText: `${String(charge)}%` }).waitFor({ state: 'visible' });
    await waitForText('connection', 'online', 'the heater shown online');
    await waitForText('error', 'none', 'no error shown');
    // A draw: the heater pushes a lower charge; the gauge follows.
    heater().setStatus({ dhwChargePer: 41 }, true);
    await gauge.locator('.nrdb-ui-gauge-tank--fglabel').filter({ hasText: '41%' }).waitFor({ state: 'visible' });
    // The chart and the energy bars have data (echarts draws on a canvas).
    await widget('ui-chart', 'last 24 h').locator('canvas').first().waitFor({ state: 'visible' });
    await widget('ui-chart', 'daily energy').locator('canvas').first().waitFor({ state: 'visible' });
    await screenshot('first-status', true);
    // By now the flows have run their start-up: statuses, the features read (slider limits) and the energy read.
    await simulator?.waitForRequest((r) => r.topic.endsWith('/st/energy-usage-daily-query/rd'), UI_TIMEOUT_MS);
    // The account's one-time advice on a UTC host without a time zone (CI runs in UTC) is expected, not a fault.
    const warnings = red().logSince(deployMark).split('\n').filter((l) => /\[(warn|error)\]/.test(l) && !HOST_UTC_WARNING.test(l));
    assert.deepEqual(warnings, [], 'warnings or errors logged since the deploy');
  });

  it('feeds the 24-hour and energy charts straight from navien status nodes (Send: chart points); every change node left is documented', function () {
    const feeders = (id: string) => example.filter((n) => ((n.wires as string[][] | undefined) ?? []).some((port) => port.includes(id)));
    for (const [chart, read] of [['last 24 h', 'status'], ['daily energy', 'energy']]) {
      const from = feeders(node('ui-chart', chart).id);
      assert.deepEqual(from.map((n) => [n.type, n.output, n.read]), [['navien-status', 'chart', read]], `what feeds the chart "${chart}"`);
    }
    // The forecast chart: through the one change node that shapes the plan, fed by the planner in preview.
    const forecast = feeders(node('ui-chart', 'plan forecast').id);
    assert.deepEqual(forecast.map((n) => [n.type, n.name]), [['change', 'forecast for the chart']]);
    assert.deepEqual(feeders(forecast[0].id).map((n) => [n.type, n.apply]), [['navien-planner', 'preview']]);
    // Each change node is there because a widget takes only msg.payload or msg.ui_update, and a comment says so.
    const changes = example.filter((n) => n.type === 'change').map((n) => String(n.name)).sort();
    assert.deepEqual(changes, ['forecast for the chart', 'limits for the slider', 'mode for the buttons', 'notification text', 'power for the switch', 'setpoint for the slider']);
    const comments = example.filter((n) => n.type === 'comment').map((n) => String(n.info)).join('\n');
    for (const name of changes) assert.match(comments, new RegExp(`\\*\\*${name}\\*\\*`), `no comment explains the change node "${name}"`);
  });

  it("draws the planner's forecast (tank charge, heating windows marked) and its cost against the baseline; the preview switches nothing", async function () {
    const p = ui();
    // The plan comes once the stand-in prices arrive (3 s after the deploy) and the planner knows the tank.
    await waitFor(async () => (/planned against/.test(await textOf('plan cost')) ? true : undefined), 'the plan cost text', UI_TIMEOUT_MS, 250);
    assert.match(await textOf('plan cost'), /^\d+\.\d\d planned against \d+\.\d\d without the plan$/);
    const heating = await textOf('planned heating');
    assert.match(heating, /^\d\d:\d\d-\d\d:\d\d heat pump to \d+(\.\d)? °F(, \d\d:\d\d-\d\d:\d\d heat pump to \d+(\.\d)? °F)*$/, `the heating windows: ${heating}`);
    // Both series drawn: the forecast line across the chart, and the heating windows over it in their own colour.
    const colours = coloursOf('plan forecast', 2);
    await widget('ui-chart', 'plan forecast').locator('canvas').first().waitFor({ state: 'visible' });
    await waitFor(async () => {
      const [charge, windows] = await pixelsPerColour(p, 'plan forecast', colours);
      return charge > 1000 && windows > 150 ? true : undefined;
    }, 'the forecast line and the heating windows drawn', UI_TIMEOUT_MS, 250).catch(async (err: Error) => {
      throw new Error(`${err.message}; pixels per series: ${JSON.stringify(await pixelsPerColour(p, 'plan forecast', colours))}`);
    });
    // Preview: no command reached the heater (no control has been clicked yet in this run).
    assert.deepEqual(simulator?.received.filter((r) => r.topic.endsWith('/ctrl')).map((r) => r.topic), [], 'commands sent to the heater');
    await screenshot('dashboard', true);
  });

  it("bounds the setpoint slider by the heater's own limits", async function () {
    const thumb = widget('ui-slider', 'setpoint').locator('.v-slider-thumb');
    const min = String(Math.ceil(halfCToF(LIMIT_MIN_HALF_C)));
    const max = String(Math.floor(halfCToF(LIMIT_MAX_HALF_C)));
    await waitFor(async () => ((await thumb.getAttribute('aria-valuemin')) === min && (await thumb.getAttribute('aria-valuemax')) === max ? true : undefined), `slider limits ${min}-${max} °F`, UI_TIMEOUT_MS, 200);
    assert.equal(await thumb.getAttribute('aria-valuenow'), String(Math.round(halfCToF(heater().status.dhwTemperatureSetting))), "the slider shows the heater's setpoint");
  });

  it("moving the setpoint slider changes the simulated heater's setpoint, and the page shows the confirmed value", async function () {
    const slider = widget('ui-slider', 'setpoint');
    const thumb = slider.locator('.v-slider-thumb');
    const before = heater().status.dhwTemperatureSetting;
    const min = Number(await thumb.getAttribute('aria-valuemin'));
    const max = Number(await thumb.getAttribute('aria-valuemax'));
    // A click a quarter along the track: the slider's value there, sent on release.
    const track = await slider.locator('.v-slider-track').boundingBox();
    assert.ok(track, 'no slider track');
    await ui().mouse.click(track.x + track.width * 0.25, track.y + track.height / 2);
    const clicked = Number(await thumb.getAttribute('aria-valuenow'));
    assert.ok(clicked >= min && clicked < min + (max - min) / 2, `clicked value ${clicked}`);
    const applied = await waitFor(() => (heater().status.dhwTemperatureSetting !== before ? heater().status.dhwTemperatureSetting : undefined), 'the simulated setpoint to change', UI_TIMEOUT_MS, 100);
    const appliedF = halfCToF(applied);
    assert.ok(Math.abs(appliedF - clicked) <= 0.9, `the heater took ${appliedF} °F for ${clicked} °F`);
    // What the page shows now is the heater's value (snapped to its 0.5 °C steps), not the click.
    await waitForText('setpoint', `${appliedF} °F`, 'the confirmed setpoint');
    await waitForText('last command', `setpoint ${clicked}: confirmed (the heater shows ${appliedF})`, 'the confirmed result');
    await waitFor(async () => ((await thumb.getAttribute('aria-valuenow')) === String(Math.round(appliedF)) ? true : undefined), 'the slider at the confirmed value', UI_TIMEOUT_MS, 100);
    await screenshot('setpoint-confirmed');
  });

  it('switching the mode changes the simulated heater, and the buttons show the confirmed mode', async function () {
    const buttons = widget('ui-button-group', 'mode');
    assert.equal(heater().status.dhwOperationSetting, 1, 'the heater starts in heat-pump mode');
    await buttons.locator('button[value="heat-pump"].v-btn--active').waitFor({ state: 'visible' });
    await buttons.locator('button[value="energy-saver"]').click();
    await waitFor(() => (heater().status.dhwOperationSetting === 3 ? true : undefined), 'the simulated heater in energy-saver mode', UI_TIMEOUT_MS, 100);
    await waitForText('last command', 'mode energy-saver: confirmed (the heater shows energy-saver)', 'the confirmed mode result');
    await waitForText('mode', 'energy saver', 'the mode text');
    await buttons.locator('button[value="energy-saver"].v-btn--active').waitFor({ state: 'visible' });
    assert.equal(await buttons.locator('button.v-btn--active').count(), 1, 'one mode button active');
    await screenshot('mode-confirmed');
  });

  it('a refused command is visible, and the control goes back to what the heater reports', async function () {
    this.timeout(REFUSED_TIMEOUT_MS + 30_000);
    const buttons = widget('ui-button-group', 'mode');
    // The heater refuses the command and the node's one retry 30 s later (ctrl-fail).
    heater().failNextControl(2);
    const mode = heater().status.dhwOperationSetting;
    await buttons.locator('button[value="high-demand"]').click();
    const note = ui().locator('.v-snackbar, .nrdb-ui-notification').filter({ hasText: 'mode high-demand: refused' });
    await note.first().waitFor({ state: 'visible', timeout: REFUSED_TIMEOUT_MS });
    await waitForText('last command', 'mode high-demand: refused', 'the refused result');
    assert.equal(heater().status.dhwOperationSetting, mode, 'the refused command changed the heater');
    // The buttons show the heater's mode again, not the click.
    await buttons.locator(`button[value="${MODE_NAMES[mode]}"].v-btn--active`).waitFor({ state: 'visible' });
    await screenshot('refused');
  });

  it('a simulated error code raises a notification and shows in the state', async function () {
    heater().setStatus({ errorCode: 407, subErrorCode: 1 }, true);
    const note = ui().locator('.v-snackbar, .nrdb-ui-notification').filter({ hasText: 'E407' });
    await note.first().waitFor({ state: 'visible' });
    const text = (await note.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Garage NWP500: E407 DHW temperature sensor abnormal \(low\)\./, `notification: ${text}`);
    await waitForText('error', 'E407: DHW temperature sensor abnormal (low)', 'the error in the state group');
    await screenshot('error-notification');
  });
  it('a page opened later draws the statuses since the deploy: the 24-hour chart keeps its history', async function () {
    assert.ok(browser, 'no browser');
    const later = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    try {
      const p = await later.newPage();
      await p.goto(red().url(DASHBOARD_PATH), { waitUntil: 'domcontentloaded' });
      await p.locator(`#nrdb-ui-widget-${node('ui-chart', 'last 24 h').id} canvas`).first().waitFor({ state: 'visible' });
      // Two points or more per series, so drawn from the stored history: a line across the chart, not a legend mark.
      const colours = coloursOf('last 24 h', 2);
      const counts = () => pixelsPerColour(p, 'last 24 h', colours);
      await waitFor(async () => ((await counts()).every((n) => n > 1000) ? true : undefined), 'both lines drawn on a freshly opened page', 10_000, 250).catch(async (err: Error) => {
        await p.screenshot({ path: join(artefacts, 'failed-history.png'), fullPage: true });
        throw new Error(`${err.message}; pixels per series: ${JSON.stringify(await counts())}`);
      });
      shot += 1;
      await p.screenshot({ path: join(artefacts, `${String(shot).padStart(2, '0')}-opened-later.png`), fullPage: true });
    } finally {
      await later.close();
    }
  });
});
}
