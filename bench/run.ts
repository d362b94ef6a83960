/**
 * `npm run bench`: runs every benchmark and prints a table each; `node build/bench/run.js <name>...` runs some.
 * Names: deploy, recovery, command, throughput, memory, install, planner. BENCH_FULL=1 for more repetitions.
 *
 * When everything runs, the 5-minute outage of `recovery` starts first, in the background: its Node-RED only backs
 * off while the broker is down (idle), so the other benchmarks run during those minutes instead of after them.
 */
import { BenchResult } from './types';
import { FULL, fmt, log, machineInfo, table } from './lib';
import * as deploy from './deploy';
import * as recovery from './recovery';
import * as command from './command';
import * as throughput from './throughput';
import * as memory from './memory';
import * as install from './install';
import * as planner from './planner';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  deploy: deploy.run,
  command: command.run,
  throughput: throughput.run,
  memory: memory.run,
  install: install.run,
  planner: planner.run,
};
// recovery last: its long outages started first, in the background; its 5 s lane runs at the end.
const ORDER = ['deploy', 'command', 'throughput', 'memory', 'install', 'planner', 'recovery'];

function print(result: BenchResult): void {
  process.stdout.write(`\n### ${result.title}\n\n${table(result.rows)}`);
  for (const note of result.notes ?? []) process.stdout.write(`\n${note}\n`);
  process.stdout.write(`\nraw: ${result.file}\n`);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  for (const name of asked) if (!ORDER.includes(name)) throw new Error(`unknown benchmark "${name}"; known: ${ORDER.join(', ')}`);
  const names = asked.length > 0 ? ORDER.filter((n) => asked.includes(n)) : ORDER;
  const started = Date.now();
  const m = machineInfo();
  process.stdout.write(
    `navien benchmarks ${m.date}\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}, Node-RED ${m.nodeRed}${FULL ? ' (BENCH_FULL=1)' : ''}\n`,
  );
  const results: BenchResult[] = [];
  const failures: string[] = [];
  // The long outage(s) run in the background while the rest runs in the foreground.
  const longLane = names.includes('recovery') ? recovery.startLongLane() : undefined;
  longLane?.catch(() => undefined);
  for (const name of names) {
    const t0 = Date.now();
    try {
      log(`${name}: start`);
      let result: BenchResult;
      if (name === 'recovery') result = await recovery.run(longLane as ReturnType<typeof recovery.startLongLane>);
      else result = await BENCHES[name]();
      results.push(result);
      print(result);
      log(`${name}: done in ${fmt((Date.now() - t0) / 1000)} s`);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      log(`${name}: FAILED ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  process.stdout.write('\n### Goals\n\n');
  process.stdout.write(
    table(results.flatMap((r) => r.goals.map((g) => ({ benchmark: r.name, goal: g.goal, measured: fmt(g.value, Math.abs(g.value) < 10 ? 2 : 0), verdict: g.met ? 'met' : 'MISSED' })))),
  );
  process.stdout.write(`\ntotal ${fmt((Date.now() - started) / 1000)} s\n`);
  if (failures.length > 0) {
    process.stdout.write(`\nFAILED:\n${failures.join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
