import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import diagnosticsNode = require('../../../src/nodes/navien-diagnostics');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { DEFAULT_BACKOFF } from '../../../src/shared/connection/backoff';
import { backoffElapsed } from '../../helpers/quiet';
import { waitFor } from '../../helpers/wait';

helper.init(require.resolve('node-red'));

const MAC = '0a1b2c3d4e5f';
type StatusCall = { fill?: string; shape?: string; text?: string };
interface AccountLike extends Node {
  connection?: { clientId: string; state: { phase: string } };
}

describe('navien-account config node (test helper, simulator)', function () {
  this.timeout(120_000);
  let sim: NavilinkSimulator;

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  const account = (extra: Record<string, unknown> = {}) => ({
    id: 'acc1', type: 'navien-account', name: 'home',
    apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile, readOnly: false, ...extra,
  });
  const flow = (extra: Record<string, unknown> = {}) => [
    account(extra),
    { id: 'st1', type: 'navien-status', account: 'acc1', device: MAC, unit: 'C', interval: '0', output: 'all', wires: [[]] },
    { id: 'dg1', type: 'navien-diagnostics', account: 'acc1', interval: '0', wires: [[]] },
  ];
  const goodCredentials = { acc1: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } };
  const ours = () => sim.connectedClientIds().filter((id) => id.startsWith('navien-nr-'));

  async function loadAndConnect(credentials: Record<string, unknown> = goodCredentials): Promise<AccountLike> {
    await helper.load([accountNode, statusNode, diagnosticsNode], flow(), credentials);
    const node = helper.getNode('acc1') as AccountLike;
    await waitFor(() => node.connection?.state.phase === 'connected', 'account connected');
    return node;
  }

  it('shares one MQTT connection among all nodes of the account, with a stable client id', async () => {
    const node = await loadAndConnect();
    assert.equal(ours().length, 1, 'status and diagnostics share one connection');
    const firstId = node.connection?.clientId;
    await helper.unload();
    await waitFor(() => ours().length === 0, 'connection closed with the last node');
    const again = await loadAndConnect();
    assert.equal(again.connection?.clientId, firstId, 'same client id after a restart');
    assert.match(firstId ?? '', /^navien-nr-[0-9a-f]{12}$/);
  });

  it('does not connect while no node uses the account', async () => {
    // A second account, used by a status node, connects meanwhile: an eager unused account would have connected too.
    await helper.load([accountNode, statusNode], [
      account(),
      { ...account(), id: 'acc2', name: 'used' },
      { id: 'st2', type: 'navien-status', account: 'acc2', device: MAC, unit: 'C', interval: '0', output: 'all', wires: [[]] },
    ], { ...goodCredentials, acc2: goodCredentials.acc1 });
    const used = helper.getNode('acc2') as AccountLike;
    await waitFor(() => used.connection?.state.phase === 'connected', 'the used account connected');
    assert.equal((helper.getNode('acc1') as AccountLike).connection, undefined);
    assert.deepEqual(ours().filter((id) => id !== used.connection?.clientId), []);
  });

  it('50 redeploys leave exactly one client at the broker and no growth in active handles', async function () {
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    await loadAndConnect();
    await helper.unload();
    await waitFor(() => ours().length === 0, 'first connection closed');
    const baseline = handles();
    for (let i = 0; i < 50; i++) {
      await loadAndConnect();
      await helper.unload();
    }
    await waitFor(() => ours().length === 0, 'all connections closed after the last unload');
    // Sockets and timers close a little after the broker sees the clients leave; a leaked one never does.
    await waitFor(() => handles() <= baseline + 2, 'active handles back at the baseline', 5_000).catch(() => undefined);
    const after = handles();
    assert.ok(after <= baseline + 2, `active handles grew from ${baseline} to ${after}`);
    await loadAndConnect();
    // An old connection coming back (and kicking this one off) would have done so by the time a witness retried twice.
    await backoffElapsed(DEFAULT_BACKOFF);
    assert.equal(ours().length, 1);
  });

  it('a wrong password turns the nodes red, is not retried, and a redeploy with fixed credentials recovers', async () => {
    const signIns = sim.signInCount;
    const failedSignIns: number[] = [];
    const onRest = (e: { path: string; status: number }) => {
      if (e.path.endsWith('/user/sign-in')) failedSignIns.push(e.status);
    };
    sim.on('rest', onRest);
    await helper.load([accountNode, statusNode, diagnosticsNode], flow(), { acc1: { email: DEFAULT_EMAIL, password: 'wrong-password' } });
    const status = helper.getNode('st1') as Node & { status: (s: StatusCall) => void };
    const calls: StatusCall[] = [];
    const original = status.status.bind(status);
    status.status = (s: StatusCall) => {
      calls.push(s);
      original(s);
    };
    const accountNodeInstance = helper.getNode('acc1') as AccountLike;
    await waitFor(() => accountNodeInstance.connection?.state.phase === 'invalid-credentials', 'invalid credentials state');
    await backoffElapsed(DEFAULT_BACKOFF); // a retry would have come by now
    sim.off('rest', onRest);
    assert.equal(failedSignIns.length, 1, 'one sign-in attempt, no retry storm');
    assert.equal(sim.signInCount, signIns + 1);
    const red = calls.find((c) => c.fill === 'red');
    assert.ok(red, 'a red status');
    assert.doesNotMatch(JSON.stringify(calls), /wrong-password/);
    await helper.unload();
    const fixed = await loadAndConnect();
    assert.equal(fixed.connection?.state.phase, 'connected');
  });

  it('a sign-in refused the same unknown way three times (HTTP 423) stops, shows the cloud\'s message and logs an error', async () => {
    sim.failRest('/user/sign-in', { status: 423, msg: 'ACCOUNT_LOCKED', times: 1_000 });
    const refused: number[] = [];
    const onRest = (e: { path: string; status: number }) => {
      if (e.path.endsWith('/user/sign-in')) refused.push(e.status);
    };
    sim.on('rest', onRest);
    try {
      await helper.load([accountNode, statusNode, diagnosticsNode], flow(), goodCredentials);
      const status = helper.getNode('st1') as Node & { status: (s: StatusCall) => void };
      const calls: StatusCall[] = [];
      const original = status.status.bind(status);
      status.status = (s: StatusCall) => {
        calls.push(s);
        original(s);
      };
      const accountNodeInstance = helper.getNode('acc1') as AccountLike;
      await waitFor(() => accountNodeInstance.connection?.state.phase === 'invalid-credentials', 'refusal state', 30_000);
      await backoffElapsed(DEFAULT_BACKOFF); // a retry would have come by now
      assert.deepEqual(refused, [423, 423, 423], 'three refusals, then no more sign-ins');
      const red = calls.filter((c) => c.fill === 'red').at(-1);
      assert.match(red?.text ?? '', /sign-in-refused.*HTTP 423, ACCOUNT_LOCKED/, JSON.stringify(calls));
      assert.doesNotMatch(JSON.stringify(calls), new RegExp(DEFAULT_PASSWORD));
      const errors = (accountNodeInstance as unknown as { error: { getCalls(): Array<{ args: unknown[] }> } }).error.getCalls().map((c) => String(c.args[0]));
      assert.ok(errors.some((e) => /sign-in-refused.*HTTP 423, ACCOUNT_LOCKED/.test(e)), `the account logs why it stopped: ${JSON.stringify(errors)}`);
    } finally {
      sim.off('rest', onRest);
      sim.clearRestFaults();
    }
  });

  describe('device picker endpoint', () => {
    it('lists the devices of a deployed account (GET)', async () => {
      await loadAndConnect();
      const res = await helper.request().get('/navien-account/acc1/devices').expect(200);
      assert.deepEqual(res.body, [{ mac: MAC, name: 'NWP500', deviceType: 52, model: 'NWP500', online: true }]);
    });

    it('lists devices for credentials typed into an undeployed account (POST), and reuses a saved password', async () => {
      await helper.load([accountNode], [account()], goodCredentials);
      const typed = await helper.request().post('/navien-account/devices')
        .send({ id: 'new-account', email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })
        .expect(200);
      assert.equal(typed.body[0].mac, MAC);
      const saved = await helper.request().post('/navien-account/devices')
        .send({ id: 'acc1', email: '', password: '__PWRD__', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })
        .expect(200);
      assert.equal(saved.body[0].mac, MAC);
    });

    it('answers bad credentials with 401 and a readable error that does not echo the password', async () => {
      await helper.load([accountNode], [account()], goodCredentials);
      const res = await helper.request().post('/navien-account/devices')
        .send({ email: DEFAULT_EMAIL, password: 'nope-secret', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })
        .expect(401);
      assert.ok(typeof res.body.error === 'string' && res.body.error.length > 0);
      assert.doesNotMatch(JSON.stringify(res.body), /nope-secret/);
      const missing = await helper.request().post('/navien-account/devices').send({ email: DEFAULT_EMAIL }).expect(400);
      assert.ok(missing.body.error);
    });

    it('answers an unreachable cloud with 502 and an unknown account with 404', async () => {
      await helper.load([accountNode], [account()], goodCredentials);
      sim.failRest('/user/sign-in', { status: 500, times: 1 });
      const down = await helper.request().post('/navien-account/devices')
        .send({ email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD, apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile })
        .expect(502);
      assert.match(down.body.error, /500/);
      await helper.request().get('/navien-account/nope/devices').expect(404);
    });
  });
});
