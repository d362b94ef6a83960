/**
 * A redeploy inside one Node-RED process reuses the account's client id, so the new connection must never be open
 * while the old one still is: the broker (like AWS IoT) would kick one of them off. The hard case is an old
 * connection that cannot finish closing within the close handler's time limit because it is in the middle of a slow
 * sign-in (real Node-RED via the test helper, the simulator's REST slowed down).
 */
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD, NavilinkSimulator } from '../../../tools/simulator/simulator';
import { delay, waitFor } from '../../helpers/wait';
import { MAC, useSimulator, useTestServer } from '../flow-helper';

helper.init(require.resolve('node-red'));

/** Longer than the account node's close limit (8 s), so Node-RED moves on while the old sign-in still runs. */
const SLOW_REST_MS = 11_000;

interface AccountLike extends Node {
  connection?: { clientId: string; state: { phase: string }; diagnostics: { metrics(): { drops: number } } };
}

describe('a redeploy during a slow sign-in (test helper, simulator)', function () {
  this.timeout(90_000);
  const simulator = useSimulator({ speed: 0 });
  useTestServer(() => simulator().delayRest(0));
  let sim: NavilinkSimulator;
  beforeEach(() => {
    sim = simulator();
  });

  const deploy = () => helper.load([accountNode, statusNode], [
    { id: 'acc', type: 'navien-account', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: sim.caFile },
    { id: 'st', type: 'navien-status', account: 'acc', device: MAC, unit: 'C', interval: '0', output: 'all', wires: [[]] },
  ], { acc: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });

  it('never has two connections with the same client id: the new one is not kicked off by the old one', async () => {
    const connects: string[] = [];
    sim.on('connect', (e: { clientId: string }) => connects.push(e.clientId));
    sim.delayRest(SLOW_REST_MS);
    await deploy();
    const old = helper.getNode('acc') as AccountLike;
    await delay(300); // the old connection's sign-in is under way
    const clientId = old.connection?.clientId as string;
    const unloaded = helper.unload();
    sim.delayRest(0); // the new deploy's sign-in is fast; the old one's reply is still 11 s away
    await unloaded;
    await deploy();
    const fresh = helper.getNode('acc') as AccountLike;
    await waitFor(() => fresh.connection?.state.phase === 'connected', 'the new connection', 30_000);
    assert.equal(fresh.connection?.clientId, clientId, 'one process, one account: the same client id after a redeploy');
    // Past the moment the old sign-in returns (and would have connected).
    await delay(SLOW_REST_MS + 2_000);
    assert.equal(fresh.connection?.state.phase, 'connected');
    assert.equal(fresh.connection?.diagnostics.metrics().drops, 0, 'the new connection was never dropped');
    assert.deepEqual(connects.filter((id) => id === clientId), [clientId], 'exactly one connection under this client id');
    assert.deepEqual(sim.connectedClientIds().filter((id) => id === clientId), [clientId]);
  });
});
