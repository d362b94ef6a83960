import assert from 'node:assert/strict';
import accountNode = require('../../../src/nodes/navien-account');
import diagnosticsNode = require('../../../src/nodes/navien-diagnostics');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { delay, waitFor } from '../../helpers/wait';
import { TestNode, accountConfig, accountReady, collect, credentialsFor, helper, recording, uniqueId } from '../flow-helper';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('navien-diagnostics node (test helper, real account node, simulator)', function () {
  this.timeout(60_000);
  let sim: NavilinkSimulator;

  before(async () => {
    helper.init(require.resolve('node-red'));
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim?.stop();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  /** Loads the account and diagnostics nodes (one per entry of `configs`, ids d0, d1, ...), each wired to its own helper. */
  async function load(...configs: Array<Record<string, unknown>>) {
    const accountId = uniqueId('account');
    const recorder = recording(diagnosticsNode);
    await helper.load(
      [accountNode, recorder.module],
      [
        accountConfig(sim, accountId),
        ...configs.map((config, i) => ({ id: `d${i}`, type: 'navien-diagnostics', name: '', account: accountId, interval: 300, wires: [[`out${i}`]], ...config })),
        ...configs.map((_c, i) => ({ id: `out${i}`, type: 'helper' })),
      ],
      credentialsFor(accountId),
    );
    const account = helper.getNode(accountId) as TestNode;
    const outs = configs.map((_c, i) => collect(helper.getNode(`out${i}`) as TestNode));
    return { account, node: helper.getNode('d0') as TestNode, out: outs[0], outs, recorder };
  }

  function assertMetrics(payload: Record<string, any>): void {
    assert.match(payload.since, ISO_TIME);
    for (const key of ['connections', 'drops', 'recoveries', 'deepReconnects', 'currentUptimeMs', 'published', 'queued', 'messagesReceived']) {
      assert.equal(typeof payload[key], 'number', key);
    }
    assert.equal(typeof payload.connected, 'boolean');
    assert.deepEqual(Object.keys(payload.sessionDurationMs).sort(), ['avg', 'max', 'min']);
    assert.equal(typeof payload.dropsByError, 'object');
    assert.equal(typeof payload.attemptsToRecover, 'object');
    assert.deepEqual(Object.keys(payload.pattern).sort(), ['advice', 'likelyCause', 'pattern']);
  }

  it('reports on its interval (never faster than 10 s); interval 0 reports only on events', async () => {
    const loading = Date.now();
    const { account, outs } = await load({ interval: 3 }, { interval: 0 });
    await accountReady(account);
    const report = await outs[0].next(undefined, 'the interval report', 20_000);
    assert.ok(Date.now() - loading >= 6_000, 'interval 3 is raised to 10 s: no report within 6 s');
    assert.equal(outs[0].length, 1, 'the first report is the interval report');
    assert.equal(report.topic, 'navien/diagnostics/report');
    assertMetrics(report.payload);
    assert.equal(report.payload.connected, true);
    assert.equal(report.payload.connections, 1);
    assert.equal(report.payload.drops, 0);
    assert.equal(report.payload.lastDrop, null);
    assert.equal(report.payload.pattern.pattern, 'none');
    assert.ok(report.payload.messagesReceived >= 1, 'the feature reply was counted');
    assert.equal(outs[1].length, 0, 'interval 0 sends no report by itself');
  });

  it('sends "dropped" and "reconnected" with the event record when the broker drops the connection', async () => {
    const { account, out } = await load({});
    await accountReady(account);
    sim.dropAllConnections();
    const dropped = await out.next((m) => m.topic === 'navien/diagnostics/dropped', 'a dropped message');
    assertMetrics(dropped.payload);
    assert.equal(dropped.payload.drops, 1);
    assert.equal(dropped.payload.connected, false);
    const drop = dropped.payload.event;
    assert.match(drop.time, ISO_TIME);
    assert.equal(typeof drop.errorName, 'string');
    assert.ok(drop.errorName.length > 0);
    assert.equal(typeof drop.errorMessage, 'string');
    assert.equal(typeof drop.sessionDurationMs, 'number');
    assert.ok(drop.activeSubscriptions >= 2, 'the client reply topic and the device topic');
    assert.equal(drop.queuedCommands, 0);
    assert.deepEqual(dropped.payload.lastDrop, drop);
    assert.equal(dropped.payload.dropsByError[drop.errorName], 1);

    const back = await out.next((m) => m.topic === 'navien/diagnostics/reconnected', 'a reconnected message');
    assertMetrics(back.payload);
    assert.equal(back.payload.recoveries, 1);
    assert.equal(back.payload.connected, true);
    assert.equal(back.payload.connections, 2);
    const record = back.payload.event;
    assert.match(record.time, ISO_TIME);
    assert.ok(['resumed', 'deep-reconnected'].includes(record.kind), record.kind);
    assert.equal(typeof record.sessionPresent, 'boolean');
    assert.ok(record.attempt >= 1);
    assert.equal(typeof record.recoveryMs, 'number');
  });

  it('answers "export" with the full history and no secret anywhere in it', async () => {
    const { account, node, out } = await load({});
    const connection = await accountReady(account);
    sim.dropAllConnections();
    await out.next((m) => m.topic === 'navien/diagnostics/reconnected', 'the reconnection');
    node.receive({ payload: 'export', requestId: 'r1' });
    const msg = await out.next((m) => m.topic === 'navien/diagnostics/export', 'the export');
    assert.equal(msg.requestId, 'r1', 'the input message\'s other properties are kept');
    assert.deepEqual(Object.keys(msg.payload).sort(), ['connections', 'drops', 'exportedAt', 'metrics']);
    assert.match(msg.payload.exportedAt, ISO_TIME);
    assertMetrics(msg.payload.metrics);
    assert.equal(msg.payload.drops.length, 1);
    assert.deepEqual(msg.payload.connections.map((c: { kind: string }) => c.kind === 'connected'), [true, false]);

    const text = JSON.stringify(msg.payload);
    const tokens = (connection as unknown as { tokenKeeper: { tokens: { accessToken: string; refreshToken: string } } }).tokenKeeper.tokens;
    const secrets = [DEFAULT_EMAIL, DEFAULT_PASSWORD, tokens.accessToken, tokens.refreshToken];
    for (const aws of sim.issuedCredentials()) secrets.push(aws.accessKeyId, aws.secretKey, aws.sessionToken);
    assert.ok(secrets.length >= 7 && secrets.every((s) => typeof s === 'string' && s.length >= 8), `the secrets to look for are real: ${secrets.map((s) => typeof s === 'string' ? s.length : typeof s).join(',')}`);
    for (const secret of secrets) assert.ok(!text.includes(secret), `the export contains a secret (${secret.slice(0, 4)}...)`);
    assert.doesNotMatch(text, /x-amz/i);
    assert.doesNotMatch(text, /example\.com|password/i);
  });

  it('"reset" clears counters and history and answers with a fresh report; any other payload gets a report', async () => {
    const { account, node, out } = await load({});
    await accountReady(account);
    sim.dropAllConnections();
    await out.next((m) => m.topic === 'navien/diagnostics/reconnected', 'the reconnection');
    node.receive({ payload: 'anything', n: 1 });
    const before = await out.next((m) => m.n === 1, 'a report on request');
    assert.equal(before.topic, 'navien/diagnostics/report');
    assert.equal(before.payload.drops, 1);
    await delay(20);
    node.receive({ payload: ' RESET ', n: 2 });
    const reset = await out.next((m) => m.n === 2, 'the reply to reset');
    assert.equal(reset.topic, 'navien/diagnostics/report');
    assertMetrics(reset.payload);
    assert.equal(reset.payload.drops, 0);
    assert.equal(reset.payload.recoveries, 0);
    assert.equal(reset.payload.connections, 0);
    assert.deepEqual(reset.payload.dropsByError, {});
    assert.equal(reset.payload.lastDrop, null);
    assert.equal(reset.payload.connected, true, 'still connected after a reset');
    assert.ok(Date.parse(reset.payload.since) > Date.parse(before.payload.since), 'counting starts again');
    node.receive({ payload: 'export', n: 3 });
    const exported = await out.next((m) => m.n === 3, 'the export after reset');
    assert.deepEqual(exported.payload.drops, []);
    assert.deepEqual(exported.payload.connections, []);
  });

  it('without an account: a red status, and an error on input', async () => {
    const recorder = recording(diagnosticsNode);
    await helper.load([accountNode, recorder.module], [
      { id: 'd0', type: 'navien-diagnostics', account: '', interval: 300, wires: [['out0']] },
      { id: 'out0', type: 'helper' },
    ]);
    const out = collect(helper.getNode('out0') as TestNode);
    assert.deepEqual(recorder.statuses('d0'), [{ fill: 'red', shape: 'ring', text: 'navien-diagnostics.status.missing-account' }]);
    (helper.getNode('d0') as TestNode).receive({ payload: 'export', marker: 'x' });
    const [text, msg] = await waitFor(() => recorder.errors('d0')[0], 'an error for the input');
    assert.equal(text, 'navien-diagnostics.status.missing-account');
    assert.equal((msg as { marker: string }).marker, 'x');
    assert.equal(out.length, 0);
  });

  it('shows the connection state in its node status', async () => {
    const { account, recorder } = await load({});
    await accountReady(account);
    await waitFor(() => recorder.statuses('d0').find((s) => s.fill === 'green'), 'a green status');
    assert.deepEqual(recorder.statuses('d0').at(-1), { fill: 'green', shape: 'dot', text: 'navien-diagnostics.status.connected' });
  });

  it('leaves no MQTT client behind after the flow is stopped', async () => {
    const { account } = await load({ interval: 10 });
    const { clientId } = await accountReady(account);
    assert.ok(sim.connectedClientIds().includes(clientId));
    await helper.unload();
    await waitFor(() => !sim.connectedClientIds().includes(clientId), 'the client to disconnect', 5_000);
  });
});
