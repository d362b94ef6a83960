/**
 * Shared helpers of the benchmarks: statistics, the machine description, raw-result files, a real Node-RED child
 * process in a throw-away user directory (tools/node-red-launcher), and a tiny HTTP sink that timestamps what flows
 * POST to it. Timing code lives here and in bench/*.ts only, never in the tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { FlowNode, NodeRedProcess, cleanEnv, localRuntime, prepareUserDir, repoRoot } from '../tools/node-red-launcher';

export { PACKAGE, cleanEnv, delay, repoRoot, runCommand, writeProjectManifest, type FlowNode } from '../tools/node-red-launcher';
export type { TransportKind as Transport } from '../src/shared/transport-select';
/** Both MQTT transports (NAVIEN_MQTT_TRANSPORT), for the benchmarks where the transport matters. */
export const TRANSPORTS = ['native', 'js'] as const;
export const EMAIL = 'user@example.com';
export const PASSWORD = 'example-password';
export const MAC = '0a1b2c3d4e5f';
/**
 * V8 flags for processes whose memory is read: the young generation pinned at 1 MB. By default it grows to 32 MB under
 * allocation and is given back when V8's memory reducer decides so, which moved single RSS readings by up to 30 MB.
 */
export const PINNED_YOUNG_GENERATION = ['--min-semi-space-size=1', '--max-semi-space-size=1'];
/** BENCH_FULL=1: more repetitions everywhere (and three 5-minute outages instead of one). */
export const FULL = process.env.BENCH_FULL === '1';

// ---- statistics ----------------------------------------------------------------------------------------------------

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** Median absolute deviation: robust spread, in the unit of the samples. */
  mad: number;
  /** Inter-quartile range (p25..p75). */
  p25: number;
  p75: number;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const deviations = sorted.map((x) => Math.abs(x - median)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    median,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    mad: quantile(deviations, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
  };
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min-max, n=N)" */
export function fmtSummary(s: Summary, digits = 0, unit = ''): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return `${fmt(s.median, digits)}${unit} (n=1)`;
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}-${fmt(s.max, digits)}, n=${s.n})`;
}

// ---- tables and results --------------------------------------------------------------------------------------------

export type Row = Record<string, string>;

/** A Markdown table: prints as is in a terminal and pastes into BENCHMARKS.md. */
export function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map((r) => line(headers.map((h) => r[h] ?? '')))].join('\n') + '\n';
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  nodeRed: string;
  platform: string;
  date: string;
  full: boolean;
  /** 1-, 5- and 15-minute load averages when the reading was taken (how busy the machine was). */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    nodeRed: nodeRedVersion(),
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    full: FULL,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function nodeRedVersion(): string {
  try {
    return localRuntime().redVersion;
  } catch {
    return 'unknown';
  }
}

/** Writes bench/results/<name>.json (in the checkout, not in build/) and returns its path. */
export function saveResult(name: string, data: unknown): string {
  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, machine: machineInfo(), ...(data as object) }, null, 2) + '\n');
  return file;
}

export function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

// ---- HTTP sink -----------------------------------------------------------------------------------------------------

export interface Arrival {
  at: number;
  path: string;
  body: unknown;
}

/** Receives POSTs from flows' `http request` nodes and timestamps each on arrival (performance.now-based epoch ms). */
export class Sink {
  readonly arrivals: Arrival[] = [];
  private listeners = new Set<(a: Arrival) => void>();
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<Sink> {
    let sink: Sink | undefined;
    const server = createHttpServer((req: IncomingMessage, res) => {
      const at = now();
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the text
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        const arrival = { at, path: req.url ?? '/', body };
        sink?.arrivals.push(arrival);
        for (const l of sink?.listeners ?? []) l(arrival);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sink = new Sink(server, (server.address() as AddressInfo).port);
    return sink;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The first arrival on `path` at or after `since` that passes `accept` (already there, or the next one). */
  next(path: string, since: number, timeoutMs: number, accept: (a: Arrival) => boolean = () => true): Promise<Arrival> {
    const match = (a: Arrival) => a.path === path && a.at >= since && accept(a);
    const found = this.arrivals.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (a: Arrival) => {
        if (!match(a)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(a);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no POST to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  clear(): void {
    this.arrivals.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

// ---- a real Node-RED process ---------------------------------------------------------------------------------------

export type NodeRed = NodeRedProcess;

export interface NodeRedOptions {
  /** Link this checkout into the user dir's node_modules (as `npm install <dir>` would). Default true. */
  withPackage?: boolean;
  env?: Record<string, string>;
  /**
   * Start node with --expose-gc and serve GET /__bench/gc on the admin API (httpAdminMiddleware in settings.js):
   * two full collections, so RSS readings do not depend on when V8 felt like collecting; GET
   * /__bench/heap-snapshot writes a heap snapshot (after them) to the temporary directory.
   */
  gcEndpoint?: boolean;
  /** Further options for node (V8 flags). */
  nodeArgs?: string[];
}

const GC_MIDDLEWARE = `httpAdminMiddleware: function (req, res, next) {
    if (req.url === '/__bench/gc') {
      global.gc(); global.gc();
      return res.end(JSON.stringify(process.memoryUsage()));
    }
    if (req.url === '/__bench/heap-snapshot') {
      global.gc(); global.gc();
      return res.end(JSON.stringify({ file: require('v8').writeHeapSnapshot(require('path').join(require('os').tmpdir(), 'navien-bench-' + process.pid + '-' + Date.now() + '.heapsnapshot')) }));
    }
    return next();
  },`;

/** A Node-RED child (the checkout's node-red on this Node) in a fresh temporary user directory, removed again by stop(). */
export function startNodeRed(options: NodeRedOptions = {}): Promise<NodeRed> {
  const userDir = prepareUserDir(mkdtempSync(join(tmpdir(), 'navien-bench-nr-')), {
    linkPackage: options.withPackage === false ? undefined : repoRoot(),
    settings: options.gcEndpoint ? { extraSource: GC_MIDDLEWARE } : {},
  });
  return NodeRedProcess.start({
    userDir,
    removeUserDirOnStop: true,
    env: cleanEnv(options.env),
    nodeArgs: [...(options.gcEndpoint ? ['--expose-gc'] : []), ...(options.nodeArgs ?? [])],
    readyTimeoutMs: 90_000,
  });
}

/** A heap snapshot of the Node-RED process after two full collections (needs `gcEndpoint`); the file it wrote. */
export async function heapSnapshot(nr: NodeRed): Promise<string> {
  const res = await fetch(nr.url('/__bench/heap-snapshot'), { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`GET /__bench/heap-snapshot: HTTP ${res.status}`);
  return ((await res.json()) as { file: string }).file;
}

/** Two full garbage collections in the Node-RED process (needs `gcEndpoint`); its memory usage after them. */
export async function gc(nr: NodeRed): Promise<NodeJS.MemoryUsage> {
  const res = await fetch(nr.url('/__bench/gc'), { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET /__bench/gc: HTTP ${res.status}`);
  return (await res.json()) as NodeJS.MemoryUsage;
}

/** Resident set size of the Node-RED process, in MB. */
export function rssMb(nr: NodeRed): number {
  const bytes = nr.rss();
  if (bytes === undefined) throw new Error('Node-RED has exited: no RSS to read');
  return bytes / (1024 * 1024);
}

// ---- flows ---------------------------------------------------------------------------------------------------------

export interface SimEndpoints {
  apiUrl: string;
  iotEndpoint: string;
  caFile: string;
}

/** An account node with the simulator's endpoints in its Advanced fields and credentials in the deploy body. */
export function accountNode(id: string, endpoints: SimEndpoints): FlowNode {
  return {
    id,
    type: 'navien-account',
    name: 'bench account',
    apiUrl: endpoints.apiUrl,
    iotEndpoint: endpoints.iotEndpoint,
    caFile: endpoints.caFile,
    readOnly: false,
    credentials: { email: EMAIL, password: PASSWORD },
  };
}

/** A core `http request` node POSTing msg (as JSON) to the sink. */
export function postToSink(id: string, tab: string, url: string): FlowNode {
  return {
    id,
    type: 'http request',
    z: tab,
    name: '',
    method: 'POST',
    ret: 'txt',
    paytoqs: 'ignore',
    url,
    tls: '',
    persist: true,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    x: 400,
    y: 80,
    wires: [[]],
  };
}

/** account -> navien-status (device, every `interval` s, every status) -> http request to the sink's `path`. */
export function statusFlow(prefix: string, endpoints: SimEndpoints, sinkUrl: string, interval = '10'): FlowNode[] {
  const id = (name: string) => `${prefix}-${name}`;
  return [
    { id: id('tab'), type: 'tab', label: prefix, disabled: false, info: '' },
    accountNode(id('account'), endpoints),
    {
      id: id('status'),
      type: 'navien-status',
      z: id('tab'),
      name: '',
      account: id('account'),
      device: MAC,
      unit: 'F',
      interval,
      output: 'all',
      x: 150,
      y: 80,
      wires: [[id('post')]],
    },
    postToSink(id('post'), id('tab'), sinkUrl),
  ];
}

export function emptyFlow(prefix: string): FlowNode[] {
  return [{ id: `${prefix}-empty`, type: 'tab', label: 'empty', disabled: false, info: '' }];
}

/** A short random id suffix, so successive deploys never reuse node ids (or the client ids derived from them). */
export function uid(): string {
  return randomBytes(4).toString('hex');
}
