/**
 * What a palette-manager user gets: the package is packed with `npm pack`, the tarball is installed into a fresh
 * Node-RED user directory the way the palette manager installs it, and a real Node-RED process (the repo's dev
 * dependency) loads it and runs a flow, deployed through the admin API as the editor does, against the NaviLink
 * simulator. Nothing from the checkout is on the child's module path: the package and its dependencies come only
 * from the installed tarball.
 *
 * Two ways of pointing the account at the simulator are covered: the account node's endpoint fields (first Node-RED
 * run, no NAVIEN_* variables) and the NAVIEN_API_URL / NAVIEN_IOT_ENDPOINT / NAVIEN_CA_FILE environment (second run,
 * which also proves the stored, encrypted credentials survive a restart). TLS verification stays on throughout: the
 * child trusts the simulator's test CA through `caFile` / NAVIEN_CA_FILE only.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import {
  EMAIL,
  FlowNode,
  MAC,
  NODE_TYPES,
  NodeRedProcess,
  PACKAGE,
  PASSWORD,
  STOP_TIMEOUT_MS,
  nodeRedEnv,
  packedInstall,
  startNodeRed as startRed,
  waitFor,
} from './harness';

const DHW_MODE_NAMES = ['heat-pump', 'electric', 'energy-saver', 'high-demand', 'vacation', 'off'];
const STATUS_TIMEOUT_MS = 45_000;

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

interface StatusLine {
  topic: string;
  payload: Record<string, unknown>;
}

/** The status lines the flow's file node wrote, one JSON object per line. */
function readStatusLines(file: string): StatusLine[] {
  if (!existsSync(file)) return [];
  const lines: StatusLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as StatusLine);
    } catch {
      // a line still being written
    }
  }
  return lines;
}

function isGoodStatus(line: StatusLine): boolean {
  const p = line.payload;
  return (
    line.topic === `navien/${MAC}/status` &&
    p !== null &&
    typeof p === 'object' &&
    p.online === true &&
    p.unit === 'C' &&
    typeof p.temperature === 'number' &&
    Number.isFinite(p.temperature) &&
    typeof p.tankCharge === 'number' &&
    p.tankCharge >= 0 &&
    p.tankCharge <= 100 &&
    typeof p.mode === 'string' &&
    DHW_MODE_NAMES.includes(p.mode)
  );
}

/**
 * account -> navien-status (device, °C, every 10 s, all statuses) -> change (JSONata: {topic, payload} as one JSON
 * string) -> file (appends a line). Core nodes only besides ours.
 */
function statusFlow(suffix: string, outFile: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }): FlowNode[] {
  const id = (name: string) => `e2e-${suffix}-${name}`;
  return [
    { id: id('tab'), type: 'tab', label: `e2e ${suffix}`, disabled: false, info: '' },
    {
      id: id('account'),
      type: 'navien-account',
      name: `e2e account (${suffix})`,
      apiUrl: endpoints.apiUrl,
      iotEndpoint: endpoints.iotEndpoint,
      caFile: endpoints.caFile,
      readOnly: false,
      credentials: { email: EMAIL, password: PASSWORD },
    },
    {
      id: id('status'),
      type: 'navien-status',
      z: id('tab'),
      name: '',
      account: id('account'),
      device: MAC,
      unit: 'C',
      interval: '10',
      output: 'all',
      x: 150,
      y: 80,
      wires: [[id('change')]],
    },
    // Not wired: here to prove the runtime registered these types too (a missing type keeps the flow from starting).
    {
      id: id('control'),
      type: 'navien-control',
      z: id('tab'),
      name: '',
      account: id('account'),
      device: MAC,
      unit: 'C',
      allowPowerOff: true,
      x: 150,
      y: 160,
      wires: [[]],
    },
    {
      id: id('diagnostics'),
      type: 'navien-diagnostics',
      z: id('tab'),
      name: '',
      account: id('account'),
      interval: 0,
      x: 150,
      y: 240,
      wires: [[]],
    },
    {
      id: id('change'),
      type: 'change',
      z: id('tab'),
      name: 'topic + payload as JSON',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string({"topic": topic, "payload": payload})', tot: 'jsonata' }],
      action: '',
      property: '',
      from: '',
      to: '',
      reg: false,
      x: 350,
      y: 80,
      wires: [[id('file')]],
    },
    {
      id: id('file'),
      type: 'file',
      z: id('tab'),
      name: '',
      filename: outFile,
      filenameType: 'str',
      appendNewline: true,
      createDir: true,
      overwriteFile: 'false',
      encoding: 'none',
      x: 550,
      y: 80,
      wires: [[]],
    },
  ];
}

async function waitForGoodStatus(file: string, after = 0): Promise<StatusLine> {
  return waitFor(() => readStatusLines(file).slice(after).find(isGoodStatus), `a status line in ${file}`, STATUS_TIMEOUT_MS);
}

describe('packed package installed into a real Node-RED (e2e)', function () {
  this.timeout(240_000);

  let work = '';
  let userDir = '';
  let version = '';
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
    // Packed and installed once per mocha run (shared with the examples suite); this suite owns the user directory
    // the tarball was installed into.
    const install = await packedInstall();
    ({ work, userDir, version, tarEntries, installLog } = install);
    startNodeRed = async (env) => {
      nodeRed = await startRed(install, userDir, env);
      return nodeRed;
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

  it('packs the compiled nodes, their editor files and the examples, and no sources or tests', function () {
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
    const unwanted = files.filter((f) => /^(src|test|tools|scripts|build)\//.test(f) || /^tsconfig.*\.json$/.test(f) || f.endsWith('.test.js'));
    assert.deepEqual(unwanted, [], 'tarball ships sources, tests or build tooling');
  });

  it('loads the four node types from the installed tarball without errors', async function () {
    const installed = join(userDir, 'node_modules', PACKAGE, 'package.json');
    assert.ok(existsSync(installed), `npm install did not put ${PACKAGE} into the user directory:\n${installLog}`);
    const red = await startNodeRed(nodeRedEnv());

    const sets = await red.getJson<NodeSetInfo[]>('/nodes');
    const ours = sets.filter((s) => s.module === PACKAGE);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), NODE_TYPES, `node sets of ${PACKAGE}: ${JSON.stringify(ours, null, 2)}`);
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.id} failed to load: ${String(set.err)}`);
      assert.equal(set.enabled, true, `${set.id} is not enabled`);
      // Node-RED's admin API strips `loaded` from every answer (runtime api/nodes.js); when present it must be true.
      // That the runtime side really registered each type is shown by the deploy below, which uses all four.
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
    const red = await startNodeRed(nodeRedEnv({ NAVIEN_API_URL: s.apiUrl, NAVIEN_IOT_ENDPOINT: s.iotEndpoint, NAVIEN_CA_FILE: s.caFile }));

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
