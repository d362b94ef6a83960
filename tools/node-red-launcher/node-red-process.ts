/**
 * A real Node-RED child process: started on a runtime against a prepared user directory, waited for until its admin
 * API answers and its flows have started, driven through the admin API as the editor drives it (deploy, inject), its
 * output collected, and stopped with SIGTERM, then SIGKILL after a bound. Every wait has a time limit.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, WriteStream } from 'node:fs';
import { cleanEnv, killOnExit } from './command';
import { freePort } from './port';
import { Runtime, localRuntime } from './runtimes';
import { delay, waitFor } from './wait';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface LaunchOptions {
  /** A user directory made by prepareUserDir(). */
  userDir: string;
  /** Default: localRuntime(), the checkout's node-red on this Node. */
  runtime?: Runtime;
  /** Default: a free port. */
  port?: number;
  /** The child's environment (the runtime puts its Node first on PATH). Default: cleanEnv(). */
  env?: NodeJS.ProcessEnv;
  /** Options for node before red.js, e.g. --expose-gc. */
  nodeArgs?: string[];
  /** Also write Node-RED's output to this process's stdout / stderr, as it comes (`npm start`). */
  echo?: boolean;
  /** Also write Node-RED's output to this file (kept as an artefact). */
  logFile?: string;
  /** How long the start may take until the admin API answers and the flows started. Default 60 s. */
  readyTimeoutMs?: number;
  /** Delete the user directory after the process stopped (a throw-away one). */
  removeUserDirOnStop?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** Default SIGTERM, as a service manager stops it; SIGINT is Ctrl-C. */
  signal?: NodeJS.Signals;
  /** How long Node-RED may take to close its flows before SIGKILL. Default 15 s. */
  graceMs?: number;
}

export interface Stopped extends Exit {
  /** From the signal to the exit. */
  ms: number;
  /** It did not exit within graceMs and was killed. */
  killed: boolean;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_DEPLOY_TIMEOUT_MS = 30_000;
const DEFAULT_GRACE_MS = 15_000;
/** After SIGKILL the exit is at hand; this bound only keeps a wedged kernel from hanging the caller. */
const AFTER_KILL_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Long runs (a hundred redeploys) log a lot; past MAX the log keeps its last KEEP characters. */
const MAX_LOG_CHARS = 4_000_000;
const KEEP_LOG_CHARS = 1_000_000;

export class NodeRedProcess {
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  private text = '';
  /** Characters dropped from the front of the log, so marks stay valid after trimming. */
  private dropped = 0;
  private readonly listeners = new Set<() => void>();
  private ended = false;
  private readonly child: ChildProcess;
  private readonly logStream: WriteStream | undefined;

  private constructor(
    readonly runtime: Runtime,
    readonly userDir: string,
    readonly port: number,
    private readonly options: LaunchOptions,
  ) {
    this.child = spawn(runtime.node, [...(options.nodeArgs ?? []), runtime.redJs, '--userDir', userDir, '--port', String(port)], {
      cwd: userDir,
      env: runtime.env(options.env ?? cleanEnv()),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(this.child);
    this.logStream = options.logFile ? createWriteStream(options.logFile) : undefined;
    this.child.stdout?.on('data', (chunk: Buffer) => this.append(chunk, process.stdout));
    this.child.stderr?.on('data', (chunk: Buffer) => this.append(chunk, process.stderr));
    this.exited = new Promise((resolve) => {
      const ended = (exit: Exit) => {
        this.ended = true;
        resolve(exit);
        for (const listener of [...this.listeners]) listener();
      };
      this.child.once('exit', (code, signal) => ended({ code, signal }));
      // The Node binary could not be started at all: no 'exit' follows.
      this.child.once('error', (err) => {
        this.text += `could not start ${runtime.node}: ${err.message}\n`;
        ended({ code: null, signal: null });
      });
    });
    this.child.once('close', () => this.logStream?.end());
  }

  /** Starts Node-RED and resolves once it is ready; when it is not, stops it and rejects with its output. */
  static async start(options: LaunchOptions): Promise<NodeRedProcess> {
    const red = new NodeRedProcess(options.runtime ?? localRuntime(), options.userDir, options.port ?? (await freePort()), options);
    try {
      await red.waitUntilReady(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    } catch (err) {
      await red.stop();
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- Node-RED output ---\n${red.log}`, { cause: err });
    }
    return red;
  }

  /** Node-RED's combined stdout and stderr so far (of a very long run, the tail). */
  get log(): string {
    return this.text;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.ended && this.child.exitCode === null && this.child.signalCode === null;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** A position in the log, for logSince(). */
  logMark(): number {
    return this.dropped + this.text.length;
  }

  /** What Node-RED logged after `mark`. */
  logSince(mark: number): string {
    return this.text.slice(Math.max(0, mark - this.dropped));
  }

  /**
   * Resolves as soon as the log after `since` matches `pattern` (on the output itself, not by polling); rejects when it
   * matches `failOn` first, when Node-RED exits, or after `timeoutMs`.
   */
  waitForLog(pattern: RegExp, what: string, options: { since: number; timeoutMs: number; failOn?: RegExp }): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error): true => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) reject(err);
        else resolve();
        return true;
      };
      const check = (): boolean => {
        const since = this.logSince(options.since);
        if (options.failOn?.test(since)) return finish(new Error(`${what}: Node-RED logged ${options.failOn}:\n${since}`));
        if (pattern.test(since)) return finish();
        if (!this.running) return finish(new Error(`Node-RED exited while waiting for ${what}:\n${since}`));
        return false;
      };
      if (check()) return;
      this.listeners.add(check);
      timer = setTimeout(() => finish(new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`)), options.timeoutMs);
    });
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`Node-RED exited during start-up (${this.child.exitCode ?? this.child.signalCode})`);
        if (!/Started flows/.test(this.text)) return undefined;
        try {
          const res = await fetch(this.url('/settings'), { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
          return res.ok ? true : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      'Node-RED to start',
      timeoutMs,
      200,
    );
  }

  /** GET on the admin API, answered with 200 and JSON. */
  async getJson<T>(path: string): Promise<T> {
    const res = await fetch(this.url(path), { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** A full deploy, as the editor's Deploy button sends it; resolves when Node-RED logged "Started flows". */
  async deploy(flow: FlowNode[], timeoutMs = DEFAULT_DEPLOY_TIMEOUT_MS): Promise<void> {
    const since = this.logMark();
    const res = await fetch(this.url('/flows'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`POST /flows: HTTP ${res.status} ${await res.text()}`);
    await this.waitForLog(/Started flows/, 'the deployed flows to start', { since, timeoutMs, failOn: /Waiting for missing types/ });
  }

  /** Clicks an inject node's button, as the editor does (`POST /inject/<id>` of the core inject node). */
  async inject(id: string): Promise<void> {
    const res = await fetch(this.url(`/inject/${encodeURIComponent(id)}`), { method: 'POST', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`POST /inject/${id}: HTTP ${res.status} ${await res.text()}`);
  }

  /** Resident set size in bytes (Linux /proc, else `ps`); undefined once the process has exited. */
  rss(): number | undefined {
    const pid = this.child.pid;
    if (!this.running || pid === undefined) return undefined;
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) return Number(match[1]) * 1024;
    } catch {
      // not Linux
    }
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8', timeout: 5_000 }).trim());
    return Number.isFinite(kb) ? kb * 1024 : undefined;
  }

  /** Log lines at error level, node sets that failed to load, or uncaught errors, that mention this package's nodes. */
  navienErrors(): string[] {
    return this.text
      .split('\n')
      .filter(
        (line) =>
          /navien/i.test(line) &&
          // error level, a node set that failed to load (logged as warn), or an uncaught error's first line
          (/\[error\]/i.test(line) || /\[warn\] \[node-red-contrib-navien\//.test(line) || /^\s*(Uncaught|Unhandled|\w*Error:)/.test(line)),
      );
  }

  /**
   * Sends `signal` (SIGTERM by default), waits up to `graceMs` for the exit, then SIGKILL. Never rejects and never
   * waits unbounded; removes a throw-away user directory afterwards.
   */
  async stop(options: StopOptions = {}): Promise<Stopped> {
    const started = Date.now();
    let killed = false;
    if (this.running) {
      this.child.kill(options.signal ?? 'SIGTERM');
      const graceful = await Promise.race([this.exited, delay(options.graceMs ?? DEFAULT_GRACE_MS).then(() => undefined)]);
      if (!graceful) {
        killed = true;
        this.child.kill('SIGKILL');
        await Promise.race([this.exited, delay(AFTER_KILL_MS)]);
      }
    }
    const ms = Date.now() - started;
    if (this.options.removeUserDirOnStop) rmSync(this.userDir, { recursive: true, force: true });
    return { ms, killed, code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** SIGINT, as Ctrl-C; resolves with how long the exit took, rejects if Node-RED had to be killed after `graceMs`. */
  async interrupt(graceMs = 20_000): Promise<Stopped> {
    const stopped = await this.stop({ signal: 'SIGINT', graceMs });
    if (stopped.killed) throw new Error(`Node-RED did not exit within ${graceMs} ms of SIGINT`);
    return stopped;
  }

  private append(chunk: Buffer, echoTo: NodeJS.WriteStream): void {
    if (this.options.echo) echoTo.write(chunk);
    this.logStream?.write(chunk);
    this.text += chunk.toString();
    if (this.text.length > MAX_LOG_CHARS) {
      this.dropped += this.text.length - KEEP_LOG_CHARS;
      this.text = this.text.slice(-KEEP_LOG_CHARS);
    }
    for (const listener of [...this.listeners]) listener();
  }
}
