/**
 * (4) Throughput and cost per message: status payloads (MQTT envelopes as the cloud sends them, built from the
 * simulator's device state with varied temperatures) fed through
 *   a) the decode path navien-status uses - JSON.parse, classifyInbound (as AccountConnection.onMessage does), the
 *      status check, summarizeStatus + decodeStatus + msg build, the change key (JSON.stringify) and the node-status
 *      summary (navien-status summarises a second time for its status text) - replayed in-process, and
 *   b) the real navien-status node in a real Node-RED runtime (node-red-node-test-helper, a stub account node whose
 *      connection emits the classified messages), counting messages delivered to the next node,
 * against the floor: `JSON.parse` of the same payloads. Goal: a) >= 50 % of the floor's rate; no event-loop stall
 * > 20 ms (perf_hooks.monitorEventLoopDelay, max, during the feed). Feeding: 10 messages per macrotask (a steady
 * stream), for a fixed time per run; runs of the three variants alternate.
 */
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { InboundMessage, TemperatureUnit, classifyInbound, decodeStatus, summarizeStatus } from '../src/shared/codec';
import type { AccountUser } from '../src/nodes/common/account-api';
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, MAC, delay, fmt, fmtSummary, log, saveResult, summarize } from './lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper') as {
  init(path: string): void;
  load(nodes: unknown[], flow: unknown[], credentials?: unknown): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): (Node & Record<string, unknown>) | null;
};

const RUNS = FULL ? 9 : 5;
const RUN_MS = FULL ? 3_000 : 1_500;
const BATCH = 10;
const STALL_GOAL_MS = 20;
const TOPIC = `cmd/52/navilink-${MAC}/navien-nr-bench/res`;

interface Measured {
  messages: number;
  ms: number;
  rate: number;
  maxDelayMs: number;
  p99DelayMs: number;
}

/** 256 distinct status envelopes as the device sends them (varied tank temperatures, setpoints and power). */
async function payloads(): Promise<Buffer[]> {
  const sim = await NavilinkSimulator.start({ speed: 0 });
  try {
    const base = sim.device().snapshot() as Record<string, number>;
    const out: Buffer[] = [];
    for (let i = 0; i < 256; i++) {
      const status = {
        ...base,
        command: 16777219,
        dhwTemperature: 100 + (i % 40),
        dhwTemperatureSetting: 110 + (i % 30),
        tankUpperTemperature: 450 + i,
        tankLowerTemperature: 400 + i,
        currentInstPower: (i * 37) % 4000,
        dhwChargePer: i % 101,
      };
      const envelope = {
        protocolVersion: 2,
        clientID: 'navien-nr-bench',
        sessionID: String(1_700_000_000_000 + i),
        requestTopic: `cmd/52/navilink-${MAC}/st`,
        response: { deviceType: 52, macAddress: MAC, additionalValue: '1234', status },
      };
      out.push(Buffer.from(JSON.stringify(envelope)));
    }
    return out;
  } finally {
    await sim.stop();
  }
}

/** Feeds `handle` BATCH messages per macrotask for RUN_MS; `delivered()` says how many came out the far end. */
async function feed(buffers: Buffer[], handle: (buf: Buffer) => void, delivered: () => number): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let fed = 0;
  const t0 = performance.now();
  histogram.enable();
  await new Promise<void>((resolve) => {
    const step = () => {
      for (let i = 0; i < BATCH; i++) handle(buffers[fed++ % buffers.length]);
      if (performance.now() - t0 < RUN_MS) setImmediate(step);
      else resolve();
    };
    setImmediate(step);
  });
  // Messages still travelling through Node-RED's asynchronous delivery count when they arrive.
  while (delivered() < fed) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  histogram.disable();
  return { messages: fed, ms, rate: (fed / ms) * 1000, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
}

// ---- the decode path of navien-status, step by step as the node and AccountConnection.onMessage do it ----------------

function looksLikeStatus(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const status = raw as Record<string, unknown>;
  return typeof status.dhwOperationSetting === 'number' && typeof status.dhwTemperature === 'number';
}

function decodePath(unit: TemperatureUnit, sink: (msg: unknown) => void): (buf: Buffer) => void {
  const lastSent = new Map<string, string>();
  return (buf) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const message = classifyInbound(TOPIC, parsed);
    if (message.kind !== 'status' || !message.mac) return;
    const raw = message.response?.status;
    if (!looksLikeStatus(raw)) return;
    const mac = message.mac;
    const fields = {
      topic: `navien/${mac}/status`,
      payload: summarizeStatus(raw, unit, true),
      status: decodeStatus(raw, unit),
      raw,
      device: { mac, name: mac, deviceType: 52, model: 'NWP500' },
    };
    const { command: _cause, ...comparable } = raw;
    const key = `true|${JSON.stringify(comparable)}`;
    lastSent.set(mac, key);
    const s = summarizeStatus(raw, unit, true);
    const text = `${s.temperature ?? '?'}°${unit} · ${s.tankCharge ?? '?'}% · ${s.mode}`;
    sink([fields, text]);
  };
}

// ---- the real node in a Node-RED runtime -----------------------------------------------------------------------------

interface RealNode {
  handle: (buf: Buffer) => void;
  delivered: () => number;
}

async function loadRealNode(): Promise<RealNode> {
  helper.init(require.resolve('node-red'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const statusNode = require('../src/nodes/navien-status') as (RED: NodeAPI) => void;
  const device = { mac: MAC, additionalValue: '1234', deviceType: 52, name: 'bench heater', cloudPresence: 'online', lastErrorCode: null };
  const users = new Set<AccountUser>();
  // The connection's 'message' event is how device messages reach nodes: the bench emits what it feeds there.
  const connection = Object.assign(new EventEmitter(), {
    devices: [device],
    device: (mac: string) => (mac === MAC ? device : undefined),
    presenceOf: () => 'online',
    requestStatus: () => new Promise(() => undefined),
  });
  /** Stands in for navien-account: connected, one device, and hands the node whatever the bench feeds. */
  function stubAccount(RED: NodeAPI): void {
    function StubAccount(this: Node & Record<string, unknown>, config: NodeDef): void {
      RED.nodes.createNode(this, config);
      this.readOnly = false;
      this.state = { phase: 'connected' };
      this.connection = connection;
      this.register = (user: AccountUser) => {
        users.add(user);
        user.onState?.({ phase: 'connected' });
        user.onReady?.();
      };
      this.deregister = async (user: AccountUser) => {
        users.delete(user);
      };
    }
    RED.nodes.registerType('navien-account', StubAccount as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
  }
  await helper.load(
    [stubAccount, statusNode],
    [
      { id: 'bench-account', type: 'navien-account', name: '' },
      { id: 'bench-status', type: 'navien-status', name: '', account: 'bench-account', device: MAC, unit: 'F', interval: 0, output: 'all', wires: [['bench-out']] },
      { id: 'bench-out', type: 'helper' },
    ],
  );
  let count = 0;
  (helper.getNode('bench-out') as Node).on('input', () => count++);
  return {
    handle: (buf) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const message: InboundMessage = classifyInbound(TOPIC, parsed);
      connection.emit('message', message);
    },
    delivered: () => count,
  };
}

/** Cost of each step of the decode path alone (tight loop over the same payloads), in µs per message. */
function breakdown(buffers: Buffer[]): Record<string, number> {
  const parsed = buffers.map((b) => JSON.parse(b.toString('utf8')) as unknown);
  const raws = parsed.map((p) => classifyInbound(TOPIC, p).response?.status as Record<string, unknown>);
  const n = FULL ? 40_000 : 20_000;
  let keep: unknown;
  const time = (fn: (i: number) => unknown): number => {
    for (let i = 0; i < 2_000; i++) keep = fn(i);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) keep = fn(i);
    return ((performance.now() - t0) / n) * 1000;
  };
  const steps = {
    'JSON.parse': time((i) => JSON.parse(buffers[i % buffers.length].toString('utf8'))),
    classifyInbound: time((i) => classifyInbound(TOPIC, parsed[i % parsed.length])),
    decodeStatus: time((i) => decodeStatus(raws[i % raws.length], 'F')),
    'summarizeStatus (x2 in the node)': time((i) => summarizeStatus(raws[i % raws.length], 'F', true)),
    'change key: rest + JSON.stringify': time((i) => {
      const { command: _c, ...comparable } = raws[i % raws.length];
      return JSON.stringify(comparable);
    }),
  };
  void keep;
  return steps;
}

export async function run(): Promise<BenchResult> {
  const buffers = await payloads();
  const steps = breakdown(buffers);
  const bytes = buffers.reduce((n, b) => n + b.length, 0) / buffers.length;
  let floorCount = 0;
  let pathCount = 0;
  let keep: unknown;
  const floor = (buf: Buffer) => {
    keep = JSON.parse(buf.toString('utf8'));
    floorCount++;
  };
  const path = decodePath('F', (m) => {
    keep = m;
    pathCount++;
  });
  const real = await loadRealNode();
  try {
    // Warm-up: let the JIT see every variant before the clock runs.
    await feed(buffers, floor, () => floorCount);
    await feed(buffers, path, () => pathCount);
    await feed(buffers, real.handle, real.delivered);
    const results: Record<'floor' | 'path' | 'node', Measured[]> = { floor: [], path: [], node: [] };
    for (let i = 0; i < RUNS; i++) {
      results.floor.push(await feed(buffers, floor, () => floorCount));
      results.path.push(await feed(buffers, path, () => pathCount));
      results.node.push(await feed(buffers, real.handle, real.delivered));
      log(`throughput: run ${i + 1}/${RUNS}: floor ${fmt(results.floor[i].rate)}/s, path ${fmt(results.path[i].rate)}/s, node ${fmt(results.node[i].rate)}/s`);
      await delay(50);
    }
    void keep;
    const s = (k: keyof typeof results) => ({
      rate: summarize(results[k].map((r) => r.rate)),
      maxDelay: summarize(results[k].map((r) => r.maxDelayMs)),
      usPerMessage: summarize(results[k].map((r) => 1000 / r.rate * 1000)),
    });
    const summary = { floor: s('floor'), path: s('path'), node: s('node') };
    const pathShare = summary.path.rate.median / summary.floor.rate.median;
    const nodeShare = summary.node.rate.median / summary.floor.rate.median;
    const worstStall = Math.max(summary.path.maxDelay.max, summary.node.maxDelay.max);
    const raw = { runs: RUNS, runMs: RUN_MS, batch: BATCH, payloadBytes: bytes, stepsUsPerMessage: steps, results, summary: { ...summary, pathShare, nodeShare, worstStall } };
    const file = saveResult('throughput', raw);
    const row = (what: string, k: keyof typeof results, share: string) => ({
      what,
      'messages/s: median (min-max, n)': fmtSummary(summary[k].rate),
      'µs/message': fmt(summary[k].usPerMessage.median, 1),
      'share of floor': share,
      'max event-loop delay ms (worst run)': fmt(summary[k].maxDelay.max, 1),
    });
    const rows = [
      row(`floor: JSON.parse (${fmt(bytes)} B payloads)`, 'floor', '100 %'),
      row('decode path of navien-status (goal >= 50 %)', 'path', `${fmt(pathShare * 100)} % ${pathShare >= 0.5 ? 'met' : 'MISSED'}`),
      row('real navien-status node in Node-RED (test helper)', 'node', `${fmt(nodeShare * 100)} %`),
      {
        what: 'steps alone, µs/message (tight loop)',
        'messages/s: median (min-max, n)': Object.entries(steps)
          .map(([k, v]) => `${k} ${fmt(v, 1)}`)
          .join('; '),
        'µs/message': '',
        'share of floor': '',
        'max event-loop delay ms (worst run)': '',
      },
    ];
    return {
      name: 'throughput',
      title: '(4) Throughput and cost per message',
      rows,
      raw,
      file,
      goals: [
        { goal: 'decode path >= 50 % of the JSON.parse rate', value: pathShare * 100, met: pathShare >= 0.5 },
        { goal: `no event-loop stall > ${STALL_GOAL_MS} ms (ms, worst)`, value: worstStall, met: worstStall <= STALL_GOAL_MS },
      ],
    };
  } finally {
    await helper.unload();
  }
}
