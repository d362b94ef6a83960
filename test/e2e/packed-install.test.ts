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
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NavilinkSimulator } from '../../tools/simulator/simulator';

const PACKAGE = 'node-red-contrib-navien';
const NODE_TYPES = ['navien-account', 'navien-control', 'navien-diagnostics', 'navien-status'];
const EMAIL = 'user@example.com';
const PASSWORD = 'example-password';
const MAC = '0a1b2c3d4e5f';
const DHW_MODE_NAMES = ['heat-pump', 'electric', 'energy-saver', 'high-demand', 'vacation', 'off'];
const STATUS_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 15_000;

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

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The folder whose package.json is this package, walking up from the compiled test. */
function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === PACKAGE) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE} above ${__dirname}`);
    dir = parent;
  }
}

/** The environment for npm children: none of the npm_* variables of an enclosing `npm test` leak in. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return env;
}

/** Runs a command to completion, collecting its output; rejects with that output when it fails. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** A running Node-RED child with its combined stdout/stderr kept for assertions and failure reports. */
class NodeRedProcess {
  log = '';
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(redJs: string, userDir: string, readonly port: number, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [redJs, '--userDir', userDir, '--port', String(port)], {
      cwd: userDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async waitUntilReady(): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`Node-RED exited during start-up\n${this.log}`);
        try {
          const res = await fetch(this.url('/settings'), { headers: { Accept: 'application/json' } });
          return res.ok && /Started flows/.test(this.log) ? true : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      'Node-RED to start',
      60_000,
    );
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await fetch(this.url(path), { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200, `GET ${path}: HTTP ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  /** A full deploy, as the editor's Deploy button sends it. */
  async deploy(flow: FlowNode[]): Promise<void> {
    const before = this.log.length;
    const res = await fetch(this.url('/flows'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow),
    });
    assert.ok(res.ok, `POST /flows: HTTP ${res.status} ${await res.text()}`);
    await waitFor(
      () => {
        const since = this.log.slice(before);
        if (/Waiting for missing types/.test(since)) throw new Error(`Node-RED lacks node types of the deployed flow:\n${since}`);
        return /Started flows/.test(since) ? true : undefined;
      },
      'the deployed flows to start',
      20_000,
    );
  }

  /** SIGINT, as Ctrl-C or a service manager would; resolves with how long the exit took. */
  async interrupt(): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
    const started = Date.now();
    this.child.kill('SIGINT');
    const timeout = delay(STOP_TIMEOUT_MS + 5_000).then(() => undefined);
    const result = await Promise.race([this.exited, timeout]);
    if (!result) {
      this.kill();
      throw new Error(`Node-RED did not exit within ${STOP_TIMEOUT_MS + 5_000} ms of SIGINT`);
    }
    return { ms: Date.now() - started, ...result };
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Lines at error level, or uncaught errors, that mention this package's nodes. */
  navienErrors(): string[] {
    return this.log
      .split('\n')
      .filter(
        (line) =>
          /navien/i.test(line) &&
          // error level, a node set that failed to load (logged as warn), or an uncaught error's first line
          (/\[error\]/i.test(line) || /\[warn\] \[node-red-contrib-navien\//.test(line) || /^\s*(Uncaught|Unhandled|\w*Error:)/.test(line)),
      );
  }
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

  const repo = findRepoRoot();
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const redJs = join(repo, 'node_modules', 'node-red', 'red.js');
  let work = '';
  let userDir = '';
  let tarball = '';
  let tarEntries: string[] = [];
  let installLog = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;

  /** Node-RED's environment: the caller's, without any NAVIEN_* endpoint settings unless given. */
  const nodeRedEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env = npmEnv();
    for (const key of Object.keys(env)) if (/^NAVIEN_/.test(key)) delete env[key];
    return { ...env, ...extra };
  };

  const startNodeRed = async (env: NodeJS.ProcessEnv): Promise<NodeRedProcess> => {
    const started = new NodeRedProcess(redJs, userDir, await freePort(), env);
    nodeRed = started;
    await started.waitUntilReady();
    return started;
  };

  const sim = (): NavilinkSimulator => {
    assert.ok(simulator, 'simulator not started');
    return simulator;
  };
  const running = (): NodeRedProcess => {
    assert.ok(nodeRed?.running, 'Node-RED is not running (an earlier step failed)');
    return nodeRed;
  };

  before(async function () {
    try {
      work = mkdtempSync(join(tmpdir(), 'navien-e2e-'));
      const packDir = join(work, 'pack');
      mkdirSync(packDir);
      // `prepack` builds dist/ first, exactly as a publish would.
      await run('npm', ['pack', '--pack-destination', packDir], repo);
      const packed = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
      assert.equal(packed.length, 1, `npm pack left ${packed.length} tarballs`);
      tarball = join(packDir, packed[0]);
      tarEntries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);

      // A fresh user directory, as Node-RED creates it, installed into as the palette manager does.
      userDir = join(work, 'userdir');
      mkdirSync(userDir);
      writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2));
      writeFileSync(
        join(userDir, 'settings.js'),
        `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: '${randomBytes(24).toString('hex')}',
  uiHost: '127.0.0.1',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false },
  telemetry: { enabled: false },
};
`,
      );
      installLog = await run('npm', ['install', '--omit=dev', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball], userDir);
      simulator = await NavilinkSimulator.start();
    } catch (err) {
      process.stdout.write(`\n--- e2e setup failed ---\n${installLog}\n`);
      throw err;
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && nodeRed) {
      process.stdout.write(`\n--- Node-RED output (port ${nodeRed.port}) ---\n${nodeRed.log}\n--- end of Node-RED output ---\n`);
    }
  });

  after(async function () {
    nodeRed?.kill();
    if (nodeRed) await Promise.race([nodeRed.exited, delay(5_000)]);
    await simulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
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
