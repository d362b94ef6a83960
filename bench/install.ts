/**
 * (6) Install: the package packed with `npm pack` (from the dist/ that `npm run bench` just built, so with
 * --ignore-scripts) and installed into fresh Node-RED user directories the way the palette manager and
 * test/e2e/packed-install.test.ts do it (`npm install --omit=dev --engine-strict --no-audit --no-fund --prefer-offline
 * <tarball>`). Measured: tarball and unpacked size, install time, and size on disk (du) of what the install added,
 * with the biggest dependencies. No goal in the issue; these are reference figures. Time depends on the npm cache:
 * --prefer-offline with the cache this checkout's own `npm install` warmed (the first run is shown separately).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchResult } from './types';
import { FULL, PACKAGE, cleanEnv, fmt, fmtSummary, log, repoRoot, runCommand, saveResult, summarize, writeProjectManifest } from './lib';

const RUNS = FULL ? 5 : 3;

/** A hung npm fails the benchmark instead of stalling it. */
const NPM_TIMEOUT_MS = 10 * 60_000;

async function exec(command: string, args: string[], cwd: string): Promise<string> {
  return (await runCommand(command, args, { cwd, env: cleanEnv(), timeoutMs: NPM_TIMEOUT_MS })).stdout;
}

/** Size on disk (allocated blocks) in MB, and the number of files. */
function diskUsage(path: string): { mb: number; files: number } {
  const kb = Number(execFileSync('du', ['-sk', path], { timeout: 60_000 }).toString().split(/\s/)[0]);
  const files = Number(execFileSync('sh', ['-c', `find "${path}" -type f | wc -l`], { timeout: 60_000 }).toString().trim());
  return { mb: kb / 1024, files };
}

export async function run(): Promise<BenchResult> {
  const repo = repoRoot();
  const work = mkdtempSync(join(tmpdir(), 'navien-bench-install-'));
  try {
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const tp = performance.now();
    const packed = JSON.parse(await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], repo)) as Array<{
      filename: string;
      size: number;
      unpackedSize: number;
      entryCount: number;
    }>;
    const packMs = performance.now() - tp;
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')) as string);
    const installs: Array<{ ms: number; nodeModulesMb: number; files: number; packageMb: number; biggest: Array<{ name: string; mb: number }> }> = [];
    for (let i = 0; i < RUNS; i++) {
      const userDir = join(work, `user-${i}`);
      mkdirSync(userDir);
      writeProjectManifest(userDir);
      const t0 = performance.now();
      await exec('npm', ['install', '--omit=dev', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball], userDir);
      const ms = performance.now() - t0;
      const nm = join(userDir, 'node_modules');
      const total = diskUsage(nm);
      const own = diskUsage(join(nm, PACKAGE));
      const biggest = readdirSync(nm)
        .filter((name) => !name.startsWith('.'))
        .flatMap((name) => (name.startsWith('@') ? readdirSync(join(nm, name)).map((sub) => `${name}/${sub}`) : [name]))
        .map((name) => ({ name, mb: diskUsage(join(nm, name)).mb }))
        .sort((a, b) => b.mb - a.mb)
        .slice(0, 5);
      installs.push({ ms, nodeModulesMb: total.mb, files: total.files, packageMb: own.mb, biggest });
      log(`install: run ${i + 1}/${RUNS}: ${fmt(ms)} ms, node_modules ${fmt(total.mb, 1)} MB`);
      rmSync(userDir, { recursive: true, force: true });
    }
    const time = summarize(installs.map((r) => r.ms));
    const timeWarm = summarize(installs.slice(1).map((r) => r.ms));
    const size = summarize(installs.map((r) => r.nodeModulesMb));
    const p = packed[0];
    const raw = { runs: RUNS, pack: { ms: packMs, tarballBytes: p.size, unpackedBytes: p.unpackedSize, entries: p.entryCount }, installs, summary: { time, timeAfterFirst: timeWarm, nodeModulesMb: size } };
    const file = saveResult('install', raw);
    const rows = [
      { what: 'tarball (npm pack)', value: `${fmt(p.size / 1024, 1)} kB packed, ${fmt(p.unpackedSize / 1024, 1)} kB unpacked, ${p.entryCount} files` },
      { what: 'install time, all runs (ms)', value: fmtSummary(time) },
      { what: 'install time, runs after the first (ms)', value: fmtSummary(timeWarm) },
      { what: 'size on disk of node_modules after install (MB)', value: `${fmtSummary(size, 1)}, ${installs[0].files} files` },
      { what: `  of which ${PACKAGE} itself (MB)`, value: fmt(installs[0].packageMb, 2) },
      { what: '  biggest entries (MB)', value: installs[0].biggest.map((b) => `${b.name} ${fmt(b.mb, 1)}`).join(', ') },
    ];
    return { name: 'install', title: '(6) Install from the packed tarball', rows, raw, file, goals: [] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
