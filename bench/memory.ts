/**
 * (5) Memory: RSS of a Node-RED process alone (no navien package in its user dir, no flows) beside one with the
 * package, one account and one of each node (status, control, diagnostics) connected to the simulator; then the same
 * process after 100 full redeploys (`POST /flows`, Node-RED-Deployment-Type: full, each waited for until its first
 * status arrived). Goal: <= 40 MB added, <= 5 MB growth over the redeploys.
 *
 * Readings: node runs with --expose-gc and the bench asks for two full collections (an admin-API middleware in the
 * throw-away settings.js) before each sample; a reading is the median of 5 samples 500 ms apart. Without the forced
 * collections RSS mostly shows when V8 last collected.
 */
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, FlowNode, MAC, NodeRed, Sink, accountNode, delay, fmt, fmtSummary, log, now, postToSink, saveResult, summarize, uid, gc, rssMb, startNodeRed } from './lib';

const PROCESSES = FULL ? 5 : 3;
const REDEPLOYS = 100;
/** How many of the "with" processes also do the 100 redeploys. */
const REDEPLOY_RUNS = FULL ? 3 : 1;
const SETTLE_MS = 3_000;

const MB = 1024 * 1024;
/** The JS heap in use after the last reading's collections, MB (to tell JS objects from native memory). */
let lastHeapMb = NaN;

async function reading(nr: NodeRed): Promise<number> {
  const samples: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    const usage = await gc(nr);
    heap.push(usage.heapUsed / MB);
    await delay(100);
    samples.push(rssMb(nr));
    await delay(400);
  }
  lastHeapMb = summarize(heap).median;
  return summarize(samples).median;
}

/** A flow of core nodes only (inject -> debug), for Node-RED's own growth over the same redeploys. */
function coreFlow(prefix: string): FlowNode[] {
  const tab = `${prefix}-tab`;
  return [
    { id: tab, type: 'tab', label: prefix, disabled: false, info: '' },
    { id: `${prefix}-inject`, type: 'inject', z: tab, name: '', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 100, y: 80, wires: [[`${prefix}-debug`]] },
    { id: `${prefix}-debug`, type: 'debug', z: tab, name: '', active: true, tosidebar: false, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 300, y: 80, wires: [] },
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

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  const sink = await Sink.start();
  const endpoints = { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
  const alone: number[] = [];
  const installedIdle: number[] = [];
  const withNodes: number[] = [];
  const redeploys: Array<{ before: number; after: number; growth: number; heapBefore: number; heapAfter: number; deployMs: number[] }> = [];
  const control: Array<{ before: number; after: number; growth: number; heapBefore: number; heapAfter: number }> = [];
  try {
    for (let p = 0; p < PROCESSES; p++) {
      const bare = await startNodeRed({ withPackage: false, gcEndpoint: true });
      try {
        await delay(SETTLE_MS);
        alone.push(await reading(bare));
        if (p < REDEPLOY_RUNS) {
          // Control: Node-RED's own growth over the same number of full deploys, core nodes only.
          const flow = coreFlow(`ctl-${uid()}`);
          await bare.deploy(flow);
          await delay(SETTLE_MS);
          const before = await reading(bare);
          const heapBefore = lastHeapMb;
          for (let i = 0; i < REDEPLOYS; i++) await bare.deploy(flow);
          await delay(SETTLE_MS);
          const after = await reading(bare);
          control.push({ before, after, growth: after - before, heapBefore, heapAfter: lastHeapMb });
          log(`memory: control, ${REDEPLOYS} redeploys of core nodes: ${fmt(before, 1)} -> ${fmt(after, 1)} MB`);
        }
      } finally {
        await bare.stop();
      }
      const nr = await startNodeRed({ gcEndpoint: true });
      try {
        await delay(SETTLE_MS);
        installedIdle.push(await reading(nr));
        const prefix = `mem-${uid()}`;
        const path = `/status/${prefix}`;
        const flow = fullFlow(prefix, endpoints, sink.url(path));
        let t0 = now();
        await nr.deploy(flow);
        await sink.next(path, t0, 60_000);
        await delay(SETTLE_MS);
        const before = await reading(nr);
        const heapBefore = lastHeapMb;
        withNodes.push(before);
        log(`memory: process ${p + 1}/${PROCESSES}: alone ${fmt(alone[p], 1)} MB, package idle ${fmt(installedIdle[p], 1)} MB, with nodes ${fmt(before, 1)} MB`);
        if (p < REDEPLOY_RUNS) {
          const deployMs: number[] = [];
          for (let i = 0; i < REDEPLOYS; i++) {
            t0 = now();
            await nr.deploy(flow);
            await sink.next(path, t0, 60_000);
            deployMs.push(now() - t0);
          }
          await delay(SETTLE_MS);
          const after = await reading(nr);
          redeploys.push({ before, after, growth: after - before, heapBefore, heapAfter: lastHeapMb, deployMs });
          log(`memory: after ${REDEPLOYS} redeploys ${fmt(after, 1)} MB (${after >= before ? '+' : ''}${fmt(after - before, 1)} MB)`);
        }
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
  const growth = summarize(redeploys.map((r) => r.growth));
  const deploySummary = summarize(redeploys.flatMap((r) => r.deployMs));
  const controlGrowth = summarize(control.map((r) => r.growth));
  const heapGrowth = summarize(redeploys.map((r) => r.heapAfter - r.heapBefore));
  const controlHeapGrowth = summarize(control.map((r) => r.heapAfter - r.heapBefore));
  const raw = { processes: PROCESSES, redeploys: REDEPLOYS, aloneMb: alone, packageIdleMb: installedIdle, withNodesMb: withNodes, redeployRuns: redeploys, controlRuns: control, summary: { controlGrowthMb: controlGrowth, heapGrowthMb: heapGrowth, controlHeapGrowthMb: controlHeapGrowth, alone: sAlone, packageIdle: sIdle, withNodes: sWith, addedMb: added, growthMb: growth, redeployMs: deploySummary } };
  const file = saveResult('memory', raw);
  const rows = [
    { what: 'Node-RED alone (no navien package, no flows)', 'RSS MB: median (min-max, n)': fmtSummary(sAlone, 1) },
    { what: 'Node-RED with the package installed, no flows', 'RSS MB: median (min-max, n)': fmtSummary(sIdle, 1) },
    { what: 'with one account + status + control + diagnostics, connected', 'RSS MB: median (min-max, n)': fmtSummary(sWith, 1) },
    { what: 'added by the package and its nodes (goal <= 40 MB)', 'RSS MB: median (min-max, n)': `${fmt(added, 1)} ${added <= 40 ? 'met' : 'MISSED'}` },
    { what: `growth over ${REDEPLOYS} full redeploys (goal <= 5 MB)`, 'RSS MB: median (min-max, n)': `${fmtSummary(growth, 1)} ${growth.median <= 5 ? 'met' : 'MISSED'}` },
    { what: '  of which JS heap (heapUsed after GC)', 'RSS MB: median (min-max, n)': fmtSummary(heapGrowth, 1) },
    { what: `control: Node-RED alone, ${REDEPLOYS} full redeploys of inject -> debug`, 'RSS MB: median (min-max, n)': `${fmtSummary(controlGrowth, 1)} (heap ${fmtSummary(controlHeapGrowth, 1)})` },
    { what: '  one redeploy -> first status, ms', 'RSS MB: median (min-max, n)': fmtSummary(deploySummary) },
  ];
  return {
    name: 'memory',
    title: '(5) Memory (RSS after forced GC)',
    rows,
    raw,
    file,
    goals: [
      { goal: '<= 40 MB added (MB)', value: added, met: added <= 40 },
      { goal: `<= 5 MB growth over ${REDEPLOYS} redeploys (MB)`, value: growth.median, met: growth.median <= 5 },
    ],
  };
}
