/**
 * (1) Deploy to first status: from `POST /flows` (a full deploy of account -> navien-status -> http request) in a real
 * Node-RED until the first status message out of navien-status arrives at the bench's HTTP sink, once per MQTT
 * transport (a Node-RED process each, NAVIEN_MQTT_TRANSPORT); beside it the floor, a bare got + SDK script doing the
 * same steps (bench/floor-client.ts). Goal: ratio of medians <= 1.3, for each transport.
 *
 * Runs are warm on both sides: one discarded deploy per Node-RED (it loads got and the SDK lazily on the first, and
 * builds the CA file's trust store once) and one discarded floor run per floor process. Node-RED runs and floor runs
 * alternate, so load from other work hits both.
 */
import { join } from 'node:path';
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, TRANSPORTS, Transport, NodeRed, Sink, Summary, cleanEnv, delay, emptyFlow, fmt, fmtSummary, log, now, runCommand, saveResult, startNodeRed, statusFlow, summarize, uid } from './lib';

const RUNS = FULL ? 25 : 11;
const GOAL_RATIO = 1.3;

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


interface NodeRedRun {
  ms: number;
  startedMs: number;
}

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  const sink = await Sink.start();
  const processes: Partial<Record<Transport, NodeRed>> = {};
  try {
    const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
    for (const t of TRANSPORTS) processes[t] = await startNodeRed({ env: { NAVIEN_MQTT_TRANSPORT: t } });
    const measure = async (nodeRed: NodeRed): Promise<NodeRedRun> => {
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
    log('deploy: warm-up deploys');
    for (const t of TRANSPORTS) await measure(processes[t] as NodeRed);
    const nodeRedRuns: Record<Transport, NodeRedRun[]> = { native: [], js: [] };
    const floorRuns: FloorRun[] = [];
    const floorRootsRuns: FloorRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const t of TRANSPORTS) nodeRedRuns[t].push(await measure(processes[t] as NodeRed));
      floorRuns.push(...(await runFloor(endpoints, 1)));
      floorRootsRuns.push(...(await runFloor(endpoints, 1, true)));
      log(`deploy: run ${i + 1}/${RUNS}: Node-RED native ${fmt(nodeRedRuns.native[i].ms)} ms, js ${fmt(nodeRedRuns.js[i].ms)} ms, floor ${fmt(floorRuns[i].ms)} ms`);
    }
    const floorSummary = summarize(floorRuns.map((r) => r.ms));
    const floorRootsSummary = summarize(floorRootsRuns.map((r) => r.ms));
    const stepNames = Object.keys(floorRuns[0]?.steps ?? {});
    const floorSteps = Object.fromEntries(stepNames.map((s) => [s, summarize(floorRuns.map((r) => r.steps[s])).median]));
    const byTransport = Object.fromEntries(TRANSPORTS.map((t) => {
      const runs = nodeRedRuns[t];
      const total = summarize(runs.map((r) => r.ms));
      return [t, {
        nodeRed: total,
        startedFlows: summarize(runs.map((r) => r.startedMs)),
        afterStartedFlows: summarize(runs.map((r) => r.ms - r.startedMs)),
        ratio: total.median / floorSummary.median,
        ratioRoots: total.median / floorRootsSummary.median,
      }];
    })) as Record<Transport, { nodeRed: Summary; startedFlows: Summary; afterStartedFlows: Summary; ratio: number; ratioRoots: number }>;
    const raw = { runs: RUNS, nodeRed: nodeRedRuns, floor: floorRuns, floorRoots: floorRootsRuns, summary: { floor: floorSummary, floorRoots: floorRootsSummary, floorSteps, byTransport } };
    const file = saveResult('deploy', raw);
    const col = 'median ms (min-max, n)';
    const rows = [
      ...TRANSPORTS.flatMap((t) => {
        const b = byTransport[t];
        return [
          { what: `Node-RED, ${t} transport: deploy -> first status out of navien-status`, [col]: fmtSummary(b.nodeRed), 'MAD ms': fmt(b.nodeRed.mad) },
          { what: '  of which: POST /flows -> "Started flows"', [col]: fmtSummary(b.startedFlows), 'MAD ms': fmt(b.startedFlows.mad) },
          { what: '  of which: "Started flows" -> first status', [col]: fmtSummary(b.afterStartedFlows), 'MAD ms': fmt(b.afterStartedFlows.mad) },
        ];
      }),
      { what: 'floor: bare got + SDK script, same steps', [col]: fmtSummary(floorSummary), 'MAD ms': fmt(floorSummary.mad) },
      { what: '  floor steps (cumulative medians)', [col]: stepNames.map((s) => `${s} ${fmt(floorSteps[s])}`).join(', '), 'MAD ms': '' },
      { what: 'floor with the MQTT trust store of the package (system roots + test CA)', [col]: fmtSummary(floorRootsSummary), 'MAD ms': fmt(floorRootsSummary.mad) },
      ...TRANSPORTS.flatMap((t) => {
        const b = byTransport[t];
        return [
          { what: `ratio Node-RED ${t} / floor (goal <= ${GOAL_RATIO})`, [col]: `${fmt(b.ratio, 2)} ${b.ratio <= GOAL_RATIO ? 'met' : 'MISSED'}`, 'MAD ms': '' },
          { what: `  ratio without Node-RED's own deploy ("Started flows" -> status / floor)`, [col]: fmt(b.afterStartedFlows.median / floorSummary.median, 2), 'MAD ms': '' },
        ];
      }),
    ];
    const goals = TRANSPORTS.map((t) => ({ goal: `deploy -> first status, ${t}: ratio to the floor <= ${GOAL_RATIO}`, value: byTransport[t].ratio, met: byTransport[t].ratio <= GOAL_RATIO }));
    return { name: 'deploy', title: '(1) Deploy to first status', rows, raw, file, goals };
  } finally {
    for (const t of TRANSPORTS) await processes[t]?.stop();
    await sink.close();
    await sim.stop();
  }
}
