/**
 * (8) Idle cost: the CPU time a deployed account costs while nothing happens but its own routine - navien-status
 * polling every 30 s, navien-control and navien-diagnostics (its 5-minute report) waiting, the MQTT keep-alive -
 * against Node-RED alone (no navien package, no flows), the processes side by side for the same window. Goal:
 * <= 1 s of CPU per hour beyond Node-RED alone, for each MQTT transport.
 *
 * CPU time of each Node-RED process summed over its threads (V8's GC and compiler threads, the CRT's event-loop
 * threads) from /proc/<pid>/task/<tid>/schedstat (nanoseconds; utime + stime of /proc/<pid>/stat, 10 ms ticks, beside
 * it), read at the start and the end of the window after the flows have settled.
 * The status node's output is wired to nothing (a wired core node would add its own cost); each lane has its own
 * simulator, in the bench process (not counted), which counts the status requests. Window: 4 minutes
 * (BENCH_FULL=1: 10), during the 5 s recovery lanes, which are idle but for their reconnects; 1 s/hour is about 67 ms
 * in 4 minutes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, TRANSPORTS, Transport, FlowNode, MAC, NodeRed, accountNode, delay, fmt, log, now, saveResult, startNodeRed, summarize, uid } from './lib';

/** BENCH_IDLE_WINDOW_S shortens it for a quick check of the benchmark itself. */
const WINDOW_MS = Number(process.env.BENCH_IDLE_WINDOW_S ?? 0) * 1000 || (FULL ? 600_000 : 240_000);
/** Past the first status, the feature read and V8's memory reducer (full collections ~25 s after a burst of allocation). */
const SETTLE_MS = 45_000;
const POLL_S = 30;
const INTERVAL_MS = 30_000;
const GOAL_S_PER_HOUR = 1;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux Node-RED runs on). */
const TICKS_PER_S = 100;

/** CPU seconds (user + system, all threads, exited ones included) by /proc/<pid>/stat: 10 ms resolution. */
function cpuTicksSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): state is field 3, utime 14 and stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** CPU seconds of the process's live threads by their schedstat (ns on the CPU), undefined where the kernel has none. */
function cpuSchedSeconds(pid: number): number | undefined {
  let ns = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    return undefined;
  }
  return Number.isFinite(ns) && ns > 0 ? ns / 1e9 : undefined;
}

interface CpuReading {
  ticksS: number;
  schedS: number | undefined;
}

function cpu(nr: NodeRed): CpuReading {
  const pid = nr.pid;
  if (pid === undefined) throw new Error('Node-RED has no pid');
  return { ticksS: cpuTicksSeconds(pid), schedS: cpuSchedSeconds(pid) };
}

/** CPU seconds between two readings: by schedstat (ns) where both have it, else by clock ticks. */
function used(a: CpuReading, b: CpuReading): number {
  return a.schedS !== undefined && b.schedS !== undefined ? b.schedS - a.schedS : b.ticksS - a.ticksS;
}

function idleFlow(prefix: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }): FlowNode[] {
  const id = (name: string) => `${prefix}-${name}`;
  const tab = id('tab');
  return [
    { id: tab, type: 'tab', label: prefix, disabled: false, info: '' },
    accountNode(id('account'), endpoints),
    { id: id('status'), type: 'navien-status', z: tab, name: '', account: id('account'), device: MAC, unit: 'F', interval: String(POLL_S), output: 'all', x: 150, y: 80, wires: [[]] },
    { id: id('control'), type: 'navien-control', z: tab, name: '', account: id('account'), device: MAC, unit: 'F', allowPowerOff: true, x: 150, y: 160, wires: [[]] },
    { id: id('diagnostics'), type: 'navien-diagnostics', z: tab, name: '', account: id('account'), interval: 300, x: 150, y: 240, wires: [[]] },
  ];
}

interface Lane {
  name: string;
  transport?: Transport;
  nr: NodeRed;
  sim?: NavilinkSimulator;
}

/** Status requests the lane's simulated device has received since `sinceMs` (Date.now()). */
function polls(sim: NavilinkSimulator, sinceMs: number): number {
  return sim.received.filter((r) => r.at >= sinceMs && r.topic.endsWith('/st')).length;
}

export async function run(): Promise<BenchResult> {
  const lanes: Lane[] = [];
  try {
    lanes.push({ name: 'Node-RED alone', nr: await startNodeRed({ withPackage: false }) });
    for (const transport of TRANSPORTS) {
      const sim = await NavilinkSimulator.start({ speed: 0 });
      lanes.push({ name: `account + status + control + diagnostics, ${transport} transport`, transport, sim, nr: await startNodeRed({ env: { NAVIEN_MQTT_TRANSPORT: transport } }) });
    }
    for (const lane of lanes) {
      if (!lane.sim) continue;
      const sim = lane.sim;
      const deployed = Date.now();
      await lane.nr.deploy(idleFlow(`idle-${lane.transport}-${uid()}`, { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile }));
      const t0 = now();
      while (polls(sim, deployed) === 0) {
        if (now() - t0 > 60_000) throw new Error(`idle: the ${lane.transport} lane sent no status request within 60 s`);
        await delay(100);
      }
    }
    await delay(SETTLE_MS);
    log(`idle: measuring ${fmt(WINDOW_MS / 1000)} s`);
    const start = lanes.map((l) => cpu(l.nr));
    const startedAt = Date.now();
    const t0 = now();
    // Read every 30 s as well: a one-off (a collection, a compile) shows as one interval standing out.
    const intervals: number[][] = lanes.map(() => []);
    let previous = start;
    while (now() - t0 < WINDOW_MS - 1) {
      await delay(Math.min(INTERVAL_MS, WINDOW_MS - (now() - t0)));
      const reading = lanes.map((l) => cpu(l.nr));
      reading.forEach((r, i) => intervals[i].push(used(previous[i], r) * 1000));
      previous = reading;
    }
    const windowS = (now() - t0) / 1000;
    const end = previous;
    const cpuS = lanes.map((_, i) => used(start[i], end[i]));
    const ticksS = lanes.map((_, i) => end[i].ticksS - start[i].ticksS);
    const statuses = lanes.map((l) => (l.sim ? polls(l.sim, startedAt) : 0));
    const perHour = cpuS.map((s) => (s / windowS) * 3600);
    // The baseline is Node-RED alone's typical 30 s (median) scaled to an hour, so a one-off of its own (a
    // collection, ~0.2 s) cannot make ours look cheaper; our lanes count everything in the window, one-offs included.
    const alonePerHourS = (summarize(intervals[0]).median / 1000) * (3_600_000 / INTERVAL_MS);
    const results = lanes.map((l, i) => ({ name: l.name, transport: l.transport ?? null, cpuS: cpuS[i], ticksS: ticksS[i], perHourS: perHour[i], beyondAlonePerHourS: perHour[i] - alonePerHourS, statusRequests: statuses[i], intervalCpuMs: intervals[i] }));
    const raw = { windowS, settleMs: SETTLE_MS, pollSeconds: POLL_S, ticksPerSecond: TICKS_PER_S, alonePerHourS, results };
    const file = saveResult('idle', raw);
    const rows = results.map((r) => ({
      what: r.name,
      'CPU s in the window (clock ticks)': `${fmt(r.cpuS, 3)} (${fmt(r.ticksS, 2)})`,
      'CPU s per hour': fmt(r.perHourS, 1),
      'beyond Node-RED alone, s per hour (goal <= 1)': r.transport ? `${fmt(r.beyondAlonePerHourS, 2)} ${r.beyondAlonePerHourS <= GOAL_S_PER_HOUR ? 'met' : 'MISSED'}` : '-',
      'status requests in the window': r.transport ? String(r.statusRequests) : '-',
      'CPU ms per 30 s: median, largest': `${fmt(summarize(r.intervalCpuMs).median, 1)}, ${fmt(Math.max(...r.intervalCpuMs), 1)}`,
    }));
    const goals = results
      .filter((r) => r.transport)
      .map((r) => ({ goal: `idle CPU <= ${GOAL_S_PER_HOUR} s/hour beyond Node-RED alone, ${r.transport} (s/hour)`, value: r.beyondAlonePerHourS, met: r.beyondAlonePerHourS <= GOAL_S_PER_HOUR }));
    const notes = [
      `Window ${fmt(windowS)} s after ${fmt(SETTLE_MS / 1000)} s to settle; status every ${POLL_S} s. CPU time by each thread's schedstat (ns), clock ticks of /proc/<pid>/stat (10 ms) beside it.`,
      `"Beyond Node-RED alone": each lane's CPU over the whole window per hour, minus Node-RED alone's median 30 s scaled to an hour (${fmt(alonePerHourS, 2)} s): a one-off in Node-RED alone does not count in our favour, one in our lanes counts against us.`,
    ];
    return { name: 'idle', title: '(8) Idle cost: CPU time per hour', rows, raw, file, goals, notes };
  } finally {
    for (const lane of lanes) {
      await lane.nr.stop();
      await lane.sim?.stop();
    }
  }
}
