/**
 * Shared harness of the end-to-end suites: the package is packed with `npm pack` ONCE per mocha run, and the tarball
 * installed into a fresh Node-RED user directory the way the palette manager installs it, once per runtime (RUNTIMES:
 * Node-RED 4 from the repo's dev dependency on the machine's Node 20; Node-RED 5 on Node 22, both fetched from the npm
 * registry into a cache outside the repo on first use). Real Node-RED processes of that runtime are started against
 * user directories that use that installation. Nothing from the checkout is on a child's module path: the package and
 * its dependencies come only from the installed tarball.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE, Runtime, prepareUserDir, repoRoot, runCommand, runtime, runtimesUnderTest } from '../../tools/node-red-launcher';

export {
  DASHBOARD_PACKAGE,
  NodeRedProcess,
  RUNTIME_SETUP_TIMEOUT_MS,
  cleanEnv,
  dashboardPackageDir,
  delay,
  runtime,
  waitFor,
  type FlowNode,
  type Runtime,
} from '../../tools/node-red-launcher';
export { PACKAGE };
export const NODE_TYPES = ['navien-account', 'navien-control', 'navien-diagnostics', 'navien-planner', 'navien-status'];
export const EMAIL = 'user@example.com';
export const PASSWORD = 'example-password';
export const MAC = '0a1b2c3d4e5f';
/** How long Node-RED may take to exit after SIGINT (asserted by packed-install.test.ts). */
export const STOP_TIMEOUT_MS = 15_000;
/** `npm pack` runs `prepack`, a full build. */
const PACK_TIMEOUT_MS = 5 * 60_000;
/** One palette-style install of the tarball (its dependencies mostly from npm's cache). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** The runtimes every e2e suite runs on (E2E_RUNTIMES narrows them; see tools/node-red-launcher/runtimes.ts). */
export const RUNTIMES = runtimesUnderTest();

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

async function pack(): Promise<PackedTarball> {
  const repo = repoRoot();
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const work = mkdtempSync(join(tmpdir(), 'navien-e2e-'));
  workDir = work;
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  // `prepack` builds dist/ first, exactly as a publish would.
  await runCommand('npm', ['pack', '--pack-destination', packDir], { cwd: repo, timeoutMs: PACK_TIMEOUT_MS });
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `npm pack left ${tarballs.length} tarballs`);
  const tarball = join(packDir, tarballs[0]);
  const tarEntries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', timeout: 60_000 }).split('\n').filter(Boolean);
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
  const userDir = prepareUserDir(join(tarball.work, rt.key, name));
  try {
    // --prefer-offline: the dependencies usually are in npm's cache already; the result is the same.
    const args = ['install', ...PALETTE_INSTALL_ARGS, '--prefer-offline', ...extraArgs, tarball.tarball];
    const { output: installLog } = await runCommand('npm', args, { cwd: userDir, env: rt.env(), timeoutMs: INSTALL_TIMEOUT_MS });
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
export function extraUserDir(install: PackedInstall, name: string): string {
  return prepareUserDir(join(install.work, name), { shareNodeModules: join(install.userDir, 'node_modules') });
}

/**
 * Another fresh user directory whose node_modules links two packages: this package as the tarball installed it (its
 * dependencies resolve from that installation) and FlowFuse Dashboard 2.0, the checkout's dev dependency copy (plain
 * JavaScript, the same on every runtime; no registry access at test time). For the dashboard example, which needs it.
 */
export function dashboardUserDir(install: PackedInstall, name: string): string {
  return prepareUserDir(join(install.work, name), { linkPackage: join(install.userDir, 'node_modules', PACKAGE), dashboard: true });
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
