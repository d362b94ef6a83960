/**
 * Shared harness of the end-to-end suites: the package is packed with `npm pack` and the tarball installed into a
 * fresh Node-RED user directory (the way the palette manager installs it) ONCE per mocha run, whichever e2e file asks
 * first; real Node-RED processes (the repo's dev dependency) are started against user directories that use that
 * installation. Nothing from the checkout is on a child's module path: the package and its dependencies come only
 * from the installed tarball.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

  get pid(): number | undefined {
    return this.child.pid;
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

export interface PackedInstall {
  repo: string;
  /** package.json version of the checkout. */
  version: string;
  /** Temporary folder holding everything below; removed after the mocha run. */
  work: string;
  tarball: string;
  /** `tar -tz` of the tarball. */
  tarEntries: string[];
  /** A fresh Node-RED user directory the tarball was installed into (`node_modules/node-red-contrib-navien`). */
  userDir: string;
  installLog: string;
  /** Node-RED's launcher, from the repo's dev dependency. */
  redJs: string;
}

let installation: Promise<PackedInstall> | undefined;
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

async function packAndInstall(): Promise<PackedInstall> {
  const repo = findRepoRoot();
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const work = mkdtempSync(join(tmpdir(), 'navien-e2e-'));
  workDir = work;
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  // `prepack` builds dist/ first, exactly as a publish would.
  await run('npm', ['pack', '--pack-destination', packDir], repo);
  const packed = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  assert.equal(packed.length, 1, `npm pack left ${packed.length} tarballs`);
  const tarball = join(packDir, packed[0]);
  const tarEntries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);

  // A fresh user directory, as Node-RED creates it, installed into as the palette manager does.
  const userDir = join(work, 'userdir');
  mkdirSync(userDir);
  writeProjectManifest(userDir);
  writeSettings(userDir);
  let installLog = '';
  try {
    installLog = await run('npm', ['install', '--omit=dev', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball], userDir);
  } catch (err) {
    process.stdout.write(`\n--- e2e install failed ---\n${err instanceof Error ? err.message : String(err)}\n`);
    throw err;
  }
  return { repo, version, work, tarball, tarEntries, userDir, installLog, redJs: join(repo, 'node_modules', 'node-red', 'red.js') };
}

/** Packs and installs the package once per mocha run; every caller gets the same installation. */
export function packedInstall(): Promise<PackedInstall> {
  installation ??= packAndInstall();
  return installation;
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

export async function startNodeRed(install: PackedInstall, userDir: string, env: NodeJS.ProcessEnv): Promise<NodeRedProcess> {
  const red = new NodeRedProcess(install.redJs, userDir, await freePort(), env);
  try {
    await red.waitUntilReady();
  } catch (err) {
    await red.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- Node-RED output ---\n${red.log}`);
  }
  return red;
}

// The installation is shared by every e2e file of the run, so it is removed once, after all of them.
if (typeof after === 'function') {
  after(function () {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    workDir = undefined;
    installation = undefined;
  });
}
