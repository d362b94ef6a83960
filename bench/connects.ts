/**
 * (9) Connects with a CA file: 200 open/close cycles of one MQTT transport (openMqttSession, as AccountConnection
 * opens its sessions) against the simulator with its CA file set, in a child process of its own
 * (bench/connect-cycles.ts), RSS after forced collections before and after (after 10 cycles of warm-up). This is
 * where a trust store rebuilt for every connect showed: ~1 MB of native memory per connect with the JS transport.
 * Goal: the JS transport <= 10 MB growth over 200 connects; the native one alongside.
 */
import { join } from 'node:path';
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, Transport, PINNED_YOUNG_GENERATION, cleanEnv, fmt, log, runCommand, saveResult } from './lib';

const CYCLES = FULL ? 400 : 200;
const WARMUP = 10;
const GOAL_JS_MB = 10;
const MB = 1024 * 1024;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface CycleResult {
  before: Memory;
  after: Memory;
  msPerCycle: number;
}

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  const results: Record<Transport, CycleResult | undefined> = { native: undefined, js: undefined };
  try {
    for (const transport of ['js', 'native'] as Transport[]) {
      const input = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile, transport, cycles: CYCLES, warmup: WARMUP };
      const { stdout } = await runCommand(process.execPath, ['--expose-gc', ...PINNED_YOUNG_GENERATION, join(__dirname, 'connect-cycles.js')], {
        env: cleanEnv({ BENCH_CONNECTS: JSON.stringify(input) }),
        timeoutMs: 5 * 60_000,
      });
      results[transport] = JSON.parse(stdout.trim().split('\n').pop() as string) as CycleResult;
      log(`connects: ${transport}: ${fmt((results[transport].after.rss - results[transport].before.rss) / MB, 1)} MB over ${CYCLES}`);
    }
  } finally {
    await sim.stop();
  }
  const growth = (t: Transport) => {
    const r = results[t] as CycleResult;
    return { rssMb: (r.after.rss - r.before.rss) / MB, heapMb: (r.after.heapUsed - r.before.heapUsed) / MB, msPerCycle: r.msPerCycle };
  };
  const js = growth('js');
  const native = growth('native');
  const raw = { cycles: CYCLES, warmup: WARMUP, results, summary: { js, native } };
  const file = saveResult('connects', raw);
  const rows = (['js', 'native'] as Transport[]).map((t) => {
    const g = growth(t);
    return {
      transport: t,
      [`RSS growth over ${CYCLES} connects, MB`]: `${fmt(g.rssMb, 1)}${t === 'js' ? ` (goal <= ${GOAL_JS_MB}) ${g.rssMb <= GOAL_JS_MB ? 'met' : 'MISSED'}` : ''}`,
      'of which JS heap, MB': fmt(g.heapMb, 1),
      'ms per connect + close': fmt(g.msPerCycle, 1),
    };
  });
  return {
    name: 'connects',
    title: `(9) ${CYCLES} connects with a CA file`,
    rows,
    raw,
    file,
    goals: [{ goal: `JS transport <= ${GOAL_JS_MB} MB growth over ${CYCLES} connects with a CA file (MB)`, value: js.rssMb, met: js.rssMb <= GOAL_JS_MB }],
  };
}
