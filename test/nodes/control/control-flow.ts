// The navien-control node tests' flow: account + control + an output collector + a Catch node scoped to the control.
import accountModule = require('../../../src/nodes/navien-account');
import controlModule = require('../../../src/nodes/navien-control');
import type { NavilinkSimulator, SimulatorOptions } from '../../../tools/simulator/simulator';
import { waitFor } from '../../helpers/wait';
import { MAC, TestNode, accountConfig, credentialsFor, helper, loadCatalogs, uniqueId, useSimulator, useTestServer, withCatalog } from '../flow-helper';

/** The node modules with Node-RED's message catalogs, so the texts under test are the ones a user reads. */
export const nodes = [withCatalog(accountModule), withCatalog(controlModule)];

/** Registers the catalogs those nodes translate with (call once, before loading a flow). */
function loadControlCatalogs(): Promise<void> {
  return loadCatalogs('navien-control', 'navien-account');
}

/**
 * Registers the hooks of the calling describe: catalogs and a simulator (frozen physics, quick replies and follow-up
 * pushes) for the suite, a fresh test-helper server for each test. Returns the simulator once started.
 */
export function useControlSimulator(options: SimulatorOptions = {}): () => NavilinkSimulator {
  before(loadControlCatalogs);
  const sim = useSimulator({ speed: 0, replyDelayMs: 20, pushDelayMs: 100, ...options });
  useTestServer();
  return sim;
}

/** A control node as the test helper hands it out: status and error calls are sinon spies. */
export interface ControlNode extends TestNode {
  status: { getCalls(): Array<{ args: Array<{ fill?: string; text?: string }> }> };
  error: { getCalls(): Array<{ args: unknown[] }> };
}

export interface Msg {
  topic?: string;
  payload: any; // any: result payloads under test
  error?: { message: string; source?: { id: string } };
  [key: string]: unknown;
}

export interface ControlFlowOptions {
  device?: string;
  readOnly?: boolean;
  password?: string;
  /** Properties of the control node (unit, allowPowerOff, boostMinutes, ...) over the defaults. */
  control?: Record<string, unknown>;
  /** Without the Catch node (the test helper registers a core node type once per node, so one flow holds one Catch). */
  noCatch?: boolean;
}

/** The flow and its credentials; fresh node ids each time, so the account's MQTT client id is never reused. */
export function controlFlow(sim: NavilinkSimulator, options: ControlFlowOptions = {}) {
  const ids = { account: uniqueId('acc'), control: uniqueId('ctl'), out: uniqueId('out'), catcher: uniqueId('catch'), caught: uniqueId('caught') };
  const flow = [
    { id: 'tab', type: 'tab', label: 'control' },
    { ...accountConfig(sim, ids.account), name: 'home', readOnly: options.readOnly ?? false },
    {
      id: ids.control, z: 'tab', type: 'navien-control', name: 'heater', account: ids.account, device: options.device ?? MAC,
      unit: 'F', allowPowerOff: true, boostMinutes: 60, wires: [[ids.out]], ...options.control,
    },
    { id: ids.out, z: 'tab', type: 'helper' },
    ...(options.noCatch ? [] : [
      { id: ids.catcher, z: 'tab', type: 'catch', scope: [ids.control], uncaught: false, wires: [[ids.caught]] },
      { id: ids.caught, z: 'tab', type: 'helper' },
    ]),
  ];
  return { ids, flow, credentials: credentialsFor(ids.account, undefined, options.password) };
}

export type ControlFlowIds = ReturnType<typeof controlFlow>['ids'];

/**
 * Wires spies to the (possibly new) node instances of a loaded flow, then, unless told not to, waits until the account
 * is connected and has the device's features. Spies first: a restore resumed on start can report soon after connecting.
 */
export async function attachControl(ids: ControlFlowIds, options: { device?: string; wait?: boolean } = {}) {
  const outputs: Msg[] = [];
  const caught: Msg[] = [];
  (helper.getNode(ids.out) as TestNode).on('input', (msg: Msg) => outputs.push(msg));
  helper.getNode(ids.caught)?.on('input', (msg: Msg) => caught.push(msg));
  const account = helper.getNode(ids.account) as TestNode;
  const device = options.device ?? MAC;
  if (options.wait ?? true) {
    await waitFor(() => account.connection?.state.phase === 'connected' && account.connection.featuresOf(device), 'account connected with features');
  }
  return { control: helper.getNode(ids.control) as ControlNode, account, outputs, caught };
}
