/**
 * (5) Memory: RSS of a Node-RED process alone (no navien package in its user dir, no flows) beside one with the
 * package, and one with one account and one of each node (status, control, diagnostics) connected to the simulator;
 * then 100 full redeploys (`POST /flows`, each waited for until its first status arrived) and 100 more, once per MQTT
 * transport, beside Node-RED alone redeploying a flow of core nodes as often. Goal: <= 40 MB added, <= 5 MB growth
 * over 100 redeploys for each transport.
 *
 * Readings: node runs with --expose-gc, and the bench asks for two full collections (an admin-API middleware in the
 * throw-away settings.js) before each sample; a reading is the median of 5 samples 500 ms apart. Every process runs
 * with V8's young generation pinned at 1 MB (--min-semi-space-size=1 --max-semi-space-size=1): by default it grows to
 * 32 MB under allocation and is given back when V8's memory reducer decides so, which moved single readings by up to
 * 30 MB in either direction - more than everything measured here. Without the collections RSS mostly shows when V8
 * last collected; without the pinning, when it last shrank.
 *
 * The first 100 redeploys include one-time growth (V8 compiling the code the flows run, allocator arenas reaching
 * their size); the next 100 show what keeps growing. The control redeploys inject -> http request to the same sink,
 * so the bench's own http request node is on both sides.
 */
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, TRANSPORTS, FlowNode, MAC, NodeRed, NodeRedOptions, PINNED_YOUNG_GENERATION, Sink, Summary, accountNode, delay, fmt, fmtSummary, log, now, postToSink, saveResult, summarize, uid, gc, rssMb, startNodeRed } from './lib';

const PROCESSES = FULL ? 5 : 3;
const REDEPLOYS = 100;
const SETTLE_MS = 3_000;
const GOAL_ADDED_MB = 40;
const GOAL_GROWTH_MB = 5;

const MB = 1024 * 1024;

interface Reading {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
}

async function reading(nr: NodeRed): Promise<Reading> {
  const rss: number[] = [];
  const heapUsed: number[] = [];
  const heapTotal: number[] = [];
  for (let i = 0; i < 5; i++) {
    const usage = await gc(nr);
    heapUsed.push(usage.heapUsed / MB);
    heapTotal.push(usage.heapTotal / MB);
    await delay(100);
    rss.push(rssMb(nr));
    await delay(400);
  }
  return { rssMb: summarize(rss).median, heapUsedMb: summarize(heapUsed).median, heapTotalMb: summarize(heapTotal).median };
}

function start(options: NodeRedOptions = {}): Promise<NodeRed> {
  return startNodeRed({ ...options, gcEndpoint: true, nodeArgs: PINNED_YOUNG_GENERATION });
}

/** inject (once) -> http request to the sink: core nodes only, for Node-RED's own growth over the same redeploys. */
function coreFlow(prefix: string, sinkUrl: string): FlowNode[] {
  const tab = `${prefix}-tab`;
  return [
    { id: tab, type: 'tab', label: prefix, disabled: false, info: '' },
    { id: `${prefix}-inject`, type: 'inject', z: tab, name: '', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 100, y: 80, wires: [[`${prefix}-post`]] },
    postToSink(`${prefix}-post`, tab, sinkUrl),
  ];
}

function fullFlow(prefix: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }, sinkUrl: string): FlowNode[] {
  const id = (name: string) => `${prefix}-${name}`;
  const tab = id('tab');
  return [
    { id: tab, type: 'tab', label: prefix, disabled: false, info: '' },
    accountNode(id('account'), endpoints),
    { id: id('status'), type: 'navien-status', z: tab, name: '', account: id('account'), device: MAC, unit: 'F', interval: '10', output: 'all', x: 150, y: 80, wires: [[id('post')]] },
    postToSink(id('post'), tab, sinkUrl),
    { id: id('control'), type: 'navien-control', z: tab, name: '', account: id('account'), device: MAC, unit: 'F', allowPowerOff: true, x: 150, y: 160, wires: [[]] },
    { id: id('diagnostics'), type: 'navien-diagnostics', z: tab, name: '', account: id('account'), interval: 0, x: 150, y: 240, wires: [[]] },
  ];
}

interface Redeploys {
  lane: string;
  before: Reading;
  after100: Reading;
  after200: Reading;
  /** Deploy -> first message at the sink, ms, every redeploy. */
  deployMs: number[];
}

/** Deploys `flow` (and waits for its first message at `path`) 2 x 100 times, with readings before, between and after. */
async function redeploy(lane: string, nr: NodeRed, sink: Sink, flow: FlowNode[], path: string): Promise<Redeploys> {
  const once = async () => {
    const t0 = now();
    await nr.deploy(flow);
    await sink.next(path, t0, 60_000);
    return now() - t0;
  };
  await once();
  await delay(SETTLE_MS);
  const before = await reading(nr);
  const deployMs: number[] = [];
  for (let i = 0; i < REDEPLOYS; i++) deployMs.push(await once());
  await delay(SETTLE_MS);
  const after100 = await reading(nr);
  for (let i = 0; i < REDEPLOYS; i++) deployMs.push(await once());
  await delay(SETTLE_MS);
  const after200 = await reading(nr);
  log(`memory: ${lane}: ${fmt(before.rssMb, 1)} -> ${fmt(after100.rssMb, 1)} -> ${fmt(after200.rssMb, 1)} MB over 2 x ${REDEPLOYS} redeploys`);
  return { lane, before, after100, after200, deployMs };
}

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  const sink = await Sink.start();
  const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
  const alone: number[] = [];
  const installedIdle: number[] = [];
  const withNodes: number[] = [];
  const growth: Redeploys[] = [];
  try {
    for (let p = 0; p < PROCESSES; p++) {
      const bare = await start({ withPackage: false });
      try {
        await delay(SETTLE_MS);
        alone.push((await reading(bare)).rssMb);
        if (p === 0) {
          const prefix = `ctl-${uid()}`;
          growth.push(await redeploy('Node-RED alone, inject -> http request', bare, sink, coreFlow(prefix, sink.url(`/core/${prefix}`)), `/core/${prefix}`));
        }
      } finally {
        await bare.stop();
      }
      const nr = await start();
      try {
        await delay(SETTLE_MS);
        installedIdle.push((await reading(nr)).rssMb);
        const prefix = `mem-${uid()}`;
        const path = `/status/${prefix}`;
        const flow = fullFlow(prefix, endpoints, sink.url(path));
        const t0 = now();
        await nr.deploy(flow);
        await sink.next(path, t0, 60_000);
        await delay(SETTLE_MS);
        withNodes.push((await reading(nr)).rssMb);
        log(`memory: process ${p + 1}/${PROCESSES}: alone ${fmt(alone[p], 1)} MB, package idle ${fmt(installedIdle[p], 1)} MB, with nodes ${fmt(withNodes[p], 1)} MB`);
      } finally {
        await nr.stop();
      }
    }
    for (const transport of TRANSPORTS) {
      const nr = await start({ env: { NAVIEN_MQTT_TRANSPORT: transport } });
      try {
        const prefix = `mem-${transport}-${uid()}`;
        const path = `/status/${prefix}`;
        growth.push(await redeploy(`account + status + control + diagnostics, ${transport} transport`, nr, sink, fullFlow(prefix, endpoints, sink.url(path)), path));
      } finally {
        await nr.stop();
      }
    }
  } finally {
    await sink.close();
    await sim.stop();
  }
  const sAlone = summarize(alone);
  const sIdle = summarize(installedIdle);
  const sWith = summarize(withNodes);
  const added = sWith.median - sAlone.median;
  const lanes = growth.map((g) => ({
    lane: g.lane,
    first100Mb: g.after100.rssMb - g.before.rssMb,
    next100Mb: g.after200.rssMb - g.after100.rssMb,
    heapFirst100Mb: g.after100.heapUsedMb - g.before.heapUsedMb,
    heapNext100Mb: g.after200.heapUsedMb - g.after100.heapUsedMb,
    deployMs: summarize(g.deployMs),
  }));
  const [control, ...ours] = lanes;
  const raw = {
    processes: PROCESSES,
    redeploys: REDEPLOYS,
    nodeArgs: PINNED_YOUNG_GENERATION,
    aloneMb: alone,
    packageIdleMb: installedIdle,
    withNodesMb: withNodes,
    redeployRuns: growth,
    summary: { alone: sAlone, packageIdle: sIdle, withNodes: sWith, addedMb: added, lanes },
  };
  const file = saveResult('memory', raw);
  const col = 'RSS MB: median (min-max, n)';
  const deployText = (s: Summary) => `${fmtSummary(s)} ms`;
  const rows = [
    { what: 'Node-RED alone (no navien package, no flows)', [col]: fmtSummary(sAlone, 1) },
    { what: 'Node-RED with the package installed, no flows', [col]: fmtSummary(sIdle, 1) },
    { what: 'with one account + status + control + diagnostics, connected', [col]: fmtSummary(sWith, 1) },
    { what: `added by the package and its nodes (goal <= ${GOAL_ADDED_MB} MB)`, [col]: `${fmt(added, 1)} ${added <= GOAL_ADDED_MB ? 'met' : 'MISSED'}` },
    ...lanes.flatMap((l) => {
      const judged = l !== control;
      return [
        { what: `${l.lane}: growth over the first ${REDEPLOYS} redeploys${judged ? ` (goal <= ${GOAL_GROWTH_MB} MB)` : ''}`, [col]: `${fmt(l.first100Mb, 1)}${judged ? (l.first100Mb <= GOAL_GROWTH_MB ? ' met' : ' MISSED') : ''} (JS heap ${fmt(l.heapFirst100Mb, 1)})` },
        { what: `  over the next ${REDEPLOYS}`, [col]: `${fmt(l.next100Mb, 1)} (JS heap ${fmt(l.heapNext100Mb, 1)})` },
        { what: '  one redeploy -> first message at the sink', [col]: deployText(l.deployMs) },
      ];
    }),
  ];
  const goals = [
    { goal: `<= ${GOAL_ADDED_MB} MB added (MB)`, value: added, met: added <= GOAL_ADDED_MB },
    ...ours.map((l) => ({ goal: `<= ${GOAL_GROWTH_MB} MB growth over ${REDEPLOYS} redeploys, ${l.lane.split(', ').pop()} (MB)`, value: l.first100Mb, met: l.first100Mb <= GOAL_GROWTH_MB })),
  ];
  const notes = [`Young generation pinned at 1 MB in every process (${PINNED_YOUNG_GENERATION.join(' ')}); growth from one reading to the next, each after two forced full collections.`];
  return { name: 'memory', title: '(5) Memory (RSS after forced GC)', rows, raw, file, goals, notes };
}
