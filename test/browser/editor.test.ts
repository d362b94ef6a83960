/**
 * The editor as a user sees it: a real Node-RED process with this package linked into its user directory (as
 * `npm start` does), the NaviLink simulator as the cloud, and Debian's chromium driven headless through
 * playwright-core (no browser download). Each step saves a screenshot under test-artefacts/browser/.
 *
 * The steps build on each other (one editor session, like a user's): the palette, the help of every node, a
 * navien-status node added from the palette with a new account created in its dialog, the device picker filled from
 * the simulator before anything is deployed, the export without credentials, a deploy from the UI that makes the node
 * emit into a debug node, and finally the same editor in German.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import {
  NodeRedProcess,
  PACKAGE,
  RUNTIME_SETUP_TIMEOUT_MS,
  Runtime,
  cleanEnv,
  runtime as loadRuntime,
  prepareUserDir,
  repoRoot,
  runtimesUnderTest,
} from '../../tools/node-red-launcher';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EMAIL = 'user@example.com';
const PASSWORD = 'example-password';
const MAC = '0a1b2c3d4e5f';
const PALETTE_TYPES = ['navien-status', 'navien-control', 'navien-diagnostics', 'navien-planner'];
const ALL_TYPES = ['navien-account', ...PALETTE_TYPES];
/** Generous: a loaded CI machine, a cold chromium, a first sign-in against the simulator. */
const UI_TIMEOUT_MS = 30_000;
const EMIT_TIMEOUT_MS = 60_000;
/** As the machine notes drive Debian's chromium; playwright adds --headless itself. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The text of the first paragraph of a help file: the tooltip line, distinctive for each node and language. */
function firstHelpParagraph(repo: string, lang: string, type: string): string {
  const html = readFileSync(join(repo, 'locales', lang, `${type}.html`), 'utf8');
  const match = /<p>([\s\S]*?)<\/p>/.exec(html);
  assert.ok(match, `locales/${lang}/${type}.html has no <p>`);
  return match[1].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}

/** The third-level headings of a help file, in order (Inputs / Outputs / Details ...). */
function helpHeadings(repo: string, lang: string, type: string): string[] {
  const html = readFileSync(join(repo, 'locales', lang, `${type}.html`), 'utf8');
  return [...html.matchAll(/<h3>([\s\S]*?)<\/h3>/g)].map((m) => m[1].trim());
}

/** A message from a node's catalog: `catalogText(repo, 'de', 'navien-status', 'label.account')`. */
function catalogText(repo: string, lang: string, type: string, key: string): string {
  const json = JSON.parse(readFileSync(join(repo, 'locales', lang, `${type}.json`), 'utf8')) as Record<string, unknown>;
  let value: unknown = json[type];
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  assert.equal(typeof value, 'string', `locales/${lang}/${type}.json has no ${type}.${key}`);
  return value as string;
}

// The same editor session on every Node-RED major the package supports (4 on Node 20, 5 on Node 22).
for (const spec of runtimesUnderTest()) {
describe(`editor in a real browser (chromium, playwright-core) on ${spec.name}`, function () {
  this.timeout(180_000);

  const repo = repoRoot();
  const artefacts = join(repo, 'test-artefacts', 'browser', spec.key);
  let rt: Runtime | undefined;
  let work = '';
  let userDir = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const adminRequests: { method: string; url: string; status: number; body: string }[] = [];
  let shot = 0;

  const ui = (): Page => {
    assert.ok(page, 'no editor page (an earlier step failed)');
    return page;
  };
  const red = (): NodeRedProcess => {
    assert.ok(nodeRed?.running, 'Node-RED is not running (an earlier step failed)');
    return nodeRed;
  };

  async function screenshot(name: string, target: Page = ui()): Promise<void> {
    shot += 1;
    await target.screenshot({ path: join(artefacts, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: false });
  }

  /** Evaluates an expression in the editor page (a string: the test compiles without DOM types). */
  async function inPage<T>(expression: string, target: Page = ui()): Promise<T> {
    return await target.evaluate(expression);
  }

  /** Opens the editor and waits until it has loaded the palette (and with it every node's editor file). */
  async function openEditor(target: Page, url: string): Promise<void> {
    await target.goto(url, { waitUntil: 'domcontentloaded' });
    await target.locator('#red-ui-palette-container-navien').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await target.locator('#red-ui-loading-progress').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await target.waitForFunction('typeof RED !== "undefined" && RED.nodes && RED.nodes.getType("navien-account") && RED.workspaces.active()', undefined, { timeout: UI_TIMEOUT_MS });
  }

  /** The workspace element of a flow node, by id. */
  function canvasNode(id: string): Locator {
    return ui().locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
  }

  /** Drags a palette node onto the workspace at (x, y) relative to the workspace chart; returns the new node's id. */
  async function dropFromPalette(type: string, x: number, y: number): Promise<string> {
    const p = ui();
    const before = await inPage<string[]>(`RED.nodes.filterNodes({type: ${JSON.stringify(type)}}).map(n => n.id)`);
    const source = p.locator(`#red-ui-palette-navien .red-ui-palette-node[data-palette-type="${type}"], .red-ui-palette-node[data-palette-type="${type}"]`).first();
    await source.scrollIntoViewIfNeeded();
    const from = await source.boundingBox();
    const chart = await p.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(from && chart, `no bounding box for the ${type} palette node or the workspace`);
    await p.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await p.mouse.down();
    await p.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 5 });
    await p.mouse.move(chart.x + x, chart.y + y, { steps: 20 });
    await p.mouse.up();
    const handle = await p.waitForFunction(
      `(() => { const before = ${JSON.stringify(before)}; const n = RED.nodes.filterNodes({type: ${JSON.stringify(type)}}).find(n => !before.includes(n.id)); return n ? n.id : null; })()`,
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
    const id = (await handle.jsonValue()) as string;
    await canvasNode(id).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    return id;
  }

  async function centre(locator: Locator): Promise<{ x: number; y: number }> {
    const box = await locator.boundingBox();
    assert.ok(box, 'element has no bounding box');
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** Wires the first output of one node to the input of another by dragging between the ports. */
  async function wire(fromId: string, toId: string): Promise<void> {
    const p = ui();
    const from = await centre(canvasNode(fromId).locator('.red-ui-flow-port-output .red-ui-flow-port').first());
    const to = await centre(canvasNode(toId).locator('.red-ui-flow-port-input .red-ui-flow-port').first());
    await p.mouse.move(from.x, from.y);
    await p.mouse.down();
    await p.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 10 });
    await p.mouse.move(to.x, to.y, { steps: 10 });
    await p.mouse.up();
    await p.waitForFunction(
      `RED.nodes.filterLinks({source: {id: ${JSON.stringify(fromId)}}, target: {id: ${JSON.stringify(toId)}}}).length === 1`,
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
  }

  /** Shows a node's help in the help sidebar from the palette popover's book button, as a user does. */
  async function showHelpFromPalette(target: Page, type: string): Promise<void> {
    const node = target.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).first();
    // The popover names the node as "<module> : <type>"; an earlier node's popover may still be fading out.
    const book = target.locator('.red-ui-popover:visible').filter({ hasText: `${PACKAGE} : ${type}` }).locator('button:has(i.fa-book)').first();
    // The popover opens after hovering for 750 ms, and only on a fresh mouse-enter: leave and re-enter until it shows.
    for (let attempt = 1; ; attempt++) {
      await node.scrollIntoViewIfNeeded();
      await target.mouse.move(1, 1);
      await node.hover();
      try {
        await book.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (err) {
        if (attempt >= 6) throw err;
      }
    }
    await book.click();
    await target.locator('.red-ui-sidebar-help-stack h1.red-ui-help-title').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  }

  /** The help sidebar's current title and text, once it shows `type`. */
  async function helpShown(target: Page, expectedText: string): Promise<string> {
    const body = target.locator('.red-ui-sidebar-help-stack .red-ui-help').filter({ hasText: expectedText.slice(0, 60) }).first();
    await body.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    return (await target.locator('.red-ui-sidebar-help-stack').innerText()).replace(/\s+/g, ' ');
  }

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs Debian's chromium (apt-get install chromium)`);
      process.stdout.write(`      (skipped: ${CHROMIUM} is not installed; apt-get install chromium to run the editor tests)\n`);
      this.skip();
    }
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    rt = await loadRuntime(spec.key);
    rmSync(artefacts, { recursive: true, force: true });
    mkdirSync(artefacts, { recursive: true });
    assert.ok(existsSync(join(repo, 'dist', 'nodes', 'navien-status.html')), 'dist/ is not built: run npm run build first');

    work = mkdtempSync(join(tmpdir(), 'navien-browser-'));
    // The checkout linked into the user directory the way `npm install <dir>` (and `npm start`) does.
    userDir = prepareUserDir(join(work, 'userdir'), { linkPackage: repo });
    simulator = await NavilinkSimulator.start();
    nodeRed = await NodeRedProcess.start({
      runtime: rt,
      userDir,
      env: cleanEnv({ NAVIEN_API_URL: simulator.apiUrl, NAVIEN_IOT_ENDPOINT: simulator.iotEndpoint, NAVIEN_CA_FILE: simulator.caFile }),
      logFile: join(artefacts, 'node-red.log'),
    });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // launch() gives chromium a fresh, empty profile directory of its own (and deletes it on close).
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('response', (res) => {
      const req: Request = res.request();
      if (/\/navien-account\/(devices|[^/]+\/devices)$/.test(new URL(req.url()).pathname)) {
        adminRequests.push({ method: req.method(), url: req.url(), status: res.status(), body: req.postData() ?? '' });
      }
    });
    await openEditor(page, nodeRed.url('/'));
  });

  afterEach(async function () {
    // The state of the editor when a step failed.
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: join(artefacts, `failed-${String(this.currentTest.title).replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
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

  it('shows the navien nodes in the palette under the category "navien" and registers the account as a config node', async function () {
    const p = ui();
    await p.locator('#red-ui-palette-header-navien').waitFor({ state: 'visible' });
    assert.equal((await p.locator('#red-ui-palette-header-navien').innerText()).trim(), 'navien');
    const types = await p.locator('#red-ui-palette-navien .red-ui-palette-node').evaluateAll((els) =>
      els.map((el) => (el as unknown as { getAttribute(name: string): string | null }).getAttribute('data-palette-type')),
    );
    assert.deepEqual([...types].sort(), [...PALETTE_TYPES].sort(), 'palette nodes in the navien category');
    for (const type of PALETTE_TYPES) {
      // Long labels wrap onto two lines in the palette.
      const label = (await p.locator(`#red-ui-palette-navien .red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`).innerText()).replace(/\s+/g, ' ').trim();
      assert.equal(label, catalogText(repo, 'en-US', type, 'paletteLabel'), `palette label of ${type}`);
      // The icon is ours and loads.
      const icon = await p.locator(`#red-ui-palette-navien .red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-icon-container`).getAttribute('data-palette-icon');
      assert.match(String(icon), new RegExp(`${type}\\.svg$`), `icon of ${type}`);
      const res = await fetch(new URL(String(icon), red().url('/')));
      assert.equal(res.status, 200, `GET ${icon}`);
    }
    const defs = await inPage<Record<string, { category: string; module: string } | null>>(
      `Object.fromEntries(${JSON.stringify(ALL_TYPES)}.map(t => { const d = RED.nodes.getType(t); return [t, d ? {category: d.category, module: d.set.module} : null]; }))`,
    );
    assert.deepEqual(defs, {
      'navien-account': { category: 'config', module: PACKAGE },
      'navien-status': { category: 'navien', module: PACKAGE },
      'navien-control': { category: 'navien', module: PACKAGE },
      'navien-diagnostics': { category: 'navien', module: PACKAGE },
      'navien-planner': { category: 'navien', module: PACKAGE },
    });
    const sets = (await (await fetch(red().url('/nodes'), { headers: { accept: 'application/json' } })).json()) as { module: string; types: string[]; err?: unknown }[];
    const ours = sets.filter((s) => s.module === PACKAGE);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...ALL_TYPES].sort());
    assert.deepEqual(ours.filter((s) => s.err), [], 'node sets with load errors');
    // The script the five editor files share, served from the package's resources/ folder.
    assert.deepEqual(
      await inPage<string[]>('Object.keys(window.NavienEditor || {}).sort()'),
      ['deviceLabel', 'deviceNode', 'devicePicker', 'dialog', 'errorColor', 'errorText', 'expandTemplate', 'limits', 'normMac', 'requestDevices', 'rules', 'validate', 'values'],
      'window.NavienEditor',
    );
    await screenshot('palette');
  });

  it("shows each palette node's help in the help sidebar", async function () {
    const p = ui();
    for (const type of PALETTE_TYPES) {
      await showHelpFromPalette(p, type);
      const expected = firstHelpParagraph(repo, 'en-US', type);
      const text = await helpShown(p, expected);
      assert.ok(text.includes(expected), `help for ${type} shows its first paragraph "${expected}":\n${text.slice(0, 500)}`);
      for (const heading of helpHeadings(repo, 'en-US', type)) {
        assert.ok(text.includes(heading), `help for ${type} has the heading "${heading}"`);
      }
      await screenshot(`help-${type}`);
    }
  });

  let statusId = '';
  let debugId = '';
  let accountId = '';

  it('adds a navien-status node and creates an account in its dialog, with the password masked', async function () {
    const p = ui();
    statusId = await dropFromPalette('navien-status', 200, 150);
    await screenshot('status-added');
    await canvasNode(statusId).locator('.red-ui-flow-node').first().dblclick();
    await p.locator('#node-input-account').waitFor({ state: 'visible' });
    // The picker waits for an account.
    await p.locator('#navien-status-device-message').filter({ hasText: catalogText(repo, 'en-US', 'navien-account', 'picker.needAccount') }).waitFor({ state: 'visible' });
    await screenshot('status-dialog');

    await p.locator('#node-input-btn-account-add').click();
    const email = p.locator('#node-config-input-email');
    const password = p.locator('#node-config-input-password');
    await email.waitFor({ state: 'visible' });
    await email.fill(EMAIL);
    await password.click();
    await p.keyboard.type(PASSWORD);
    assert.equal(await password.getAttribute('type'), 'password', 'the password input is masked');
    assert.equal(await password.inputValue(), PASSWORD, 'the typed password is in the (masked) field');
    // Nothing on the page shows the password in clear.
    assert.ok(!(await p.locator('body').innerText()).includes(PASSWORD), 'the password is visible as text on the page');

    // "Check sign-in and list devices" signs in with what was typed (POST, the account is not deployed).
    await p.locator('#navien-account-test').click();
    await p.locator('#navien-account-test-result').filter({ hasText: MAC }).waitFor({ state: 'visible' });
    await screenshot('account-dialog');

    // The account's help from the dialog's book button.
    await p.locator('.red-ui-tray-footer-left button:has(i.fa-book)').last().click();
    const expected = firstHelpParagraph(repo, 'en-US', 'navien-account');
    const helpText = await helpShown(p, expected);
    for (const heading of helpHeadings(repo, 'en-US', 'navien-account')) {
      assert.ok(helpText.includes(heading), `help for navien-account has the heading "${heading}"`);
    }
    await screenshot('help-navien-account');

    await p.locator('#node-config-dialog-ok').click();
    await email.waitFor({ state: 'detached' });
    accountId = await inPage<string>(`(() => { let id = ''; RED.nodes.eachConfig((n) => { if (n.type === 'navien-account') id = n.id; }); return id; })()`);
    assert.ok(accountId, 'the account config node exists in the editor');
    assert.equal(await p.locator('#node-input-account').inputValue(), accountId, 'the new account is selected');
  });

  it("lists the simulator's device in the device picker before the account is deployed (POST path)", async function () {
    const p = ui();
    const option = p.locator(`#navien-status-device-select option[value="${MAC}"]`);
    await option.waitFor({ state: 'attached' });
    assert.match(await option.innerText(), new RegExp(MAC));
    const posts = adminRequests.filter((r) => r.method === 'POST' && /\/navien-account\/devices$/.test(r.url));
    const gets = adminRequests.filter((r) => r.method === 'GET' && /\/navien-account\/[^/]+\/devices$/.test(r.url));
    assert.ok(posts.length >= 1, `the picker asked the POST endpoint: ${JSON.stringify(adminRequests.map((r) => `${r.method} ${r.url} ${r.status}`))}`);
    assert.ok(posts.every((r) => r.status === 200), `POST answers: ${posts.map((r) => r.status).join(', ')}`);
    assert.ok(!gets.some((r) => r.status === 200), 'no GET answered for an undeployed account');
    await p.locator('#navien-status-device-select').selectOption(MAC);
    assert.equal(await p.locator('#node-input-device').inputValue(), MAC);
    await screenshot('device-picker');
    await p.locator('#node-dialog-ok').click();
    await p.locator('#navien-status-device-select').waitFor({ state: 'detached' });
    const device = await inPage<string>(`RED.nodes.node(${JSON.stringify(statusId)}).device`);
    assert.equal(device, MAC);
  });

  it('keeps the e-mail and password out of the exported flow JSON', async function () {
    const p = ui();
    // The editor holds the credentials until the deploy; an export never contains them.
    const held = await inPage<{ email?: string; password?: string }>(`RED.nodes.node(${JSON.stringify(accountId)}).credentials`);
    assert.equal(held.email, EMAIL, 'the editor holds the typed e-mail for the deploy');

    await p.locator('#red-ui-header-button-sidemenu').click();
    await p.locator('#menu-item-export').click();
    await p.locator('#red-ui-clipboard-dialog-export-rng-full').click();
    // The dialog opens on the node list; the JSON is on its second tab.
    await p.locator('a[href="#red-ui-clipboard-dialog-export-tab-clipboard-json"]').click();
    const textarea = p.locator('#red-ui-clipboard-dialog-export-text');
    await textarea.waitFor({ state: 'visible' });
    await p.waitForFunction(`document.getElementById('red-ui-clipboard-dialog-export-text').value.includes('navien-account')`);
    const exported = await textarea.inputValue();
    await screenshot('export-dialog');
    await p.locator('#red-ui-clipboard-dialog-cancel').click();
    await textarea.waitFor({ state: 'hidden' });

    const nodes = JSON.parse(exported) as { id: string; type: string; credentials?: unknown }[];
    assert.ok(nodes.some((n) => n.type === 'navien-account' && n.id === accountId), 'the export holds the account node');
    assert.ok(nodes.some((n) => n.type === 'navien-status' && n.id === statusId), 'the export holds the status node');
    for (const [what, json] of [
      ['Export dialog', exported],
      ['RED.nodes.createCompleteNodeSet(false)', await inPage<string>('JSON.stringify(RED.nodes.createCompleteNodeSet(false))')],
    ] as const) {
      assert.ok(!json.includes(PASSWORD), `${what} contains the password`);
      assert.ok(!json.includes(EMAIL), `${what} contains the e-mail`);
      assert.ok(!/"credentials"/.test(json), `${what} contains a credentials object`);
    }
  });

  it('deploys from the UI and the status node starts emitting into a debug node', async function () {
    const p = ui();
    debugId = await dropFromPalette('debug', 520, 150);
    await wire(statusId, debugId);
    await screenshot('wired');
    const deploy = p.locator('#red-ui-header-button-deploy');
    await deploy.click();
    // A successful deploy disables the button again.
    await p.waitForFunction(`document.getElementById('red-ui-header-button-deploy').classList.contains('disabled')`, undefined, { timeout: UI_TIMEOUT_MS });

    // Node-RED 4 has a debug tab to click; Node-RED 5 shows the debug messages in a panel of its own.
    await inPage('RED.sidebar.show("debug")', p);
    const message = p.locator('.red-ui-debug-msg').filter({ hasText: `navien/${MAC}/status` }).first();
    await message.waitFor({ state: 'visible', timeout: EMIT_TIMEOUT_MS });
    // The node's status under it: a green dot and the tank summary in the node's unit (°F by default).
    await canvasNode(statusId).locator('.red-ui-flow-node-status-dot-green').waitFor({ state: 'visible', timeout: EMIT_TIMEOUT_MS });
    await canvasNode(statusId).locator('.red-ui-flow-node-status-label').filter({ hasText: '°F' }).waitFor({ state: 'visible', timeout: EMIT_TIMEOUT_MS });
    await screenshot('deployed-debug');
    const text = (await message.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /temperature/, `the debug message shows the status payload: ${text}`);

    // What reached the runtime: the flow file has no credentials; the credential file is encrypted.
    const flows = readFileSync(join(userDir, 'flows.json'), 'utf8');
    assert.ok(flows.includes('navien-account') && !flows.includes(PASSWORD) && !flows.includes(EMAIL), 'flows.json holds no credentials');
    const creds = readFileSync(join(userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!creds.includes(PASSWORD) && !creds.includes(EMAIL), 'flows_cred.json is encrypted');
    const served = await (await fetch(red().url('/flows'))).text();
    assert.ok(!served.includes(PASSWORD) && !served.includes(EMAIL), 'GET /flows returns no credentials');
  });

  it('adds a navien-planner: its dialog picks the device, edits the targets list, unit and apply, and saves them in the flow JSON', async function () {
    const p = ui();
    const plannerId = await dropFromPalette('navien-planner', 200, 300);
    await canvasNode(plannerId).locator('.red-ui-flow-node').first().dblclick();
    await p.locator('#node-input-account').waitFor({ state: 'visible' });
    await p.locator('#node-input-account').selectOption(accountId);
    // The account is deployed: the picker asks it for its devices.
    await p.locator(`#navien-planner-device-select option[value="${MAC}"]`).waitFor({ state: 'attached' });
    await p.locator('#navien-planner-device-select').selectOption(MAC);
    // The default target, then a second one added in the list.
    const rows = p.locator('#node-input-targets-container .red-ui-editableList-item-content');
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.nth(0).locator('.navien-planner-target-at').inputValue(), '06:30');
    assert.equal(await rows.nth(0).locator('.navien-planner-target-charge').inputValue(), '90');
    await p.locator('.node-input-targets-row .red-ui-editableList-addButton').click();
    await rows.nth(1).waitFor({ state: 'visible' });
    await rows.nth(1).locator('.navien-planner-target-at').fill('18:00');
    await rows.nth(1).locator('.navien-planner-target-charge').fill('70');
    await p.locator('#node-input-unit').selectOption('C');
    assert.equal(await p.locator('#navien-planner-unit-label').innerText(), '°C');
    await p.locator('#node-input-maxSetpoint').fill('60');
    // "Keep the planned program entries" is offered in device mode only.
    assert.equal(await p.locator('#navien-planner-keep-row').isVisible(), false);
    await p.locator('#node-input-apply').selectOption('device');
    assert.equal(await p.locator('#navien-planner-keep-row').isVisible(), true);
    await p.locator('#node-input-keepEntries').check();
    await screenshot('planner-dialog');
    await p.locator('#node-dialog-ok').click();
    await p.locator('#navien-planner-device-select').waitFor({ state: 'detached' });
    const saved = await inPage<Record<string, unknown>>(
      `(() => { const n = RED.nodes.node(${JSON.stringify(plannerId)}); return { account: n.account, device: n.device, unit: n.unit, apply: n.apply, targets: n.targets, maxSetpoint: Number(n.maxSetpoint), keepEntries: n.keepEntries, valid: n.valid, outputs: n.outputs }; })()`,
    );
    assert.deepEqual(saved, {
      account: accountId, device: MAC, unit: 'C', apply: 'device', targets: [{ at: '06:30', charge: 90 }, { at: '18:00', charge: 70 }],
      maxSetpoint: 60, keepEntries: true, valid: true, outputs: 2,
    });
    // A max setpoint in °F left after switching to °C is flagged.
    await inPage(`(() => { const n = RED.nodes.node(${JSON.stringify(plannerId)}); n.maxSetpoint = 140; RED.editor.validateNode(n); })()`);
    assert.equal(await inPage<boolean>(`RED.nodes.node(${JSON.stringify(plannerId)}).valid`), false);
    await inPage(`(() => { const n = RED.nodes.node(${JSON.stringify(plannerId)}); n.maxSetpoint = 60; RED.editor.validateNode(n); })()`);
  });

  it('renders the German locale (labels, dialog and help)', async function () {
    const b = browser;
    assert.ok(b, 'no browser');
    const de = await b.newContext({ locale: 'de-DE', viewport: { width: 1440, height: 900 } });
    try {
      const p = await de.newPage();
      p.setDefaultTimeout(UI_TIMEOUT_MS);
      const gets: number[] = [];
      p.on('response', (res) => {
        if (res.request().method() === 'GET' && res.url().includes(`/navien-account/${accountId}/devices`)) gets.push(res.status());
      });
      await openEditor(p, red().url('/'));
      const de_ = (type: string, key: string) => catalogText(repo, 'de', type, key);
      // The deployed status node's dialog in German.
      const node = p.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${statusId}"] .red-ui-flow-node`).first();
      await node.waitFor({ state: 'visible' });
      await node.dblclick();
      await p.locator('label[for="node-input-account"]').filter({ hasText: de_('navien-status', 'label.account') }).waitFor({ state: 'visible' });
      assert.equal((await p.locator('label[for="node-input-interval"]').innerText()).trim(), de_('navien-status', 'label.interval'));
      assert.equal((await p.locator('#node-input-output option[value="changes"]').innerText()).trim(), de_('navien-status', 'output.changes'));
      // Send "chart points": its tip shows and the deadbands (changes/fields only) hide; cancelled below, nothing saved.
      assert.equal((await p.locator('#node-input-output option[value="chart"]').innerText()).trim(), de_('navien-status', 'output.chart'));
      await p.locator('#node-input-output').selectOption('chart');
      await p.locator('#navien-status-chart-tip').filter({ hasText: 'Je Status eine kleine Nachricht pro Reihe' }).waitFor({ state: 'visible' });
      await p.locator('#navien-status-rbe').waitFor({ state: 'hidden' });
      await p.locator('#node-input-output').selectOption('all');
      await p.locator('#navien-status-chart-tip').waitFor({ state: 'hidden' });
      // The deployed account: the picker now asks the GET endpoint and still lists the device.
      await p.locator(`#navien-status-device-select option[value="${MAC}"]`).waitFor({ state: 'attached' });
      assert.deepEqual(gets, [200], 'the picker of a deployed account asks GET navien-account/<id>/devices');
      await screenshot('de-status-dialog', p);
      // The account dialog in German: the password stays masked and is not sent back to the editor.
      await p.locator('#node-input-btn-account-edit').click();
      await p.locator('label[for="node-config-input-password"]').filter({ hasText: de_('navien-account', 'label.password') }).waitFor({ state: 'visible' });
      assert.equal(await p.locator('#node-config-input-password').getAttribute('type'), 'password');
      assert.notEqual(await p.locator('#node-config-input-password').inputValue(), PASSWORD, 'the stored password came back to the editor');
      await screenshot('de-account-dialog', p);
      await p.locator('#node-config-dialog-cancel').click();
      await p.locator('#node-dialog-cancel').click();

      for (const type of PALETTE_TYPES) {
        await showHelpFromPalette(p, type);
        const expected = firstHelpParagraph(repo, 'de', type);
        const text = await helpShown(p, expected);
        for (const heading of helpHeadings(repo, 'de', type)) {
          assert.ok(text.includes(heading), `German help for ${type} has the heading "${heading}"`);
        }
      }
      await screenshot('de-help', p);
    } catch (err) {
      for (const p of de.pages()) await p.screenshot({ path: join(artefacts, 'failed-de.png') }).catch(() => undefined);
      throw err;
    } finally {
      await de.close();
    }
  });
});
}
