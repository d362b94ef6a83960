/**
 * (6) Install: the package packed with `npm pack` (from the dist/ that `npm run bench` just built, so with
 * --ignore-scripts) and installed into fresh Node-RED user directories the way the palette manager and
 * test/e2e/packed-install.test.ts do it (`npm install --omit=dev --engine-strict --no-audit --no-fund --prefer-offline
 * <tarball>`), by default and with --omit=optional (no aws-iot-device-sdk-v2 / aws-crt: the JS transport only).
 * Measured: tarball and unpacked size, install time with npm's own phase timers (--timing: resolving the tree,
 * unpacking, install scripts; the slowest packages to unpack), and size on disk (du) of what the install added, with
 * the biggest dependencies. No goal; these are reference figures. Time depends on the npm cache: --prefer-offline
 * with the cache this checkout's own `npm install` warmed. The variants alternate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

interface Variant {
  name: string;
  args: string[];
}

/** What the palette manager runs, and the same without aws-iot-device-sdk-v2/aws-crt (where the JS transport is enough). */
const VARIANTS: Variant[] = [
  { name: 'default', args: [] },
  { name: 'without optional dependencies (--omit=optional)', args: ['--omit=optional'] },
];

interface Install {
  ms: number;
  nodeModulesMb: number;
  files: number;
  packageMb: number;
  biggest: Array<{ name: string; mb: number }>;
  /** npm's own timers (--timing), ms: resolving the tree, unpacking, install scripts. */
  phases: { resolve: number; unpack: number; scripts: number };
  /** The packages that took longest to unpack (they unpack in parallel: the slowest sets the unpack phase). */
  slowestUnpack: Array<{ name: string; ms: number }>;
}

/** npm's timing file of the run that wrote to `logsDir`. */
function npmTimers(logsDir: string): Record<string, number> {
  const file = readdirSync(logsDir).find((f) => f.endsWith('-timing.json'));
  if (!file) return {};
  return (JSON.parse(readFileSync(join(logsDir, file), 'utf8')) as { timers?: Record<string, number> }).timers ?? {};
}

async function install(work: string, tag: string, tarball: string, variant: Variant): Promise<Install> {
  const userDir = join(work, `user-${tag}`);
  const logsDir = join(work, `logs-${tag}`);
  mkdirSync(userDir);
  mkdirSync(logsDir);
  writeProjectManifest(userDir);
  const t0 = performance.now();
  await exec('npm', ['install', '--omit=dev', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', '--timing', '--logs-dir', logsDir, ...variant.args, tarball], userDir);
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
  const timers = npmTimers(logsDir);
  const slowestUnpack = Object.entries(timers)
    .filter(([k]) => k.startsWith('reifyNode:node_modules/'))
    .map(([k, v]) => ({ name: k.slice('reifyNode:node_modules/'.length), ms: v }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3);
  rmSync(userDir, { recursive: true, force: true });
  return {
    ms,
    nodeModulesMb: total.mb,
    files: total.files,
    packageMb: own.mb,
    biggest,
    phases: { resolve: timers.idealTree ?? NaN, unpack: timers['reify:unpack'] ?? NaN, scripts: timers['reify:build'] ?? NaN },
    slowestUnpack,
  };
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
    const byVariant: Array<{ variant: Variant; installs: Install[] }> = VARIANTS.map((variant) => ({ variant, installs: [] }));
    // Variants alternate, so a cache warming up or load from other work does not favour one.
    for (let i = 0; i < RUNS; i++) {
      for (const [v, entry] of byVariant.entries()) {
        const result = await install(work, `${v}-${i}`, tarball, entry.variant);
        entry.installs.push(result);
        log(`install: ${entry.variant.name}, run ${i + 1}/${RUNS}: ${fmt(result.ms)} ms, node_modules ${fmt(result.nodeModulesMb, 1)} MB`);
      }
    }
    const summaries = byVariant.map(({ variant, installs }) => ({
      variant: variant.name,
      time: summarize(installs.map((r) => r.ms)),
      timeAfterFirst: summarize(installs.slice(1).map((r) => r.ms)),
      size: summarize(installs.map((r) => r.nodeModulesMb)),
      resolve: summarize(installs.map((r) => r.phases.resolve)),
      unpack: summarize(installs.map((r) => r.phases.unpack)),
      scripts: summarize(installs.map((r) => r.phases.scripts)),
      last: installs[installs.length - 1],
    }));
    const p = packed[0];
    const raw = { runs: RUNS, pack: { ms: packMs, tarballBytes: p.size, unpackedBytes: p.unpackedSize, entries: p.entryCount }, variants: byVariant, summary: summaries.map(({ last: _last, ...rest }) => rest) };
    const file = saveResult('install', raw);
    const rows = [
      { what: 'tarball (npm pack)', value: `${fmt(p.size / 1024, 1)} kB packed, ${fmt(p.unpackedSize / 1024, 1)} kB unpacked, ${p.entryCount} files` },
      ...summaries.flatMap((s) => [
        { what: `${s.variant}: install time (ms)`, value: fmtSummary(s.time) },
        { what: '  npm phases, median ms', value: `resolve the tree ${fmt(s.resolve.median)}, unpack ${fmt(s.unpack.median)}, install scripts ${fmt(s.scripts.median)}` },
        { what: '  slowest to unpack (ms, last run)', value: s.last.slowestUnpack.map((u) => `${u.name} ${fmt(u.ms)}`).join(', ') },
        { what: '  size on disk of node_modules (MB)', value: `${fmtSummary(s.size, 1)}, ${s.last.files} files` },
        { what: `  of which ${PACKAGE} itself (MB)`, value: fmt(s.last.packageMb, 2) },
        { what: '  biggest entries (MB)', value: s.last.biggest.map((b) => `${b.name} ${fmt(b.mb, 1)}`).join(', ') },
      ]),
    ];
    return { name: 'install', title: '(6) Install from the packed tarball', rows, raw, file, goals: [] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
