/**
 * Platform reach: where aws-crt has no prebuilt binary (32-bit ARM Raspberry Pi OS, for one), npm cannot install the
 * optional aws-iot-device-sdk-v2 and goes on without it. Here that outcome is produced on purpose: the packed tarball
 * is installed as the palette manager installs it plus `--omit=optional`, into a user directory of its own, on every
 * runtime of the harness. The nodes must load, the pure-JavaScript MQTT transport must take over by itself
 * (NAVIEN_MQTT_TRANSPORT unset, i.e. auto) and statuses must flow, with no error in the log about the missing SDK;
 * and where the native transport is forced, the nodes must say what is missing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NavilinkSimulator } from '../../tools/simulator/simulator';
import {
  FlowNode,
  NODE_TYPES,
  NodeRedProcess,
  PACKAGE,
  RUNTIMES,
  RUNTIME_SETUP_TIMEOUT_MS,
  cleanEnv,
  installTarball,
  packedTarball,
  runtime,
  waitFor,
  type PackedTarball,
  type Runtime,
} from './harness';
import { jsonLineNode } from './json-lines';
import { readStatusLines, statusFlow, waitForGoodStatus, STATUS_TIMEOUT_MS } from './status-flow';

interface NodeSetInfo {
  module: string;
  types: string[];
  err?: unknown;
}

/** The node status (the editor's dot under a node) of a core `status` node's message. */
interface NodeStatusLine {
  topic: 'node-status';
  payload: { fill?: string; shape?: string; text?: string; source?: { id?: string; type?: string } };
}

/** The status flow, plus a core `status` node that writes the navien-status node's status changes to the same file. */
function flowWithNodeStatus(suffix: string, outFile: string, endpoints: { apiUrl: string; iotEndpoint: string; caFile: string }): FlowNode[] {
  const flow = statusFlow(suffix, outFile, endpoints);
  const id = (name: string) => `e2e-${suffix}-${name}`;
  flow.push(
    { id: id('node-status'), type: 'status', z: id('tab'), name: '', scope: [id('status')], x: 150, y: 320, wires: [[id('node-status-json')]] },
    jsonLineNode(id('node-status-json'), id('tab'), 'node status as JSON', '$string({"topic": "node-status", "payload": status})', id('file'), 350, 320),
  );
  return flow;
}

const nodeStatuses = (file: string): NodeStatusLine['payload'][] =>
  readStatusLines(file)
    .filter((l) => l.topic === 'node-status')
    .map((l) => (l as unknown as NodeStatusLine).payload);

/** Log lines that are about the AWS SDK or its native binding. */
const sdkLines = (log: string): string[] => log.split('\n').filter((line) => /aws-iot-device-sdk|aws-crt|\bsdk\b|mqtt librar|native binding/i.test(line));

for (const { name: runtimeName, key: runtimeKey } of RUNTIMES) describe(`packed package installed with --omit=optional, as where aws-crt cannot build (e2e): ${runtimeName}`, function () {
  this.timeout(240_000);

  let tarball: PackedTarball | undefined;
  let rt: Runtime | undefined;
  let userDir = '';
  let installLog = '';
  let simulator: NavilinkSimulator | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let out = '';

  const sim = (): NavilinkSimulator => {
    assert.ok(simulator, 'simulator not started');
    return simulator;
  };
  const start = async (env: NodeJS.ProcessEnv): Promise<NodeRedProcess> => {
    assert.ok(rt, 'runtime not set up');
    const red = await NodeRedProcess.start({ runtime: rt, userDir, env });
    nodeRed = red;
    return red;
  };

  before(async function () {
    // The first run on a fresh machine downloads Node 22 and Node-RED 5.
    this.timeout(RUNTIME_SETUP_TIMEOUT_MS);
    [tarball, rt] = await Promise.all([packedTarball(), runtime(runtimeKey)]);
    ({ userDir, installLog } = await installTarball(tarball, rt, 'no-optional-userdir', ['--omit=optional']));
    out = join(tarball.work, rt.key, 'out', 'no-optional.jsonl');
    simulator = await NavilinkSimulator.start();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stdout.write(`\n--- npm install output ---\n${installLog}\n`);
      if (nodeRed) process.stdout.write(`--- Node-RED output (port ${nodeRed.port}) ---\n${nodeRed.log}\n--- end of Node-RED output ---\n`);
      if (existsSync(out)) process.stdout.write(`--- captured messages ---\n${readFileSync(out, 'utf8')}\n`);
    }
  });

  after(async function () {
    await nodeRed?.stop();
    await simulator?.stop();
  });

  it('installs the package, and neither the AWS SDK nor aws-crt', function () {
    const modules = join(userDir, 'node_modules');
    assert.ok(existsSync(join(modules, PACKAGE, 'package.json')), `${PACKAGE} was not installed:\n${installLog}`);
    assert.ok(!existsSync(join(modules, 'aws-iot-device-sdk-v2')), 'node_modules/aws-iot-device-sdk-v2 is there despite --omit=optional');
    assert.ok(!existsSync(join(modules, 'aws-crt')), 'node_modules/aws-crt is there despite --omit=optional');
    // The required dependencies of the JavaScript transport are.
    for (const dep of ['ws', 'got']) assert.ok(existsSync(join(modules, dep, 'package.json')), `required dependency ${dep} is missing`);
    // --save, as the palette manager installs: Node-RED lists it as a user module.
    const manifest = JSON.parse(readFileSync(join(userDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    assert.ok(manifest.dependencies?.[PACKAGE], `the user directory's package.json does not list ${PACKAGE}`);
  });

  it('loads the five node types and streams statuses through the JavaScript transport, chosen automatically', async function () {
    const red = await start(cleanEnv());
    const sets = await red.getJson<NodeSetInfo[]>('/nodes');
    const ours = sets.filter((s) => s.module === PACKAGE);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), NODE_TYPES);
    for (const set of ours) assert.equal(set.err, undefined, `a node set failed to load: ${String(set.err)}`);

    const s = sim();
    await red.deploy(flowWithNodeStatus('nonative', out, { apiUrl: s.apiUrl, iotEndpoint: s.iotEndpoint, caFile: s.caFile }));
    const line = await waitForGoodStatus(out);
    assert.equal(line.payload.online, true);
    assert.equal(s.connectedClientIds().length, 1, `connected clients: ${JSON.stringify(s.connectedClientIds())}`);
    // The node shows itself connected (green), not stuck on a missing library.
    await waitFor(() => nodeStatuses(out).find((st) => st.fill === 'green'), 'a green node status', STATUS_TIMEOUT_MS);
    assert.deepEqual(nodeStatuses(out).filter((st) => st.fill === 'red'), [], 'the status node went red');

    assert.deepEqual(red.navienErrors(), [], 'Node-RED logged errors about the navien nodes');
    const aboutSdk = sdkLines(red.log);
    process.stdout.write(`      log lines about the SDK: ${aboutSdk.length ? aboutSdk.map((l) => `\n        ${l}`).join('') : 'none'}\n`);
    assert.ok(aboutSdk.length <= 1, `more than one log line about the missing SDK:\n${aboutSdk.join('\n')}`);
    for (const l of aboutSdk) assert.doesNotMatch(l, /\[error\]|Error:|Uncaught|Unhandled/i, `the missing SDK is logged as an error: ${l}`);
    const { code, signal } = await red.interrupt();
    assert.ok(code === 0 || signal === 'SIGINT', `Node-RED exited with ${String(code)} / ${String(signal)}`);
  });

  it('says what is missing where NAVIEN_MQTT_TRANSPORT=native forces the SDK', async function () {
    const s = sim();
    const before = readStatusLines(out).length;
    // The same flows and credentials, restarted with the native transport forced.
    const red = await start(cleanEnv({ NAVIEN_MQTT_TRANSPORT: 'native' }));
    const stuck = await waitFor(
      () => readStatusLines(out).slice(before).filter((l) => l.topic === 'node-status').map((l) => (l as unknown as NodeStatusLine).payload).find((st) => st.fill === 'red'),
      'a red node status',
      STATUS_TIMEOUT_MS,
    );
    assert.match(String(stuck.text), /MQTT library not available/i, `node status: ${JSON.stringify(stuck)}`);
    const aboutSdk = sdkLines(red.log);
    process.stdout.write(`      log lines about the SDK: ${aboutSdk.length ? aboutSdk.map((l) => `\n        ${l}`).join('') : 'none'}\n`);
    assert.equal(s.connectedClientIds().length, 0, 'a client connected although the SDK is missing and forced');
    assert.ok(red.running, 'Node-RED stopped');
    await red.interrupt();
  });
});
