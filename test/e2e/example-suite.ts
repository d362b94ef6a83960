/**
 * What the example suites (examples.test.ts, examples-advanced.test.ts) share: a Node-RED of one runtime on the
 * installed package, against the simulator, run as `npm start` runs it (the simulator's endpoints in the NAVIEN_*
 * environment, the examples' account fields left empty); each example fetched through the editor's examples API and
 * deployed unchanged with the account's e-mail and password in the deploy body; and what its debug nodes would show
 * collected by test-only core nodes: every node wired to a debug node (and, where a test taps it, another node's first
 * output) is also wired to a `change` node that serialises the message and a `file` node that appends it to a
 * JSON-lines file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NavilinkSimulator, type ReceivedRequest } from '../../tools/simulator/simulator';
import { EMAIL, FlowNode, NodeRedProcess, PACKAGE, PASSWORD, PackedInstall, RUNTIME_SETUP_TIMEOUT_MS, cleanEnv, dashboardUserDir, extraUserDir, packedInstall, waitFor } from './harness';
import { appendFileNode, jsonLineNode, readJsonLines } from './json-lines';

/** One message a debug node (or a tapped node) would have shown; the fields the examples' assertions look at. */
export interface Captured {
  /** Id of the debug node the message was going to, or the tap's label. */
  debug: string;
  topic?: unknown;
  payload?: unknown;
  error?: { message?: string; source?: { id?: string } };
  summary?: unknown;
  filename?: unknown;
  alert?: Record<string, unknown>;
  boost?: unknown;
  dryRun?: unknown;
  antiLegionella?: { enabled?: boolean; periodDays?: number; problem?: string };
  event?: unknown;
  /** Dynamic properties for a Dashboard 2.0 widget. */
  ui_update?: Record<string, unknown>;
}
const CAPTURED_FIELDS = ['topic', 'payload', 'error', 'summary', 'filename', 'alert', 'boost', 'dryRun', 'antiLegionella', 'event', 'ui_update'];

export interface InstrumentOptions {
  /** Extra node id -> label: that node's first output is captured too. */
  taps?: Record<string, string>;
  /** Node id -> properties replaced (test-only, said where used). */
  overrides?: Record<string, Record<string, unknown>>;
  /** Test-only nodes added to the example's tab (their `z` is set). */
  extra?: FlowNode[];
}

export const OUR_TYPES = ['navien-account', 'navien-status', 'navien-control', 'navien-diagnostics', 'navien-planner'];
const RESULT_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 45_000;

/**
 * The example as deployed by a user who picked the account: credentials added to the one account node (the editor
 * sends them in the deploy body), plus capture nodes.
 */
export function instrument(example: FlowNode[], captureFile: string, opts: InstrumentOptions = {}): FlowNode[] {
  const tab = example.find((n) => n.type === 'tab');
  assert.ok(tab, 'example has no tab');
  const flow: FlowNode[] = example.map((node) => {
    let copy: FlowNode = { ...node, wires: Array.isArray(node.wires) ? (node.wires as string[][]).map((port) => [...port]) : node.wires };
    if (copy.type === 'navien-account') copy = { ...copy, credentials: { email: EMAIL, password: PASSWORD } };
    const override = opts.overrides?.[node.id];
    if (override) copy = { ...copy, ...override };
    return copy;
  });
  for (const node of opts.extra ?? []) flow.push({ ...node, z: tab.id });
  const byId = new Map(flow.map((n) => [n.id, n]));
  const fileId = 'e2e-capture-file';
  const sinks = new Map<string, string>(); // label -> capture change node id
  const sinkFor = (label: string): string => {
    let id = sinks.get(label);
    if (!id) {
      id = `e2e-capture-${sinks.size}`;
      sinks.set(label, id);
    }
    return id;
  };
  for (const debugNode of flow.filter((n) => n.type === 'debug')) {
    for (const node of flow) {
      (node.wires as string[][] | undefined)?.forEach((port) => {
        if (port.includes(debugNode.id)) port.push(sinkFor(debugNode.id));
      });
    }
  }
  for (const [nodeId, label] of Object.entries(opts.taps ?? {})) {
    const node = byId.get(nodeId);
    assert.ok(node, `no node ${nodeId} to tap`);
    (node.wires as string[][])[0].push(sinkFor(label));
  }
  const fields = CAPTURED_FIELDS.map((f) => `"${f}": ${f}`).join(', ');
  for (const [label, id] of sinks) {
    flow.push(jsonLineNode(id, tab.id, `e2e capture ${label}`, `$string({"debug": "${label}", ${fields}})`, fileId, 100, 900));
  }
  flow.push(appendFileNode(fileId, tab.id, 'e2e capture', captureFile, 300, 900));
  return flow;
}

/** Node types of another package an example may use (only the dashboard example: FlowFuse Dashboard 2.0). */
export interface OtherPackage {
  /** Its node types. */
  types: Set<string>;
  /** Those of them that are config nodes: global, so not on the tab and not placed. */
  configTypes: Set<string>;
}

/** FlowFuse Dashboard 2.0's config nodes (the rest of its types are widgets on the tab). */
export const DASHBOARD_CONFIG_TYPES = new Set(['ui-base', 'ui-page', 'ui-group', 'ui-theme']);

/**
 * What makes an example importable as it is: unique node ids, one tab, one account config node with no credentials
 * and empty endpoint fields, a comment that says to pick the account, every other node on the tab, placed, wired to
 * nodes that exist, ours or a core node (`coreTypes`) or of the one other package it is about (`other`), config nodes of
 * that package global, and ours on the example's account. Returns the account, the comments' text and the nodes on
 * the tab, for the checks of each suite.
 */
export function assertImportable(name: string, flow: FlowNode[], coreTypes: Set<string>, other?: OtherPackage): { account: FlowNode; explanation: string; nodes: FlowNode[] } {
  const ids = new Set(flow.map((n) => n.id));
  assert.equal(ids.size, flow.length, `${name}: duplicate node ids`);
  const tabs = flow.filter((n) => n.type === 'tab');
  assert.equal(tabs.length, 1, `${name}: ${tabs.length} tabs`);
  const accounts = flow.filter((n) => n.type === 'navien-account');
  assert.equal(accounts.length, 1, `${name}: ${accounts.length} navien-account nodes`);
  const account = accounts[0];
  assert.equal(account.credentials, undefined, `${name}: the account carries credentials`);
  assert.equal(account.z, undefined, `${name}: the account config node belongs to a tab`);
  for (const field of ['apiUrl', 'iotEndpoint', 'caFile']) assert.equal(account[field], '', `${name}: account ${field} is not empty`);
  assert.equal(account.readOnly, false, `${name}: account is read-only`);

  const comments = flow.filter((n) => n.type === 'comment');
  assert.ok(comments.length >= 1, `${name}: no comment node`);
  const explanation = comments.map((c) => `${String(c.name)}\n${String(c.info)}`).join('\n');
  assert.match(explanation, /navien account/i, `${name}: the comment does not say to pick the account`);

  const otherConfig = flow.filter((node) => other?.configTypes.has(node.type));
  for (const node of otherConfig) {
    assert.equal(node.z, undefined, `${name}: config node ${node.type} ${node.id} belongs to a tab`);
    for (const [key, value] of Object.entries(node)) if (/^(ui|page|theme)$/.test(key)) assert.ok(ids.has(String(value)), `${name}: ${node.id}.${key} names missing ${String(value)}`);
  }
  const nodes = flow.filter((node) => node.type !== 'tab' && node.type !== 'navien-account' && !otherConfig.includes(node));
  for (const node of nodes) {
    assert.equal(node.z, tabs[0].id, `${name}: node ${node.id} is not on the example's tab`);
    assert.ok(OUR_TYPES.includes(node.type) || coreTypes.has(node.type) || other?.types.has(node.type), `${name}: ${node.type} is neither ours nor a core node${other ? ' nor of the package the example is about' : ''}`);
    if (other?.types.has(node.type) && 'group' in node) assert.ok(ids.has(String(node.group)), `${name}: widget ${node.id} is in missing group ${String(node.group)}`);
    if (other?.types.has(node.type) && 'ui' in node) assert.ok(ids.has(String(node.ui)), `${name}: ${node.id} is on missing ui-base ${String(node.ui)}`);
    assert.equal(typeof node.x, 'number', `${name}: node ${node.id} has no position`);
    for (const port of (node.wires as string[][] | undefined) ?? []) for (const target of port) assert.ok(ids.has(target), `${name}: ${node.id} is wired to missing ${target}`);
    if (OUR_TYPES.includes(node.type)) assert.equal(node.account, account.id, `${name}: ${node.id} does not use the example's account`);
  }
  return { account, explanation, nodes };
}

export interface ExampleSuite {
  install(): PackedInstall;
  /** The suite's own user directory (on the shared installation). */
  userDir(): string;
  sim(): NavilinkSimulator;
  red(): NodeRedProcess;
  /** The example as the checkout's examples/ holds it. */
  repoExample(name: string): FlowNode[];
  /** The example as the editor's Import > Examples dialog gets it. */
  fetchExample(name: string): Promise<FlowNode[]>;
  /** Captured messages of the current example so far, all or those for `debug`. */
  captures(debug?: string): Captured[];
  /** The first capture for `debug` after the first `after` ones that passes `predicate`. */
  waitForCapture(debug: string, predicate: (c: Captured) => boolean, what: string, after?: number, timeoutMs?: number): Promise<Captured>;
  /**
   * Fetches the example (checked against the file), deploys it instrumented and waits until its account is connected
   * and subscribed: the account reads the device's features (st/did) right after it is ready, on every (re)connection.
   */
  deployExample(name: string, opts?: InstrumentOptions): Promise<FlowNode[]>;
  /** Clicks an inject and waits for the next capture on `debug` matching `predicate`. */
  click(inject: string, debug: string, predicate: (c: Captured) => boolean, what: string): Promise<Captured>;
  /** Control requests the simulator received since the last deploy. */
  controls(): ReceivedRequest[];
}

export interface ExampleSuiteOptions {
  /** FlowFuse Dashboard 2.0 is installed too (for the dashboard example). */
  dashboard?: boolean;
}

/** Registers the example suite's before / afterEach / after hooks in the calling describe() and returns its helpers. */
export function exampleSuite(runtimeKey: string, name: string, options: ExampleSuiteOptions = {}): ExampleSuite {
  let install: PackedInstall | undefined;
  let userDir = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let captureFile = '';

  const suite: ExampleSuite = {
    install: () => {
      assert.ok(install, 'the package is not installed (setup failed)');
      return install;
    },
    userDir: () => userDir,
    sim: () => {
      assert.ok(simulator, 'simulator not started');
      return simulator;
    },
    red: () => {
      assert.ok(nodeRed?.running, 'Node-RED is not running (an earlier step failed)');
      return nodeRed;
    },
    repoExample: (example) => JSON.parse(readFileSync(join(suite.install().repo, 'examples', `${example}.json`), 'utf8')) as FlowNode[],
    fetchExample: (example) => suite.red().getJson<FlowNode[]>(`/library/examples/flows/${PACKAGE}/${encodeURIComponent(example)}`),
    captures: (debug) => readJsonLines<Captured>(captureFile).filter((c) => debug === undefined || c.debug === debug),
    waitForCapture: (debug, predicate, what, after = 0, timeoutMs = RESULT_TIMEOUT_MS) => waitFor(() => suite.captures(debug).slice(after).find(predicate), what, timeoutMs),
    deployExample: async (example, opts = {}) => {
      const flow = await suite.fetchExample(example);
      assert.deepEqual(flow, suite.repoExample(example), `${example} as served differs from the file`);
      captureFile = join(suite.install().work, `${name}-captures`, `${example.replace(/\W+/g, '-')}.jsonl`);
      suite.sim().clearReceived();
      await suite.red().deploy(instrument(flow, captureFile, opts));
      await suite.sim().waitForRequest((r) => r.topic.endsWith('/st/did'), READY_TIMEOUT_MS);
      return flow;
    },
    click: async (inject, debug, predicate, what) => {
      const before = suite.captures(debug).length;
      await suite.red().inject(inject);
      return suite.waitForCapture(debug, predicate, what, before);
    },
    controls: () => suite.sim().received.filter((r) => r.topic.endsWith('/ctrl')),
  };

  before(async function () {
    // The first run on a fresh machine downloads Node 22 and Node-RED 5.
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    install = await packedInstall(runtimeKey);
    userDir = options.dashboard ? dashboardUserDir(install, `${name}-userdir`) : extraUserDir(install, `${name}-userdir`);
    simulator = await NavilinkSimulator.start();
    // As `npm start` runs it: the simulator's endpoints in the environment, the example's account fields left empty.
    nodeRed = await NodeRedProcess.start({
      runtime: install.runtime,
      userDir,
      env: cleanEnv({ NAVIEN_API_URL: simulator.apiUrl, NAVIEN_IOT_ENDPOINT: simulator.iotEndpoint, NAVIEN_CA_FILE: simulator.caFile }),
    });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && nodeRed) {
      process.stdout.write(`\n--- Node-RED output (port ${nodeRed.port}) ---\n${nodeRed.log}\n--- end of Node-RED output ---\n`);
      if (captureFile && existsSync(captureFile)) process.stdout.write(`--- captured messages ---\n${readFileSync(captureFile, 'utf8')}\n`);
    }
  });

  after(async function () {
    await nodeRed?.stop();
    await simulator?.stop();
  });

  return suite;
}
