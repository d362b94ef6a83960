/**
 * An IoT endpoint with a space, deployed through the account node: the nodes show a clear configuration error, and no
 * state, status or log ever holds the presigned URL that the WebSocket library would quote (real Node-RED via the test
 * helper, the simulator's REST for the sign-in, the pure-JavaScript transport that feeds the URL to `ws`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'node-red';
import helper = require('node-red-node-test-helper');
import accountNode = require('../../../src/nodes/navien-account');
import statusNode = require('../../../src/nodes/navien-status');
import { DEFAULT_EMAIL, DEFAULT_PASSWORD } from '../../../tools/simulator/simulator';
import { CA_FILE_UNUSABLE } from '../../../src/shared/ca-file';
import { delay, waitFor } from '../../helpers/wait';
import { useSimulator, useTestServer } from '../flow-helper';

helper.init(require.resolve('node-red'));

interface State {
  phase: string;
  error?: string;
}
interface AccountLike extends Node {
  state: State;
  register(user: { id: string; onState(s: State): void }): void;
  deregister(user: { id: string }): Promise<void>;
}

describe('an IoT endpoint with a space (test helper, simulator, JS transport)', function () {
  this.timeout(60_000);
  let savedTransport: string | undefined;

  before(() => {
    savedTransport = process.env.NAVIEN_MQTT_TRANSPORT;
    process.env.NAVIEN_MQTT_TRANSPORT = 'js';
  });
  after(() => {
    if (savedTransport === undefined) delete process.env.NAVIEN_MQTT_TRANSPORT;
    else process.env.NAVIEN_MQTT_TRANSPORT = savedTransport;
  });
  const simulator = useSimulator({ speed: 0 });
  useTestServer();

  it('is a configuration error naming the field; no presigned URL reaches a state, status or log', async () => {
    const sim = simulator();
    const badEndpoint = sim.iotEndpoint.replace(':', ' :');
    await helper.load([accountNode, statusNode], [
      { id: 'acc', type: 'navien-account', apiUrl: sim.apiUrl, iotEndpoint: badEndpoint, caFile: sim.caFile },
      { id: 'st', type: 'navien-status', account: 'acc', device: '0a1b2c3d4e5f', unit: 'C', interval: '0', output: 'all', wires: [[]] },
    ], { acc: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });
    const account = helper.getNode('acc') as AccountLike;
    // A user of the account hears the current state at once and every change after it, as the status node does.
    const states: State[] = [];
    const probe = { id: 'probe', onState: (s: State) => states.push({ ...s }) };
    account.register(probe);
    try {
      await waitFor(() => states.some((s) => s.error), 'a state with an error', 20_000);
      await delay(1_500); // a reconnect loop (the old behaviour) shows a few more states meanwhile
      const logged = JSON.stringify((helper as unknown as { log(): { args: unknown[] } }).log().args);
      assert.doesNotMatch(JSON.stringify(states) + logged, /X-Amz-|Signature=|Security-Token/i, 'the presigned query leaked');
      assert.equal(account.state.phase, 'config-error', `state ${JSON.stringify(account.state)}`);
      // The status nodes show a config error's text as their red status (connectionStatus), and the account logs it.
      assert.match(account.state.error ?? '', /IoT endpoint must be a host name or host:port/);
      assert.match(logged, /IoT endpoint must be a host name or host:port/);
      assert.equal(sim.connectAttempts, 0, 'nothing was sent to the broker');
    } finally {
      await account.deregister(probe);
    }
  });
});

describe('a deployed account whose caFile is not a CA file (test helper, simulator)', function () {
  this.timeout(60_000);
  const simulator = useSimulator({ speed: 0 });
  useTestServer();

  for (const [what, caFile] of [['a FIFO', () => fifo], ['/dev/zero', () => '/dev/zero']] as const) {
    it(`${what}: a configuration error with the one generic text, and the runtime keeps running`, async () => {
      const sim = simulator();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      try {
        await helper.load([accountNode, statusNode], [
          { id: 'acc', type: 'navien-account', apiUrl: sim.apiUrl, iotEndpoint: sim.iotEndpoint, caFile: caFile() },
          { id: 'st', type: 'navien-status', account: 'acc', device: '0a1b2c3d4e5f', unit: 'C', interval: '0', output: 'all', wires: [[]] },
        ], { acc: { email: DEFAULT_EMAIL, password: DEFAULT_PASSWORD } });
        const account = helper.getNode('acc') as AccountLike;
        await waitFor(() => account.state.phase === 'config-error', 'a configuration error');
        assert.equal(account.state.error, CA_FILE_UNUSABLE);
        const before = ticks;
        await delay(50);
        assert.ok(ticks > before, 'timers still run');
        assert.equal(sim.signInCount, 0, 'nothing was sent without the trust the user asked for');
      } finally {
        clearInterval(ticker);
      }
    });
  }

  let fifo = '';
  before(() => {
    fifo = join(mkdtempSync(join(tmpdir(), 'navien-account-ca-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
});
