/**
 * Writes what a run measured into BENCHMARKS.md: every generated block sits between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->` and is rewritten from bench/results/*.json, so the prose around it stays as written and the
 * figures can never be copied wrongly. Each benchmark's block carries the date and load average of its own run: a
 * benchmark run alone updates its block and the goal table, and the others keep theirs.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, GoalCheck } from './types';
import { MachineInfo, Row, fmt, repoRoot, table } from './lib';

/** What run.ts adds to a benchmark's results file after the benchmark returned. */
export interface SavedReport {
  title: string;
  rows: Row[];
  extraTables?: Array<{ title: string; rows: Row[] }>;
  notes?: string[];
  goals: GoalCheck[];
  /** Load averages when the benchmark started and ended. */
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
}

interface SavedResult {
  benchmark: string;
  machine: MachineInfo;
  report?: SavedReport;
}

/** The run as a whole (bench/results/run.json). */
export interface RunSummary {
  started: string;
  machine: MachineInfo;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
  benchmarks: string[];
  failures: string[];
  full: boolean;
}

const RESULTS = (): string => join(repoRoot(), 'bench', 'results');

/** Adds the printed report to bench/results/<name>.json (written by the benchmark itself). */
export function attachReport(result: BenchResult, report: Omit<SavedReport, 'title' | 'rows' | 'extraTables' | 'notes' | 'goals'>): void {
  const data = JSON.parse(readFileSync(result.file, 'utf8')) as Record<string, unknown>;
  const saved: SavedReport = { title: result.title, rows: result.rows, extraTables: result.extraTables, notes: result.notes, goals: result.goals, ...report };
  writeFileSync(result.file, JSON.stringify({ ...data, report: saved }, null, 2) + '\n');
}

export function saveRunSummary(summary: RunSummary): string {
  const file = join(RESULTS(), 'run.json');
  writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
  return file;
}

function loads(l: number[]): string {
  return l.map((x) => fmt(x, 2)).join(' / ');
}

function savedResults(): SavedResult[] {
  const dir = RESULTS();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'run.json')
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SavedResult)
    .filter((r) => r.report);
}

function benchmarkBlock(r: SavedResult): string {
  const report = r.report as SavedReport;
  const lines = [
    `Measured ${r.machine.date.replace(/\.\d+Z$/, 'Z')}, ${fmt(report.seconds)} s, load average (1 / 5 / 15 min) ${loads(report.loadBefore)} before and ${loads(report.loadAfter)} after${r.machine.full ? ', BENCH_FULL=1' : ''}; raw: \`bench/results/${r.benchmark}.json\`.`,
    '',
    table(report.rows).trimEnd(),
  ];
  for (const extra of report.extraTables ?? []) lines.push('', `${extra.title}:`, '', table(extra.rows).trimEnd());
  for (const note of report.notes ?? []) lines.push('', note);
  return lines.join('\n');
}

function goalsBlock(results: SavedResult[], order: readonly string[]): string {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const rows = [...results]
    .sort((a, b) => rank(a.benchmark) - rank(b.benchmark))
    .flatMap((r) =>
      (r.report as SavedReport).goals.map((g) => ({
        benchmark: r.benchmark,
        goal: g.goal,
        measured: fmt(g.value, Math.abs(g.value) < 10 ? 2 : 0),
        verdict: g.met ? 'met' : 'MISSED',
        'measured (UTC)': r.machine.date.slice(0, 16).replace('T', ' '),
      })),
    );
  return table(rows).trimEnd();
}

function machineBlock(run: RunSummary): string {
  const m = run.machine;
  return [
    `- Run: \`${run.full ? 'BENCH_FULL=1 ' : ''}npm run bench\` started ${run.started.replace(/\.\d+Z$/, 'Z')}, took ${fmt(run.seconds)} s (the build before it not included)${run.failures.length > 0 ? `; FAILED: ${run.failures.join(', ')}` : ''}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}, Node-RED ${m.nodeRed}`,
    `- Load average (1 / 5 / 15 min): ${loads(run.loadBefore)} at the start, ${loads(run.loadAfter)} at the end`,
  ].join('\n');
}

function replaceBlock(doc: string, name: string, content: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) return doc;
  return `${doc.slice(0, start + open.length)}\n${content}\n${doc.slice(end)}`;
}

/**
 * Rewrites the generated blocks of BENCHMARKS.md: the run (`machine`, when this run ran everything), the goal table
 * (`goals`) and one block per benchmark that has results. Returns the names of the blocks it found and rewrote.
 */
export function updateBenchmarksDoc(run: RunSummary, order: readonly string[], allRan: boolean): string[] {
  const file = join(repoRoot(), 'BENCHMARKS.md');
  if (!existsSync(file)) return [];
  let doc = readFileSync(file, 'utf8');
  const before = doc;
  const results = savedResults();
  const written: string[] = [];
  const write = (name: string, content: string) => {
    const next = replaceBlock(doc, name, content);
    if (next !== doc || doc.includes(`<!-- bench:${name} -->`)) written.push(name);
    doc = next;
  };
  if (allRan) write('machine', machineBlock(run));
  write('goals', goalsBlock(results, order));
  for (const r of results) write(r.benchmark, benchmarkBlock(r));
  if (doc !== before) writeFileSync(file, doc);
  return written;
}
