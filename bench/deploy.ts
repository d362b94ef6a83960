/**
 * (1) Deploy to first status: from `POST /flows` (a full deploy of account -> navien-status -> http request) in a real
 * Node-RED until the first status message out of navien-status arrives at the bench's HTTP sink; beside it the floor,
 * a bare got + SDK script doing the same steps (bench/floor-client.ts). Goal: ratio of medians <= 1.3.
 *
 * Runs are warm on both sides: one discarded deploy (Node-RED loads got and the SDK lazily on the first) and one
 * discarded floor run per floor process. Node-RED runs and floor runs alternate, so load from other work hits both.
 */
import { join } from 'node:path';
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, NodeRed, Sink, cleanEnv, delay, emptyFlow, fmt, fmtSummary, log, now, runCommand, saveResult, startNodeRed, statusFlow, summarize, uid } from './lib';

const RUNS = FULL ? 25 : 11;

interface FloorRun {
  ms: number;
  steps: Record<string, number>;
}

/** One floor process (bench/floor-client.ts) doing `runs` measured runs after one warm-up; a hang fails after 2 minutes. */
async function runFloor(endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }, runs: number, roots = false): Promise<FloorRun[]> {
  const { stdout } = await runCommand(process.execPath, [join(__dirname, 'floor-client.js')], {
    env: cleanEnv({ BENCH_FLOOR: JSON.stringify({ ...endpoints, runs, warmup: 1, roots }) }),
    timeoutMs: 120_000,
  });
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FloorRun);
}

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  const sink = await Sink.start();
  let nr: NodeRed | undefined;
  try {
    const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
    nr = await startNodeRed();
    const nodeRed: NodeRed = nr;
    const measure = async (): Promise<{ ms: number; startedMs: number }> => {
      const prefix = `dep-${uid()}`;
      const path = `/status/${prefix}`;
      const t0 = now();
      await nodeRed.deploy(statusFlow(prefix, endpoints, sink.url(path)));
      const startedMs = now() - t0;
      const arrival = await sink.next(path, t0, 60_000);
      const ms = arrival.at - t0;
      await nodeRed.deploy(emptyFlow(prefix));
      await delay(500);
      return { ms, startedMs };
    };
    log('deploy: warm-up deploy');
    await measure();
    const nodeRedRuns: Array<{ ms: number; startedMs: number }> = [];
    const floorRuns: FloorRun[] = [];
    const floorRootsRuns: FloorRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      nodeRedRuns.push(await measure());
      floorRuns.push(...(await runFloor(endpoints, 1)));
      floorRootsRuns.push(...(await runFloor(endpoints, 1, true)));
      log(`deploy: run ${i + 1}/${RUNS}: Node-RED ${fmt(nodeRedRuns[i].ms)} ms, floor ${fmt(floorRuns[i].ms)} ms`);
    }
    const nrSummary = summarize(nodeRedRuns.map((r) => r.ms));
    const startedSummary = summarize(nodeRedRuns.map((r) => r.startedMs));
    const afterStart = summarize(nodeRedRuns.map((r) => r.ms - r.startedMs));
    const floorSummary = summarize(floorRuns.map((r) => r.ms));
    const floorRootsSummary = summarize(floorRootsRuns.map((r) => r.ms));
    const ratioRoots = nrSummary.median / floorRootsSummary.median;
    const ratio = nrSummary.median / floorSummary.median;
    const stepNames = Object.keys(floorRuns[0]?.steps ?? {});
    const floorSteps = Object.fromEntries(stepNames.map((s) => [s, summarize(floorRuns.map((r) => r.steps[s])).median]));
    const raw = { runs: RUNS, nodeRed: nodeRedRuns, floor: floorRuns, floorRoots: floorRootsRuns, summary: { floorRoots: floorRootsSummary, ratioRoots, nodeRed: nrSummary, startedFlows: startedSummary, afterStartedFlows: afterStart, floor: floorSummary, ratio, floorSteps } };
    const file = saveResult('deploy', raw);
    const rows = [
      { what: 'Node-RED: deploy -> first status out of navien-status', 'median ms (min-max, n)': fmtSummary(nrSummary), 'MAD ms': fmt(nrSummary.mad) },
      { what: '  of which: POST /flows -> "Started flows"', 'median ms (min-max, n)': fmtSummary(startedSummary), 'MAD ms': fmt(startedSummary.mad) },
      { what: '  of which: "Started flows" -> first status', 'median ms (min-max, n)': fmtSummary(afterStart), 'MAD ms': fmt(afterStart.mad) },
      { what: 'floor: bare got + SDK script, same steps', 'median ms (min-max, n)': fmtSummary(floorSummary), 'MAD ms': fmt(floorSummary.mad) },
      {
        what: `  floor steps (cumulative medians)`,
        'median ms (min-max, n)': stepNames.map((s) => `${s} ${fmt(floorSteps[s])}`).join(', '),
        'MAD ms': '',
      },
      { what: 'floor with the same MQTT trust store as the package (system roots + test CA)', 'median ms (min-max, n)': fmtSummary(floorRootsSummary), 'MAD ms': fmt(floorRootsSummary.mad) },
      { what: 'ratio Node-RED / floor (goal <= 1.3)', 'median ms (min-max, n)': `${fmt(ratio, 2)} ${ratio <= 1.3 ? 'met' : 'MISSED'}`, 'MAD ms': '' },
      { what: '  ratio Node-RED / floor with the same trust store', 'median ms (min-max, n)': fmt(ratioRoots, 2), 'MAD ms': '' },
      { what: '  ratio without Node-RED\'s own deploy ("Started flows" -> status / floor)', 'median ms (min-max, n)': fmt(afterStart.median / floorSummary.median, 2), 'MAD ms': '' },
    ];
    return { name: 'deploy', title: '(1) Deploy to first status', rows, raw, file, goals: [{ goal: 'ratio <= 1.3', value: ratio, met: ratio <= 1.3 }] };
  } finally {
    await nr?.stop();
    await sink.close();
    await sim.stop();
  }
}
