import assert from 'node:assert/strict';
import type { Node, NodeMessage } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { delay, waitFor } from '../../helpers/wait';

helper.init(require.resolve('node-red'));

const MAC = '0a1b2c3d4e5f';

/**
 * The "done when": a flow keeps emitting status through each fault without anyone touching it.
 * One deployed flow lives through every fault in turn; after each, a status the device pushes must
 * come out of the node.
 */
describe('a deployed status flow keeps emitting through every connection fault', function () {
  this.timeout(180_000);
  let sim: NavilinkSimulator;
  const received: NodeMessage[] = [];

  before(async () => {
    sim = await NavilinkSimulator.start({ speed: 0 });
    await new Promise<void>((resolve) => helper.startServer(resolve));
    await helper.load([accountNode, statusNode], [
      { id: 'acc', type: 'navien-account', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile },
      { id: 'st', type: 'navien-status', account: 'acc', device: MAC, unit: 'F', interval: '0', output: 'changes', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ], { acc: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });
    (helper.getNode('out') as Node).on('input', (msg: NodeMessage) => received.push(msg));
    const account = helper.getNode('acc') as Node & { connection?: { state: { phase: string } } };
    await waitFor(() => account.connection?.state.phase === 'connected', 'connected');
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await sim?.stop();
  });

  let charge = 50;
  /** Pushes a new tank charge from the device and waits for the node to emit it. */
  async function pushedStatusArrives(what: string): Promise<void> {
    charge++;
    const target = charge;
    await waitFor(async () => {
      sim.device(MAC).setStatus({ dhwChargePer: target }, true);
      await delay(300);
      return received.some((m) => (m.payload as { tankCharge?: number }).tankCharge === target);
    }, `a status with tankCharge ${target} after ${what}`, 90_000, 700);
  }

  it('before any fault', async () => {
    await pushedStatusArrives('deploy');
  });

  it('after the broker drops every connection', async () => {
    sim.dropAllConnections();
    await pushedStatusArrives('a dropped connection');
  });

  it('after the broker is down for 5 s', async () => {
    await sim.stopBroker();
    await delay(5_000);
    await sim.startBroker();
    await pushedStatusArrives('a 5 s outage');
  });

  it('after its AWS credentials are revoked', async () => {
    sim.revokeCredentials();
    await pushedStatusArrives('revoked credentials');
  });

  it('after its credentials expire and the connection drops', async () => {
    sim.expireCredentials(undefined, { disconnect: true });
    await pushedStatusArrives('expired credentials');
  });

  it('after REST 500s during the deep reconnect', async () => {
    sim.failRest('/user/sign-in', { status: 500, times: 2 });
    sim.revokeCredentials();
    await pushedStatusArrives('REST 500s during a deep reconnect');
  });

  it('after REST access tokens expire (device list refresh signs in again)', async () => {
    sim.expireAccessTokens();
    sim.revokeRefreshTokens();
    sim.revokeCredentials();
    await pushedStatusArrives('expired REST tokens');
    assert.ok(received.every((m) => m.topic === `navien/${MAC}/status`));
  });
});
