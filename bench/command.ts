/**
 * (3) Command round trip: a control message into navien-control in a real Node-RED until its confirmed result comes
 * out, minus the simulator's own reply delay (`replyDelayMs`). Goal: overhead median <= 20 ms.
 *
 * The bench POSTs {topic: 'setpoint', payload: 120|122} to an `http in` node; a change node turns the body into
 * msg.topic / msg.payload; navien-control's output goes to an `http request` node POSTing to the bench's sink.
 * Setpoints alternate so every control is a real change, spaced 1.5 s apart (the node keeps >= 1 s between two
 * controls to one device). The same HTTP in/out path without navien-control (an echo) is measured alongside, so
 * the harness's own share is visible; the goal is judged on the raw overhead (harness included), the stricter one.
 */
import { NavilinkSimulator } from '../tools/simulator/simulator';
import { BenchResult } from './types';
import { FULL, FlowNode, MAC, NodeRed, Sink, accountNode, delay, fmt, fmtSummary, log, now, postToSink, saveResult, summarize, uid, startNodeRed } from './lib';

const RUNS = FULL ? 50 : 20;
const REPLY_DELAY_MS = 20;
const SPACING_MS = 1_500;

function commandFlow(prefix: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }, sink: Sink): FlowNode[] {
  const id = (name: string) => `${prefix}-${name}`;
  const tab = id('tab');
  const httpIn = (name: string, url: string, next: string): FlowNode => ({
    id: id(name),
    type: 'http in',
    z: tab,
    name: '',
    url,
    method: 'post',
    upload: false,
    swaggerDoc: '',
    x: 100,
    y: 80,
    wires: [[id(`${name}-ok`), next]],
  });
  const ok = (name: string): FlowNode => ({ id: id(`${name}-ok`), type: 'http response', z: tab, name: '', statusCode: '200', headers: {}, x: 300, y: 40, wires: [] });
  const unpack = (name: string, next: string): FlowNode => ({
    id: id(name),
    type: 'change',
    z: tab,
    name: 'body -> topic, payload',
    rules: [
      { t: 'set', p: 'topic', pt: 'msg', to: 'payload.topic', tot: 'msg' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'payload.payload', tot: 'msg' },
      { t: 'delete', p: 'req', pt: 'msg' },
      { t: 'delete', p: 'res', pt: 'msg' },
    ],
    action: '',
    property: '',
    from: '',
    to: '',
    reg: false,
    x: 300,
    y: 80,
    wires: [[next]],
  });
  return [
    { id: tab, type: 'tab', label: prefix, disabled: false, info: '' },
    accountNode(id('account'), endpoints),
    httpIn('cmd-in', `/${prefix}/cmd`, id('cmd-unpack')),
    ok('cmd-in'),
    unpack('cmd-unpack', id('control')),
    { id: id('control'), type: 'navien-control', z: tab, name: '', account: id('account'), device: MAC, unit: 'F', allowPowerOff: true, x: 500, y: 80, wires: [[id('cmd-post')]] },
    postToSink(id('cmd-post'), tab, sink.url(`/cmd/${prefix}`)),
    httpIn('echo-in', `/${prefix}/echo`, id('echo-unpack')),
    ok('echo-in'),
    unpack('echo-unpack', id('echo-post')),
    postToSink(id('echo-post'), tab, sink.url(`/echo/${prefix}`)),
  ];
}

export async function run(): Promise<BenchResult> {
  const sim = await NavilinkSimulator.start({ speed: 0, replyDelayMs: REPLY_DELAY_MS });
  const sink = await Sink.start();
  let nr: NodeRed | undefined;
  try {
    nr = await startNodeRed();
    const prefix = `cmd-${uid()}`;
    await nr.deploy(commandFlow(prefix, { apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile }, sink));
    const post = async (kind: 'cmd' | 'echo', body: unknown, timeoutMs: number) => {
      const t0 = now();
      const arrival = sink.next(`/${kind}/${prefix}`, t0, timeoutMs);
      const res = await fetch((nr as NodeRed).url(`/${prefix}/${kind}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST /${prefix}/${kind}: HTTP ${res.status}`);
      const a = await arrival;
      return { ms: a.at - t0, body: a.body as { result?: string; latencyMs?: number } };
    };
    // Warm-up: the first control waits for the connection (and the device's feature record) to come up.
    log('command: warm-up');
    await post('cmd', { topic: 'setpoint', payload: 118 }, 60_000);
    await post('echo', { topic: 'x', payload: 1 }, 10_000);
    await delay(SPACING_MS);
    const commands: Array<{ ms: number; result: string; nodeLatencyMs: number | undefined }> = [];
    const echoes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = await post('cmd', { topic: 'setpoint', payload: i % 2 === 0 ? 120 : 122 }, 30_000);
      commands.push({ ms: c.ms, result: c.body?.result ?? 'unknown', nodeLatencyMs: c.body?.latencyMs });
      echoes.push((await post('echo', { topic: 'x', payload: i }, 10_000)).ms);
      await delay(SPACING_MS);
    }
    const confirmed = commands.filter((c) => c.result === 'confirmed');
    const roundTrip = summarize(confirmed.map((c) => c.ms));
    const overhead = summarize(confirmed.map((c) => c.ms - REPLY_DELAY_MS));
    const harness = summarize(echoes);
    const net = overhead.median - harness.median;
    const nodeLatency = summarize(confirmed.map((c) => c.nodeLatencyMs ?? NaN));
    const raw = { runs: RUNS, replyDelayMs: REPLY_DELAY_MS, commands, echoes, summary: { roundTrip, overhead, harness, netOfHarness: net, nodeLatency, confirmed: confirmed.length } };
    const file = saveResult('command', raw);
    const rows = [
      { what: `round trip, control in -> confirmed out (${confirmed.length}/${RUNS} confirmed)`, 'ms: median (min-max, n)': fmtSummary(roundTrip, 1), 'MAD ms': fmt(roundTrip.mad, 1) },
      { what: `overhead = round trip - simulator reply delay (${REPLY_DELAY_MS} ms); goal <= 20 ms`, 'ms: median (min-max, n)': `${fmtSummary(overhead, 1)} ${overhead.median <= 20 ? 'met' : 'MISSED'}`, 'MAD ms': fmt(overhead.mad, 1) },
      { what: 'harness alone: http in -> change -> http request -> sink', 'ms: median (min-max, n)': fmtSummary(harness, 1), 'MAD ms': fmt(harness.mad, 1) },
      { what: 'overhead net of the harness (median - median)', 'ms: median (min-max, n)': fmt(net, 1), 'MAD ms': '' },
      { what: "navien-control's own latencyMs (publish -> confirming status)", 'ms: median (min-max, n)': fmtSummary(nodeLatency, 1), 'MAD ms': fmt(nodeLatency.mad, 1) },
    ];
    return { name: 'command', title: '(3) Command round trip', rows, raw, file, goals: [{ goal: 'overhead median <= 20 ms', value: overhead.median, met: overhead.median <= 20 }] };
  } finally {
    await nr?.stop();
    await sink.close();
    await sim.stop();
  }
}
