/**
 * What a palette-manager user gets: the package is packed with `npm pack`, the tarball is installed into a fresh
 * Node-RED user directory the way the palette manager installs it, and a real Node-RED process loads it and runs a
 * flow, deployed through the admin API as the editor does, against the NaviLink simulator; on every runtime of the
 * harness (Node-RED 4 on Node 20, Node-RED 5 on Node 22). Nothing from the checkout is on the child's module path:
 * the package and its dependencies come only from the installed tarball.
 *
 * Two ways of pointing the account at the simulator are covered: the account node's endpoint fields (first Node-RED
 * run, no NAVIEN_* variables) and the NAVIEN_API_URL / NAVIEN_IOT_ENDPOINT / NAVIEN_CA_FILE environment (second run,
 * which also proves the stored, encrypted credentials survive a restart). Between the two, 20 full redeploys must
 * leave exactly one MQTT connection, statuses flowing and the process's memory bounded. TLS verification stays on
 * throughout: the child trusts the simulator's test CA through `caFile` / NAVIEN_CA_FILE only.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import { readStatusLines, statusFlow, waitForGoodStatus } from './status-flow';
import {
  EMAIL,
  MAC,
  NODE_TYPES,
  NodeRedProcess,
  PACKAGE,
  PASSWORD,
  RUNTIMES,
  RUNTIME_SETUP_TIMEOUT_MS,
  STOP_TIMEOUT_MS,
  cleanEnv,
  delay,
  packedInstall,
  waitFor,
} from './harness';

const REDEPLOYS = 20;
/** Generous: a leak of one connection (native client, TLS, WebSocket) per redeploy would still exceed it over 20. */
const RSS_GROWTH_LIMIT = 150 * 1024 * 1024;
const MB = (bytes: number | undefined) => (bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

interface NodeSetInfo {
  id: string;
  name: string;
  types: string[];
  enabled: boolean;
  loaded?: boolean;
  module: string;
  version?: string;
  err?: unknown;
}

interface ModuleInfo {
  name: string;
  version: string;
  path: string;
  nodes: NodeSetInfo[];
}

for (const { name: runtimeName, key: runtimeKey } of RUNTIMES) describe(`packed package installed into a real Node-RED (e2e): ${runtimeName}`, function () {
  this.timeout(240_000);

  let work = '';
  let userDir = '';
  let version = '';
  let expectedRed = '';
  let tarEntries: string[] = [];
  let installLog = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let startNodeRed: (env: NodeJS.ProcessEnv) => Promise<NodeRedProcess> = () => Promise.reject(new Error('e2e setup failed'));

  const sim = (): NavilinkSimulator => {
    assert.ok(simulator, 'simulator not started');
    return simulator;
  };
  const running = (): NodeRedProcess => {
    assert.ok(nodeRed?.running, 'Node-RED is not running (an earlier step failed)');
    return nodeRed;
  };

  before(async function () {
    // The first run on a fresh machine downloads Node 22 and Node-RED 5.
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    // Packed once per mocha run, installed once per runtime (shared with the examples suite); this suite owns the
    // user directory the tarball was installed into.
    const install = await packedInstall(runtimeKey);
    expectedRed = install.runtime.redVersion;
    ({ work, userDir, version, tarEntries, installLog } = install);
    startNodeRed = async (env) => {
      const red = await NodeRedProcess.start({ runtime: install.runtime, userDir, env });
      nodeRed = red;
      return red;
    };
    simulator = await NavilinkSimulator.start();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && nodeRed) {
      process.stdout.write(`\n--- Node-RED output (port ${nodeRed.port}) ---\n${nodeRed.log}\n--- end of Node-RED output ---\n`);
    }
  });

  after(async function () {
    await nodeRed?.stop();
    await simulator?.stop();
  });

  it('packs the compiled nodes, their editor files, the shared editor script and the examples, and no sources, tests, maps or declarations', function () {
    // npm puts every entry under package/.
    const files = tarEntries.map((entry) => entry.replace(/^package\//, ''));
    const has = (pattern: RegExp, what: string) => assert.ok(files.some((f) => pattern.test(f)), `tarball has no ${what}:\n${files.join('\n')}`);
    has(/^package\.json$/, 'package.json');
    has(/^examples\/[^/]+\.json$/, 'examples/*.json');
    for (const type of NODE_TYPES) {
      has(new RegExp(`^dist/nodes/${type}\\.js$`), `dist/nodes/${type}.js`);
      has(new RegExp(`^dist/nodes/${type}\\.html$`), `dist/nodes/${type}.html`);
      has(new RegExp(`^dist/nodes/locales/en-US/${type}\\.json$`), `dist/nodes/locales/en-US/${type}.json`);
    }
    has(/^dist\/nodes\/icons\/[^/]+\.svg$/, 'dist/nodes/icons/*.svg');
    // The editor script every .html loads (without it the editor never finishes loading the palette).
    has(/^resources\/navien-editor\.js$/, 'resources/navien-editor.js');
    const unwanted = files.filter(
      (f) => /^(src|test|tools|scripts|build)\//.test(f) || /^tsconfig.*\.json$/.test(f) || /\.test\.js$|\.map$|\.d\.ts$/.test(f),
    );
    assert.deepEqual(unwanted, [], 'tarball ships sources, tests, source maps, declarations or build tooling');
  });

  it('loads the five node types from the installed tarball without errors', async function () {
    const installed = join(userDir, 'node_modules', PACKAGE, 'package.json');
    assert.ok(existsSync(installed), `npm install did not put ${PACKAGE} into the user directory:\n${installLog}`);
    const red = await startNodeRed(cleanEnv());
    // The runtime the suite is named after is the one that runs.
    const settings = await red.getJson<{ version?: string }>('/settings');
    // (Node-RED 4 from the repo's node_modules adds "-git": it finds the checkout's .git four folders above its runtime.)
    assert.equal(settings.version?.replace(/-git$/, ''), expectedRed, 'Node-RED version reported by the admin API');

    const sets = await red.getJson<NodeSetInfo[]>('/nodes');
    const ours = sets.filter((s) => s.module === PACKAGE);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), NODE_TYPES, `node sets of ${PACKAGE}: ${JSON.stringify(ours, null, 2)}`);
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.id} failed to load: ${String(set.err)}`);
      assert.equal(set.enabled, true, `${set.id} is not enabled`);
      // Node-RED's admin API strips `loaded` from every answer (runtime api/nodes.js); when present it must be true.
      // That the runtime side really registered each type is shown by the deploy below, which uses all five.
      if (set.loaded !== undefined) assert.equal(set.loaded, true, `${set.id} is not loaded`);
    }

    const info = await red.getJson<ModuleInfo>(`/nodes/${PACKAGE}`);
    assert.equal(info.name, PACKAGE);
    assert.equal(info.version, version);
    // Loaded from the installed tarball, not from the checkout.
    assert.equal(realpathSync(info.path), realpathSync(join(userDir, 'node_modules', PACKAGE)));

    // The editor fetches the node definitions and help as HTML; ours must be in it.
    const html = await (await fetch(red.url('/nodes'), { headers: { Accept: 'text/html' } })).text();
    for (const type of NODE_TYPES) assert.ok(html.includes(`registerType('${type}'`) || html.includes(`registerType("${type}"`), `editor HTML lacks ${type}`);
    // Each node's editor file loads the shared script from the package's resources/ folder, which Node-RED serves.
    const shared = `resources/${PACKAGE}/navien-editor.js`;
    assert.ok(html.includes(`<script src="${shared}"></script>`), `editor HTML does not load ${shared}`);
    const script = await fetch(red.url(`/${shared}`));
    assert.equal(script.status, 200, `GET /${shared}`);
    const source = await script.text();
    assert.equal(source, readFileSync(join(userDir, 'node_modules', PACKAGE, 'resources', 'navien-editor.js'), 'utf8'), `${shared} is not the installed file`);
    assert.match(source, /global\.NavienEditor = /);

    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes');
  });

  it('runs a flow deployed through the admin API, with the endpoints in the account node fields', async function () {
    const red = running();
    const out = join(work, 'out', 'fields.jsonl');
    const s = sim();
    await red.deploy(statusFlow('fields', out, { apiUrl: s.apiUrl, iotEndpoint: s.iotEndpoint, caFile: s.caFile }));

    const line = await waitForGoodStatus(out);
    assert.equal(line.topic, `navien/${MAC}/status`);
    assert.equal(line.payload.online, true);
    assert.equal(line.payload.unit, 'C');
    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes');
  });

  it(`survives ${REDEPLOYS} full redeploys: one MQTT connection, statuses still flowing, memory bounded`, async function () {
    const red = running();
    const s = sim();
    const out = join(work, 'out', 'fields.jsonl');
    const endpoints = { apiUrl: s.apiUrl, iotEndpoint: s.iotEndpoint, caFile: s.caFile };
    const rssBefore = red.rss();
    for (let i = 1; i <= REDEPLOYS; i++) {
      // Full deploys (every node stopped and started again), alternately renaming the account and status nodes.
      await red.deploy(statusFlow('fields', out, endpoints, i % 2 === 1 ? ' (renamed)' : ''));
    }
    const linesAfterLoop = readStatusLines(out).length;

    // The connections of the replaced account nodes are closed; only the last one's stays.
    const one = await waitFor(() => (s.connectedClientIds().length === 1 ? s.connectedClientIds() : undefined), 'exactly one MQTT client at the simulator', 30_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; connected: ${JSON.stringify(s.connectedClientIds())}`);
      },
    );
    assert.match(one[0], /^navien-nr-[0-9a-f]{12}$/, 'the connected client is not one of ours');
    await waitForGoodStatus(out, linesAfterLoop);

    // No leftover session fights for the client id (it would reconnect and kick the live one, over and over).
    let connects = 0;
    const onConnect = () => connects++;
    s.on('connect', onConnect);
    try {
      await delay(5_000);
    } finally {
      s.off('connect', onConnect);
    }
    assert.equal(connects, 0, 'MQTT clients kept (re)connecting after the redeploys');
    assert.deepEqual(s.connectedClientIds(), one, 'the connected clients changed after the redeploys settled');

    const rssAfter = red.rss();
    process.stdout.write(`      Node-RED RSS (${runtimeName}): ${MB(rssBefore)} before ${REDEPLOYS} redeploys, ${MB(rssAfter)} after\n`);
    assert.ok(rssBefore !== undefined && rssAfter !== undefined, 'RSS not readable from /proc');
    assert.ok(rssAfter - rssBefore < RSS_GROWTH_LIMIT, `Node-RED grew by ${MB(rssAfter - rssBefore)} over ${REDEPLOYS} redeploys`);
    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes');
  });

  it('keeps the password out of flows.json and stores credentials encrypted', function () {
    const flows = readFileSync(join(userDir, 'flows.json'), 'utf8');
    assert.ok(flows.includes('navien-account'), 'flows.json does not hold the deployed flow');
    assert.ok(!flows.includes(PASSWORD), 'flows.json contains the password');
    assert.ok(!flows.includes(EMAIL), 'flows.json contains the account email');
    const credFile = join(userDir, 'flows_cred.json');
    assert.ok(existsSync(credFile), 'flows_cred.json was not written');
    const creds = readFileSync(credFile, 'utf8');
    assert.ok(!creds.includes(PASSWORD), 'flows_cred.json contains the password in clear text');
    assert.ok(!creds.includes(EMAIL), 'flows_cred.json contains the email in clear text');
    assert.match(creds, /"\$":\s*"[0-9a-f]{32}/, 'flows_cred.json is not in Node-RED\'s encrypted form');
  });

  it('stops within 15 s of SIGINT', async function () {
    const red = running();
    const { ms } = await red.interrupt();
    assert.ok(ms <= STOP_TIMEOUT_MS, `Node-RED took ${ms} ms to exit after SIGINT`);
    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes while stopping');
  });

  it('after a restart, decrypts the stored credentials and also connects with the NAVIEN_* environment', async function () {
    const s = sim();
    const fieldsOut = join(work, 'out', 'fields.jsonl');
    const linesBefore = readStatusLines(fieldsOut).length;
    const red = await startNodeRed(cleanEnv({ NAVIEN_API_URL: s.apiUrl, NAVIEN_IOT_ENDPOINT: s.iotEndpoint, NAVIEN_CA_FILE: s.caFile }));

    // The flow from the first run comes back from flows.json + flows_cred.json and connects again.
    await waitForGoodStatus(fieldsOut, linesBefore);

    // Replace it with an account that leaves the endpoint fields empty, as a user who only sets the environment does.
    const envOut = join(work, 'out', 'env.jsonl');
    await red.deploy(statusFlow('env', envOut, { apiUrl: '', iotEndpoint: '', caFile: '' }));
    const line = await waitForGoodStatus(envOut);
    assert.equal(line.payload.unit, 'C');

    const creds = readFileSync(join(userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!creds.includes(PASSWORD), 'flows_cred.json contains the password in clear text');
    assert.ok(!readFileSync(join(userDir, 'flows.json'), 'utf8').includes(PASSWORD), 'flows.json contains the password');
    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes');

    const { ms } = await red.interrupt();
    assert.ok(ms <= STOP_TIMEOUT_MS, `Node-RED took ${ms} ms to exit after SIGINT`);
  });
});
