// Shared wiring for the node tests: node-red-node-test-helper with the real account node against the simulator.
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator, SimulatorOptions } from '../../tools/simulator/simulator';
import { waitFor } from '../helpers/wait';

/** What the node tests use of a runtime node (the helper spies on status/error/send and re-emits them as `call:*`). */
export interface TestNode {
  id: string;
  on(event: string, listener: (...args: any[]) => void): void;
  receive(msg: Record<string, unknown>): void;
  /** Only on the account node. */
  connection?: {
    clientId: string;
    state: { phase: string };
    devices: ReadonlyArray<{ mac: string }>;
    featuresOf(mac: string): unknown;
    requestStatus(mac: string): Promise<unknown>;
    diagnostics: { metrics(): Record<string, unknown> };
  };
}

/** The runtime's node registry as the helper exposes it (internal, used to stop/start flows and context stores like a restart). */
interface RedNodes {
  stopFlows(): Promise<void>;
  startFlows(): Promise<void>;
  loadContextsPlugin(): Promise<void>;
  closeContextsPlugin(): Promise<void>;
}

interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  settings(settings: Record<string, unknown>): Record<string, unknown>;
  load(nodes: unknown[], flow: Array<Record<string, unknown>>, credentials?: Record<string, unknown>): Promise<void>;
  setFlows(flow: Array<Record<string, unknown>>, type: string, credentials?: Record<string, unknown>): Promise<void>;
  unload(): Promise<void>;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  getNode(id: string): TestNode | null;
  /** Every Node-RED log call since the flow was loaded (a sinon spy over the runtime's log). */
  log(): { getCalls(): Array<{ args: Array<{ level?: number; id?: string; msg?: unknown }> }> };
  _redNodes: RedNodes;
}

// The helper ships no types; it is the one untyped import in these tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper') as TestHelper;

export const MAC = '0a1b2c3d4e5f';

/**
 * Registers the calling describe's simulator: started in before(), stopped in after(). Returns a getter (the
 * simulator exists only once before() has run).
 */
export function useSimulator(options: SimulatorOptions = {}): () => NavilinkSimulator {
  let sim: NavilinkSimulator | undefined;
  before(async () => {
    sim = await NavilinkSimulator.start(options);
  });
  after(async () => {
    await sim?.stop();
  });
  return () => {
    if (!sim) throw new Error('the simulator starts in before()');
    return sim;
  };
}

/**
 * A fresh test-helper server for each test of the calling describe, the flow unloaded after it. Per test, not per
 * file: the root afterEach hook then forgets the stopped server before the next file runs. `cleanUp` runs first
 * after each test (e.g. undo a slowed-down simulator), so a failed test does not leave it for the next.
 */
export function useTestServer(cleanUp: () => void = () => undefined): void {
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    cleanUp();
    await helper.unload();
    await helper.stopServer();
  });
}

let counter = 0;
/** A fresh id per flow: the account's MQTT client id derives from it, so tests never share a client id. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

export function accountConfig(sim: NavilinkSimulator, id: string): Record<string, unknown> {
  return { id, type: 'navien-account', name: 'test account', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile };
}

export function credentialsFor(accountId: string, email = DEFAULT_EMAIL, password = DEFAULT_PASSWORD): Record<string, unknown> {
  return { [accountId]: { email, password } };
}

/** Collects every message a helper node receives. */
export function collect(node: TestNode): NodeMessage[] & { next(filter?: (m: any) => boolean, what?: string, timeoutMs?: number): Promise<any> } {
  const seen: NodeMessage[] = [];
  let read = 0;
  node.on('input', (msg: NodeMessage) => seen.push(msg));
  return Object.assign(seen, {
    /** The next message (after those already taken) passing `filter`. */
    async next(filter: (m: any) => boolean = () => true, what = 'an output message', timeoutMs = 15_000) {
      return waitFor(() => {
        while (read < seen.length) {
          const m = seen[read++];
          if (filter(m)) return m;
        }
        return undefined;
      }, what, timeoutMs);
    },
  });
}

export interface Recorder {
  /** The node module to pass to helper.load in place of the original. */
  module: (RED: any) => unknown;
  /** Arguments of every `node.status(...)` of the node with this id, from its construction on. */
  statuses(id: string): Array<{ fill: string; shape: string; text: string }>;
  /** Arguments of every `node.error(...)` of the node with this id (including those the runtime makes for it). */
  errors(id: string): unknown[][];
}

/**
 * Wraps a node module so that every node it creates records its status and error calls from the constructor on
 * (the test helper's own spies report on a later tick, after a listener could be attached). The node under test
 * runs unchanged: the originals are called.
 */
export function recording(nodeModule: (RED: any) => unknown): Recorder {
  const statuses = new Map<string, Array<{ fill: string; shape: string; text: string }>>();
  const errors = new Map<string, unknown[][]>();
  const list = <T>(map: Map<string, T[]>, id: string) => {
    if (!map.has(id)) map.set(id, []);
    return map.get(id) as T[];
  };
  return {
    module(RED: any) {
      const registerType = (type: string, ctor: (this: any, config: any) => void, opts?: unknown) =>
        RED.nodes.registerType(type, function (this: any, config: any) {
          const status = this.status.bind(this);
          const error = this.error.bind(this);
          this.status = (s: { fill: string; shape: string; text: string }) => {
            list(statuses, config.id).push(s);
            return status(s);
          };
          this.error = (...args: unknown[]) => {
            list(errors, config.id).push(args);
            return error(...args);
          };
          ctor.call(this, config);
        }, opts);
      const nodes = Object.create(RED.nodes, { registerType: { value: registerType } });
      return nodeModule(Object.create(RED, { nodes: { value: nodes } }));
    },
    statuses: (id) => list(statuses, id),
    errors: (id) => list(errors, id),
  };
}

/** Node-RED's WARN log level: what node.warn logs at. */
const WARN_LEVEL = 30;

/** The texts a node has given with node.warn (as Node-RED logs them). */
export function warningsOf(id: string): string[] {
  return helper
    .log()
    .getCalls()
    .map((call) => call.args[0])
    .filter((entry) => entry?.level === WARN_LEVEL && entry.id === id)
    .map((entry) => String(entry.msg));
}

/** Waits until the account is connected and has read the device's features (its own start-up request). */
export async function accountReady(account: TestNode, macs: string[] = [MAC]): Promise<NonNullable<TestNode['connection']>> {
  const connection = await waitFor(() => account.connection?.state.phase === 'connected' && account.connection, 'connected account');
  for (const mac of macs) await waitFor(() => connection.featuresOf(mac), `feature record of ${mac}`);
  return connection;
}

/**
 * A positive signal before asserting that nothing (more) happened: a status request over the account's connection,
 * answered. Whatever the nodes published on that connection before it has reached the simulator by then (one MQTT
 * connection keeps its order), and whatever the device sent before the answer has reached the nodes. The turns of the
 * event loop around it let pending promise chains (validation, the command runner) publish first, and let outputs
 * already sent be delivered (Node-RED delivers on setImmediate). Ask `mac` = a device the nodes under test do not
 * watch to keep the answer itself out of their outputs.
 */
export async function roundTrip(account: TestNode, mac = MAC): Promise<void> {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  await nextTurn();
  const connection = account.connection;
  if (!connection) throw new Error('the account has no connection for a round trip');
  await connection.requestStatus(mac);
  await nextTurn();
}

/**
 * A unit heating with its heat pump, as raw wire values (temperatures in half-°C). The status node tests set it on the
 * simulated device before each test (physics frozen with speed 0) and work out the expected values by hand.
 */
export const HEAT_PUMP_STATUS = {
  dhwOperationSetting: 1, // heat-pump
  dhwTemperatureSetting: 120, // 60 °C = 140 °F
  dhwTemperature: 115, // 57.5 °C = 135.5 °F
  dhwChargePer: 80,
  operationMode: 32,
  compUse: 2,
  heatUpperUse: 1,
  heatLowerUse: 1,
  currentHeatUse: 1,
  currentInstPower: 410,
  errorCode: 0,
  subErrorCode: 0,
  vacationDaySetting: 0,
  vacationDayElapsed: 0,
};

// Node-RED's own i18n engine (the runtime's RED._ asks it with the module's namespace).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { i18n } = require('@node-red/util') as {
  i18n: { init(s: object): Promise<void>; registerMessageCatalog(ns: string, dir: string, file: string): Promise<void>; _(key: string, args?: object): string };
};

/** Registers the package's catalogs (locales/ at the repository root) with Node-RED's i18n engine. */
export async function loadCatalogs(...types: string[]): Promise<void> {
  const locales = path.resolve(__dirname, '..', '..', '..', 'locales');
  await i18n.init({});
  for (const type of types) await i18n.registerMessageCatalog(type, locales, `${type}.json`);
}

/**
 * The helper hands nodes a RED._ that returns the bare key; Node-RED itself prefixes the module's namespace and asks
 * i18next with the catalog. Do the same so the texts under test are the ones a user reads (call loadCatalogs first).
 */
export function withCatalog(nodeModule: (RED: any) => unknown): (RED: any) => unknown {
  return (RED: any) => nodeModule(Object.create(RED, { _: { value: (key: string, args?: object) => i18n._(`${key.split('.')[0]}:${key}`, args) } }));
}
