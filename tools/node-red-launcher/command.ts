/**
 * Child processes of the harnesses (npm pack / install, runtime downloads, Node-RED itself): a clean environment, a
 * time limit on every command so a hang fails a test instead of stalling CI, and no child left running after this
 * process exits.
 */
import { ChildProcess, spawn } from 'node:child_process';

/** `env` without the npm_* variables of an enclosing `npm run` / `npm test`, which would steer a child npm. */
export function withoutNpmVars(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!/^npm_/i.test(key)) clean[key] = value;
  return clean;
}

/**
 * This process's environment for a child under test or measurement: no npm_* variables and none of the caller's
 * NAVIEN_* endpoint settings (a developer's shell must not point a test at another cloud), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = withoutNpmVars();
  for (const key of Object.keys(env)) if (/^NAVIEN_/.test(key)) delete env[key];
  return { ...env, ...extra };
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Kills `child` (SIGKILL) if it is still running when this process exits: a test run that ends early (mocha --exit,
 * a failed hook) leaves no Node-RED or npm behind.
 */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** How long a child has after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 5_000;

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The command fails (SIGTERM, then SIGKILL after KILL_GRACE_MS) when it runs longer. */
  timeoutMs: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

/** Runs a command to completion, collecting its output; rejects with that output when it fails or times out. */
export function runCommand(command: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const line = `${command} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? withoutNpmVars(), stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(child);
    const result: CommandResult = { stdout: '', stderr: '', output: '' };
    child.stdout.on('data', (chunk: Buffer) => {
      result.stdout += chunk.toString();
      result.output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      result.stderr += chunk.toString();
      result.output += chunk.toString();
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    const settle = (err?: Error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (err) reject(err);
      else resolve(result);
    };
    child.once('error', (err) => settle(new Error(`${line}: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (timedOut) settle(new Error(`${line} did not finish within ${options.timeoutMs} ms and was killed\n${result.output}`));
      else if (code === 0) settle();
      else settle(new Error(`${line} exited with ${code ?? signal}\n${result.output}`));
    });
  });
}
