/**
 * `npm run bench`: runs every benchmark, prints a table each, keeps the raw results in bench/results/ and rewrites
 * the generated blocks of BENCHMARKS.md (bench/report.ts); `node build/bench/run.js <name>...` runs some.
 * Names: deploy, command, throughput, memory, connects, install, planner, planner-rates, idle, recovery. BENCH_FULL=1
 * for more repetitions; NAVIEN_PRICE_DAYS=DIR gives planner-rates a folder of real price days.
 *
 * When everything runs, the 60 s and 5-minute outages of `recovery` start right after `deploy`, in the background:
 * their Node-REDs only back off while the broker is down (idle), so the other benchmarks run during those minutes
 * instead of after them. `idle` then runs beside recovery's 5 s lanes at the end (both mostly wait).
 */
import { loadavg } from 'node:os';
import { BenchResult } from './types';
import { FULL, fmt, log, machineInfo, table } from './lib';
import { attachReport, saveRunSummary, updateBenchmarksDoc } from './report';
import * as deploy from './deploy';
import * as recovery from './recovery';
import * as command from './command';
import * as throughput from './throughput';
import * as memory from './memory';
import * as install from './install';
import * as planner from './planner';
import * as plannerRates from './planner-rates';
import * as idle from './idle';
import * as connects from './connects';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  deploy: deploy.run,
  command: command.run,
  throughput: throughput.run,
  memory: memory.run,
  connects: connects.run,
  install: install.run,
  planner: planner.run,
  'planner-rates': plannerRates.run,
  idle: idle.run,
};
// idle and recovery last: the long outages started after deploy, in the background; idle runs beside recovery's 5 s lanes.
const ORDER = ['deploy', 'command', 'throughput', 'memory', 'connects', 'install', 'planner', 'planner-rates', 'idle', 'recovery'];

function print(result: BenchResult): void {
  process.stdout.write(`\n### ${result.title}\n\n${table(result.rows)}`);
  for (const extra of result.extraTables ?? []) process.stdout.write(`\n${extra.title}:\n\n${table(extra.rows)}`);
  for (const note of result.notes ?? []) process.stdout.write(`\n${note}\n`);
  process.stdout.write(`\nraw: ${result.file}\n`);
}

const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  for (const name of asked) if (!ORDER.includes(name)) throw new Error(`unknown benchmark "${name}"; known: ${ORDER.join(', ')}`);
  const names = asked.length > 0 ? ORDER.filter((n) => asked.includes(n)) : ORDER;
  const started = Date.now();
  const loadBefore = load();
  const m = machineInfo();
  process.stdout.write(
    `navien benchmarks ${m.date}\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}, Node-RED ${m.nodeRed}${FULL ? ' (BENCH_FULL=1)' : ''}\nload average (1/5/15 min): ${loadBefore.join(' / ')}\n`,
  );
  const results: BenchResult[] = [];
  const failures: string[] = [];
  // The long outages run in the background while the rest runs in the foreground; they start after the deploy
  // benchmark, whose timings the start of eight Node-REDs would disturb.
  let longLane: ReturnType<typeof recovery.startLongLane> | undefined;
  const startLongLane = () => {
    if (longLane || !names.includes('recovery')) return;
    longLane = recovery.startLongLane();
    longLane.catch(() => undefined);
  };

  const runOne = async (name: string): Promise<void> => {
    const t0 = Date.now();
    const before = load();
    try {
      log(`${name}: start`);
      const result = name === 'recovery' ? await recovery.run(longLane) : await BENCHES[name]();
      attachReport(result, { loadBefore: before, loadAfter: load(), seconds: (Date.now() - t0) / 1000 });
      results.push(result);
      print(result);
      log(`${name}: done in ${fmt((Date.now() - t0) / 1000)} s`);
    } catch (err) {
      failures.push(name);
      process.stderr.write(`${name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      log(`${name}: FAILED ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const together = names.includes('idle') && names.includes('recovery');
  for (const name of names) {
    if (name !== 'deploy') startLongLane();
    if (together && name === 'idle') continue;
    if (together && name === 'recovery') await Promise.all([runOne('idle'), runOne('recovery')]);
    else await runOne(name);
  }
  await longLane?.catch(() => undefined);

  process.stdout.write('\n### Goals\n\n');
  process.stdout.write(
    table(results.flatMap((r) => r.goals.map((g) => ({ benchmark: r.name, goal: g.goal, measured: fmt(g.value, Math.abs(g.value) < 10 ? 2 : 0), verdict: g.met ? 'met' : 'MISSED' })))),
  );
  const seconds = (Date.now() - started) / 1000;
  const run = { started: new Date(started).toISOString(), machine: m, loadBefore, loadAfter: load(), seconds, benchmarks: names, failures, full: FULL };
  // The run summary describes a whole run; one of some benchmarks leaves the last whole run's in place.
  const summaryFile = asked.length === 0 ? saveRunSummary(run) : undefined;
  const blocks = updateBenchmarksDoc(run, ORDER, asked.length === 0);
  process.stdout.write(`\ntotal ${fmt(seconds)} s${summaryFile ? `; run summary ${summaryFile}` : ''}; BENCHMARKS.md blocks rewritten: ${blocks.join(', ') || 'none'}\n`);
  if (failures.length > 0) {
    process.stdout.write(`\nFAILED: ${failures.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
